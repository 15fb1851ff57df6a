#pragma once
// Newton's method with the full Hessian, written for this project after scikit-learn's
// newton-cholesky solver (sklearn.linear_model._glm._newton_solver), so that the same
// problem gives the same iterates and n_iter:
//   - each iteration forms the gradient and Hessian, solves H p = -g by Cholesky's LL'
//     (about twice as fast as LDL' on a 2,000-square Hessian), or where H is only
//     semi-definite by a pivoted LDL' (as scipy.linalg.solve(assume_a="sym")), and backtracks from
//     t = 1, halving, at most 21 trials, until the Armijo condition
//     f(x + t p) - f(x) <= t * 2^-11 * g'p holds, or the change of f is within 16 eps of
//     f and the l1 norm of the gradient decreased;
//   - it has converged when max |g_i| <= tol at the new iterate and half the Newton
//     decrement, p' H p / 2, is <= tol.
// The Hessian is n_parameters square: the solver fits problems with rows far more
// numerous than features (one-hot data), as its scikit-learn namesake.
// Without a penalty, one-hot blocks (each sums to the intercept's column) make H singular:
// the pivoted LDL' then divides only by pivots above rounding, so the step leaves the flat
// directions alone instead of moving far along them (scikit-learn falls back to L-BFGS
// there). Where LDL' itself gives up (a zero pivot before a non-zero one, which rounding
// decides), an eigen-decomposition gives the pseudo-inverse step. When the step is not a descent direction or the line search fails, the fit
// stops with StopReason::line_search_failed, keeping the last iterate.
// Needs a HessianObjective.

#include <mlpipe/error.hpp>
#include <mlpipe/optim/objective.hpp>
#include <mlpipe/optim/result.hpp>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include <chrono>
#include <cmath>
#include <limits>

namespace mlpipe::optim {

template <class Scalar>
class NewtonCholesky {
public:
    using scalar_type = Scalar;
    using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
    using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;

    struct Options {
        int max_iter = 100;
        Scalar tol = Scalar(1e-4);  // on max |g_i| and on half the Newton decrement
    };

    NewtonCholesky() = default;
    explicit NewtonCholesky(Options options) : opt_(options) {
        if (opt_.max_iter < 1) throw parameter_error("NewtonCholesky: max_iter must be >= 1");
    }

    const Options& options() const noexcept { return opt_; }

