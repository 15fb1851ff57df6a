#pragma once
// CSV input for Frame (RFC 4180); output is io/csv_writer.hpp (in <mlpipe/mlpipe.hpp>).
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
// Headers: csv_impl.hpp (these functions' definitions), csv_tokenizer.hpp (fields, records,
// record boundaries), csv_columns.hpp (values, dictionaries), csv_reader.hpp (windows,
// pieces, kinds, errors), byte_source.hpp (files, gzip, CRC-32).

#include <mlpipe/detail/compiled.hpp>
#include <mlpipe/frame/column.hpp>
#include <mlpipe/frame/frame.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
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

// Parse text already in memory; `source` names it in error messages (e.g. "request body").
MLPIPE_INLINE Frame parse_csv(std::string_view text, const CsvOptions& options = {},
                              const std::string& source = "<text>");

// Reads a CSV file, plain or gzip-compressed; errors name the path. `info`, when given,
// receives the file's size and CRC-32, computed as it was read (only then: it costs time).
MLPIPE_INLINE Frame read_csv(const std::filesystem::path& path, const CsvOptions& options, CsvFileInfo* info);

inline Frame read_csv(const std::filesystem::path& path, const CsvOptions& options = {}) {
    return read_csv(path, options, nullptr);
}

}  // namespace mlpipe

// The definitions, and the reader behind them: compiled here in a header-only build, taken
// from mlpipe::precompiled (src/csv.cpp) when it is linked.
#ifndef MLPIPE_PRECOMPILED
#include <mlpipe/io/csv_impl.hpp>
#endif
