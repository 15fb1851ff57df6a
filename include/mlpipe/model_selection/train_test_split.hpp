#pragma once
// train_test_split: scikit-learn's, with the same sizes, the same rows in the same order for
// the same random_state (numpy_random.hpp), and `stratify` (StratifiedShuffleSplit: each
// class keeps its share of the rows in both parts).
//
//   auto [X_train, X_test, y_train, y_test] = mlpipe::train_test_split(X, y, {.test_size = 0.2,
//                                                                          .random_state = 42});

#include <mlpipe/error.hpp>
#include <mlpipe/frame/frame.hpp>
#include <mlpipe/frame/label.hpp>
#include <mlpipe/frame/rows.hpp>
#include <mlpipe/model_selection/numpy_random.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

namespace mlpipe {

struct SplitOptions {
    // A fraction of the rows in (0, 1), or a row count (a whole number >= 1). 0 (unset): the
    // rows train_size leaves, or 0.25 when train_size is unset too (scikit-learn's None).
    double test_size = 0;
    double train_size = 0;  // the same; 0 (unset): the rows test_size leaves
    std::optional<std::uint32_t> random_state{};  // unset: a different split each call
    bool shuffle = true;
    bool stratify = false;  // keep the classes' shares of y (needs shuffle)
};

struct SplitRows {
    std::vector<std::size_t> train;
    std::vector<std::size_t> test;
};

struct TrainTestSplit {
    Frame X_train, X_test, y_train, y_test;
};

namespace detail {

// scikit-learn's _validate_shuffle_split: (n_train, n_test).
inline std::pair<std::size_t, std::size_t> split_sizes(std::size_t n, const SplitOptions& options) {
    const auto nd = static_cast<double>(n);
    auto check = [&](double size, const char* name) {
        const bool count = size >= 1;
        if (size < 0 || std::isnan(size) || (count && (size != std::floor(size) || size >= nd)))
            throw parameter_error(std::string("train_test_split: ") + name + " = " + number_to_text(size) +
                                  " must be a fraction in (0, 1) or a whole number of rows below " + std::to_string(n));
    };
    check(options.test_size, "test_size");
    check(options.train_size, "train_size");
    double test_size = options.test_size;
    if (test_size == 0 && options.train_size == 0) test_size = 0.25;
    const double train_size = options.train_size;
    if (test_size > 0 && test_size < 1 && train_size > 0 && train_size < 1 && test_size + train_size > 1)
        throw parameter_error("train_test_split: test_size + train_size = " + number_to_text(test_size + train_size) +
                              " is more than 1");
    double n_test = test_size >= 1 ? test_size : std::ceil(test_size * nd);
    double n_train = train_size >= 1 ? train_size : std::floor(train_size * nd);
    if (train_size == 0) n_train = nd - n_test;
    else if (test_size == 0) n_test = nd - n_train;
    if (n_train + n_test > nd)
        throw parameter_error("train_test_split: " + number_to_text(n_train) + " training and " + number_to_text(n_test) +
                              " test rows are more than the " + std::to_string(n) + " rows there are");
    if (n_train == 0)
        throw parameter_error("train_test_split: with " + std::to_string(n) + " rows and test_size = " +
                              number_to_text(test_size) + " the training rows would be none");
    return {static_cast<std::size_t>(n_train), static_cast<std::size_t>(n_test)};
}

// scikit-learn's _approximate_mode: how many of n_draws rows each class gets, in proportion
// to its count, the leftover rows going to the largest remainders (ties drawn at random).
inline std::vector<std::size_t> approximate_mode(const std::vector<std::size_t>& counts, std::size_t n_draws,
                                                 NumpyRandomState& random) {
    double total = 0;
    for (auto c : counts) total += static_cast<double>(c);
    std::vector<double> continuous(counts.size()), remainder(counts.size());
    std::vector<std::size_t> floored(counts.size());
    double floored_sum = 0;
    for (std::size_t c = 0; c < counts.size(); ++c) {
        continuous[c] = static_cast<double>(counts[c]) / total * static_cast<double>(n_draws);
        const double f = std::floor(continuous[c]);
        floored[c] = static_cast<std::size_t>(f);
        floored_sum += f;
        remainder[c] = continuous[c] - f;
    }
    auto need = static_cast<std::size_t>(static_cast<double>(n_draws) - floored_sum);
    if (need == 0) return floored;
    std::vector<double> values(remainder);
    std::sort(values.begin(), values.end(), std::greater<>());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    for (double value : values) {
        std::vector<std::size_t> tied;
        for (std::size_t c = 0; c < remainder.size(); ++c)
            if (remainder[c] == value) tied.push_back(c);
        const std::size_t add_now = std::min(tied.size(), need);
        for (auto c : random.choice_without_replacement(tied, add_now)) ++floored[c];
        need -= add_now;
        if (need == 0) break;
    }
    return floored;
}

}  // namespace detail

// The training and test rows of an n-row data set.
inline SplitRows train_test_split_rows(std::size_t n_rows, const SplitOptions& options = {}) {
    if (options.stratify)
        throw parameter_error("train_test_split: stratify needs the labels; pass them (the Column overload)");
    const auto [n_train, n_test] = detail::split_sizes(n_rows, options);
    SplitRows rows;
    if (!options.shuffle) {
        rows.train.resize(n_train);
        std::iota(rows.train.begin(), rows.train.end(), std::size_t{0});
        rows.test.resize(n_test);
        std::iota(rows.test.begin(), rows.test.end(), n_train);
        return rows;
    }
    NumpyRandomState random(options.random_state.value_or(fresh_seed()));
    const std::vector<std::size_t> order = random.permutation(n_rows);
    rows.test.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n_test));
    rows.train.assign(order.begin() + static_cast<std::ptrdiff_t>(n_test),
                      order.begin() + static_cast<std::ptrdiff_t>(n_test + n_train));
    return rows;
}

