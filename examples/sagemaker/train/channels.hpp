#pragma once
// Reading a channel folder (/opt/ml/input/data/<channel>) into features and labels.
//
// SageMaker copies every S3 object under the channel's prefix into the folder (sub-prefixes
// become sub-folders), so a data set may arrive as several files: every regular file is read,
// whatever its name, in path order (byte order: number parts with zero padding,
// part-00001), skipping hidden and empty files; gzip-compressed files are recognised by their
// magic bytes (read_csv inflates them as it reads). With a header row (ContentType text/csv),
// two layouts are understood:
//   - X/y: files named y*.csv with a single column hold the labels, the other files the
//     features; feature rows and label rows are joined by position (the layout of the
//     project's prepared data: X_train.csv + y_train.csv);
//   - tables: every file holds the features and a target column, named by the caller.
// Without one (text/csv;label_size=1, the layout SageMaker's built-in algorithms read: XGBoost,
// Linear Learner), every file holds the label in its first field and the features after it,
// named x0, x1, ... in order; the label column takes the name the caller gives.
// Files of one role are stacked, so they need the same header (or, without one, the same number
// of fields). A column is categorical when any file holds text in it, so files do not disagree
// on kinds.

#include "../common/frame_rows.hpp"
#include "../common/message_limits.hpp"
#include "../common/text.hpp"

#include <mlpipe/core.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace mlpipe::sagemaker {

// One file read from a channel, for the logs and the training metadata.
struct InputFile {
    std::string channel;
    std::filesystem::path path;
    std::string name;  // the path in the channel folder ("part-00000", "2024/part-00001.csv.gz")
    std::uintmax_t bytes = 0;
    std::uint32_t crc32 = 0;  // CRC-32 of the file's bytes (compressed, for gzip), as zlib.crc32 computes it
    std::size_t rows = 0;
    std::size_t columns = 0;
    std::string role;  // "features", "labels" or "features and target"
};

struct ChannelData {
    std::string name;
    Frame X;
    Frame y;  // one column: the labels
    std::vector<InputFile> files;

    // The rows of X that each feature file gave, in order.
    struct RowRange {
        std::size_t first_row;
        std::size_t file;  // index into files
    };
    std::vector<RowRange> row_ranges;
    // Rows of the files before X's first row: a rank of a multi-host job keeps a range of
    // the rows it read (keep_rows).
    std::size_t row_offset = 0;

    // Where row `row` of X was read: "<file>, data row N" (N counts data records from 1).
    std::string describe_row(std::size_t row) const {
        row += row_offset;
        for (std::size_t i = row_ranges.size(); i-- > 0;)
            if (row >= row_ranges[i].first_row)
                return files[row_ranges[i].file].path.string() + ", data row " +
                       std::to_string(row - row_ranges[i].first_row + 1);
        return "row " + std::to_string(row + 1);
    }
};

using ColumnKinds = std::map<std::string, ColumnKind, std::less<>>;

// How a channel's files name their columns; the channel's ContentType says which.
enum class ChannelFormat {
    header_row,   // text/csv: a header row names the columns
    label_first,  // text/csv;label_size=1: no header row; the label, then the features x0, x1, ...
};

// The names of the features in a label_first channel: x0, x1, ...
inline constexpr const char* label_first_feature_prefix = "x";
using LogLine = std::function<void(const std::string&)>;

