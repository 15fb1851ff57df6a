#pragma once
// CSV input and output for Frame (RFC 4180).
//
// Reading: quoted fields with "" escapes, delimiters and line breaks inside quotes, LF, CRLF
// or lone CR line ends, an optional final line end and an optional UTF-8 byte order mark.
// Completely empty lines between records are skipped, as pandas does. Spaces and tabs around
// an unquoted field are not part of its value; the text between quotes is kept verbatim
// (blanks just outside the quotes are allowed and ignored). Each column is numeric when every
// value that is not a missing token parses as a number, else categorical, unless
// CsvOptions::column_kinds forces its kind.
//
// The whole input is held in one string and fields are string_views into it, so only fields
// with "" escapes and dictionary entries allocate.

#include <mlpipe/detail/text.hpp>
#include <mlpipe/error.hpp>
#include <mlpipe/frame/column.hpp>
#include <mlpipe/frame/frame.hpp>
#include <mlpipe/io/atomic_file.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mlpipe {

struct CsvOptions {
    char delimiter = ',';
    bool header = true;                     // first record holds the column names
    std::vector<std::string> column_names;  // names when header == false (then required, one per field)
    // Tokens read as missing, compared with the field's value trimmed of spaces and tabs, whether
    // the field was quoted or not (pandas reads a quoted "NA" as missing too).
    std::vector<std::string> missing_values = {"", "NA", "NaN", "null"};
    // Forces numeric or categorical by column name; other columns are inferred.
    std::map<std::string, ColumnKind, std::less<>> column_kinds;
};

namespace detail::csv {

using detail::errno_text;
using detail::excerpt;
using detail::parse_double;
using detail::trim;

class MissingTokens {
public:
    explicit MissingTokens(const std::vector<std::string>& tokens) {
        for (const auto& token : tokens) tokens_.emplace_back(trim(token));
    }
    // `value` must already be trimmed.
    bool contains(std::string_view value) const noexcept {
        for (const auto& token : tokens_)
            if (value == token) return true;
        return false;
    }

private:
    std::vector<std::string> tokens_;  // a handful, so a linear scan beats hashing
};

struct Field {
    std::string_view text;  // the value: unquoted fields trimmed, quoted ones unescaped and verbatim
    std::size_t line;       // 1-based physical line where the field starts
};

// Splits the input into records of fields. Views point into the input or, for fields with
// "" escapes, into strings owned by the Tokenizer, so it must outlive the fields it returns.
class Tokenizer {
public:
    Tokenizer(std::string_view text, char delimiter, const std::string& source)
        : text_(text), delimiter_(delimiter), source_(source) {}

    // Column names used in error messages once the header is known.
    void set_names(const std::vector<std::string>* names) noexcept { names_ = names; }

    // Reads the next record into `fields`; returns false at the end of the input.
    bool next_record(std::vector<Field>& fields, std::size_t& record_line) {
        skip_blank_lines();
        if (pos_ >= text_.size()) return false;
        fields.clear();
        record_line = line_;
        while (true) {
            fields.push_back(read_field(fields.size()));
            if (pos_ >= text_.size()) return true;
            if (text_[pos_] == delimiter_) {
                ++pos_;  // a delimiter is always followed by one more field, maybe empty
                continue;
            }
            consume_line_end();
            return true;
        }
    }

private:
    [[noreturn]] void fail(std::size_t line, std::size_t field_index, const std::string& what) const {
        std::string name;
        if (names_ != nullptr && field_index < names_->size()) name = (*names_)[field_index];
        throw csv_error(source_, line, field_index + 1, name, what);
    }

    // Blanks outside quotes; the delimiter itself is never one (tab- or space-separated files).
    bool is_outer_blank(char c) const noexcept { return is_blank(c) && c != delimiter_; }
    bool ends_field(char c) const noexcept { return c == delimiter_ || c == '\n' || c == '\r'; }

    // Only completely empty lines count as blank; "  " is a record with one empty field.
    void skip_blank_lines() noexcept {
        while (pos_ < text_.size() && (text_[pos_] == '\n' || text_[pos_] == '\r')) consume_line_end();
    }

    // At '\n', '\r\n' or a lone '\r'.
    void consume_line_end() noexcept {
        if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
        ++pos_;
        ++line_;
    }

    std::size_t end_of_raw_field(std::size_t from) const noexcept {
        while (from < text_.size() && !ends_field(text_[from])) ++from;
        return from;
    }

