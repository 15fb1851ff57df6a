#pragma once
// LogisticRegression: scikit-learn's LogisticRegression on a Frame of numeric and one-hot
// columns, with its solvers (lbfgs, newton-cg, newton-cholesky, sag, saga) and penalties
// (l2, none, l1, elasticnet). Binary problems use one weight vector and a sigmoid, more
// classes the multinomial (softmax) model with one weight vector per class.

#include <mlpipe/backend/backend.hpp>
#include <mlpipe/backend/dispatch.hpp>
#include <mlpipe/error.hpp>
#include <mlpipe/frame/frame.hpp>
#include <mlpipe/frame/label.hpp>
#include <mlpipe/frame/schema.hpp>
#include <mlpipe/linear_model/design.hpp>
#include <mlpipe/linear_model/linear_loss.hpp>
#include <mlpipe/linear_model/solve.hpp>
#include <mlpipe/linear_model/solver.hpp>
#include <mlpipe/optim/result.hpp>
#include <mlpipe/parallel/collectives.hpp>
#include <mlpipe/parallel/communicator.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstring>
#include <exception>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <type_traits>
#include <vector>

namespace boost::serialization {
class access;
}

namespace mlpipe {

enum class ClassWeight : std::uint8_t { none = 0, balanced = 1 };

template <class Scalar = double>
class BasicLogisticRegression {
    static_assert(std::is_floating_point_v<Scalar>, "LogisticRegression computes in float or double");

public:
    using scalar_type = Scalar;
    using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
    using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
    // Called after every iteration of fit (an epoch for sag and saga); returning false stops
    // the fit (stop_reason() cancelled, the last iterate kept). A void callable only watches.
    using ProgressCallback = optim::IterationCallback;

    struct Options {
        double C = 1.0;  // inverse regularisation strength
        int max_iter = 100;
        // lbfgs, newton-cg, newton-cholesky: on the largest absolute gradient entry;
        // sag, saga: on the largest relative change of the weights over an epoch.
        double tol = 1e-4;
        SklearnVersion match_sklearn = SklearnVersion::latest;
        Solver solver = Solver::lbfgs;
        Penalty penalty = Penalty::l2;  // l1 and elasticnet need solver saga
        std::optional<double> l1_ratio = std::nullopt;  // elasticnet's mix in [0, 1] (1 = pure l1); required for it
        ClassWeight class_weight = ClassWeight::none;
        bool fit_intercept = true;
        std::uint64_t random_state = 0;  // sag and saga's order of rows: same seed, same model
        // Threads for fit and predict, as scikit-learn's n_jobs: -1 all cores, n > 0 n threads,
        // -2 all but one. The model is the same bits whatever the count. Not saved with the model.
        int n_jobs = -1;
        // Where fit runs (backend/backend.hpp): cpu, blas, cuda or automatic. A backend this
        // build lacks is refused here, naming the CMake option that builds it. The model is the
        // same to rounding whichever runs it; predictions run on the cpu. Not saved with the model.
        Backend backend = Backend::cpu;
        friend bool operator==(const Options&, const Options&) = default;
    };

    BasicLogisticRegression() = default;
    explicit BasicLogisticRegression(Options options) : options_(options) { validate(options_); }

    static std::string type_name() {
        return std::is_same_v<Scalar, float> ? "LogisticRegression<float>" : "LogisticRegression<double>";
    }

    const Options& options() const noexcept { return options_; }
    // New options (checked), used from the next fit on; a fitted model keeps its coefficients,
    // as scikit-learn's set_params.
    void set_options(Options options) {
        validate(options);
        options_ = options;
    }

    // Called after every iteration of fit (progress logs, early stops); not saved with the model.
    void set_progress_callback(ProgressCallback callback) { progress_ = std::move(callback); }

    // A fit in progress ends after the current iteration once stop is requested
    // (stop_reason() cancelled); not saved with the model.
    void set_stop_token(std::stop_token token) { stop_token_ = std::move(token); }

    // y: a one-column Frame of labels. sample_weight: empty (all ones) or one per row.
    // scalings: affine maps of numeric columns, feature = (x - center) / scale, applied on the
    // fly (a StandardScaler folded in by Pipeline); the model is that of the scaled data.
    // communicator: for a distributed fit (parallel/communicator.hpp), X, y and sample_weight
    // are this rank's rows, and every rank ends with the model of all the ranks' rows (the
    // same on every rank). lbfgs, newton-cg and newton-cholesky; sag and saga, which walk the
    // rows one by one, are refused.
    BasicLogisticRegression& fit(const Frame& X, const Frame& y, std::span<const double> sample_weight = {},
                                 const FeatureScalings& scalings = {},
                                 const Communicator& communicator = single_process()) {
        collective::on_every_rank(communicator, [&] {
            if (y.cols() != 1)
                throw data_error("LogisticRegression.fit: y must have exactly one column (the labels), it has " +
                                 std::to_string(y.cols()));
        });
        return fit(X, y[0], sample_weight, scalings, communicator);
    }

