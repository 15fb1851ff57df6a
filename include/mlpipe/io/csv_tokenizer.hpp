#pragma once
// The CSV syntax: splitting a stretch of text into records and fields (RFC 4180 quoting,
// blanks around unquoted fields, LF/CRLF/CR line ends, blank lines skipped), and finding
// record boundaries by the parity of quote characters, so that a window of a file can be
// cut into pieces that are parsed independently.
//
// A Scanner works on part of the input and counts lines from the part's first line, so the
// errors it finds (ScanError) carry relative line numbers; the reader, which knows how many
// lines came before the part, turns them into csv_errors. When the part ends where later
// text could still change the outcome (inside a field, or between "\r" and a possible
// "\n"), the Scanner throws NeedMoreText instead of guessing.

#include <mlpipe/detail/text.hpp>
#include <mlpipe/error.hpp>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mlpipe::detail::csv {

using detail::excerpt;
using detail::is_blank;
using detail::trim;

// An error found by a Scanner or a column sink; `line` counts from the scanned part's first line.
struct ScanError {
    std::size_t line = 0;          // 1-based, relative; 0 when unknown
    std::size_t column = 0;        // 1-based field index; 0 when none
    std::string what;              // the message after "source:line: column c ('name'): "
    std::size_t record_fields = 0;  // for a wrong field count: the record's fields (the message names the line)
};

// The scanned part ended inside a record: more text is needed to tell what it is.
struct NeedMoreText {};

// What lies after the end of the part being scanned.
enum class PartEnd : unsigned char {
    input_end,        // nothing: the end of the input
    record_boundary,  // the part was cut just after a line end, outside quotes
    unknown,          // anything (a window's end before its records were cut)
};

// Strings that never move once added, so views into them stay valid as more are added; no
// memory is taken until the first (a one-row request body has none: a deque would allocate
// twice on construction).
class StableStrings {
public:
    template <class... Args>
    std::string& emplace_back(Args&&... args) {
        if (!strings_) strings_ = std::make_unique<std::deque<std::string>>();
        return strings_->emplace_back(std::forward<Args>(args)...);
    }
    std::size_t size() const noexcept { return strings_ ? strings_->size() : 0; }
    void clear() noexcept {
        if (strings_) strings_->clear();
    }
    // The strings in the order added, moved out; empty afterwards.
    std::vector<std::string> take() {
        std::vector<std::string> out;
        if (!strings_) return out;
        out.reserve(strings_->size());
        for (auto& s : *strings_) out.push_back(std::move(s));
        strings_.reset();
        return out;
    }

private:
    std::unique_ptr<std::deque<std::string>> strings_;
};

struct Field {
    std::string_view text;  // the value: unquoted fields trimmed, quoted ones unescaped and verbatim
    std::size_t line;       // 1-based (relative) line where the field starts
    bool quoted;
};

class Scanner {
public:
    // Fields with "" escapes are unescaped into `unescaped`.
    Scanner(std::string_view text, char delimiter, PartEnd end, StableStrings& unescaped) noexcept
        : begin_(text.data()), pos_(text.data()), end_(text.data() + text.size()), delimiter_(delimiter),
          part_end_(end), unescaped_(unescaped) {}

    std::size_t line() const noexcept { return line_; }
    std::size_t offset() const noexcept { return static_cast<std::size_t>(pos_ - begin_); }
    const char* cursor() const noexcept { return pos_; }
    const char* end() const noexcept { return end_; }
    void move_to(const char* position) noexcept { pos_ = position; }

    // Skips blank lines; false when the part holds no further record.
    bool start_record() {
        while (pos_ < end_ && (*pos_ == '\n' || *pos_ == '\r')) consume_line_end();
        return pos_ < end_;
    }

    // After a field: consumes the delimiter (false: another field follows) or the line end
    // (true: the record is complete).
    bool end_field() {
        if (pos_ >= end_) {
            if (part_end_ == PartEnd::input_end) return true;
            throw NeedMoreText{};
        }
        if (*pos_ == delimiter_) {
            ++pos_;  // a delimiter is always followed by one more field, maybe empty
            return false;
        }
        consume_line_end();
        return true;
    }