    Field read_field(std::size_t field_index) {
        std::size_t cursor = pos_;
        while (cursor < text_.size() && is_outer_blank(text_[cursor])) ++cursor;
        if (cursor < text_.size() && text_[cursor] == '"') {
            pos_ = cursor;
            return read_quoted(field_index);
        }
        const std::size_t start = pos_;
        const std::size_t end = end_of_raw_field(cursor);
        const std::string_view raw = text_.substr(start, end - start);
        if (raw.find('"') != std::string_view::npos)
            fail(line_, field_index,
                 "quote character inside an unquoted field: " + excerpt(raw) +
                     " (quote the whole field and double the quotes inside it)");
        pos_ = end;
        return Field{trim(raw), line_};
    }

    // pos_ is at the opening quote.
    Field read_quoted(std::size_t field_index) {
        const std::size_t open_line = line_;
        const std::size_t open_pos = pos_;
        const std::size_t content_start = ++pos_;
        bool has_escapes = false;
        while (true) {
            if (pos_ >= text_.size())
                fail(open_line, field_index,
                     "quoted field is never closed: " + excerpt(text_.substr(open_pos)));
            const char c = text_[pos_];
            if (c == '"') {
                if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
                    has_escapes = true;
                    pos_ += 2;
                    continue;
                }
                break;
            }
            // Count line breaks inside the quotes so later line numbers stay physical.
            if (c == '\n' || (c == '\r' && (pos_ + 1 >= text_.size() || text_[pos_ + 1] != '\n'))) ++line_;
            ++pos_;
        }
        std::string_view content = text_.substr(content_start, pos_ - content_start);
        ++pos_;  // the closing quote
        std::size_t cursor = pos_;
        while (cursor < text_.size() && is_outer_blank(text_[cursor])) ++cursor;
        if (cursor < text_.size() && !ends_field(text_[cursor])) {
            const std::size_t end = end_of_raw_field(cursor);
            fail(open_line, field_index,
                 "text after the closing quote of a quoted field: " +
                     excerpt(text_.substr(open_pos, end - open_pos)));
        }
        pos_ = cursor;
        if (has_escapes) {
            std::string& unescaped = unescaped_.emplace_back();
            unescaped.reserve(content.size());
            for (std::size_t i = 0; i < content.size(); ++i) {
                unescaped.push_back(content[i]);
                if (content[i] == '"') ++i;  // quotes come in pairs here; keep one
            }
            content = unescaped;
        }
        return Field{content, open_line};
    }

    std::string_view text_;
    char delimiter_;
    const std::string& source_;
    const std::vector<std::string>* names_ = nullptr;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;
    std::deque<std::string> unescaped_;  // a deque never moves its strings, so views stay valid
};


inline Column build_column(const std::string& name, std::size_t column_number, const std::vector<Field>& fields,
                           std::optional<ColumnKind> forced, const MissingTokens& missing,
                           const std::string& source) {
    if (forced != ColumnKind::categorical) {
        std::vector<double> values;
        values.reserve(fields.size());
        bool numeric = true;
        for (const Field& field : fields) {
            const std::string_view value = trim(field.text);
            if (missing.contains(value)) {
                values.push_back(std::numeric_limits<double>::quiet_NaN());
                continue;
            }
            double number = 0.0;
            if (!parse_double(value, number)) {
                if (forced == ColumnKind::numeric)
                    throw csv_error(source, field.line, column_number, name,
                                    "value " + excerpt(field.text) +
                                        " is not a number, and this column must be numeric");
                numeric = false;
                break;
            }
            values.push_back(number);
        }
        // A column with only missing values is numeric: all NaN.
        if (numeric) return Column::numeric(name, std::move(values));
    }

    std::vector<std::int32_t> codes;
    codes.reserve(fields.size());
    std::vector<std::string> dictionary;
    std::unordered_map<std::string_view, std::int32_t> index;  // views into the input: no copies
    for (const Field& field : fields) {
        if (missing.contains(trim(field.text))) {
            codes.push_back(-1);
            continue;
        }
        auto [it, inserted] = index.try_emplace(field.text, static_cast<std::int32_t>(dictionary.size()));
        if (inserted) dictionary.emplace_back(field.text);
        codes.push_back(it->second);
    }
    return Column::categorical(name, std::move(codes), std::move(dictionary));
}

