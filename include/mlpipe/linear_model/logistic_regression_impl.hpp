#pragma once
// BasicLogisticRegression's member functions that run the solvers or build the design: fit,
// decision_function, the predictions and score, and their helpers. logistic_regression.hpp includes this file in a
// header-only build; mlpipe::precompiled instantiates them once for double and float
// (src/precompiled.cpp), and its users' translation units see only the declarations.

#include <mlpipe/backend/dispatch.hpp>
#include <mlpipe/linear_model/design.hpp>
#include <mlpipe/linear_model/linear_loss.hpp>
#include <mlpipe/linear_model/logistic_regression.hpp>
#include <mlpipe/linear_model/solve.hpp>
#include <mlpipe/parallel/thread_pool.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <exception>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace mlpipe {

// The fit, out of the class body and so not inline: it instantiates every solver, the bulk of
// a fitting translation unit's compile time.
template <class Scalar>
BasicLogisticRegression<Scalar>& BasicLogisticRegression<Scalar>::fit(const Frame& X, const Column& y,
                                                                      std::span<const double> sample_weight,
                                                                      const FeatureScalings& scalings,
                                                                      const Communicator& communicator) {
    const bool distributed = communicator.size() > 1;
    std::optional<Design<Scalar>> built;
    std::vector<Label> classes;
    std::vector<std::int32_t> y_index;
    // Every check of this rank's data, on every rank: when one fails, all do (collectives.hpp).
    collective::on_every_rank(communicator, [&] {
        validate(options_);
        if (distributed && (options_.solver == Solver::sag || options_.solver == Solver::saga))
            throw parameter_error(std::string("LogisticRegression: solver ") + to_string(options_.solver) +
                                  " walks the rows one by one and has no distributed fit; use lbfgs, newton-cg "
                                  "or newton-cholesky");
        if (X.rows() == 0) throw data_error("LogisticRegression.fit: X has no rows");
        if (y.size() != X.rows())
            throw data_error("LogisticRegression.fit: X has " + std::to_string(X.rows()) + " rows but y has " +
                             std::to_string(y.size()));
        if (!sample_weight.empty() && sample_weight.size() != X.rows())
            throw data_error("LogisticRegression.fit: sample_weight has " + std::to_string(sample_weight.size()) +
                             " entries but X has " + std::to_string(X.rows()) + " rows");
        for (std::size_t i = 0; i < sample_weight.size(); ++i)
            if (!std::isfinite(sample_weight[i]) || sample_weight[i] < 0)
                throw data_error("LogisticRegression.fit: sample_weight[" + std::to_string(i) + "] = " +
                                 std::to_string(sample_weight[i]) + " is not a finite non-negative number");
        built.emplace(Design<Scalar>::build(X, "LogisticRegression.fit", scalings, resolve_n_jobs(options_.n_jobs)));
        if (built->n_features() == 0) throw data_error("LogisticRegression.fit: X has no feature columns");
        built->pair_one_hot_columns();  // for the fused passes (a prediction's design skips it)
        // Classes: sorted unique labels; y as class indices.
        auto encoded = encode_labels(y);
        classes = std::move(encoded.classes);
        y_index = std::move(encoded.index);
    });
    const Design<Scalar>& design = *built;
    if (distributed) {
        collective::check_same_everywhere(communicator, design.feature_names(), "LogisticRegression.fit",
                                          "the features");
        classes = classes_of_every_rank(communicator, classes);
        y_index = label_indices(y, classes);
    }
    if (classes.size() < 2)
        throw data_error("LogisticRegression.fit: y has a single class ('" + classes.front().to_string() +
                         "'); at least two classes are needed");
    // Rows per class, and all the rows (of every rank).
    std::vector<double> class_count(classes.size() + 1, 0.0);
    for (auto c : y_index) class_count[static_cast<std::size_t>(c)] += 1;
    class_count.back() = static_cast<double>(X.rows());
    communicator.sum(std::span<double>(class_count));
    const double rows = class_count.back();

    // Sample weights, times balanced class weights n / (K * count_k).
    Vector weights(static_cast<Eigen::Index>(X.rows()));
    detail::advise_huge_pages(weights.data(), X.rows() * sizeof(Scalar));  // new memory, filled once
    for (std::size_t i = 0; i < X.rows(); ++i) {
        double w = sample_weight.empty() ? 1.0 : sample_weight[i];
        if (options_.class_weight == ClassWeight::balanced)
            w *= rows / (static_cast<double>(classes.size()) * class_count[static_cast<std::size_t>(y_index[i])]);
        weights[static_cast<Eigen::Index>(i)] = static_cast<Scalar>(w);
    }
    double weight_sum = weights.template cast<double>().sum();
    communicator.sum(std::span<double>(&weight_sum, 1));
    if (!(weight_sum > 0)) throw data_error("LogisticRegression.fit: the sample weights sum to zero");

    const auto k = static_cast<Eigen::Index>(classes.size() == 2 ? 1 : classes.size());
    const double inverse_C = 1.0 / options_.C;
    const double l1_share = options_.penalty == Penalty::l1           ? 1.0
                            : options_.penalty == Penalty::elasticnet ? *options_.l1_ratio
                                                                      : 0.0;
    const double l2 = options_.penalty == Penalty::none ? 0.0 : inverse_C * (1.0 - l1_share);
    const SolverSettings settings{.solver = options_.solver,
                                  .max_iter = options_.max_iter,
                                  .tol = options_.tol,
                                  .match_sklearn = options_.match_sklearn,
                                  .l1 = inverse_C * l1_share,
                                  .random_state = options_.random_state};
    const Scalar scale =
        summed_loss(options_.solver, options_.match_sklearn) ? Scalar(1) : static_cast<Scalar>(1.0 / weight_sum);

    std::vector<optim::IterationReport> history;
    auto record = [&](const optim::IterationReport& report) {
        history.push_back(report);
        bool go_on = (!progress_ || progress_(report)) && !stop_token_.stop_requested();
        if (distributed) {  // the ranks stop together, or one would wait for the others forever
            double stops = go_on ? 0.0 : 1.0;
            communicator.sum(std::span<double>(&stops, 1));
            go_on = stops == 0;
        }
        return go_on;
    };
    Vector params = Vector::Zero(static_cast<Eigen::Index>(design.n_features() * k + k));
    const auto start = std::chrono::steady_clock::now();
    auto run = [&](const auto& loss) { return solve(settings, loss, params, record); };
    // Named outside the lambda below: clang before 16 cannot capture a structured binding.
    const std::span<const std::int32_t> targets(y_index);
    // Distributed: every rank builds its backend's design (cuda may find no device, or too
    // little memory, on one host only), then the ranks agree that all of them did before the
    // solver's first sum; a rank that failed to build one tells the others in that agreement.
    // Backend::automatic: a device that cannot take the fit, even after it has begun (out of
    // memory for the work arrays), gives way to blas or cpu, and the fit starts over there;
    // distributed, only before the ranks' agreement, which every rank passes once.
    bool design_built = false;
    BackendChoice ran;
    auto solve_on_backend = [&] {
        return with_backend_design(
            options_.backend, design, "LogisticRegression.fit",
            [&](const auto& on) -> optim::Result<Scalar> {
                design_built = true;
                params.setZero();
                history.clear();
                if (distributed) collective::on_every_rank(communicator, [] {});
                using On = std::decay_t<decltype(on)>;
                const auto l2_term = static_cast<Scalar>(l2);
                auto run_loss = [&](auto loss) {
                    loss.sum_over(communicator);
                    return run(loss);
                };
                if (k == 1)
                    return run_loss(
                        LinearLoss<On, BinomialLoss>(on, targets, weights, k, l2_term, scale, options_.fit_intercept));
                return run_loss(
                    LinearLoss<On, MultinomialLoss>(on, targets, weights, k, l2_term, scale, options_.fit_intercept));
            },
            ran, design_built, !distributed);
    };
    std::optional<optim::Result<Scalar>> solved;
    try {
        solved.emplace(solve_on_backend());
    } catch (...) {
        if (!distributed || design_built) throw;
        const std::exception_ptr failure = std::current_exception();
        collective::on_every_rank(communicator, [&] { std::rethrow_exception(failure); });
        throw;  // not reached: on_every_rank threw the agreed error
    }
    const optim::Result<Scalar>& result = *solved;
    const auto stop = std::chrono::steady_clock::now();

    const Eigen::Index p = design.n_features();
    Fitted learned;  // built aside, so that a failure here leaves the estimator as it was
    learned.schema = Schema::of(X);
    learned.one_hot_widths = one_hot_widths(X);
    learned.feature_names = design.feature_names();
    learned.classes = std::move(classes);
    learned.coef = Eigen::Map<const Matrix>(params.data(), p, k).transpose();
    learned.intercept = params.tail(k);
    learned.n_iter = result.n_iter;
    learned.converged = result.converged;
    learned.stop_reason = result.reason;
    learned.objective = static_cast<double>(result.objective);
    learned.history = std::move(history);
    learned.fit_seconds = std::chrono::duration<double>(stop - start).count();
    learned.backend = std::move(ran);
    fitted_ = std::move(learned);
    is_fitted_ = true;
    return *this;
}

