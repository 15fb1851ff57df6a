#pragma once
// The CSV reader behind parse_csv and read_csv: the input is taken a window at a time (text in
// memory is viewed, a file is read into a buffer of window_bytes; the file is never held
// whole), each window is cut at record boundaries into pieces, the pieces are parsed in
// parallel on the shared ThreadPool into piece columns, and the pieces are appended to the
// columns in file order. While one window is parsed, the next one is read (and inflated)
// by one more task of the same run.
//
// The result does not depend on the thread count or the window size:
//   - values and dictionaries: pieces are appended in file order;
//   - kinds: a column is numeric when every value that is not missing is a number. When text
//     turns up in a column read as numbers so far, the window is parsed again with that
//     column categorical if every earlier value was missing (their codes are all missing);
//     otherwise the numbers' texts are gone, so the reader goes on to the end of the input
//     only to find every such column and the first error, then reads the input once more
//     from the start with those columns categorical (rare: a column whose first text comes
//     in a later window than its first number; text in memory is parsed again, a file is
//     rewound, and a pipe, which cannot be, is an error that says which columns to force);
//   - errors: the first error in file order among the syntax errors and wrong field counts
//     (the pieces before the first failing piece all parsed cleanly, so its line numbers are
//     exact), and only after a clean pass, the first non-number of the leftmost forced-numeric
//     column that has one, as the one-pass reader reported them. A damaged gzip file (truncated,
//     corrupt) is reported as such, even when the data before the damage has errors too: before
//     reporting an error in the data, the reader inflates the rest of the file to check it.

#include <mlpipe/detail/huge_page_allocator.hpp>
#include <mlpipe/detail/text.hpp>
#include <mlpipe/error.hpp>
#include <mlpipe/frame/column.hpp>
#include <mlpipe/frame/frame.hpp>
#include <mlpipe/io/byte_source.hpp>
#include <mlpipe/io/csv_columns.hpp>
#include <mlpipe/io/csv_tokenizer.hpp>
#include <mlpipe/parallel/thread_pool.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <new>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mlpipe::detail::csv {

// 4 MiB: the piece columns of a window stay in the caches; larger windows measured slower here.
inline constexpr std::size_t default_window_bytes = std::size_t{4} << 20;
inline constexpr std::size_t parallel_merge_bytes = std::size_t{1} << 20;  // smaller windows merge on one thread

// What the reader takes from CsvOptions (csv.hpp), checked there.
// CsvOptions as the reader takes them: views of the caller's lists, which outlive the reader
// (copying them would cost a small request's parse a dozen allocations).
struct ReaderConfig {
    using Kinds = std::map<std::string, ColumnKind, std::less<>>;
    char delimiter = ',';
    bool header = true;
    std::span<const std::string> column_names;
    std::span<const std::string> missing_values;
    const Kinds* column_kinds = nullptr;  // none: no kind forced
    std::size_t threads = 0;       // 0: the pool's
    std::size_t window_bytes = 0;  // 0: default_window_bytes
    NumericType numeric_type = NumericType::float64;
    std::span<const std::string> float64_columns;
    std::string_view column_name_prefix;  // names the fields after column_names (header == false)
};

// The input, one window at a time: a view of text in memory, or a file read through a
// ByteSource into two buffers (the next window is read while the current one is parsed).
class TextWindows {
public:
    TextWindows(std::string_view text, std::size_t window_bytes) : text_(text), window_bytes_(window_bytes) {}
    TextWindows(ByteSource& source, std::size_t window_bytes) : source_(&source), window_bytes_(window_bytes) {}

    // Loads the first window, from the beginning of the input (again, for a second pass).
    void start() {
        if (source_ == nullptr) {
            window_ = {0, std::min(text_.size(), window_bytes_)};
            return;
        }
        if (started_) source_->rewind();
        started_ = true;
        Buffer& buffer = buffers_[current_];
        buffer.begin = buffer.end = 0;
        buffer.input_end = false;
        buffer.failure = nullptr;
        read_into(buffer, window_bytes_);
    }

