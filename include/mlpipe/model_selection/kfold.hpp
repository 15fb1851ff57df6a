#pragma once
// KFold and StratifiedKFold: scikit-learn's cross-validation splitters. The same n_splits,
// shuffle and random_state give the same folds as scikit-learn 1.2 (numpy_random.hpp).
//
// Each Fold holds its training and test rows, both ascending, as scikit-learn yields them.
// A random_state without shuffle is an error, as in scikit-learn; shuffle without one
// draws a fresh seed at each split (scikit-learn's random_state=None).

#include <mlpipe/error.hpp>
#include <mlpipe/frame/column.hpp>
#include <mlpipe/frame/frame.hpp>
#include <mlpipe/frame/label.hpp>
#include <mlpipe/model_selection/numpy_random.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

namespace mlpipe {

struct Fold {
    std::vector<std::size_t> train;
    std::vector<std::size_t> test;
};

struct KFoldOptions {
    std::size_t n_splits = 5;
    bool shuffle = false;
    std::optional<std::uint32_t> random_state{};
};

namespace detail {
inline void check_kfold_options(const KFoldOptions& options, const char* who) {
    if (options.n_splits < 2)
        throw parameter_error(std::string(who) + ": n_splits must be at least 2, not " +
                              std::to_string(options.n_splits));
    if (options.random_state && !options.shuffle)
        throw parameter_error(std::string(who) +
                              ": random_state has no effect without shuffle; set shuffle = true or leave "
                              "random_state unset");
}

// Folds from each row's fold number: row i is in the test rows of fold test_fold[i].
inline std::vector<Fold> folds_from_assignment(const std::vector<std::size_t>& test_fold, std::size_t n_splits) {
    std::vector<Fold> folds(n_splits);
    for (std::size_t i = 0; i < test_fold.size(); ++i)
        for (std::size_t k = 0; k < n_splits; ++k) (k == test_fold[i] ? folds[k].test : folds[k].train).push_back(i);
    return folds;
}

inline void check_rows_for_splits(std::size_t n_rows, std::size_t n_splits, const char* who) {
    if (n_splits > n_rows)
        throw data_error(std::string(who) + ": cannot cut " + std::to_string(n_rows) + " rows into n_splits = " +
                         std::to_string(n_splits) + " folds");
}
}  // namespace detail

// Consecutive folds of rows 0 .. n-1 (after one shuffle when asked); the first n % n_splits
// folds have one row more.
class KFold {
public:
    explicit KFold(KFoldOptions options = {}) : options_(options) { detail::check_kfold_options(options_, "KFold"); }

    const KFoldOptions& options() const noexcept { return options_; }
    std::size_t n_splits() const noexcept { return options_.n_splits; }

    std::vector<Fold> split(std::size_t n_rows) const {
        detail::check_rows_for_splits(n_rows, options_.n_splits, "KFold");
        std::vector<std::size_t> order(n_rows);
        std::iota(order.begin(), order.end(), std::size_t{0});
        if (options_.shuffle) NumpyRandomState(options_.random_state.value_or(fresh_seed())).shuffle(order);
        std::vector<std::size_t> test_fold(n_rows);
        std::size_t start = 0;
        for (std::size_t k = 0; k < options_.n_splits; ++k) {
            const std::size_t size = n_rows / options_.n_splits + (k < n_rows % options_.n_splits ? 1 : 0);
            for (std::size_t r = start; r < start + size; ++r) test_fold[order[r]] = k;
            start += size;
        }
        return detail::folds_from_assignment(test_fold, options_.n_splits);
    }
    std::vector<Fold> split(const Frame& X) const { return split(X.rows()); }

private:
    KFoldOptions options_;
};

// Folds that keep each class's share of the rows: the rows of each class, in order, are dealt
// to the folds in blocks sized by a round robin over the sorted labels (scikit-learn 1.2's
// StratifiedKFold); shuffle shuffles each class's fold numbers.
class StratifiedKFold {
public:
    explicit StratifiedKFold(KFoldOptions options = {}) : options_(options) {
        detail::check_kfold_options(options_, "StratifiedKFold");
    }

