#pragma once
// The definitions of label.hpp's non-inline functions. label.hpp includes this file in a
// header-only build; with MLPIPE_PRECOMPILED, mlpipe::precompiled compiles it once
// (src/frame.cpp) and users' translation units see only the declarations.

#include <mlpipe/frame/label.hpp>

#include <mlpipe/detail/compiled.hpp>
#include <mlpipe/detail/huge_page_allocator.hpp>
#include <mlpipe/error.hpp>
#include <mlpipe/frame/column.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace mlpipe {

MLPIPE_INLINE std::vector<Label> labels_of(const Column& stored) {
    const Column column = stored.is_numeric() ? stored.to_float64() : stored;  // labels are doubles
    std::vector<Label> out;
    out.reserve(column.size());
    if (column.is_numeric()) {
        auto values = column.values();
        for (std::size_t i = 0; i < values.size(); ++i) {
            if (std::isnan(values[i]))
                throw data_error("target column '" + column.name() + "' has a missing value in row " +
                                 std::to_string(i));
            out.emplace_back(values[i]);
        }
    } else if (column.is_categorical()) {
        auto codes = column.codes();
        const auto& dict = column.dictionary();
        for (std::size_t i = 0; i < codes.size(); ++i) {
            if (codes[i] < 0)
                throw data_error("target column '" + column.name() + "' has a missing value in row " +
                                 std::to_string(i));
            out.emplace_back(dict[static_cast<std::size_t>(codes[i])]);
        }
    } else {
        throw data_error("target column '" + column.name() + "' is one-hot encoded; pass the raw labels");
    }
    return out;
}

namespace detail {

// Where v goes among `sorted` (ascending, distinct): the number of entries below it. A few
// classes, the usual case, are counted without a branch: labels in random order defeat a
// binary search's branch prediction (13 ms of a 1M-row evaluation).
inline std::size_t rank_in_sorted(const std::vector<double>& sorted, double v) noexcept {
    if (sorted.size() > 16)
        return static_cast<std::size_t>(std::lower_bound(sorted.begin(), sorted.end(), v) - sorted.begin());
    std::size_t below = 0;
    for (const double s : sorted) below += s < v ? 1 : 0;
    return below;
}

MLPIPE_INLINE std::vector<double> distinct_sorted(std::span<const double> values, std::size_t few) {
    std::vector<double> distinct;
    for (double v : values) {
        const auto at = distinct.begin() + static_cast<std::ptrdiff_t>(rank_in_sorted(distinct, v));
        if (at != distinct.end() && *at == v) continue;
        if (distinct.size() == few) {
            distinct.assign(values.begin(), values.end());
            std::sort(distinct.begin(), distinct.end());
            distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
            return distinct;
        }
        distinct.insert(at, v);
    }
    return distinct;
}

}  // namespace detail

MLPIPE_INLINE EncodedLabels encode_labels(const Column& stored) {
    const Column column = stored.is_numeric() ? stored.to_float64() : stored;  // labels are doubles
    auto missing = [&](std::size_t row) {
        return data_error("target column '" + column.name() + "' has a missing value in row " + std::to_string(row));
    };
    EncodedLabels out;
    out.index.reserve(column.size());
    detail::advise_huge_pages(out.index.data(), column.size() * sizeof(std::int32_t));  // new memory, filled once
    out.index.resize(column.size());
    if (column.is_numeric()) {
        auto values = column.values();
        for (std::size_t i = 0; i < values.size(); ++i)
            if (std::isnan(values[i])) throw missing(i);
        const std::vector<double> distinct = detail::distinct_sorted(values);
        for (double v : distinct) out.classes.emplace_back(v);
        for (std::size_t i = 0; i < values.size(); ++i)
            out.index[i] = static_cast<std::int32_t>(detail::rank_in_sorted(distinct, values[i]));
    } else if (column.is_categorical()) {
        auto codes = column.codes();
        const auto& dictionary = column.dictionary();
        std::vector<bool> used(dictionary.size(), false);
        for (std::size_t i = 0; i < codes.size(); ++i) {
            if (codes[i] < 0) throw missing(i);
            used[static_cast<std::size_t>(codes[i])] = true;
        }
        std::vector<std::int32_t> order;
        for (std::size_t d = 0; d < dictionary.size(); ++d)
            if (used[d]) order.push_back(static_cast<std::int32_t>(d));
        std::sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) {
            return dictionary[static_cast<std::size_t>(a)] < dictionary[static_cast<std::size_t>(b)];
        });
        std::vector<std::int32_t> class_of(dictionary.size(), -1);
        for (std::size_t c = 0; c < order.size(); ++c) {
            class_of[static_cast<std::size_t>(order[c])] = static_cast<std::int32_t>(c);
            out.classes.emplace_back(dictionary[static_cast<std::size_t>(order[c])]);
        }
        for (std::size_t i = 0; i < codes.size(); ++i) out.index[i] = class_of[static_cast<std::size_t>(codes[i])];
    } else {
        throw data_error("target column '" + column.name() + "' is one-hot encoded; pass the raw labels");
    }
    return out;
}

MLPIPE_INLINE std::vector<std::int32_t> label_indices(const Column& stored, const std::vector<Label>& classes) {
    const Column column = stored.is_numeric() ? stored.to_float64() : stored;  // labels are doubles
    auto missing = [&](std::size_t row) {
        return data_error("target column '" + column.name() + "' has a missing value in row " + std::to_string(row));
    };
    // Appended, not filled with -1 first: on a million rows the fill was a pass of its own.
    std::vector<std::int32_t> out;
    out.reserve(column.size());
    auto index_of = [&](const Label& label) {
        auto at = std::lower_bound(classes.begin(), classes.end(), label);
        return at != classes.end() && *at == label ? static_cast<std::int32_t>(at - classes.begin()) : -1;
    };
    if (column.is_numeric()) {
        std::vector<double> numbers;  // the numeric classes, in the same (sorted) order
        std::vector<std::int32_t> number_index;
        for (std::size_t c = 0; c < classes.size(); ++c)
            if (classes[c].is_number()) {
                numbers.push_back(classes[c].number());
                number_index.push_back(static_cast<std::int32_t>(c));
            }
        auto values = column.values();
        for (std::size_t i = 0; i < values.size(); ++i) {
            if (std::isnan(values[i])) throw missing(i);
            const std::size_t at = detail::rank_in_sorted(numbers, values[i]);
            out.push_back(at < numbers.size() && numbers[at] == values[i] ? number_index[at] : -1);
        }
    } else if (column.is_categorical()) {
        const auto& dictionary = column.dictionary();
        std::vector<std::int32_t> class_of(dictionary.size());
        for (std::size_t d = 0; d < dictionary.size(); ++d) class_of[d] = index_of(Label(dictionary[d]));
        auto codes = column.codes();
        for (std::size_t i = 0; i < codes.size(); ++i) {
            if (codes[i] < 0) throw missing(i);
            out.push_back(class_of[static_cast<std::size_t>(codes[i])]);
        }
    } else {
        throw data_error("target column '" + column.name() + "' is one-hot encoded; pass the raw labels");
    }
    return out;
}

MLPIPE_INLINE std::vector<std::string> Labels::to_strings() const {
    std::vector<std::string> names;
    names.reserve(classes_.size());
    for (const auto& c : classes_) names.push_back(c.to_string());
    std::vector<std::string> out;
    out.reserve(codes_.size());
    for (auto c : codes_) out.push_back(names[static_cast<std::size_t>(c)]);
    return out;
}

}  // namespace mlpipe