namespace detail::channels {

inline bool is_label_file(const std::filesystem::path& path, const Frame& frame) {
    const std::string name = path.filename().string();
    return (name.front() == 'y' || name.front() == 'Y') && frame.cols() == 1;
}

// The data files of the channel folder: every regular file, in sub-folders too (an S3 prefix
// arrives as folders), whatever its name (a Spark or Glue job writes part-00000 with no
// extension, or data.csv/part-00000.csv.gz), in path order. Skipped, each logged with why:
// hidden files and folders (".part-00000.crc") and empty files (markers such as _SUCCESS).
inline std::vector<std::filesystem::path> data_files(const std::string& channel, const std::filesystem::path& dir,
                                                     const LogLine& log, ChannelFormat format) {
    namespace fs = std::filesystem;
    std::vector<fs::path> entries;
    for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
        const bool hidden = it->path().filename().string().starts_with(".");
        if (it->is_directory()) {
            if (!hidden) continue;  // its files are listed as the iterator reaches them
            it.disable_recursion_pending();
        }
        entries.push_back(it->path());
    }
    std::sort(entries.begin(), entries.end());
    std::vector<fs::path> files;
    std::vector<std::string> skipped;
    for (const auto& path : entries) {
        const std::string name = path.lexically_relative(dir).generic_string();
        std::string why;
        std::error_code ec;
        if (path.filename().string().starts_with("."))
            why = fs::is_directory(path, ec) ? "hidden folder" : "hidden file";
        else if (!fs::is_regular_file(path, ec))
            why = "not a regular file";
        else if (fs::file_size(path, ec) == 0)
            why = "empty (a marker file such as _SUCCESS)";
        if (why.empty()) {
            files.push_back(path);
        } else {
            if (skipped.size() < max_listed_items) log("channel " + channel + ": skipping " + name + ": " + why);
            skipped.push_back(name);
        }
    }
    if (skipped.size() > max_listed_items)
        log("channel " + channel + ": skipping " + std::to_string(skipped.size() - max_listed_items) +
            " more entries (hidden or empty)");
    if (files.empty())
        throw error("the '" + channel + "' channel folder " + dir.string() + " holds no data file" +
                    (skipped.empty() ? std::string(" (it is empty)") : " (skipped: " + join_at_most(skipped) + ")") +
                    (format == ChannelFormat::label_first
                         ? "; put the data there as CSV files without a header row, the label in the first "
                           "column (plain or gzip-compressed)"
                         : "; put the data there as CSV files with a header row (plain or gzip-compressed)"));
    return files;
}

struct ParsedFile {
    std::filesystem::path path;
    Frame frame;
};

// The kind each column must have: categorical when any file holds text in it; `required`
// (the training kinds) wins for the columns it names.
inline ColumnKinds agreed_kinds(const std::vector<ParsedFile>& parsed, const ColumnKinds& required) {
    ColumnKinds kinds;
    for (const auto& file : parsed)
        for (const auto& column : file.frame) {
            auto [it, inserted] = kinds.try_emplace(column.name(), column.kind());
            if (column.is_categorical() && column.count_missing() < column.size()) it->second = column.kind();
        }
    for (auto& [name, kind] : kinds)
        if (auto it = required.find(name); it != required.end()) kind = it->second;
    return kinds;
}

// label_first: every file has as many fields per row as the first one, and at least one
// feature after the label; a file of only blank lines has no rows to tell, so it is refused.
inline void require_same_fields(const std::string& channel, const std::vector<ParsedFile>& parsed) {
    for (const auto& file : parsed) {
        if (file.frame.rows() == 0)
            throw data_error(file.path.string() + " holds no records (only blank lines); the '" + channel +
                             "' channel is text/csv;label_size=1, so every file needs rows of the label and "
                             "the features: remove the file or fill it");
        if (file.frame.cols() < 2)
            throw data_error(file.path.string() + " has one field per row: the '" + channel +
                             "' channel is text/csv;label_size=1, so the first field is the label and the "
                             "features follow it; there are none");
        if (file.frame.cols() != parsed.front().frame.cols())
            throw data_error("the files " + parsed.front().path.string() + " and " + file.path.string() + " of the '" +
                             channel + "' channel have " + std::to_string(parsed.front().frame.cols()) + " and " +
                             std::to_string(file.frame.cols()) +
                             " fields per row; with text/csv;label_size=1 (the label, then the features x0, x1, "
                             "...) every file needs the same columns in the same order");
    }
}

}  // namespace detail::channels

