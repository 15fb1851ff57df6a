#pragma once
// The definitions of csv.hpp's functions. csv.hpp includes this file in a header-only build;
// with MLPIPE_PRECOMPILED, mlpipe::precompiled compiles it once (src/csv.cpp) and users'
// translation units see only the declarations, without the reader's headers.

#include <mlpipe/detail/compiled.hpp>
#include <mlpipe/error.hpp>
#include <mlpipe/frame/frame.hpp>
#include <mlpipe/io/byte_source.hpp>
#include <mlpipe/io/csv.hpp>
#include <mlpipe/io/csv_reader.hpp>

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace mlpipe {

namespace detail::csv {

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
    return ReaderConfig{options.delimiter,    options.header,        options.column_names,
                        options.missing_values, &options.column_kinds, options.n_threads,
                        options.window_bytes,   options.numeric_type,  options.float64_columns,
                        options.column_name_prefix};
}

inline std::size_t window_bytes(const CsvOptions& options) {
    return options.window_bytes == 0 ? default_window_bytes : options.window_bytes;
}

}  // namespace detail::csv

MLPIPE_INLINE Frame parse_csv(std::string_view text, const CsvOptions& options, const std::string& source) {
    detail::csv::check_options(options, source);
    detail::csv::TextWindows windows(text, detail::csv::window_bytes(options));
    return detail::csv::CsvReader(windows, detail::csv::reader_config(options), source).read();
}

MLPIPE_INLINE Frame read_csv(const std::filesystem::path& path, const CsvOptions& options, CsvFileInfo* info) {
    detail::ByteSource file(path, "read_csv", info != nullptr);
    detail::csv::check_options(options, path.string());
    detail::csv::TextWindows windows(file, detail::csv::window_bytes(options));
    Frame frame = detail::csv::CsvReader(windows, detail::csv::reader_config(options), path.string()).read();
    if (info != nullptr) *info = CsvFileInfo{file.raw_bytes(), file.crc32(), file.is_gzip()};
    return frame;
}

}  // namespace mlpipe
