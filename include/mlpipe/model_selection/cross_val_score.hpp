#pragma once
// cross_val_score: scikit-learn's. Each fold fits a fresh copy of the model (a copy of
// `model` starts afresh at fit, so it plays the part of sklearn's clone) on the other folds
// and scores it on its own; folds run in parallel on the library's thread pool. The scores
// do not depend on the thread count: each fold's fit and score are deterministic and land in
// their own slot. The scorer, and any progress callback the model carries into its copies, are
// called from several threads at once, so they must be thread-safe.
//
//   auto scores = mlpipe::cross_val_score(model, X, y);                     // 5 stratified folds
//   auto scores = mlpipe::cross_val_score(model, X, y, KFold({.n_splits = 10, .shuffle = true,
//                                                             .random_state = 0}).split(X));

#include <mlpipe/error.hpp>
#include <mlpipe/frame/frame.hpp>
#include <mlpipe/frame/rows.hpp>
#include <mlpipe/model_selection/kfold.hpp>
#include <mlpipe/parallel/thread_pool.hpp>

#include <functional>
#include <string>
#include <vector>

namespace mlpipe {

// A score of a fitted model on rows it did not see: higher is better (scikit-learn's scorer).
namespace detail {
// Folds given by the caller: at least one, none without training or test rows, no row past X.
inline void check_folds(const std::vector<Fold>& folds, std::size_t n_rows, const char* who) {
    if (folds.empty()) throw parameter_error(std::string(who) + ": no folds given");
    for (std::size_t k = 0; k < folds.size(); ++k) {
        if (folds[k].train.empty() || folds[k].test.empty())
            throw parameter_error(std::string(who) + ": fold " + std::to_string(k) + " has no " +
                                  (folds[k].train.empty() ? "training" : "test") + " rows");
        for (const auto* rows : {&folds[k].train, &folds[k].test})
            for (auto row : *rows)
                if (row >= n_rows)
                    throw parameter_error(std::string(who) + ": fold " + std::to_string(k) + " names row " +
                                          std::to_string(row) + ", past the " + std::to_string(n_rows) + " rows of X");
    }
}
}  // namespace detail

template <class Model>
using Scorer = std::function<double(const Model& fitted, const Frame& X, const Frame& y)>;

struct CrossValidationOptions {
    int n_jobs = 0;  // folds fitted at once, as scikit-learn reads n_jobs: 0 or -1 all cores
};

// The score of each fold, in fold order. scorer: empty for the model's own score (accuracy
// for a classifier, as scikit-learn's default).
template <class Model>
std::vector<double> cross_val_score(const Model& model, const Frame& X, const Frame& y, const std::vector<Fold>& folds,
                                    Scorer<Model> scorer = {}, CrossValidationOptions options = {}) {
    if (X.rows() != y.rows())
        throw data_error("cross_val_score: X has " + std::to_string(X.rows()) + " rows but y has " +
                         std::to_string(y.rows()));
    detail::check_folds(folds, X.rows(), "cross_val_score");
    if (!scorer) scorer = [](const Model& fitted, const Frame& X_test, const Frame& y_test) {
        return fitted.score(X_test, y_test);
    };
    std::vector<double> scores(folds.size());
    ThreadPool::shared().run(
        folds.size(),
        [&](std::size_t k) {
            Model fold_model = model;
            fold_model.fit(take_rows(X, folds[k].train), take_rows(y, folds[k].train));
            scores[k] = scorer(fold_model, take_rows(X, folds[k].test), take_rows(y, folds[k].test));
        },
        resolve_n_jobs(options.n_jobs));
    return scores;
}

// cv stratified folds without shuffle, scikit-learn's default for a classifier.
template <class Model>
std::vector<double> cross_val_score(const Model& model, const Frame& X, const Frame& y, std::size_t cv = 5,
                                    Scorer<Model> scorer = {}, CrossValidationOptions options = {}) {
    return cross_val_score(model, X, y, StratifiedKFold({.n_splits = cv}).split(y), std::move(scorer), options);
}

}  // namespace mlpipe