    std::string_view window() const noexcept {
        if (source_ == nullptr) return text_.substr(window_.first, window_.second);
        const Buffer& buffer = buffers_[current_];
        return {buffer.data.get() + buffer.begin, buffer.end - buffer.begin};
    }

    // The window reaches the end of the input.
    bool at_input_end() const noexcept {
        if (source_ == nullptr) return window_.first + window_.second == text_.size();
        return buffers_[current_].input_end;
    }

    // Reading stopped with this error just after the window's bytes.
    std::exception_ptr failure() const noexcept { return source_ == nullptr ? nullptr : buffers_[current_].failure; }

    // Drops the first `bytes` of the window (a byte order mark, the header record).
    void skip(std::size_t bytes) noexcept {
        if (source_ == nullptr) {
            window_.first += bytes;
            window_.second -= bytes;
        } else {
            buffers_[current_].begin += bytes;
        }
    }

    // Appends at least a window's worth of bytes to the current window (doubling it, so that
    // a record longer than a window costs linear time).
    void grow() {
        const std::size_t more = std::max(window_bytes_, window().size());
        if (source_ == nullptr) {
            window_.second = std::min(text_.size() - window_.first, window_.second + more);
            return;
        }
        read_into(buffers_[current_], more);
    }

    // Prepares the next window: the current one from `consumed` on, plus a window's worth of
    // new bytes. Touches only the other buffer, so it runs while the current one is parsed;
    // a read error is kept for failure(), to be reported after the bytes before it.
    void prepare_next(std::size_t consumed) noexcept {
        if (source_ == nullptr) {
            const std::size_t start = window_.first + consumed;
            next_window_ = {start, std::min(text_.size() - start, window_.second - consumed + window_bytes_)};
            return;
        }
        const Buffer& current = buffers_[current_];
        Buffer& next = buffers_[1 - current_];
        const std::size_t tail = current.end - current.begin - consumed;
        next.begin = next.end = 0;
        next.input_end = false;
        next.failure = nullptr;
        try {
            reserve(next, tail + window_bytes_);
            if (tail > 0) std::memcpy(next.data.get(), current.data.get() + current.begin + consumed, tail);
            next.end = tail;
        } catch (...) {
            next.failure = std::current_exception();
            return;
        }
        read_into(next, window_bytes_);
    }

    void advance() noexcept {
        if (source_ == nullptr) window_ = next_window_;
        else current_ = 1 - current_;
    }

    // For gzip input, reads the rest of the file to make sure it is intact: throws the read
    // error there is, if any. The reader calls it before reporting an error in the data.
    void check_rest() {
        if (source_ == nullptr || !source_->is_gzip()) return;
        for (const Buffer& buffer : buffers_)
            if (buffer.failure) std::rethrow_exception(buffer.failure);
        const std::size_t size = std::size_t{1} << 16;
        const std::unique_ptr<char[]> scratch(new char[size]);
        while (source_->read(scratch.get(), size) > 0) {
        }
    }

    // The input's size in content bytes (inflated for gzip: estimated from the ratio so
    // far); 0 when unknown.
    std::uintmax_t estimated_size() const noexcept {
        if (source_ == nullptr) return text_.size();
        if (!source_->is_gzip()) return source_->file_size();
        if (source_->raw_bytes() == 0) return 0;
        return static_cast<std::uintmax_t>(static_cast<double>(source_->file_size()) *
                                           static_cast<double>(source_->content_bytes()) /
                                           static_cast<double>(source_->raw_bytes()));
    }

private:
    struct Buffer {
        std::unique_ptr<char[], HugePageArrayDeleter<char>> data;
        std::size_t capacity = 0;
        std::size_t begin = 0;
        std::size_t end = 0;
        bool input_end = false;
        std::exception_ptr failure;
    };

