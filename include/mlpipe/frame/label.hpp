#pragma once
// Class labels: a number or a string, as read from the target column; Labels is the
// result of predict (one code per row into the sorted classes).

#include <mlpipe/detail/text.hpp>
#include <mlpipe/error.hpp>
#include <mlpipe/frame/column.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <ostream>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace mlpipe {

class Label {
public:
    Label() = default;
    Label(double number) : value_(number) {}  // NOLINT(google-explicit-constructor): labels read like values
    Label(std::string text) : value_(std::move(text)) {}  // NOLINT(google-explicit-constructor)
    Label(const char* text) : value_(std::string(text)) {}  // NOLINT(google-explicit-constructor)

    bool is_number() const noexcept { return std::holds_alternative<double>(value_); }
    bool is_string() const noexcept { return std::holds_alternative<std::string>(value_); }
    double number() const {
        if (!is_number()) throw data_error("label '" + std::get<std::string>(value_) + "' is not a number");
        return std::get<double>(value_);
    }
    const std::string& text() const {
        if (!is_string()) throw data_error("label " + to_string() + " is not a string");
        return std::get<std::string>(value_);
    }

    // Shortest text that reads back as the same value: 1, 0.5, male.
    std::string to_string() const {
        if (is_string()) return std::get<std::string>(value_);
        return detail::number_to_text(std::get<double>(value_));
    }

    // sklearn's order: numbers numerically, strings by bytes (Python's code-point order
    // for UTF-8); all numbers before all strings (never mixed in one column).
    friend bool operator<(const Label& a, const Label& b) noexcept { return a.value_ < b.value_; }
    friend bool operator==(const Label& a, const Label& b) noexcept { return a.value_ == b.value_; }
    friend std::ostream& operator<<(std::ostream& out, const Label& label) { return out << label.to_string(); }

    const std::variant<double, std::string>& value() const noexcept { return value_; }

private:
    std::variant<double, std::string> value_{0.0};
};

// The label of each row of a target column; missing labels are an error.
inline std::vector<Label> labels_of(const Column& stored) {
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

// The distinct values, sorted. A classification target has few: a sorted set grown by binary
// search costs n log k, not the n log n of sorting every row (80 ms at 1M rows); past
// `few` distinct values it sorts a copy instead.
inline std::vector<double> distinct_sorted(std::span<const double> values, std::size_t few = 256) {
    std::vector<double> distinct;
    for (double v : values) {
        auto at = std::lower_bound(distinct.begin(), distinct.end(), v);
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

// The sorted distinct labels of a target column (sklearn's classes_) and each row's index
// into them. Works on the column's dictionary, not on one Label per row, so that large
// targets are encoded in linear time.
struct EncodedLabels {
    std::vector<Label> classes;
    std::vector<std::int32_t> index;
};

inline EncodedLabels encode_labels(const Column& stored) {
    const Column column = stored.is_numeric() ? stored.to_float64() : stored;  // labels are doubles
    auto missing = [&](std::size_t row) {
        return data_error("target column '" + column.name() + "' has a missing value in row " + std::to_string(row));
    };
    EncodedLabels out;
    out.index.resize(column.size());
    if (column.is_numeric()) {
        auto values = column.values();
        for (std::size_t i = 0; i < values.size(); ++i)
            if (std::isnan(values[i])) throw missing(i);
        const std::vector<double> distinct = detail::distinct_sorted(values);
        for (double v : distinct) out.classes.emplace_back(v);
        for (std::size_t i = 0; i < values.size(); ++i)
            out.index[i] = static_cast<std::int32_t>(std::lower_bound(distinct.begin(), distinct.end(), values[i]) -
                                                     distinct.begin());
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

// Each row's index into `classes` (sorted, as a fitted classifier's classes()), or -1 where
// its label is not one of them; a missing label is an error naming the row. One lookup per
// dictionary entry (categorical) or a binary search per row (numeric): no Label per row.
inline std::vector<std::int32_t> label_indices(const Column& stored, const std::vector<Label>& classes) {
    const Column column = stored.is_numeric() ? stored.to_float64() : stored;  // labels are doubles
    auto missing = [&](std::size_t row) {
        return data_error("target column '" + column.name() + "' has a missing value in row " + std::to_string(row));
    };
    std::vector<std::int32_t> out(column.size(), -1);
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
            auto at = std::lower_bound(numbers.begin(), numbers.end(), values[i]);
            if (at != numbers.end() && *at == values[i]) out[i] = number_index[static_cast<std::size_t>(at - numbers.begin())];
        }
    } else if (column.is_categorical()) {
        const auto& dictionary = column.dictionary();
        std::vector<std::int32_t> class_of(dictionary.size());
        for (std::size_t d = 0; d < dictionary.size(); ++d) class_of[d] = index_of(Label(dictionary[d]));
        auto codes = column.codes();
        for (std::size_t i = 0; i < codes.size(); ++i) {
            if (codes[i] < 0) throw missing(i);
            out[i] = class_of[static_cast<std::size_t>(codes[i])];
        }
    } else {
        throw data_error("target column '" + column.name() + "' is one-hot encoded; pass the raw labels");
    }
    return out;
}

// Predicted labels: row i is classes()[codes()[i]].
class Labels {
public:
    Labels() = default;
    Labels(std::vector<Label> classes, std::vector<std::int32_t> codes)
        : classes_(std::move(classes)), codes_(std::move(codes)) {}

    std::size_t size() const noexcept { return codes_.size(); }
    bool empty() const noexcept { return codes_.empty(); }
    const Label& operator[](std::size_t i) const { return classes_[static_cast<std::size_t>(codes_.at(i))]; }
    const std::vector<Label>& classes() const noexcept { return classes_; }
    std::span<const std::int32_t> codes() const noexcept { return codes_; }

    class const_iterator {
    public:
        using value_type = Label;
        using difference_type = std::ptrdiff_t;
        const_iterator() = default;
        const_iterator(const Labels* owner, std::size_t i) : owner_(owner), i_(i) {}
        const Label& operator*() const { return (*owner_)[i_]; }
        const_iterator& operator++() { ++i_; return *this; }
        const_iterator operator++(int) { auto old = *this; ++i_; return old; }
        bool operator==(const const_iterator& other) const noexcept { return i_ == other.i_; }

    private:
        const Labels* owner_ = nullptr;
        std::size_t i_ = 0;
    };
    const_iterator begin() const noexcept { return {this, 0}; }
    const_iterator end() const noexcept { return {this, codes_.size()}; }

    std::vector<std::string> to_strings() const {
        std::vector<std::string> names;
        names.reserve(classes_.size());
        for (const auto& c : classes_) names.push_back(c.to_string());
        std::vector<std::string> out;
        out.reserve(codes_.size());
        for (auto c : codes_) out.push_back(names[static_cast<std::size_t>(c)]);
        return out;
    }

private:
    std::vector<Label> classes_;
    std::vector<std::int32_t> codes_;
};

}  // namespace mlpipe
