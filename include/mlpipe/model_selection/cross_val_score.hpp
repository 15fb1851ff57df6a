#pragma once
// cross_val_score: scikit-learn's. Each fold fits a fresh copy of the model (a copy of
// `model` starts afresh at fit, so it plays the part of sklearn's clone) on the other folds
// and scores it on its own; folds run in parallel on the library's thread pool. The scores
// do not depend on the thread count: each fold's fit and score are deterministic and land in
// their own slot.
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
    if (folds.empty()) throw parameter_error("cross_val_score: no folds given");
    for (std::size_t k = 0; k < folds.size(); ++k)
        if (folds[k].train.empty() || folds[k].test.empty())
            throw parameter_error("cross_val_score: fold " + std::to_string(k) + " has no " +
                                  (folds[k].train.empty() ? "training" : "test") + " rows");
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