    static void reserve(Buffer& buffer, std::size_t bytes) {
        if (buffer.capacity >= bytes) return;
        // An eighth more: the part of a record cut at a window's end, carried into the next
        // window, varies in size, and a buffer made anew for a few more bytes is new memory
        // to fault in (a thousand 4 KiB pages for 4 MiB).
        bytes += std::min(bytes / 8, static_cast<std::size_t>(-1) - bytes);
        std::unique_ptr<char[], HugePageArrayDeleter<char>> data(HugePageAllocator<char>().allocate(bytes),
                                                                 HugePageArrayDeleter<char>{bytes});
        if (buffer.end > buffer.begin)
            std::memcpy(data.get(), buffer.data.get() + buffer.begin, buffer.end - buffer.begin);
        buffer.end -= buffer.begin;
        buffer.begin = 0;
        buffer.data = std::move(data);
        buffer.capacity = bytes;
    }

    void read_into(Buffer& buffer, std::size_t bytes) noexcept {
        try {
            if (buffer.capacity - buffer.end < bytes) {
                if (buffer.begin > 0 && buffer.capacity - (buffer.end - buffer.begin) >= bytes) {
                    std::memmove(buffer.data.get(), buffer.data.get() + buffer.begin, buffer.end - buffer.begin);
                    buffer.end -= buffer.begin;
                    buffer.begin = 0;
                } else {
                    reserve(buffer, buffer.end - buffer.begin + bytes);
                }
            }
            // Until `bytes` or the end: a short read may also be the bytes before a failure,
            // which the next read throws.
            for (std::size_t got = 1; bytes > 0 && got > 0; bytes -= got) {
                got = source_->read(buffer.data.get() + buffer.end, bytes);
                buffer.end += got;
                buffer.input_end = got == 0;
            }
        } catch (...) {
            buffer.failure = std::current_exception();
        }
    }

    std::string_view text_;
    std::pair<std::size_t, std::size_t> window_{0, 0};       // offset and size in text_
    std::pair<std::size_t, std::size_t> next_window_{0, 0};
    ByteSource* source_ = nullptr;
    std::size_t window_bytes_;
    Buffer buffers_[2];
    int current_ = 0;
    bool started_ = false;
};

class CsvReader {
public:
    CsvReader(TextWindows& windows, ReaderConfig config, std::string source)
        : windows_(windows),
          config_(std::move(config)),
          source_(std::move(source)),
          missing_(config_.missing_values),
          plan_(config_.delimiter) {
        if (config_.window_bytes == 0) config_.window_bytes = default_window_bytes;
        threads_ = config_.threads == 0 ? ThreadPool::shared().size() : config_.threads;
        plan_.missing = &missing_;
        for (const auto& token : missing_.tokens()) {
            double ignored = 0.0;
            const char* end = token.data() + token.size();
            if (parse_plain_number(token.data(), end, ignored) == end) plan_.plain_numbers_may_be_missing = true;
        }
    }

    Frame read() {
        try {
            return read_passes();
        } catch (const csv_error&) {
            windows_.check_rest();  // a damaged gzip file is reported as such, not by the garbage in it
            throw;
        } catch (const std::bad_alloc&) {
            // Memory is the columns read so far plus about three windows; a window holds at
            // least the longest record, so a huge line is the usual cause. Say which input.
            throw csv_error(source_, 0, 0, "",
                            "out of memory while reading (" + std::to_string(names_.size()) + " columns, a window of " +
                                std::to_string(windows_.window().size()) +
                                " bytes, which must hold the longest record)");
        }
    }

private:
    Frame read_passes() {
        windows_.start();
        while (true) {
            std::optional<Frame> frame = read_pass();
            if (frame) return std::move(*frame);
            try {
                windows_.start();  // again from the first byte
            } catch (const error& failure) {
                std::vector<std::string> columns;
                for (std::size_t i = 0; i < names_.size(); ++i)
                    if (text_columns_[i] && !forced_[i]) columns.push_back(names_[i]);
                throw error(std::string(failure.what()) + "; it must be read twice because column(s) " +
                            detail::quoted_list(columns) +
                            " hold text after numbers: force them categorical in CsvOptions::column_kinds");
            }
        }
    }

