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
// Streaming and parallel: read_csv reads the file a window at a time (4 MiB by default), so
// memory is the parsed columns plus about three windows, never the whole file; each window is
// cut at record boundaries (quote-aware, so quoted line breaks are fine anywhere) into pieces
// parsed on the shared ThreadPool (CsvOptions::n_threads), while the next window is read.
// gzip files are recognised by their first bytes, whatever their name, and inflated as they
// are read (concatenated members too); a truncated or corrupt one is an error naming the
// file. The Frame, and the error reported for bad input (the first one in the file, with its
// file, line, column and text), do not depend on the thread count or the window size. One
// rare case reads a file twice: a column whose first text value comes after numbers that are
// already stored (io/csv_reader.hpp). parse_csv runs the same reader over text in memory.
//
// Headers: csv_tokenizer.hpp (fields, records, record boundaries), csv_columns.hpp (values,
// dictionaries), csv_reader.hpp (windows, pieces, kinds, errors), byte_source.hpp (files,
// gzip, CRC-32).

#include <mlpipe/detail/text.hpp>
#include <mlpipe/error.hpp>
#include <mlpipe/frame/column.hpp>
#include <mlpipe/frame/frame.hpp>
#include <mlpipe/io/atomic_file.hpp>
#include <mlpipe/io/byte_source.hpp>
#include <mlpipe/io/csv_reader.hpp>

#include <cmath>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mlpipe {

struct CsvOptions {
    char delimiter = ',';
    bool header = true;                     // first record holds the column names
    std::vector<std::string> column_names;  // names when header == false (one per field, unless...)
    // ...column_name_prefix is set (header == false only): the fields after those that
    // column_names names are named by the prefix and a number counted from 0, as many as the
    // first record has ({"label"} and "x" give label, x0, x1, ...; the layout of SageMaker's
    // text/csv;label_size=1). Later records need the same number of fields.
    std::string column_name_prefix;
    // Tokens read as missing, compared with the field's value trimmed of spaces and tabs, whether
    // the field was quoted or not (pandas reads a quoted "NA" as missing too).
    std::vector<std::string> missing_values = {"", "NA", "NaN", "null"};
    // Forces numeric or categorical by column name; other columns are inferred.
    std::map<std::string, ColumnKind, std::less<>> column_kinds;
    // Threads that parse (0: all cores). The result never depends on it.
    std::size_t n_threads = 0;
    // Bytes read and parsed at a time (0: 4 MiB); a record longer than that widens the window
    // for itself. The result never depends on it; tests make it tiny to cross boundaries.
    std::size_t window_bytes = 0;
    // How numeric columns store their values: float64, or float32 for half the memory (each
    // number is parsed as a double, then rounded to the nearest float; a finite number beyond
    // float32's range is an error naming it).
    NumericType numeric_type = NumericType::float64;
    // Columns kept float64 whatever numeric_type says, such as a numeric target whose labels
    // must read back exactly.
    std::vector<std::string> float64_columns;
};

// What read_csv read: the file as it is on disk (compressed, for gzip).
struct CsvFileInfo {
    std::uintmax_t bytes = 0;
    std::uint32_t crc32 = 0;  // CRC-32 of those bytes, as zlib.crc32 and boost::crc_32_type compute it
    bool gzip = false;
};

namespace detail::csv {

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

inline void check_options(const CsvOptions& options, const std::string& source) {
    const char delimiter = options.delimiter;
    if (delimiter == '"' || delimiter == '\n' || delimiter == '\r')
        throw csv_error(source, 0, 0, "", "the delimiter cannot be a quote or a line break");
    if (options.header && !options.column_names.empty())
        throw csv_error(source, 0, 0, "",
                        "options.column_names is only used when options.header is false; "
                        "rename the columns after reading instead");
    if (options.header && !options.column_name_prefix.empty())
        throw csv_error(source, 0, 0, "", "options.column_name_prefix is only used when options.header is false");
}

inline ReaderConfig reader_config(const CsvOptions& options) {
    return ReaderConfig{options.delimiter,    options.header,       options.column_names,
                        options.missing_values, options.column_kinds, options.n_threads,
                        options.window_bytes,   options.numeric_type, options.float64_columns,
                        options.column_name_prefix};
}

inline std::size_t window_bytes(const CsvOptions& options) {
    return options.window_bytes == 0 ? default_window_bytes : options.window_bytes;
}

}  // namespace detail::csv

// Parse text already in memory; `source` names it in error messages (e.g. "request body").
inline Frame parse_csv(std::string_view text, const CsvOptions& options = {},
                       const std::string& source = "<text>") {
    detail::csv::check_options(options, source);
    detail::csv::TextWindows windows(text, detail::csv::window_bytes(options));
    return detail::csv::CsvReader(windows, detail::csv::reader_config(options), source).read();
}

// Reads a CSV file, plain or gzip-compressed; errors name the path. `info`, when given,
// receives the file's size and CRC-32, computed as it was read.
inline Frame read_csv(const std::filesystem::path& path, const CsvOptions& options, CsvFileInfo* info) {
    detail::ByteSource file(path, "read_csv");
    detail::csv::check_options(options, path.string());
    detail::csv::TextWindows windows(file, detail::csv::window_bytes(options));
    Frame frame = detail::csv::CsvReader(windows, detail::csv::reader_config(options), path.string()).read();
    if (info != nullptr) *info = CsvFileInfo{file.raw_bytes(), file.crc32(), file.is_gzip()};
    return frame;
}

inline Frame read_csv(const std::filesystem::path& path, const CsvOptions& options = {}) {
    return read_csv(path, options, nullptr);
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
                // Shortest text that reads back as the same value, in the column's own type.
                const auto result = column.visit_values([&](auto values) {
                    return std::isnan(values[i]) ? std::to_chars_result{number, std::errc{}}
                                                 : std::to_chars(number, number + sizeof number, values[i]);
                });
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