    template <class Objective>
        requires HessianObjective<Objective, Scalar>
    Result<Scalar> minimize(const Objective& objective, Vector& x, const IterationCallback& callback = {}) const {
        const auto started = std::chrono::steady_clock::now();
        const Eigen::Index n = x.size();
        Result<Scalar> result;
        Vector g(n), p(n), x_trial(n), g_trial(n);
        Matrix H;
        Scalar f = detail::value_at_start(objective, static_cast<const Vector&>(x), g, "NewtonCholesky");
        result.n_evaluations = 1;

        auto finish = [&](StopReason reason) { return detail::stopped(result, reason, f, g); };
        if (n == 0) return finish(StopReason::gradient_tolerance);

        const Scalar eps16 = 16 * std::numeric_limits<Scalar>::epsilon();
        for (int iteration = 1;; ++iteration) {
            f = objective.gradient_hessian(static_cast<const Vector&>(x), g, H);
            ++result.n_evaluations;

            bool solved = false;
            if (const Eigen::LLT<Matrix> cholesky(H); well_conditioned(cholesky)) {
                p = cholesky.solve(-g);
                solved = true;
            } else if (const Eigen::LDLT<Matrix> ldlt(H); ldlt.info() == Eigen::Success) {
                p = pseudo_solve(ldlt, -g);
                solved = true;
            } else if (const Eigen::SelfAdjointEigenSolver<Matrix> eigen(H); eigen.info() == Eigen::Success) {
                // LDL' gives up on a zero pivot followed by a non-zero one, which rounding
                // decides on a singular H; the eigen-decomposition does not.
                p = pseudo_solve(eigen, -g);
                solved = true;
            }
            const Scalar gp = g.dot(p);
            if (!solved || !p.allFinite() || gp > 0) {
                result.n_iter = iteration - 1;
                return finish(StopReason::line_search_failed);
            }

            // Backtracking line search with Armijo's condition.
            const Scalar armijo = Scalar(0.00048828125) * gp;  // 2^-11
            Scalar t = 1, f_trial = f, g_l1 = -1;
            bool accepted = false;
            for (int trial = 0; trial < 21; ++trial, t *= Scalar(0.5)) {
                x_trial = x + t * p;
                f_trial = objective(static_cast<const Vector&>(x_trial), g_trial);
                ++result.n_evaluations;
                const Scalar improvement = f_trial - f;
                if (improvement <= t * armijo) {
                    accepted = true;
                    break;
                }
                if (std::abs(improvement) <= std::abs(f * eps16)) {  // f's change is rounding
                    if (g_l1 < 0) g_l1 = g.template lpNorm<1>();
                    if (g_trial.template lpNorm<1>() < g_l1) {
                        accepted = true;
                        break;
                    }
                }
            }
            if (!accepted) {
                result.n_iter = iteration - 1;
                return finish(StopReason::line_search_failed);
            }
            x = x_trial;
            f = f_trial;
            g = g_trial;
            result.n_iter = iteration;

            const Scalar gmax = g.cwiseAbs().maxCoeff();
            if (callback &&
                !callback({iteration, static_cast<double>(f), static_cast<double>(gmax), static_cast<double>(t),
                           result.n_evaluations,
                           detail::seconds_since(started)}))
                return finish(StopReason::cancelled);
            // The Newton decrement uses the step and Hessian of this iteration, as scikit-learn.
            if (gmax <= opt_.tol && Scalar(0.5) * p.dot(H * p) <= opt_.tol)
                return finish(StopReason::gradient_tolerance);
            if (iteration == opt_.max_iter) return finish(StopReason::max_iterations);
        }
    }

private:
    // x = H^+ b through H = P' L D L' P, with the pivots of D within rounding of zero (the
    // flat directions of a singular H) left out rather than divided by.
    static Vector pseudo_solve(const Eigen::LDLT<Matrix>& ldlt, const Vector& b) {
        Vector y = ldlt.transpositionsP() * b;
        ldlt.matrixL().solveInPlace(y);
        const auto d = ldlt.vectorD();
        const Scalar largest = d.size() ? d.cwiseAbs().maxCoeff() : Scalar(0);
        const Scalar rounding = static_cast<Scalar>(d.size()) * std::numeric_limits<Scalar>::epsilon() * largest;
        for (Eigen::Index i = 0; i < y.size(); ++i) y[i] = std::abs(d[i]) > rounding ? y[i] / d[i] : Scalar(0);
        ldlt.matrixU().solveInPlace(y);
        return ldlt.transpositionsP().transpose() * y;
    }

    // x = H^+ b through H = V diag(lambda) V', eigenvalues within rounding of zero (or below
    // it) left out.
    static Vector pseudo_solve(const Eigen::SelfAdjointEigenSolver<Matrix>& eigen, const Vector& b) {
        const auto& lambda = eigen.eigenvalues();
        const Scalar largest = lambda.size() ? lambda.cwiseAbs().maxCoeff() : Scalar(0);
        const Scalar rounding =
            static_cast<Scalar>(lambda.size()) * std::numeric_limits<Scalar>::epsilon() * largest;
        Vector y = eigen.eigenvectors().transpose() * b;
        for (Eigen::Index i = 0; i < y.size(); ++i) y[i] = lambda[i] > rounding ? y[i] / lambda[i] : Scalar(0);
        return eigen.eigenvectors() * y;
    }

    // LL' exists and no pivot is within rounding of zero: a pivot L_ii^2 below eps times the
    // largest means H is singular up to rounding, and LL' would step far along a flat
    // direction.
    static bool well_conditioned(const Eigen::LLT<Matrix>& cholesky) {
        if (cholesky.info() != Eigen::Success) return false;
        const auto pivots = cholesky.matrixLLT().diagonal().array().square();
        return pivots.minCoeff() > std::numeric_limits<Scalar>::epsilon() * pivots.maxCoeff();
    }

    Options opt_{};
};

}  // namespace mlpipe::optim