    // The first record. Nothing per field but the texts, and those only for a header: a long
    // first line of data (header = false) is only counted, so it costs no memory per field.
    struct FirstRecord {
        bool found = false;
        std::size_t fields = 0;
        std::vector<std::string> texts;  // the fields, when kept (a header)
        // (field index, line) where a field starts on a later line than the one before it
        // (after a quoted line break): rare, so the line of every field costs nothing.
        std::vector<std::pair<std::size_t, std::size_t>> line_changes;
        std::size_t line = 0;       // where the record starts
        std::size_t bytes = 0;      // through its line end
        std::size_t next_line = 1;  // the line after it

        std::size_t line_of(std::size_t field) const noexcept {
            std::size_t result = line;
            for (const auto& [index, changed] : line_changes) {
                if (index > field) break;
                result = changed;
            }
            return result;
        }
    };

    csv_error to_error(const ScanError& failure, std::size_t first_line, bool named = true) const {
        const std::size_t line = failure.line == 0 ? 0 : failure.line + first_line - 1;
        if (failure.record_fields > 0)
            return csv_error(source_, line, failure.column, "",
                             "line " + std::to_string(line) + " has " + std::to_string(failure.record_fields) +
                                 " fields, expected " + std::to_string(names_.size()));
        std::string name;
        if (named && failure.column > 0 && failure.column - 1 < names_.size()) name = names_[failure.column - 1];
        return csv_error(source_, line, failure.column, name, failure.what);
    }

    // The first record (the header, or the first data record), growing the window until it
    // holds the whole record or the input ends.
    FirstRecord read_first_record(bool keep_texts) {
        while (true) {
            const std::string_view text = windows_.window();
            const PartEnd end = windows_.at_input_end() ? PartEnd::input_end : PartEnd::unknown;
            StableStrings unescaped;
            Scanner scanner(text, config_.delimiter, end, unescaped);
            FirstRecord record;
            try {
                if (!scanner.start_record()) {
                    if (end == PartEnd::input_end) return record;
                    throw NeedMoreText{};  // only blank lines so far
                }
                record.found = true;
                record.line = scanner.line();
                std::size_t last_line = record.line;
                for (std::size_t index = 0;; ++index) {
                    const Field field = scanner.read_field(index, keep_texts);
                    if (keep_texts) record.texts.emplace_back(field.text);
                    if (field.line != last_line) record.line_changes.emplace_back(index, field.line);
                    last_line = field.line;
                    ++record.fields;
                    if (scanner.end_field()) break;
                }
                record.bytes = scanner.offset();
                record.next_line = scanner.line();
                return record;
            } catch (const ScanError& failure) {
                throw to_error(failure, 1, false);
            } catch (const NeedMoreText&) {
            }
            if (windows_.failure()) std::rethrow_exception(windows_.failure());
            windows_.grow();
        }
    }

