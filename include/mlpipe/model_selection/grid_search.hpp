#pragma once
// GridSearchCV: scikit-learn's exhaustive search over parameter values by cross-validation.
// Every candidate (each combination of the grid's values, in scikit-learn's order: names
// sorted, the last name's values varying fastest) is fitted and scored on every fold; all
// candidate x fold fits run in parallel on the library's thread pool, each in its own slot,
// so the results do not depend on the thread count (the scorer, and any progress callback the
// estimator carries into its copies, are called from several threads at once: they must be
// thread-safe). The best candidate (highest mean test
// score; the first of those tied) is then refitted on all the rows.
//
//   GridSearchCV search(model, {{"logisticregression__C", {0.01, 0.1, 1.0, 10.0}}});
//   search.fit(X, y);
//   search.best_params();  search.best_estimator().predict(X_new);  search.cv_results();

#include <mlpipe/error.hpp>
#include <mlpipe/frame/frame.hpp>
#include <mlpipe/frame/rows.hpp>
#include <mlpipe/model_selection/cross_val_score.hpp>
#include <mlpipe/model_selection/kfold.hpp>
#include <mlpipe/parallel/thread_pool.hpp>
#include <mlpipe/pipeline/params.hpp>

#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mlpipe {

// Values to try, by parameter name (scikit-learn's param_grid as one dict).
using ParamGrid = std::map<std::string, std::vector<ParamValue>>;

// Every combination of a grid's values, in scikit-learn's ParameterGrid order.
inline std::vector<Params> parameter_grid(const ParamGrid& grid) {
    for (const auto& [name, values] : grid)
        if (values.empty()) throw parameter_error("parameter_grid: '" + name + "' has no values to try");
    std::vector<Params> out(1);
    for (const auto& [name, values] : grid) {  // std::map: names sorted; later names vary faster
        std::vector<Params> next;
        next.reserve(out.size() * values.size());
        for (const auto& partial : out)
            for (const auto& value : values) {
                Params p = partial;
                p.emplace(name, value);
                next.push_back(std::move(p));
            }
        out = std::move(next);
    }
    return out;
}

// scikit-learn's cv_results_: one entry per candidate.
struct CvResults {
    std::vector<Params> params;
    std::vector<std::vector<double>> split_test_scores;  // [candidate][fold]
    std::vector<double> mean_test_score;
    std::vector<double> std_test_score;  // population standard deviation over the folds
    std::vector<int> rank_test_score;    // 1 = best; tied means share the smaller rank

    // A table, one line per candidate: rank, mean, std and the parameters.
    std::string to_string() const {
        std::string out = "rank  mean_test_score  std_test_score  params\n";
        char buffer[64];
        for (std::size_t c = 0; c < params.size(); ++c) {
            std::snprintf(buffer, sizeof buffer, "%4d  %15.6f  %14.6f  ", rank_test_score[c], mean_test_score[c],
                          std_test_score[c]);
            out += buffer;
            std::string joined;
            for (const auto& [name, value] : params[c]) joined += (joined.empty() ? "" : ", ") + name + "=" + mlpipe::to_string(value);
            out += joined + "\n";
        }
        return out;
    }
};

template <class Model>
class GridSearchCV {
public:
    struct Options {
        std::size_t cv = 5;                  // stratified folds, without shuffle (scikit-learn's default)
        std::vector<Fold> folds{};           // or these folds (then cv is not used)
        Scorer<Model> scoring{};             // empty: the model's own score (accuracy)
        bool refit = true;                   // refit the best candidate on all the rows
        int n_jobs = 0;                      // fits at once: 0 or -1 all cores
    };

    GridSearchCV(Model estimator, ParamGrid grid) : GridSearchCV(std::move(estimator), std::move(grid), Options{}) {}
    GridSearchCV(Model estimator, ParamGrid grid, Options options)
        : estimator_(std::move(estimator)), grid_(std::move(grid)), options_(std::move(options)) {
        candidates_ = parameter_grid(grid_);
        // Every candidate's names and values are checked now, not after minutes of fits.
        for (const auto& params : candidates_) {
            Model probe = estimator_;
            set_params(probe, params);
        }
    }