// The same, stratified by y when options.stratify is set (scikit-learn's StratifiedShuffleSplit).
inline SplitRows train_test_split_rows(const Column& y, const SplitOptions& options = {}) {
    if (!options.stratify) return train_test_split_rows(y.size(), {options.test_size, options.train_size,
                                                                   options.random_state, options.shuffle, false});
    if (!options.shuffle) throw parameter_error("train_test_split: stratify needs shuffle = true");
    const auto [n_train, n_test] = detail::split_sizes(y.size(), options);
    const EncodedLabels labels = encode_labels(y);  // sorted classes; a missing label is an error
    const std::size_t n_classes = labels.classes.size();
    std::vector<std::size_t> counts(n_classes, 0);
    for (auto c : labels.index) ++counts[static_cast<std::size_t>(c)];
    const auto least = std::min_element(counts.begin(), counts.end());
    if (*least < 2)
        throw data_error("train_test_split: class " + labels.classes[static_cast<std::size_t>(least - counts.begin())]
                                                          .to_string() +
                         " of '" + y.name() + "' has only one row; stratify needs at least two per class");
    if (n_train < n_classes || n_test < n_classes)
        throw parameter_error("train_test_split: " + std::to_string(n_train) + " training and " +
                              std::to_string(n_test) + " test rows cannot hold each of the " +
                              std::to_string(n_classes) + " classes of '" + y.name() + "'");
    std::vector<std::vector<std::size_t>> class_rows(n_classes);  // ascending, as a stable argsort
    for (std::size_t i = 0; i < labels.index.size(); ++i)
        class_rows[static_cast<std::size_t>(labels.index[i])].push_back(i);

    NumpyRandomState random(options.random_state.value_or(fresh_seed()));
    const std::vector<std::size_t> n_i = detail::approximate_mode(counts, n_train, random);
    std::vector<std::size_t> remaining(n_classes);
    for (std::size_t c = 0; c < n_classes; ++c) remaining[c] = counts[c] - n_i[c];
    const std::vector<std::size_t> t_i = detail::approximate_mode(remaining, n_test, random);
    SplitRows rows;
    for (std::size_t c = 0; c < n_classes; ++c) {
        const std::vector<std::size_t> order = random.permutation(counts[c]);
        for (std::size_t k = 0; k < n_i[c]; ++k) rows.train.push_back(class_rows[c][order[k]]);
        for (std::size_t k = n_i[c]; k < n_i[c] + t_i[c]; ++k) rows.test.push_back(class_rows[c][order[k]]);
    }
    rows.train = random.permutation(std::move(rows.train));
    rows.test = random.permutation(std::move(rows.test));
    return rows;
}

// X and y cut into training and test rows (y: one column, the labels).
inline TrainTestSplit train_test_split(const Frame& X, const Frame& y, const SplitOptions& options = {}) {
    if (y.cols() != 1) throw data_error("train_test_split: y must have one column, not " + std::to_string(y.cols()));
    if (X.rows() != y.rows())
        throw data_error("train_test_split: X has " + std::to_string(X.rows()) + " rows but y has " +
                         std::to_string(y.rows()));
    const SplitRows rows = train_test_split_rows(y[0], options);
    return {take_rows(X, rows.train), take_rows(X, rows.test), take_rows(y, rows.train), take_rows(y, rows.test)};
}

// One frame cut in two (no labels, so no stratify).
inline std::pair<Frame, Frame> train_test_split(const Frame& X, const SplitOptions& options = {}) {
    const SplitRows rows = train_test_split_rows(X.rows(), options);
    return {take_rows(X, rows.train), take_rows(X, rows.test)};
}

}  // namespace mlpipe