inline void check_names(const std::vector<std::string>& names, const std::vector<Field>* header,
                        const std::string& source) {
    std::unordered_map<std::string_view, std::size_t> seen;
    for (std::size_t i = 0; i < names.size(); ++i) {
        const std::size_t line = header != nullptr ? (*header)[i].line : 0;
        const std::string where = header != nullptr ? "in the header" : "in options.column_names";
        if (names[i].empty()) throw csv_error(source, line, i + 1, "", "empty column name " + where);
        auto [it, inserted] = seen.try_emplace(names[i], i);
        if (!inserted)
            throw csv_error(source, line, i + 1, names[i],
                            "duplicate column name " + excerpt(names[i]) + " " + where + " (also column " +
                                std::to_string(it->second + 1) + ")");
    }
}

// Writes one field, quoting it when a reader would otherwise split it, or trim it.
inline void append_field(std::string& out, std::string_view text, char delimiter) {
    bool quote = !text.empty() && (is_blank(text.front()) || is_blank(text.back()));
    for (std::size_t i = 0; i < text.size() && !quote; ++i) {
        const char c = text[i];
        quote = c == delimiter || c == '"' || c == '\r' || c == '\n';
    }
    if (!quote) {
        out.append(text);
        return;
    }
    out += '"';
    for (char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
}

inline void check_writable(const Frame& frame) {
    for (const auto& column : frame)
        if (column.is_one_hot())
            throw data_error("write_csv: column '" + column.name() +
                             "' is one-hot; CSV holds only numeric and categorical columns");
}

}  // namespace detail::csv

// Parse text already in memory; `source` names it in error messages (e.g. "request body").
inline Frame parse_csv(std::string_view text, const CsvOptions& options = {},
                       const std::string& source = "<text>") {
    using namespace detail::csv;
    const char delimiter = options.delimiter;
    if (delimiter == '"' || delimiter == '\n' || delimiter == '\r')
        throw csv_error(source, 0, 0, "", "the delimiter cannot be a quote or a line break");
    if (options.header && !options.column_names.empty())
        throw csv_error(source, 0, 0, "",
                        "options.column_names is only used when options.header is false; "
                        "rename the columns after reading instead");
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 byte order mark

    Tokenizer tokenizer(text, delimiter, source);
    std::vector<Field> record;
    std::size_t record_line = 0;
    bool have_record = tokenizer.next_record(record, record_line);

    std::vector<std::string> names;
    if (options.header) {
        if (!have_record) throw csv_error(source, 0, 0, "", "the input is empty: there is no header record");
        names.reserve(record.size());
        for (const Field& field : record) names.emplace_back(field.text);
        check_names(names, &record, source);
    } else {
        if (options.column_names.empty())
            throw csv_error(source, 0, 0, "",
                            "options.header is false, so options.column_names must name every column");
        names = options.column_names;
        check_names(names, nullptr, source);
        if (have_record && record.size() != names.size())
            throw csv_error(source, record_line, 0, "",
                            "options.column_names has " + std::to_string(names.size()) + " names but line " +
                                std::to_string(record_line) + " has " + std::to_string(record.size()) +
                                " fields");
    }
    tokenizer.set_names(&names);
    const std::size_t column_count = names.size();

    std::vector<std::optional<ColumnKind>> forced(column_count);
    for (const auto& [name, kind] : options.column_kinds) {
        auto found = std::find(names.begin(), names.end(), name);
        if (found == names.end())
            throw csv_error(source, 0, 0, "",
                            "options.column_kinds names column " + excerpt(name) + ", which is not among the " +
                                "columns (" + detail::quoted_list(names) + ")");
        const auto index = static_cast<std::size_t>(found - names.begin());
        if (kind != ColumnKind::numeric && kind != ColumnKind::categorical)
            throw csv_error(source, 0, index + 1, name,
                            std::string("options.column_kinds can force numeric or categorical, not ") +
                                to_string(kind));
        forced[index] = kind;
    }
    if (options.header) have_record = tokenizer.next_record(record, record_line);  // the first data record

    // Column-major storage of the field views; size it once from the line count.
    std::vector<std::vector<Field>> cells(column_count);
    const auto expected_rows = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    for (auto& column_cells : cells) column_cells.reserve(expected_rows);
    while (have_record) {
        if (record.size() != column_count)
            throw csv_error(source, record_line, record.size() > column_count ? column_count + 1 : 0, "",
                            "line " + std::to_string(record_line) + " has " + std::to_string(record.size()) +
                                " fields, expected " + std::to_string(column_count));
        for (std::size_t i = 0; i < column_count; ++i) cells[i].push_back(record[i]);
        have_record = tokenizer.next_record(record, record_line);
    }

    const MissingTokens missing(options.missing_values);
    std::vector<Column> columns;
    columns.reserve(column_count);
    for (std::size_t i = 0; i < column_count; ++i) {
        columns.push_back(build_column(names[i], i + 1, cells[i], forced[i], missing, source));
        std::vector<Field>().swap(cells[i]);  // free the views early: peak memory stays ~ one copy
    }
    return Frame(std::move(columns));
}