// Out of the class body as fit, for the same reason: it instantiates the Design's passes.
template <class Scalar>
typename BasicLogisticRegression<Scalar>::Matrix BasicLogisticRegression<Scalar>::decision_function(
    const Frame& X, const FeatureScalings& scalings) const {
    Design<Scalar> design = checked_design(X, "LogisticRegression.decision_function", scalings);
    Matrix Z;
    design.decision(fitted_.coef.transpose(), fitted_.intercept.transpose(), Z);
    return Z;
}

template <class Scalar>
typename BasicLogisticRegression<Scalar>::Matrix BasicLogisticRegression<Scalar>::predict_proba(
    const Frame& X, const FeatureScalings& scalings) const {
    Matrix Z = decision_function(X, scalings);
    return proba_from_scores(std::move(Z));
}

template <class Scalar>
typename BasicLogisticRegression<Scalar>::Matrix BasicLogisticRegression<Scalar>::predict_log_proba(
    const Frame& X, const FeatureScalings& scalings) const {
    return predict_proba(X, scalings).array().log().matrix();
}

template <class Scalar>
Labels BasicLogisticRegression<Scalar>::predict(const Frame& X, const FeatureScalings& scalings) const {
    Matrix Z = decision_function(X, scalings);
    return Labels(fitted_.classes, labels_from_scores(Z));
}