    // The first empty or repeated name, in column order. Sorted indices rather than a hash
    // set of the names: 8 bytes per column of a wide header.
    void check_names(const FirstRecord* header) const {
        const std::size_t none = names_.size();
        std::size_t first_empty = none;
        for (std::size_t i = 0; i < names_.size() && first_empty == none; ++i)
            if (names_[i].empty()) first_empty = i;
        std::vector<std::size_t> order(names_.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            const int compared = names_[a].compare(names_[b]);
            return compared != 0 ? compared < 0 : a < b;
        });
        std::size_t first_repeat = none, first_seen = none;  // first_seen: the earlier column of that name
        for (std::size_t k = 1; k < order.size(); ++k) {
            const std::size_t i = order[k];
            if (names_[i] == names_[order[k - 1]] && !names_[i].empty() && order[k - 1] < i &&
                (first_repeat == none || i < first_repeat) && (k < 2 || names_[order[k - 2]] != names_[i])) {
                first_repeat = i;
                first_seen = order[k - 1];
            }
        }
        const char* where = header != nullptr ? "in the header"
                            : config_.column_name_prefix.empty()
                                ? "in options.column_names"
                                : "in options.column_names and column_name_prefix";
        if (first_empty < first_repeat) {
            const std::size_t line = header != nullptr ? header->line_of(first_empty) : 0;
            throw csv_error(source_, line, first_empty + 1, "", std::string("empty column name ") + where);
        }
        if (first_repeat != none) {
            const std::size_t line = header != nullptr ? header->line_of(first_repeat) : 0;
            throw csv_error(source_, line, first_repeat + 1, names_[first_repeat],
                            "duplicate column name " + excerpt(names_[first_repeat]) + " " + where + " (also column " +
                                std::to_string(first_seen + 1) + ")");
        }
    }

    // Names and forced kinds, checked in the order the one-pass reader checked them. Returns
    // the bytes and lines the header takes.
    FirstRecord read_names() {
        FirstRecord first = read_first_record(config_.header);
        if (config_.header) {
            if (!first.found) throw csv_error(source_, 0, 0, "", "the input is empty: there is no header record");
            names_ = std::move(first.texts);
            first.texts = {};
            check_names(&first);
        } else {
            const std::string prefix(config_.column_name_prefix);
            if (config_.column_names.empty() && prefix.empty())
                throw csv_error(source_, 0, 0, "",
                                "options.header is false, so options.column_names must name every column "
                                "(or options.column_name_prefix name them by position)");
            names_.assign(config_.column_names.begin(), config_.column_names.end());
            if (!prefix.empty() && first.found)
                for (std::size_t i = names_.size(); i < first.fields; ++i)
                    names_.push_back(prefix + std::to_string(i - config_.column_names.size()));
            check_names(nullptr);
            if (first.found && first.fields != names_.size())
                throw csv_error(source_, first.line, 0, "",
                                "options.column_names has " + std::to_string(names_.size()) + " names but line " +
                                    std::to_string(first.line) + " has " + std::to_string(first.fields) +
                                    " fields");
        }
        forced_.assign(names_.size(), std::nullopt);
        static const ReaderConfig::Kinds no_kinds;
        for (const auto& [name, kind] : config_.column_kinds != nullptr ? *config_.column_kinds : no_kinds) {
            auto found = std::find(names_.begin(), names_.end(), name);
            if (found == names_.end())
                throw csv_error(source_, 0, 0, "",
                                "options.column_kinds names column " + excerpt(name) + ", which is not among the " +
                                    "columns (" + detail::quoted_list(names_) + ")");
            const auto index = static_cast<std::size_t>(found - names_.begin());
            if (kind != ColumnKind::numeric && kind != ColumnKind::categorical)
                throw csv_error(source_, 0, index + 1, name,
                                std::string("options.column_kinds can force numeric or categorical, not ") +
                                    to_string(kind));
            forced_[index] = kind;
        }
        return first;
    }

    // Parses the window's pieces (ends[k] ends piece k), with the next window read by one
    // more task when `read_ahead`; returns the index of the first piece that failed, if any.
    std::optional<std::size_t> parse_pieces(std::string_view text, const std::vector<std::size_t>& ends,
                                            bool input_end, std::optional<std::size_t> read_ahead) {
        if (pieces_.size() < ends.size()) pieces_.resize(ends.size());
        const std::size_t extra = read_ahead ? 1 : 0;
        ThreadPool::shared().run(
            ends.size() + extra,
            [&](std::size_t task) {
                if (read_ahead && task == 0) {
                    windows_.prepare_next(*read_ahead);
                    return;
                }
                const std::size_t k = task - extra;
                const std::size_t begin = k == 0 ? 0 : ends[k - 1];
                const bool last = k + 1 == ends.size();
                parse_piece(pieces_[k], text.substr(begin, ends[k] - begin),
                            last && input_end ? PartEnd::input_end : PartEnd::record_boundary, plan_);
            },
            threads_);
        for (std::size_t k = 0; k < ends.size(); ++k)
            if (pieces_[k].error || pieces_[k].incomplete) return k;
        return std::nullopt;
    }

    [[noreturn]] void report_piece_failure(std::size_t k, std::size_t first_line) const {
        for (std::size_t j = 0; j < k; ++j) first_line += pieces_[j].lines;
        if (pieces_[k].error) throw to_error(*pieces_[k].error, first_line);
        // Pieces start and end at record boundaries, so this cannot happen.
        throw error(source_ + ":" + std::to_string(first_line) + ": internal error: a piece ended inside a record");
    }

    // One pass over the input; no frame when a column turned out to hold text after numbers
    // (text_columns_ then lists it and the next pass reads it as categorical).
    std::optional<Frame> read_pass() {
        while (windows_.window().size() < 3 && !windows_.at_input_end() && !windows_.failure()) windows_.grow();
        if (windows_.window().starts_with("\xEF\xBB\xBF")) windows_.skip(3);  // UTF-8 byte order mark

        const FirstRecord first = read_names();
        const std::size_t column_count = names_.size();
        text_columns_.resize(column_count, false);
        std::size_t line = 1;  // the absolute line where the window starts
        if (config_.header) {
            windows_.skip(first.bytes);
            line = first.next_line;
        }

        std::vector<ColumnBuilder> columns;
        columns.reserve(column_count);
        plan_.sinks.assign(column_count, Sink::number);
        for (std::size_t i = 0; i < column_count; ++i) {
            if (forced_[i] == ColumnKind::numeric) plan_.sinks[i] = Sink::forced_number;
            else if (forced_[i] == ColumnKind::categorical || text_columns_[i]) plan_.sinks[i] = Sink::text;
            const bool float32 = config_.numeric_type == NumericType::float32 &&
                                 std::find(config_.float64_columns.begin(), config_.float64_columns.end(),
                                           names_[i]) == config_.float64_columns.end();
            columns.emplace_back(plan_.sinks[i], float32);
        }

        const std::size_t pieces_per_window = std::max<std::size_t>(16, 4 * threads_);
        const std::size_t piece_bytes = std::max<std::size_t>(1, config_.window_bytes / pieces_per_window);
        bool restart = false;  // text after numbers: read on only to find errors and such columns
        bool reserved = false;
        std::uintmax_t consumed = 0;
        while (true) {
            const std::string_view text = windows_.window();
            const bool input_end = windows_.at_input_end();
            const std::exception_ptr failure = windows_.failure();
            const bool has_quotes = std::memchr(text.data(), '"', text.size()) != nullptr;
            const std::size_t limit = input_end ? text.size() : last_record_end(text, false, has_quotes);
            if (limit == 0 && !input_end) {
                // No complete record: one longer than the window, or a bad quote. Report an
                // error that later bytes cannot change, else read on.
                if (!text.empty()) {
                    if (pieces_.empty()) pieces_.resize(1);
                    parse_piece(pieces_[0], text, PartEnd::unknown, plan_);
                    if (pieces_[0].error) throw to_error(*pieces_[0].error, line);
                }
                if (failure) std::rethrow_exception(failure);
                windows_.grow();
                continue;
            }

            const std::vector<std::size_t> ends = cut_pieces(text, limit, piece_bytes, has_quotes);
            const bool read_ahead = !input_end && !failure;
            if (auto failed = parse_pieces(text, ends, input_end, read_ahead ? std::optional(limit) : std::nullopt))
                report_piece_failure(*failed, line);

            // Columns read as numbers that hold text.
            bool parse_again = false;
            for (std::size_t i = 0; i < column_count; ++i) {
                if (plan_.sinks[i] != Sink::number) continue;
                const bool has_text = std::any_of(pieces_.begin(), pieces_.begin() + static_cast<std::ptrdiff_t>(ends.size()),
                                                  [&](const Piece& piece) { return piece.columns[i].saw_text; });
                if (!has_text) continue;
                text_columns_[i] = true;
                plan_.sinks[i] = Sink::text;
                if (restart) continue;
                if (columns[i].has_number()) {
                    restart = true;  // the texts of the numbers before are gone
                    columns.clear();
                } else {
                    columns[i].become_text();  // only missing values before: their codes are -1
                    parse_again = true;
                }
            }
            if (!restart) {
                if (parse_again) (void)parse_pieces(text, ends, input_end, std::nullopt);  // same records: no errors
                // Columns are independent: one task each appends the pieces in order (on this
                // thread alone for small windows, such as a request body).
                ThreadPool::shared().run(
                    column_count,
                    [&](std::size_t i) {
                        std::size_t piece_line = line;
                        for (std::size_t k = 0; k < ends.size(); ++k) {
                            columns[i].append(pieces_[k].columns[i], piece_line);
                            piece_line += pieces_[k].lines;
                        }
                    },
                    limit >= parallel_merge_bytes ? threads_ : 1);
                consumed += limit;
                if (!reserved && column_count > 0) {
                    reserved = true;
                    reserve_rows(columns, consumed);
                }
            }
            for (std::size_t k = 0; k < ends.size(); ++k) line += pieces_[k].lines;

            if (input_end) break;
            if (failure) std::rethrow_exception(failure);
            windows_.advance();
        }
        if (restart) return std::nullopt;

        for (std::size_t i = 0; i < column_count; ++i) {
            if (columns[i].bad_value()) throw to_error(*columns[i].bad_value(), 1);
            if (const auto& overflow = columns[i].float32_overflow())
                throw csv_error(source_, 0, i + 1, names_[i],
                                "the number " + detail::number_to_text(overflow->second) + " in data record " +
                                    std::to_string(overflow->first + 1) +
                                    " is too large for float32 (largest 3.4028235e+38); read the column as float64");
        }
        std::vector<Column> result;
        result.reserve(column_count);
        for (std::size_t i = 0; i < column_count; ++i) result.push_back(columns[i].finish(names_[i]));
        return Frame(std::move(result));
    }

    // Room for the rows the whole input will likely have, judged from the first window, so
    // the columns are not copied as they grow. Capacity never written costs address space,
    // not memory (but for the rest of the last huge page).
    void reserve_rows(std::vector<ColumnBuilder>& columns, std::uintmax_t consumed) const {
        const std::uintmax_t total = windows_.estimated_size();
        const std::size_t rows = columns.front().rows();
        if (total <= consumed || consumed == 0 || rows == 0) return;
        const double estimate = static_cast<double>(rows) * static_cast<double>(total) / static_cast<double>(consumed);
        const double most = static_cast<double>(total) / 2 + 1;  // a record takes two bytes at least
        const auto wanted = static_cast<std::size_t>(std::min(estimate * 1.02 + 64, most));
        for (auto& column : columns) column.reserve(wanted);
    }

    TextWindows& windows_;
    ReaderConfig config_;
    std::string source_;
    MissingTokens missing_;
    std::size_t threads_ = 1;
    ParsePlan plan_;
    std::vector<std::string> names_;
    std::vector<std::optional<ColumnKind>> forced_;
    std::vector<bool> text_columns_;  // found to hold text after numbers in an earlier pass
    std::vector<Piece> pieces_;
};

}  // namespace mlpipe::detail::csv
