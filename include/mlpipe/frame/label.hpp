#pragma once
// Class labels: a number or a string, as read from the target column; Labels is the
// result of predict (one code per row into the sorted classes).

#include <mlpipe/detail/compiled.hpp>
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
MLPIPE_INLINE std::vector<Label> labels_of(const Column& stored);

namespace detail {

// The distinct values, sorted. A classification target has few: a sorted set grown by binary
// search costs n log k, not the n log n of sorting every row (80 ms at 1M rows); past
// `few` distinct values it sorts a copy instead.
MLPIPE_INLINE std::vector<double> distinct_sorted(std::span<const double> values, std::size_t few = 256);

}  // namespace detail

// The sorted distinct labels of a target column (sklearn's classes_) and each row's index
// into them. Works on the column's dictionary, not on one Label per row, so that large
// targets are encoded in linear time.
struct EncodedLabels {
    std::vector<Label> classes;
    std::vector<std::int32_t> index;
};

MLPIPE_INLINE EncodedLabels encode_labels(const Column& stored);

// Each row's index into `classes` (sorted, as a fitted classifier's classes()), or -1 where
// its label is not one of them; a missing label is an error naming the row. One lookup per
// dictionary entry (categorical) or a binary search per row (numeric): no Label per row.
MLPIPE_INLINE std::vector<std::int32_t> label_indices(const Column& stored, const std::vector<Label>& classes);

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

    std::vector<std::string> to_strings() const;

private:
    std::vector<Label> classes_;
    std::vector<std::int32_t> codes_;
};

}  // namespace mlpipe

// The definitions of the functions declared above: compiled here in a header-only build, taken
// from mlpipe::precompiled (src/frame.cpp) when it is linked.
#ifndef MLPIPE_PRECOMPILED
#include <mlpipe/frame/label_impl.hpp>
#endif