template <class Scalar>
double BasicLogisticRegression<Scalar>::score(const Frame& X, const Frame& y, std::span<const double> sample_weight,
                                              const FeatureScalings& scalings) const {
    if (y.cols() != 1) throw data_error("LogisticRegression.score: y must have exactly one column");
    Labels predicted = predict(X, scalings);
    const std::vector<std::int32_t> truth = label_indices(y[0], fitted_.classes);  // -1: never predicted
    if (truth.size() != predicted.size())
        throw data_error("LogisticRegression.score: X has " + std::to_string(predicted.size()) + " rows but y has " +
                         std::to_string(truth.size()));
    if (!sample_weight.empty() && sample_weight.size() != truth.size())
        throw data_error("LogisticRegression.score: sample_weight has the wrong length");
    double hit = 0, total = 0;
    for (std::size_t i = 0; i < truth.size(); ++i) {
        const double w = sample_weight.empty() ? 1.0 : sample_weight[i];
        hit += (predicted.codes()[i] == truth[i]) ? w : 0.0;
        total += w;
    }
    return total > 0 ? hit / total : 0.0;
}

// per_row(i) for rows [0, rows): large inputs are cut into fixed blocks of rows on the pool
// (n_jobs threads), each row computed as on one thread, so the thread count changes no bits.
template <class Scalar>
template <class PerRow>
void BasicLogisticRegression<Scalar>::for_row_blocks(Eigen::Index rows, PerRow&& per_row) const {
    constexpr Eigen::Index block = 32768;
    const auto blocks = static_cast<std::size_t>((rows + block - 1) / block);
    const std::size_t threads = blocks > 1 ? resolve_n_jobs(options_.n_jobs) : 1;
    ThreadPool::shared().run(
        blocks,
        [&](std::size_t b) {
            const Eigen::Index begin = static_cast<Eigen::Index>(b) * block;
            for (Eigen::Index i = begin; i < std::min(rows, begin + block); ++i) per_row(i);
        },
        threads);
}

