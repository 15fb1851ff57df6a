#pragma once
// The definitions of frame.hpp's non-inline functions. frame.hpp includes this file in a
// header-only build; with MLPIPE_PRECOMPILED, mlpipe::precompiled compiles it once
// (src/frame.cpp) and users' translation units see only the declarations.

#include <mlpipe/frame/frame.hpp>

#include <mlpipe/detail/compiled.hpp>
#include <mlpipe/detail/text.hpp>
#include <mlpipe/error.hpp>
#include <mlpipe/frame/column.hpp>

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mlpipe {

MLPIPE_INLINE Frame::Frame(std::vector<Column> columns) {
    const std::size_t none = columns.size();
    std::size_t first_bad = none;
    for (std::size_t i = 0; i < columns.size() && first_bad == none; ++i)
        if (columns[i].name().empty() || (i > 0 && columns[i].size() != columns[0].size())) first_bad = i;
    // The first column that repeats an earlier one's name: pairwise for a few columns (no
    // allocation: a frame is built per request by the endpoint), else by sorted indices.
    if (columns.size() <= 16) {
        for (std::size_t i = 1; i < first_bad; ++i)
            for (std::size_t j = 0; j < i; ++j)
                if (!columns[i].name().empty() && columns[i].name() == columns[j].name()) {
                    first_bad = i;
                    break;
                }
    } else {
        std::vector<std::size_t> order(columns.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            const int by_name = columns[a].name().compare(columns[b].name());
            return by_name != 0 ? by_name < 0 : a < b;
        });
        for (std::size_t k = 1; k < order.size(); ++k)
            if (columns[order[k]].name() == columns[order[k - 1]].name() && !columns[order[k]].name().empty())
                first_bad = std::min(first_bad, order[k]);  // a repeat: its group's earlier index came first
    }
    if (first_bad == none) {
        columns_ = std::move(columns);
        return;
    }
    // Up to the first bad column, add() would succeed; it then throws add()'s own message.
    columns_.reserve(columns.size());
    for (std::size_t i = 0; i < first_bad; ++i) columns_.push_back(std::move(columns[i]));
    add(std::move(columns[first_bad]));
}

MLPIPE_INLINE Frame& Frame::add(Column column) {
    if (column.name().empty()) throw data_error("Frame: a column needs a non-empty name");
    if (find(column.name()))
        throw data_error("Frame: a column named '" + column.name() + "' is already present");
    if (!columns_.empty() && column.size() != rows())
        throw data_error("Frame: column '" + column.name() + "' has " + std::to_string(column.size()) +
                         " rows but the frame has " + std::to_string(rows()));
    columns_.push_back(std::move(column));
    return *this;
}

MLPIPE_INLINE std::size_t Frame::index_of(std::string_view name) const {
    if (auto i = find(name)) return *i;
    const auto known = names();
    throw data_error("no column named '" + std::string(name) + "' (columns: " +
                     (known.empty() ? std::string("none") : detail::quoted_list(known)) + ")");
}

MLPIPE_INLINE void Frame::replace(std::size_t i, Column column) {
    if (column.size() != rows())
        throw data_error("Frame: replacement for column '" + columns_[checked(i)].name() + "' has " +
                         std::to_string(column.size()) + " rows, expected " + std::to_string(rows()));
    columns_[checked(i)] = std::move(column);
}

MLPIPE_INLINE std::vector<std::string> Frame::names() const {
    std::vector<std::string> out;
    out.reserve(columns_.size());
    for (const auto& c : columns_) out.push_back(c.name());
    return out;
}

MLPIPE_INLINE std::vector<std::string> Frame::feature_names() const {
    std::vector<std::string> out;
    for (const auto& c : columns_) {
        if (c.is_numeric()) out.push_back(c.name());
        else if (c.is_one_hot())
            for (const auto& cat : c.dictionary()) out.push_back(c.name() + "_" + cat);
    }
    return out;
}

}  // namespace mlpipe