    GridSearchCV& fit(const Frame& X, const Frame& y) {
        if (X.rows() != y.rows())
            throw data_error("GridSearchCV.fit: X has " + std::to_string(X.rows()) + " rows but y has " +
                             std::to_string(y.rows()));
        const std::vector<Fold> folds =
            options_.folds.empty() ? StratifiedKFold({.n_splits = options_.cv}).split(y) : options_.folds;
        detail::check_folds(folds, X.rows(), "GridSearchCV.fit");
        Scorer<Model> scorer = options_.scoring;
        if (!scorer) scorer = [](const Model& fitted, const Frame& X_test, const Frame& y_test) {
            return fitted.score(X_test, y_test);
        };
        // Each fold's frames are cut once and shared by the candidates.
        std::vector<Frame> X_train, y_train, X_test, y_test;
        for (const auto& fold : folds) {
            X_train.push_back(take_rows(X, fold.train));
            y_train.push_back(take_rows(y, fold.train));
            X_test.push_back(take_rows(X, fold.test));
            y_test.push_back(take_rows(y, fold.test));
        }
        const std::size_t n_folds = folds.size();
        std::vector<double> scores(candidates_.size() * n_folds);
        ThreadPool::shared().run(
            scores.size(),
            [&](std::size_t task) {
                const std::size_t c = task / n_folds, k = task % n_folds;
                Model model = estimator_;
                set_params(model, candidates_[c]);
                model.fit(X_train[k], y_train[k]);
                scores[task] = scorer(model, X_test[k], y_test[k]);
            },
            resolve_n_jobs(options_.n_jobs));

        CvResults results;
        results.params = candidates_;
        for (std::size_t c = 0; c < candidates_.size(); ++c) {
            std::vector<double> split(scores.begin() + static_cast<std::ptrdiff_t>(c * n_folds),
                                      scores.begin() + static_cast<std::ptrdiff_t>((c + 1) * n_folds));
            double sum = 0;
            for (double s : split) sum += s;
            const double mean = sum / static_cast<double>(n_folds);
            double squares = 0;
            for (double s : split) squares += (s - mean) * (s - mean);
            results.split_test_scores.push_back(std::move(split));
            results.mean_test_score.push_back(mean);
            results.std_test_score.push_back(std::sqrt(squares / static_cast<double>(n_folds)));
        }
        // Ranks as scipy's rankdata(-mean, method="min"); a NaN mean ranks last.
        for (std::size_t c = 0; c < candidates_.size(); ++c) {
            int rank = 1;
            const double mine = results.mean_test_score[c];
            for (double other : results.mean_test_score)
                if (std::isnan(mine) ? !std::isnan(other) : other > mine) ++rank;
            results.rank_test_score.push_back(rank);
        }
        std::size_t best = 0;
        for (std::size_t c = 1; c < candidates_.size(); ++c)
            if (results.rank_test_score[c] < results.rank_test_score[best]) best = c;
        // The refit first: if it throws, the search keeps its earlier results.
        std::optional<Model> refitted;
        if (options_.refit) {
            refitted.emplace(estimator_);
            set_params(*refitted, candidates_[best]);
            refitted->fit(X, y);
        }
        results_ = std::move(results);
        best_index_ = best;
        best_estimator_ = std::move(refitted);
        return *this;
    }

    bool is_fitted() const noexcept { return best_index_.has_value(); }
    const CvResults& cv_results() const { return check_fitted(), results_; }
    std::size_t best_index() const { return check_fitted(), *best_index_; }
    const Params& best_params() const { return check_fitted(), candidates_[*best_index_]; }
    double best_score() const { return check_fitted(), results_.mean_test_score[*best_index_]; }
    // The best candidate refitted on all the rows (options.refit).
    const Model& best_estimator() const {
        check_fitted();
        if (!best_estimator_) throw not_fitted_error("GridSearchCV.best_estimator (refit is off)");
        return *best_estimator_;
    }
    const std::vector<Params>& candidates() const noexcept { return candidates_; }

private:
    void check_fitted() const {
        if (!best_index_) throw not_fitted_error("GridSearchCV");
    }

    Model estimator_;
    ParamGrid grid_;
    Options options_;
    std::vector<Params> candidates_;
    CvResults results_;
    std::optional<std::size_t> best_index_;
    std::optional<Model> best_estimator_;
};

}  // namespace mlpipe