    const KFoldOptions& options() const noexcept { return options_; }
    std::size_t n_splits() const noexcept { return options_.n_splits; }

    // y: the class labels (a target column; missing labels are an error).
    std::vector<Fold> split(const Column& y) const {
        const std::size_t n_rows = y.size();
        const std::size_t n_splits = options_.n_splits;
        detail::check_rows_for_splits(n_rows, n_splits, "StratifiedKFold");
        const std::vector<std::size_t> encoded = classes_by_first_appearance(y);
        const std::size_t n_classes = encoded.empty() ? 0 : *std::max_element(encoded.begin(), encoded.end()) + 1;
        std::vector<std::size_t> counts(n_classes, 0);
        for (auto c : encoded) ++counts[c];
        if (std::all_of(counts.begin(), counts.end(), [&](std::size_t c) { return c < n_splits; }))
            throw data_error("StratifiedKFold: n_splits = " + std::to_string(n_splits) +
                             " is more than the rows of every class of '" + y.name() + "' (the largest has " +
                             std::to_string(*std::max_element(counts.begin(), counts.end())) + ")");
        // allocation[k][c]: rows of class c in fold k, from dealing the sorted labels round robin.
        std::vector<std::size_t> sorted(encoded);
        std::sort(sorted.begin(), sorted.end());
        std::vector<std::vector<std::size_t>> allocation(n_splits, std::vector<std::size_t>(n_classes, 0));
        for (std::size_t i = 0; i < sorted.size(); ++i) ++allocation[i % n_splits][sorted[i]];

        std::optional<NumpyRandomState> random;
        if (options_.shuffle) random.emplace(options_.random_state.value_or(fresh_seed()));
        std::vector<std::size_t> test_fold(n_rows);
        for (std::size_t c = 0; c < n_classes; ++c) {
            std::vector<std::size_t> folds_for_class;
            for (std::size_t k = 0; k < n_splits; ++k) folds_for_class.insert(folds_for_class.end(), allocation[k][c], k);
            if (random) random->shuffle(folds_for_class);
            std::size_t next = 0;
            for (std::size_t i = 0; i < n_rows; ++i)
                if (encoded[i] == c) test_fold[i] = folds_for_class[next++];
        }
        return detail::folds_from_assignment(test_fold, n_splits);
    }
    std::vector<Fold> split(const Frame& y) const {
        if (y.cols() != 1)
            throw data_error("StratifiedKFold: y must have one column, not " + std::to_string(y.cols()));
        return split(y[0]);
    }

    // Each row's class numbered by first appearance (0 is the class of row 0), as
    // scikit-learn encodes y before dealing it out. Only class targets: numbers must be whole.
    static std::vector<std::size_t> classes_by_first_appearance(const Column& y) {
        if (y.is_numeric()) {
            for (std::size_t i = 0; i < y.size(); ++i) {
                const double v = y.value(i);
                if (std::isfinite(v) && v != std::floor(v))
                    throw data_error("StratifiedKFold: '" + y.name() + "' holds " + detail::number_to_text(v) +
                                     " in row " + std::to_string(i) +
                                     ", a continuous target; stratification needs class labels");
            }
        }
        const EncodedLabels labels = encode_labels(y);  // sorted classes; throws on a missing label
        std::vector<std::size_t> first(labels.classes.size(), labels.index.size());
        for (std::size_t i = labels.index.size(); i-- > 0;) first[static_cast<std::size_t>(labels.index[i])] = i;
        std::vector<std::size_t> by_first(first.size());
        std::iota(by_first.begin(), by_first.end(), std::size_t{0});
        std::sort(by_first.begin(), by_first.end(), [&](std::size_t a, std::size_t b) { return first[a] < first[b]; });
        std::vector<std::size_t> rank(first.size());
        for (std::size_t r = 0; r < by_first.size(); ++r) rank[by_first[r]] = r;
        std::vector<std::size_t> out(labels.index.size());
        for (std::size_t i = 0; i < out.size(); ++i) out[i] = rank[static_cast<std::size_t>(labels.index[i])];
        return out;
    }

private:
    KFoldOptions options_;
};

}  // namespace mlpipe
