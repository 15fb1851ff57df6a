#pragma once
// LogisticRegression: scikit-learn's LogisticRegression on a Frame of numeric and one-hot
// columns, with its solvers (lbfgs, newton-cg, newton-cholesky, sag, saga) and penalties
// (l2, none, l1, elasticnet). Binary problems use one weight vector and a sigmoid, more
// classes the multinomial (softmax) model with one weight vector per class.

#include <mlpipe/backend/backend.hpp>
#include <mlpipe/detail/huge_page_allocator.hpp>
#include <mlpipe/error.hpp>
#include <mlpipe/frame/feature_scaling.hpp>
#include <mlpipe/frame/frame.hpp>
#include <mlpipe/frame/label.hpp>
#include <mlpipe/frame/schema.hpp>
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

template <class Scalar>
class Design;  // linear_model/design.hpp

enum class ClassWeight : std::uint8_t { none = 0, balanced = 1 };

template <class Scalar = double>
class BasicLogisticRegression {
    static_assert(std::is_floating_point_v<Scalar>, "LogisticRegression computes in float or double");
#ifdef MLPIPE_PRECOMPILED
    static_assert(std::is_same_v<Scalar, double> || std::is_same_v<Scalar, float>,
                  "mlpipe::precompiled holds LogisticRegression for double and float only: include "
                  "<mlpipe/linear_model/logistic_regression_impl.hpp> in one file for another type");
#endif

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

    // Defined out of the class, so not inline (logistic_regression_impl.hpp): it instantiates
    // every solver.
    BasicLogisticRegression& fit(const Frame& X, const Column& y, std::span<const double> sample_weight = {},
                                 const FeatureScalings& scalings = {},
                                 const Communicator& communicator = single_process());

    // Scores per class: n x 1 for binary problems (positive class), n x K otherwise.
    // scalings: as for fit (the same maps as at fit, for a folded StandardScaler).
    // Defined out of the class, as fit.
    Matrix decision_function(const Frame& X, const FeatureScalings& scalings = {}) const;

    // The predictions and the score: defined out of the class, as fit.
    Matrix predict_proba(const Frame& X, const FeatureScalings& scalings = {}) const;
    Matrix predict_log_proba(const Frame& X, const FeatureScalings& scalings = {}) const;
    // Binary: classes()[1] where the score is > 0; multiclass: the first largest score.
    Labels predict(const Frame& X, const FeatureScalings& scalings = {}) const;
    // Mean accuracy (weighted when sample_weight is given), as sklearn's score.
    double score(const Frame& X, const Frame& y, std::span<const double> sample_weight = {},
                 const FeatureScalings& scalings = {}) const;

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
    Matrix proba_from_scores(Matrix Z) const;
    // Binary models: raw scores n x 1 into the second class's probabilities, in place, with
    // the bits of proba_from_scores' second column: for a caller that needs no n x 2 matrix.
    void positive_proba_in_place(Matrix& Z) const;

    std::vector<std::int32_t> labels_from_scores(const Matrix& Z) const {
        // Appended, not zero-filled first: on a million rows the fill was a pass of its own.
        std::vector<std::int32_t> codes;
        codes.reserve(static_cast<std::size_t>(Z.rows()));
        detail::advise_huge_pages(codes.data(), codes.capacity() * sizeof(std::int32_t));  // new memory, filled once
        for (Eigen::Index i = 0; i < Z.rows(); ++i) {
            if (Z.cols() == 1) {
                codes.push_back(Z(i, 0) > 0 ? 1 : 0);
            } else {
                Eigen::Index best = 0;
                for (Eigen::Index c = 1; c < Z.cols(); ++c)
                    if (Z(i, c) > Z(i, best)) best = c;
                codes.push_back(static_cast<std::int32_t>(best));
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

    template <class PerRow>
    void for_row_blocks(Eigen::Index rows, PerRow&& per_row) const;

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
                                                    const std::vector<Label>& mine);

    const Fitted& fitted() const {
        if (!is_fitted_) throw not_fitted_error("LogisticRegression");
        return fitted_;
    }

    Design<Scalar> checked_design(const Frame& X, const char* who, const FeatureScalings& scalings) const;

    Options options_{};
    ProgressCallback progress_;
    std::stop_token stop_token_;
    Fitted fitted_;
    bool is_fitted_ = false;
};

using LogisticRegression = BasicLogisticRegression<double>;

// The member functions that run the solvers or build the design are defined in
// logistic_regression_impl.hpp: included below in a header-only build, compiled once for
// double and float in mlpipe::precompiled (src/precompiled.cpp), whose users see only these
// declarations and none of the solvers' headers.
#ifdef MLPIPE_PRECOMPILED
extern template class BasicLogisticRegression<double>;
extern template class BasicLogisticRegression<float>;
#endif

}  // namespace mlpipe

#ifndef MLPIPE_PRECOMPILED
#include <mlpipe/linear_model/logistic_regression_impl.hpp>
#endif