inline Frame read_csv(const std::filesystem::path& path, const CsvOptions& options = {}) {
    std::error_code ignored;
    if (std::filesystem::is_directory(path, ignored))
        throw error("read_csv: cannot open '" + path.string() + "': it is a directory");
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        const int saved_errno = errno;
        throw error("read_csv: cannot open '" + path.string() + "': " +
                    (saved_errno != 0 ? detail::errno_text(saved_errno) : std::string("unknown error")));
    }
    std::string text;
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    in.seekg(0, std::ios::beg);
    if (size > 0) {
        text.resize(static_cast<std::size_t>(size));
        in.read(text.data(), size);
        text.resize(static_cast<std::size_t>(in.gcount()));
    } else {
        // Size unknown (a pipe or special file): read in chunks.
        in.clear();
        char chunk[65536];
        while (in.read(chunk, sizeof chunk) || in.gcount() > 0)
            text.append(chunk, static_cast<std::size_t>(in.gcount()));
    }
    if (in.bad()) throw error("read_csv: reading '" + path.string() + "' failed");
    return parse_csv(text, options, path.string());
}

// Writes `frame` as RFC 4180 CSV with LF line ends: numbers in shortest round-trip form,
// missing values as empty fields, categorical values as their text. Fields are quoted when
// they hold a comma, quote, CR or LF, or start or end with a space or tab (the reader trims
// unquoted fields). One-hot columns are an error.
// Limits of the format: a category that, trimmed of blanks, equals a missing token ("", "NA",
// ...) reads back as missing.
inline void write_csv(const Frame& frame, std::ostream& out, bool header = true) {
    using namespace detail::csv;
    check_writable(frame);
    constexpr char delimiter = ',';
    const std::size_t column_count = frame.cols();
    if (column_count == 0) return;

    std::string buffer;
    constexpr std::size_t flush_at = 1 << 16;
    buffer.reserve(flush_at + 1024);
    auto end_line = [&](std::size_t line_start) {
        // A lone empty field would make a blank line, which readers skip: write "" instead.
        if (buffer.size() == line_start) buffer += "\"\"";
        buffer += '\n';
        if (buffer.size() >= flush_at) {
            out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
            buffer.clear();
        }
    };

    if (header) {
        const std::size_t line_start = buffer.size();
        for (std::size_t j = 0; j < column_count; ++j) {
            if (j > 0) buffer += delimiter;
            append_field(buffer, frame[j].name(), delimiter);
        }
        end_line(line_start);
    }
    char number[64];
    for (std::size_t i = 0; i < frame.rows(); ++i) {
        const std::size_t line_start = buffer.size();
        for (std::size_t j = 0; j < column_count; ++j) {
            if (j > 0) buffer += delimiter;
            const Column& column = frame[j];
            if (column.is_numeric()) {
                const double value = column.values()[i];
                if (std::isnan(value)) continue;
                const auto result = std::to_chars(number, number + sizeof number, value);
                buffer.append(number, result.ptr);
            } else {
                const std::int32_t code = column.codes()[i];
                if (code < 0) continue;
                append_field(buffer, column.dictionary()[static_cast<std::size_t>(code)], delimiter);
            }
        }
        end_line(line_start);
    }
    out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    out.flush();
    if (!out) throw error("write_csv: the output stream failed");
}

// Atomic (write_file_atomically): readers never see a half-written file.
inline void write_csv(const Frame& frame, const std::filesystem::path& path, bool header = true) {
    detail::csv::check_writable(frame);
    std::ostringstream text;
    write_csv(frame, text, header);
    try {
        write_file_atomically(path, text.view());
    } catch (const error& failure) {
        throw error(std::string("write_csv: ") + failure.what());
    }
}

}  // namespace mlpipe
