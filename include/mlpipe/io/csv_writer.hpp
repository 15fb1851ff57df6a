#pragma once
// CSV output for Frame (RFC 4180): write_csv to a stream or, atomically, to a file. Apart
// from csv.hpp because the atomic file write needs POSIX headers that code which only reads
// and fits should not compile; <mlpipe/mlpipe.hpp> includes it, <mlpipe/core.hpp> does not.

#include <mlpipe/detail/text.hpp>  // is_blank: what the reader trims
#include <mlpipe/error.hpp>
#include <mlpipe/frame/column.hpp>
#include <mlpipe/frame/frame.hpp>
#include <mlpipe/io/atomic_file.hpp>

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>

namespace mlpipe {

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

}  // namespace detail::csv

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