// Turns raw scores (n x 1 binary, n x K multiclass) into probabilities n x classes.
template <class Scalar>
typename BasicLogisticRegression<Scalar>::Matrix BasicLogisticRegression<Scalar>::proba_from_scores(Matrix Z) const {
    const Eigen::Index rows = Z.rows();
    if (Z.cols() == 1) {
        Matrix P(rows, 2);
        detail::advise_huge_pages(P.data(), static_cast<std::size_t>(P.size()) * sizeof(Scalar));  // new memory, filled once
        for_row_blocks(rows, [&](Eigen::Index i) {
            const Scalar p = detail::expit(Z(i, 0));
            P(i, 0) = Scalar(1) - p;
            P(i, 1) = p;
        });
        return P;
    }
    for_row_blocks(rows, [&](Eigen::Index i) {
        Z.row(i).array() -= Z.row(i).maxCoeff();
        Z.row(i) = Z.row(i).array().exp().matrix();
        Z.row(i) /= Z.row(i).sum();
    });
    return Z;
}

template <class Scalar>
void BasicLogisticRegression<Scalar>::positive_proba_in_place(Matrix& Z) const {
    if (Z.cols() != 1)
        throw data_error("LogisticRegression.positive_proba_in_place: the scores have " + std::to_string(Z.cols()) +
                         " columns; a binary model's have 1");
    for_row_blocks(Z.rows(), [&](Eigen::Index i) { Z(i, 0) = detail::expit(Z(i, 0)); });
}

template <class Scalar>
std::vector<Label> BasicLogisticRegression<Scalar>::classes_of_every_rank(const Communicator& communicator,
                                                                          const std::vector<Label>& mine) {
    std::vector<std::string> packed;  // 'n' and the number's bytes, or 's' and the text
    for (const auto& label : mine) {
        if (label.is_number()) {
            const double number = label.number();
            std::string bytes(1 + sizeof number, 'n');
            std::memcpy(bytes.data() + 1, &number, sizeof number);
            packed.push_back(std::move(bytes));
        } else {
            packed.push_back("s" + label.text());
        }
    }
    std::vector<Label> classes;
    const auto all = collective::gather_texts(communicator, packed);
    for (const auto& rank : all)
        for (const auto& bytes : rank) {
            if (bytes.size() == 1 + sizeof(double) && bytes[0] == 'n') {
                double number = 0;
                std::memcpy(&number, bytes.data() + 1, sizeof number);
                classes.emplace_back(number);
            } else if (!bytes.empty() && bytes[0] == 's') {
                classes.emplace_back(bytes.substr(1));
            } else {
                throw error("LogisticRegression.fit: a rank sent a malformed class label");
            }
        }
    std::sort(classes.begin(), classes.end());
    classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
    const bool numbers = classes.front().is_number(), texts = classes.back().is_string();
    if (numbers && texts)
        throw data_error("LogisticRegression.fit: the ranks' labels are numbers on some ranks and text on "
                         "others (read the target column with the same kind on every rank)");
    return classes;
}

template <class Scalar>
Design<Scalar> BasicLogisticRegression<Scalar>::checked_design(const Frame& X, const char* who,
                                                               const FeatureScalings& scalings) const {
    fitted().schema.check(X, who);
    // Take the columns in the fitted order, so they are matched by name.
    std::vector<const Column*> ordered;
    std::vector<std::size_t> widths;
    ordered.reserve(fitted_.schema.columns().size());
    widths.reserve(fitted_.one_hot_widths.size());
    for (const auto& spec : fitted_.schema.columns()) {
        ordered.push_back(&X.column(spec.name));
        if (ordered.back()->is_one_hot()) widths.push_back(ordered.back()->width());
    }
    if (widths != fitted_.one_hot_widths)
        throw data_error(std::string(who) +
                         ": the one-hot columns have other widths than at fit (another encoder?)");
    return Design<Scalar>::build(ordered, X.rows(), who, scalings, resolve_n_jobs(options_.n_jobs));
}

}  // namespace mlpipe
