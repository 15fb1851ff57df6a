#pragma once
// Row operations on a Frame that the library does not offer: stacking frames with the
// same columns and finding incomplete or repeated rows (pandas' concat, dropna and
// drop_duplicates). Picking rows is the library's take_rows.

#include "text.hpp"

#include <mlpipe/core.hpp>
#include <mlpipe/frame/rows.hpp>  // take_rows

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace mlpipe::sagemaker {

// The frames' rows one after the other. Every frame must have the same column names in the
// same order and kinds (`sources` names each frame in messages); categorical dictionaries
// are merged. A column of only missing values counts as any kind (CSV reads it as numeric).
inline Frame concat_rows(const std::vector<Frame>& frames, const std::vector<std::string>& sources) {
    if (frames.empty()) return {};
    const Frame& first = frames.front();
    auto all_missing = [](const Column& c) { return c.count_missing() == c.size(); };
    for (std::size_t f = 1; f < frames.size(); ++f) {
        const auto names = frames[f].names(), first_names = first.names();
        if (names == first_names) continue;
        // The first column where the headers part, so a long header need not be compared by eye.
        std::size_t j = 0;
        while (j < names.size() && j < first_names.size() && names[j] == first_names[j]) ++j;
        const auto column_at = [&](const std::vector<std::string>& header) {
            return j < header.size() ? "'" + header[j] + "'" : std::string("nothing (") +
                                                               std::to_string(header.size()) + " columns)";
        };
        throw data_error("the headers of " + sources[0] + " and " + sources[f] + " differ from column " +
                         std::to_string(j + 1) + " on: " + column_at(first_names) + " in the first, " +
                         column_at(names) + " in the second (" + sources[f] + " has the columns " +
                         quoted_list(names) + "); every file of a channel needs the same header");
    }
    std::vector<Column> columns;
    for (std::size_t j = 0; j < first.cols(); ++j) {
        const std::string& name = first[j].name();
        ColumnKind kind = ColumnKind::numeric;
        for (const auto& frame : frames)
            if (!all_missing(frame[j]) && frame[j].is_categorical()) kind = ColumnKind::categorical;
        // One file (the usual channel): the column as it is, sharing its storage; a copy would
        // briefly double the memory of the data.
        if (frames.size() == 1 && first[j].kind() == kind) {
            columns.push_back(first[j]);
            continue;
        }
        std::size_t rows = 0;
        for (const auto& frame : frames) rows += frame.rows();
        if (kind == ColumnKind::numeric) {
            // float32 when every file's column is (they are read with the same options), else float64.
            bool all_float32 = true;
            for (const auto& frame : frames) all_float32 = all_float32 && frame[j].is_float32();
            auto stack = [&](auto values) {
                using T = typename decltype(values)::value_type;
                values.reserve(rows);
                for (const auto& frame : frames) {
                    const Column& column = frame[j];
                    if (column.is_numeric())
                        column.visit_values([&](auto stored) {
                            for (const auto v : stored) values.push_back(static_cast<T>(v));
                        });
                    else
                        values.insert(values.end(), column.size(), std::numeric_limits<T>::quiet_NaN());  // all missing
                }
                return values;
            };
            columns.push_back(all_float32 ? Column::numeric_f32(name, stack(std::vector<float>{}))
                                          : Column::numeric(name, stack(std::vector<double>{})));
            continue;
        }
        std::vector<std::int32_t> codes;
        codes.reserve(rows);
        std::vector<std::string> dictionary;
        std::unordered_map<std::string, std::int32_t> index;
        for (std::size_t f = 0; f < frames.size(); ++f) {
            const Column& column = frames[f][j];
            if (column.is_numeric()) {
                if (!all_missing(column))
                    throw data_error("column '" + name + "' holds numbers in " + sources[f] +
                                     " but text in another file of the channel; make the column one kind");
                codes.insert(codes.end(), column.size(), -1);
                continue;
            }
            std::vector<std::int32_t> remap;
            for (const auto& value : column.dictionary()) {
                auto [it, inserted] = index.try_emplace(value, static_cast<std::int32_t>(dictionary.size()));
                if (inserted) dictionary.push_back(value);
                remap.push_back(it->second);
            }
            for (auto code : column.codes()) codes.push_back(code < 0 ? -1 : remap[static_cast<std::size_t>(code)]);
        }
        columns.push_back(Column::categorical(name, std::move(codes), std::move(dictionary)));
    }
    return Frame(std::move(columns));
}

// The named columns of `frame`, in the order named.
inline Frame select_columns(const Frame& frame, const std::vector<std::string>& names) {
    Frame out;
    for (const auto& name : names) out.add(frame.column(name));
    return out;
}

// Rows without a missing value in any column.
inline std::vector<std::size_t> complete_rows(const Frame& frame) {
    std::vector<std::size_t> rows;
    for (std::size_t i = 0; i < frame.rows(); ++i) {
        bool complete = true;
        for (const auto& column : frame) complete = complete && !column.is_missing(i);
        if (complete) rows.push_back(i);
    }
    return rows;
}

// Rows that do not repeat an earlier row exactly (the first of each group of equal rows).
// Equal as pandas compares: numbers by value (0.0 == -0.0), missing equals missing.
inline std::vector<std::size_t> first_of_duplicate_rows(const Frame& frame) {
    auto numeric_key = [](double v) { return std::isnan(v) ? std::nan("") : (v == 0.0 ? 0.0 : v); };
    auto equal_rows = [&](std::size_t a, std::size_t b) {
        for (const auto& column : frame) {
            if (column.is_numeric()) {
                const double x = column.value(a), y = column.value(b);
                if (!(x == y || (std::isnan(x) && std::isnan(y)))) return false;
            } else if (column.codes()[a] != column.codes()[b]) {
                return false;  // codes index one dictionary without repeats, so equal text <=> equal code
            }
        }
        return true;
    };
    auto hash_row = [&](std::size_t row) {
        std::size_t hash = 0;
        for (const auto& column : frame) {
            const std::size_t h = column.is_numeric() ? std::hash<double>{}(numeric_key(column.value(row)))
                                                      : std::hash<std::int32_t>{}(column.codes()[row]);
            hash ^= h + 0x9e3779b97f4a7c15ULL + (hash << 6) + (hash >> 2);
        }
        return hash;
    };
    std::unordered_multimap<std::size_t, std::size_t> seen;  // row hash -> kept row
    std::vector<std::size_t> kept;
    for (std::size_t i = 0; i < frame.rows(); ++i) {
        const std::size_t hash = hash_row(i);
        auto [begin, end] = seen.equal_range(hash);
        bool duplicate = false;
        for (auto it = begin; it != end && !duplicate; ++it) duplicate = equal_rows(it->second, i);
        if (duplicate) continue;
        seen.emplace(hash, i);
        kept.push_back(i);
    }
    return kept;
}

}  // namespace mlpipe::sagemaker