// Reads the channel in `dir`. target: the label column when known ("" otherwise; required
// for the tables layout, and the label column's name for label_first). required_kinds: the
// kinds the training columns had, so that an evaluation channel is read the same way. dtype:
// how numeric columns are stored, but for the target and files named y* (label files), which
// stay float64 so that labels read back exactly.
inline ChannelData read_channel(const std::string& channel, const std::filesystem::path& dir, const std::string& target,
                                const ColumnKinds& required_kinds, const LogLine& log,
                                NumericType dtype = NumericType::float64,
                                ChannelFormat format = ChannelFormat::header_row) {
    using namespace detail::channels;
    const bool label_first = format == ChannelFormat::label_first;
    if (label_first && target.empty())
        throw error("internal error: the '" + channel + "' channel is text/csv;label_size=1 but has no label name");
    std::vector<ParsedFile> parsed;
    auto storage = [&](const std::filesystem::path& path) {
        CsvOptions options;
        const std::string name = path.filename().string();
        options.numeric_type =
            !label_first && (name.front() == 'y' || name.front() == 'Y') ? NumericType::float64 : dtype;
        if (!target.empty()) options.float64_columns = {target};
        if (label_first) {
            options.header = false;
            options.column_names = {target};
            options.column_name_prefix = label_first_feature_prefix;
        }
        return options;
    };
    ChannelData data;
    data.name = channel;
    for (const auto& path : data_files(channel, dir, log, format)) {
        CsvFileInfo info;
        parsed.push_back({path, read_csv(path, storage(path), &info)});
        data.files.push_back({channel, path, path.lexically_relative(dir).generic_string(), info.bytes, info.crc32,
                              parsed.back().frame.rows(), parsed.back().frame.cols(), ""});
    }
    if (label_first) require_same_fields(channel, parsed);

    // Read again, with the agreed kinds, the files that inferred another kind for a column.
    const ColumnKinds kinds = agreed_kinds(parsed, required_kinds);
    for (auto& file : parsed) {
        CsvOptions options = storage(file.path);
        for (const auto& column : file.frame)
            if (column.kind() != kinds.at(column.name())) options.column_kinds[column.name()] = kinds.at(column.name());
        if (options.column_kinds.empty()) continue;
        for (const auto& [name, kind] : options.column_kinds)
            log("channel " + channel + ": reading column " + quoted_excerpt(name) + " of " +
                file.path.filename().string() + " as " + to_string(kind) +
                ", as in the other files or the training data");
        file.frame = read_csv(file.path, options);
    }

    std::vector<Frame> features, labels;
    std::vector<std::string> feature_sources, label_sources;
    std::vector<std::size_t> feature_files;
    for (std::size_t i = 0; i < parsed.size(); ++i) {
        const bool is_labels = !label_first && is_label_file(parsed[i].path, parsed[i].frame);
        (is_labels ? labels : features).push_back(std::move(parsed[i].frame));
        (is_labels ? label_sources : feature_sources).push_back(parsed[i].path.string());
        if (!is_labels) feature_files.push_back(i);
    }
    if (features.empty())
        throw error("the '" + channel + "' channel holds label files (" + join_at_most(label_sources) +
                    ") but no feature file; add the X*.csv file(s) next to them");

    Frame table = concat_rows(features, feature_sources);
    std::size_t first_row = 0;
    for (std::size_t k = 0; k < feature_files.size(); ++k) {
        data.row_ranges.push_back({first_row, feature_files[k]});
        first_row += features[k].rows();
    }

    if (!labels.empty()) {
        for (auto& file : data.files)
            file.role = std::find(label_sources.begin(), label_sources.end(), file.path.string()) != label_sources.end()
                            ? "labels"
                            : "features";
        data.y = concat_rows(labels, label_sources);
        const std::string& label_name = data.y[0].name();
        if (!target.empty() && label_name != target)
            throw error("the '" + channel + "' channel's label file " + label_sources[0] + " has the column " +
                        quoted_excerpt(label_name) + ", but the target is " + quoted_excerpt(target) +
                        "; rename the column or leave the 'target' hyperparameter out");
        if (table.contains(label_name))
            throw error("the '" + channel + "' channel's feature file(s) " + join_at_most(feature_sources) +
                        " also hold the label column " + quoted_excerpt(label_name) + "; remove it from them");
        if (data.y.rows() != table.rows())
            throw error("the '" + channel + "' channel's feature file(s) hold " + std::to_string(table.rows()) +
                        " rows but its label file(s) hold " + std::to_string(data.y.rows()) +
                        "; they are joined row by row, so they need the same number of rows");
        data.X = std::move(table);
        return data;
    }

    for (auto& file : data.files) file.role = "features and target";
    if (target.empty())
        throw error("the '" + channel +
                    "' channel has no y*.csv label file, so the hyperparameter 'target' must "
                    "name the label column (columns: " +
                    quoted_names(table.names()) + ")");
    if (!table.contains(target)) {
        const auto names = table.names();
        const bool header_looks_like_data = std::all_of(names.begin(), names.end(), [](const std::string& n) {
            return !n.empty() && n.find_first_not_of("0123456789.-+eE") == std::string::npos;
        });
        throw error("the target column " + quoted_excerpt(target) + " is not in the '" + channel +
                    "' channel's file(s) " + join_at_most(feature_sources) + bounded_did_you_mean(target, names) +
                    "; columns: " + quoted_names(names) +
                    (header_looks_like_data ? ". The first row looks like data: the CSV files need a header row "
                                              "naming the columns"
                                            : ""));
    }
    data.y = Frame(std::vector<Column>{table.column(target)});
    std::vector<std::string> feature_names;
    for (const auto& name : table.names())
        if (name != target) feature_names.push_back(name);
    data.X = select_columns(table, feature_names);
    return data;
}

}  // namespace mlpipe::sagemaker