    // A field that is not quoted and is followed by the delimiter or a line end right away
    // (the common case, tried first by the numeric fast path) needs none of read_field's
    // checks: a delimiter, line end or quote cannot be inside it.
    bool is_field_end(const char* p) const noexcept {
        return p < end_ && (*p == delimiter_ || *p == '\n' || *p == '\r');
    }

    // `keep_text` false: the caller drops the field (an extra field, a first record that is
    // only counted), so a quoted field's "" escapes are checked but not unescaped into a
    // string kept for the part's lifetime; the text returned is then the raw content.
    Field read_field(std::size_t field_index, bool keep_text = true) {
        const char* cursor = pos_;
        while (cursor < end_ && is_outer_blank(*cursor)) ++cursor;
        if (cursor < end_ && *cursor == '"') {
            pos_ = cursor;
            return read_quoted(field_index, keep_text);
        }
        const char* start = pos_;
        const char* stop = cursor;
        bool has_quote = false;
        for (; stop < end_ && !ends_field(*stop); ++stop) has_quote |= *stop == '"';
        if (stop == end_ && part_end_ != PartEnd::input_end) throw NeedMoreText{};
        const std::string_view raw(start, static_cast<std::size_t>(stop - start));
        if (has_quote)
            fail(line_, field_index,
                 "quote character inside an unquoted field: " + excerpt(raw) +
                     " (quote the whole field and double the quotes inside it)");
        pos_ = stop;
        return Field{trim(raw), line_, false};
    }

    [[noreturn]] static void fail(std::size_t line, std::size_t field_index, std::string what) {
        throw ScanError{line, field_index + 1, std::move(what), 0};
    }

private:
    // Blanks outside quotes; the delimiter itself is never one (tab- or space-separated files).
    bool is_outer_blank(char c) const noexcept { return is_blank(c) && c != delimiter_; }
    bool ends_field(char c) const noexcept { return c == delimiter_ || c == '\n' || c == '\r'; }

    // At '\n', "\r\n" or a lone '\r'.
    void consume_line_end() {
        if (*pos_ == '\r') {
            if (pos_ + 1 < end_) {
                if (pos_[1] == '\n') ++pos_;
            } else if (part_end_ == PartEnd::unknown) {
                throw NeedMoreText{};  // a "\n" may follow in the next window
            }
        }
        ++pos_;
        ++line_;
    }

    const char* end_of_raw_field(const char* from) const noexcept {
        while (from < end_ && !ends_field(*from)) ++from;
        return from;
    }

    // pos_ is at the opening quote.
    Field read_quoted(std::size_t field_index, bool keep_text) {
        const std::size_t open_line = line_;
        const char* open = pos_;
        const char* content_start = ++pos_;
        bool has_escapes = false;
        while (true) {
            const char* quote = static_cast<const char*>(std::memchr(pos_, '"', static_cast<std::size_t>(end_ - pos_)));
            const char* stop = quote != nullptr ? quote : end_;
            count_lines_in_quotes(pos_, stop);
            pos_ = stop;
            if (quote == nullptr) {
                if (part_end_ != PartEnd::input_end) throw NeedMoreText{};
                fail(open_line, field_index,
                     "quoted field is never closed: " + excerpt(std::string_view(open, static_cast<std::size_t>(end_ - open))));
            }
            if (pos_ + 1 >= end_ && part_end_ != PartEnd::input_end) throw NeedMoreText{};  // "" across the cut?
            if (pos_ + 1 < end_ && pos_[1] == '"') {
                has_escapes = true;
                pos_ += 2;
                continue;
            }
            break;
        }
        std::string_view content(content_start, static_cast<std::size_t>(pos_ - content_start));
        ++pos_;  // the closing quote
        const char* cursor = pos_;
        while (cursor < end_ && is_outer_blank(*cursor)) ++cursor;
        if (cursor >= end_ && part_end_ != PartEnd::input_end) throw NeedMoreText{};
        if (cursor < end_ && !ends_field(*cursor)) {
            const char* stop = end_of_raw_field(cursor);
            if (stop == end_ && part_end_ != PartEnd::input_end) throw NeedMoreText{};
            fail(open_line, field_index,
                 "text after the closing quote of a quoted field: " +
                     excerpt(std::string_view(open, static_cast<std::size_t>(stop - open))));
        }
        pos_ = cursor;
        if (has_escapes && keep_text) {
            std::string& unescaped = unescaped_.emplace_back();
            unescaped.reserve(content.size());
            for (std::size_t i = 0; i < content.size(); ++i) {
                unescaped.push_back(content[i]);
                if (content[i] == '"') ++i;  // quotes come in pairs here; keep one
            }
            content = unescaped;
        }
        return Field{content, open_line, true};
    }

