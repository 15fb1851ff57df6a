#pragma once
// Runs the chosen solver on a linear model's loss: the one place that maps a run-time
// Solver to a minimiser type and its options.

#include <mlpipe/linear_model/solver.hpp>
#include <mlpipe/optim/lbfgs.hpp>
#include <mlpipe/optim/newton_cg.hpp>
#include <mlpipe/optim/newton_cholesky.hpp>
#include <mlpipe/optim/objective_ref.hpp>
#include <mlpipe/optim/result.hpp>
#include <mlpipe/optim/sag.hpp>

#include <Eigen/Core>

#include <cstdint>
#include <limits>

namespace mlpipe {

struct SolverSettings {
    Solver solver = Solver::lbfgs;
    int max_iter = 100;
    double tol = 1e-4;
    SklearnVersion match_sklearn = SklearnVersion::latest;
    double l1 = 0;  // weight of the l1 term ||W||_1 inside the loss's brackets (saga only)
    std::uint64_t random_state = 0;
};

// Whether the loss is summed (scale 1) rather than averaged over the sample weights: as
// scikit-learn 1.2's lbfgs and newton-cg. Its newton-cholesky averages in every version;
// sag and saga have their own stopping rule, on which the scale has no effect.
constexpr bool summed_loss(Solver solver, SklearnVersion version) noexcept {
    return version == SklearnVersion::v1_2 && (solver == Solver::lbfgs || solver == Solver::newton_cg);
}

template <class Loss>
optim::Result<typename Loss::scalar_type> solve(const SolverSettings& settings, const Loss& loss,
                                                Eigen::Matrix<typename Loss::scalar_type, Eigen::Dynamic, 1>& params,
                                                const optim::IterationCallback& callback) {
    using Scalar = typename Loss::scalar_type;
    const auto tol = static_cast<Scalar>(settings.tol);
    // The deterministic solvers see the loss through one type per Scalar (compile time);
    // sag and saga read it row by row, so they take it as it is.
    const optim::ObjectiveRef<Scalar> objective(loss);
    switch (settings.solver) {
        case Solver::lbfgs: {
            const bool v1_2 = settings.match_sklearn == SklearnVersion::v1_2;
            typename optim::LBFGS<Scalar>::Options options;
            options.max_iter = settings.max_iter;
            options.gtol = tol;
            options.ftol = static_cast<Scalar>(v1_2 ? 2.220446049250313e-09 : 64 * std::numeric_limits<double>::epsilon());
            options.max_line_search = v1_2 ? 20 : 50;
            return optim::LBFGS<Scalar>(options).minimize(objective, params, callback);
        }
        case Solver::newton_cg:
            return optim::NewtonCG<Scalar>({.max_iter = settings.max_iter,
                                            .tol = tol,
                                            .relative_curvature = settings.match_sklearn != SklearnVersion::v1_2})
                .minimize(objective, params, callback);
        case Solver::newton_cholesky:
            return optim::NewtonCholesky<Scalar>({.max_iter = settings.max_iter, .tol = tol})
                .minimize(objective, params, callback);
        case Solver::sag:
        case Solver::saga:
            return optim::SAG<Scalar>({.max_iter = settings.max_iter,
                                       .tol = tol,
                                       .saga = settings.solver == Solver::saga,
                                       .l1 = static_cast<Scalar>(settings.l1),
                                       .random_state = settings.random_state})
                .minimize(loss, params, callback);
    }
    throw parameter_error("LogisticRegression: unknown solver");
}

}  // namespace mlpipe