    // Defined after the class, so not inline: see the end of this header.
    BasicLogisticRegression& fit(const Frame& X, const Column& y, std::span<const double> sample_weight = {},
                                 const FeatureScalings& scalings = {},
                                 const Communicator& communicator = single_process());

    // Scores per class: n x 1 for binary problems (positive class), n x K otherwise.
    // scalings: as for fit (the same maps as at fit, for a folded StandardScaler).
    // Defined after the class, as fit.
    Matrix decision_function(const Frame& X, const FeatureScalings& scalings = {}) const;

    Matrix predict_proba(const Frame& X, const FeatureScalings& scalings = {}) const {
        Matrix Z = decision_function(X, scalings);
        return proba_from_scores(std::move(Z));
    }

    Matrix predict_log_proba(const Frame& X, const FeatureScalings& scalings = {}) const {
        return predict_proba(X, scalings).array().log().matrix();
    }

    // Binary: classes()[1] where the score is > 0; multiclass: the first largest score.
    Labels predict(const Frame& X, const FeatureScalings& scalings = {}) const {
        Matrix Z = decision_function(X, scalings);
        return Labels(fitted_.classes, labels_from_scores(Z));
    }

    // Mean accuracy (weighted when sample_weight is given), as sklearn's score.
    double score(const Frame& X, const Frame& y, std::span<const double> sample_weight = {},
                 const FeatureScalings& scalings = {}) const {
        if (y.cols() != 1) throw data_error("LogisticRegression.score: y must have exactly one column");
        Labels predicted = predict(X, scalings);
        const std::vector<std::int32_t> truth = label_indices(y[0], fitted_.classes);  // -1: never predicted
        if (truth.size() != predicted.size())
            throw data_error("LogisticRegression.score: X has " + std::to_string(predicted.size()) +
                             " rows but y has " + std::to_string(truth.size()));
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

    bool is_fitted() const noexcept { return is_fitted_; }
    const std::vector<Label>& classes() const { return fitted().classes; }
    const Matrix& coef() const { return fitted().coef; }          // K x n_features (K = 1 when binary)
    const Vector& intercept() const { return fitted().intercept; }  // K
    int n_iter() const { return fitted().n_iter; }
    bool converged() const { return fitted().converged; }
    optim::StopReason stop_reason() const { return fitted().stop_reason; }
    double objective() const { return fitted().objective; }
    double fit_seconds() const { return fitted().fit_seconds; }
    const std::vector<optim::IterationReport>& history() const { return fitted().history; }
    // Where the last fit ran and why (automatic: what it chose, and a fallback from a device
    // that could not take the fit). Not saved: a loaded model gives cpu and an empty reason.
    const BackendChoice& fit_backend() const { return fitted().backend; }
    const std::vector<std::string>& feature_names_out() const { return fitted().feature_names; }
    const Schema& schema() const { return fitted().schema; }

    // Turns raw scores (n x 1 binary, n x K multiclass) into probabilities n x classes.
    Matrix proba_from_scores(Matrix Z) const {
        if (Z.cols() == 1) {
            Matrix P(Z.rows(), 2);
            for (Eigen::Index i = 0; i < Z.rows(); ++i) {
                const Scalar p = detail::expit(Z(i, 0));
                P(i, 0) = Scalar(1) - p;
                P(i, 1) = p;
            }
            return P;
        }
        for (Eigen::Index i = 0; i < Z.rows(); ++i) {
            Z.row(i).array() -= Z.row(i).maxCoeff();
            Z.row(i) = Z.row(i).array().exp().matrix();
            Z.row(i) /= Z.row(i).sum();
        }
        return Z;
    }

    std::vector<std::int32_t> labels_from_scores(const Matrix& Z) const {
        std::vector<std::int32_t> codes(static_cast<std::size_t>(Z.rows()));
        for (Eigen::Index i = 0; i < Z.rows(); ++i) {
            if (Z.cols() == 1) {
                codes[static_cast<std::size_t>(i)] = Z(i, 0) > 0 ? 1 : 0;
            } else {
                Eigen::Index best = 0;
                for (Eigen::Index c = 1; c < Z.cols(); ++c)
                    if (Z(i, c) > Z(i, best)) best = c;
                codes[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(best);
            }
        }
        return codes;
    }

    template <class Archive>
    void serialize(Archive& archive, unsigned version);

private:
    friend class boost::serialization::access;

    struct Fitted {
        Schema schema;
        std::vector<std::size_t> one_hot_widths;
        std::vector<std::string> feature_names;
        std::vector<Label> classes;
        Matrix coef;
        Vector intercept;
        int n_iter = 0;
        bool converged = false;
        optim::StopReason stop_reason = optim::StopReason::max_iterations;
        double objective = 0;
        double fit_seconds = 0;
        std::vector<optim::IterationReport> history;
        BackendChoice backend;  // where fit ran; not saved
    };

    static void validate(const Options& o) {
        // 1/C is the penalty weight, so it must be finite in the computing type too.
        if (!(o.C > 0) || !std::isfinite(o.C) || !std::isfinite(static_cast<Scalar>(1.0 / o.C)))
            throw parameter_error("LogisticRegression: C must be a positive number whose inverse is finite, got " +
                                  std::to_string(o.C));
        if (o.max_iter < 1)
            throw parameter_error("LogisticRegression: max_iter must be >= 1, got " + std::to_string(o.max_iter));
        if (!(o.tol >= 0) || !std::isfinite(o.tol))
            throw parameter_error("LogisticRegression: tol must be >= 0, got " + std::to_string(o.tol));
        check_enum(o.solver, all_solvers, "solver");
        check_enum(o.penalty, all_penalties, "penalty");
        if (o.match_sklearn != SklearnVersion::latest && o.match_sklearn != SklearnVersion::v1_2)
            throw parameter_error("LogisticRegression: match_sklearn must be latest or v1_2");
        if (o.class_weight != ClassWeight::none && o.class_weight != ClassWeight::balanced)
            throw parameter_error("LogisticRegression: class_weight must be none or balanced");
        check_solver_penalty(o.solver, o.penalty, o.l1_ratio, "LogisticRegression");
        check_backend(o.backend, "LogisticRegression");
        if (o.l1_ratio && !(*o.l1_ratio >= 0 && *o.l1_ratio <= 1))
            throw parameter_error("LogisticRegression: l1_ratio must be in [0, 1], got " + std::to_string(*o.l1_ratio));
    }

    // An enum value cast from a number outside the list is refused, naming the allowed values.
    template <class Enum, std::size_t N>
    static void check_enum(Enum value, const std::array<Enum, N>& allowed, const char* option) {
        std::string names;
        for (Enum a : allowed) {
            if (a == value) return;
            names += (names.empty() ? "" : ", ") + std::string(to_string(a));
        }
        throw parameter_error(std::string("LogisticRegression: ") + option + " has the unknown value " +
                              std::to_string(static_cast<int>(value)) + "; allowed: " + names);
    }

    static std::vector<std::size_t> one_hot_widths(const Frame& X) {
        std::vector<std::size_t> widths;
        for (const auto& c : X)
            if (c.is_one_hot()) widths.push_back(c.width());
        return widths;
    }

    // The sorted union of every rank's classes (a distributed fit), the same on every rank.
    static std::vector<Label> classes_of_every_rank(const Communicator& communicator,
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

    const Fitted& fitted() const {
        if (!is_fitted_) throw not_fitted_error("LogisticRegression");
        return fitted_;
    }

    Design<Scalar> checked_design(const Frame& X, const char* who, const FeatureScalings& scalings) const {
        fitted().schema.check(X, who);
        // Take the columns in the fitted order, so they are matched by name.
        std::vector<const Column*> ordered;
        std::vector<std::size_t> widths;
        for (const auto& spec : fitted_.schema.columns()) {
            ordered.push_back(&X.column(spec.name));
            if (ordered.back()->is_one_hot()) widths.push_back(ordered.back()->width());
        }
        if (widths != fitted_.one_hot_widths)
            throw data_error(std::string(who) +
                             ": the one-hot columns have other widths than at fit (another encoder?)");
        return Design<Scalar>::build(ordered, X.rows(), who, scalings, resolve_n_jobs(options_.n_jobs));
    }

    Options options_{};
    ProgressCallback progress_;
    std::stop_token stop_token_;
    Fitted fitted_;
    bool is_fitted_ = false;
};

using LogisticRegression = BasicLogisticRegression<double>;

// The fit, out of the class body and so not inline: it instantiates every solver, the bulk of
// a fitting translation unit's compile time. With MLPIPE_PRECOMPILED (the mlpipe::precompiled
// CMake target), the float and double fits are compiled once in that library instead.
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

#ifdef MLPIPE_PRECOMPILED
extern template class BasicLogisticRegression<double>;
extern template class BasicLogisticRegression<float>;
#endif

}  // namespace mlpipe