    // Line breaks inside quotes count, so later line numbers stay physical: '\n', and '\r'
    // unless a '\n' follows (a '\r' at the very end of the input counts).
    void count_lines_in_quotes(const char* from, const char* to) noexcept {
        for (const char* p = from; p < to; ++p) {
            if (*p == '\n') ++line_;
            else if (*p == '\r' && (p + 1 >= end_ || p[1] != '\n')) ++line_;
        }
    }

    const char* begin_;
    const char* pos_;
    const char* end_;
    char delimiter_;
    PartEnd part_end_;
    StableStrings& unescaped_;
    std::size_t line_ = 1;
};

// ---------------------------------------------------------------------------------------------
// Record boundaries. A boundary is the position just after a line end that lies outside
// quotes; `text` must begin at a record start. A quote toggles "inside quotes" (an escaped
// "" toggles twice), which is exact for every text the Scanner accepts; in text it rejects
// the cuts after the first bad quote may be wrong, but the piece holding that quote reports
// its error first, so no wrong cut is ever acted on.
// ---------------------------------------------------------------------------------------------

inline std::size_t count_quotes(const char* from, const char* to) noexcept {
    std::size_t count = 0;
    while (from < to) {
        const void* quote = std::memchr(from, '"', static_cast<std::size_t>(to - from));
        if (quote == nullptr) break;
        ++count;
        from = static_cast<const char*>(quote) + 1;
    }
    return count;
}

// The last boundary of `text`, or 0 when it holds none. A '\r' ending the text is a boundary
// only when `text` ends the input (otherwise a '\n' may follow). `has_quotes`: whether the
// text holds a quote at all (most numeric files hold none, and then no counting is needed).
inline std::size_t last_record_end(std::string_view text, bool input_ends, bool has_quotes) noexcept {
    const char* data = text.data();
    std::size_t quotes_before = has_quotes ? count_quotes(data, data + text.size()) : 0;
    for (std::size_t i = text.size(); i-- > 0;) {
        const char c = data[i];
        if (c == '"') {
            --quotes_before;
        } else if ((c == '\n' || c == '\r') && quotes_before % 2 == 0) {
            if (c == '\r' && i + 1 == text.size() && !input_ends) continue;
            return i + 1;
        }
    }
    return 0;
}

// The first boundary at or after `from` (where the quote parity is `inside_quotes`) and not
// after `limit`, itself a boundary; returns `limit` when there is none before it.
inline std::size_t next_record_end(std::string_view text, std::size_t from, bool inside_quotes,
                                   std::size_t limit) noexcept {
    const char* data = text.data();
    for (std::size_t i = from; i < limit; ++i) {
        const char c = data[i];
        if (c == '"') {
            inside_quotes = !inside_quotes;
        } else if (!inside_quotes && (c == '\n' || c == '\r')) {
            if (c == '\r' && i + 1 < limit && data[i + 1] == '\n') ++i;
            return i + 1;
        }
    }
    return limit;
}

// Cuts text[0, limit) (limit a boundary) into pieces of about `piece_bytes` at boundaries;
// returns the piece ends, the last one `limit`.
inline std::vector<std::size_t> cut_pieces(std::string_view text, std::size_t limit, std::size_t piece_bytes,
                                           bool has_quotes) {
    std::vector<std::size_t> ends;
    std::size_t start = 0;
    bool inside_quotes = false;
    while (start < limit) {
        const std::size_t target = start + piece_bytes;
        if (target >= limit) break;
        if (has_quotes) inside_quotes ^= count_quotes(text.data() + start, text.data() + target) % 2 != 0;
        const std::size_t cut = next_record_end(text, target, inside_quotes, limit);
        if (cut >= limit) break;
        ends.push_back(cut);
        // Parity at `cut`: the quotes between target and cut were counted by next_record_end's
        // scan, which stops outside quotes.
        inside_quotes = false;
        start = cut;
    }
    ends.push_back(limit);
    return ends;
}

}  // namespace mlpipe::detail::csv
