#pragma once
// Newton-CG (truncated Newton), written for this project after what scikit-learn's
// newton-cg solver does (sklearn.utils.optimize._newton_cg), so that the same problem
// gives the same iterates and n_iter:
//   - stop when max |g_i| <= tol, checked at the start of each iteration;
//   - the Newton system H p = -g solved by conjugate gradients from p = 0, at most 200
//     inner iterations, until sum |r_i| <= min(0.5, sqrt(sum |g_i|)) * sum |g_i|, stopping
//     early at non-positive curvature (steepest descent when that happens at once) or at
//     curvature d'Hd below 3 eps (scikit-learn 1.2), or below 16 eps ||d||^2 (>= 1.4, which
//     is scale-free and lets an averaged loss reach a tight tol);
//   - a Wolfe line search along p (MINPACK's dcsrch: c1 = 1e-4, c2 = 0.9, xtol = 1e-14,
//     steps in [1e-8, 50]), its first trial min(1, 2.02 (f_k - f_k-1) / g'p).
// scipy falls back to a second line search (Wolfe with zoom) when dcsrch fails, which
// happens near the optimum, where f no longer changes beyond rounding. The fallback here is
// newton-cholesky's backtracking instead: from t = 1, halving, accept Armijo's condition, or
// a change of f within 16 eps of f that lowers the l1 norm of the gradient. When that fails
// too, the fit stops with StopReason::line_search_failed, keeping the last iterate.
// Needs a HessianProductObjective.

#include <mlpipe/error.hpp>
#include <mlpipe/optim/line_search.hpp>
#include <mlpipe/optim/objective.hpp>
#include <mlpipe/optim/result.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>

namespace mlpipe::optim {

template <class Scalar>
class NewtonCG {
public:
    using scalar_type = Scalar;
    using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

    struct Options {
        int max_iter = 100;
        Scalar tol = Scalar(1e-4);  // on max |g_i|
        int max_inner = 200;        // conjugate-gradient iterations per Newton step
        bool relative_curvature = true;  // the curvature test of scikit-learn >= 1.4 (false: 1.2's)
    };

    NewtonCG() = default;
    explicit NewtonCG(Options options) : opt_(options) {
        if (opt_.max_iter < 1) throw parameter_error("NewtonCG: max_iter must be >= 1");
        if (opt_.max_inner < 1) throw parameter_error("NewtonCG: max_inner must be >= 1");
    }

    const Options& options() const noexcept { return opt_; }

    template <class Objective>
        requires HessianProductObjective<Objective, Scalar>
    Result<Scalar> minimize(const Objective& objective, Vector& x, const IterationCallback& callback = {}) const {
        const auto started = std::chrono::steady_clock::now();
        const Eigen::Index n = x.size();
        Result<Scalar> result;
        Vector g(n), p(n), x_trial(n), g_trial(n);
        Scalar f = detail::value_at_start(objective, static_cast<const Vector&>(x), g, "NewtonCG");
        result.n_evaluations = 1;
        std::optional<Scalar> f_previous;

        auto finish = [&](StopReason reason) { return detail::stopped(result, reason, f, g); };

        int k = 0;
        while (k < opt_.max_iter) {
            objective.prepare_hessian(static_cast<const Vector&>(x), g);
            ++result.n_evaluations;
            const Scalar gmax = n ? g.cwiseAbs().maxCoeff() : Scalar(0);
            if (gmax <= opt_.tol) return finish(StopReason::gradient_tolerance);

            const Scalar g_l1 = g.template lpNorm<1>();
            const Scalar eta = std::min(Scalar(0.5), std::sqrt(g_l1));
            conjugate_gradient(objective, g, eta * g_l1, p);

            // Wolfe line search along p from x.
            const Scalar gp0 = g.dot(p);
            Scalar step = Scalar(1);
            if (f_previous && gp0 != 0) {
                step = std::min(Scalar(1), Scalar(1.01) * 2 * (f - *f_previous) / gp0);
                if (step < 0) step = Scalar(1);
            }
            const Scalar min_step = Scalar(1e-8), max_step = Scalar(50);
            bool accepted = false;
            Scalar f_trial = f;
            if (gp0 < 0 && step >= min_step) {
                MoreThuente<Scalar> search({Scalar(1e-4), Scalar(0.9), Scalar(1e-14)});
                search.start(f, gp0, step, min_step, max_step);
                for (int trial = 0; trial < 100; ++trial) {
                    step = search.step();
                    x_trial = x + step * p;
                    f_trial = objective(static_cast<const Vector&>(x_trial), g_trial);
                    ++result.n_evaluations;
                    const Scalar gp = g_trial.dot(p);
                    if (!std::isfinite(f_trial) || !std::isfinite(gp)) break;
                    const LineSearchStatus status = search.next(f_trial, gp);
                    if (status == LineSearchStatus::evaluate) continue;
                    accepted = status == LineSearchStatus::converged;
                    break;
                }
            }
            if (!accepted && gp0 < 0) {
                const Scalar g_l1_now = g.template lpNorm<1>();
                const Scalar rounding = 16 * std::numeric_limits<Scalar>::epsilon() * std::abs(f);
                step = 1;
                for (int trial = 0; trial < 21 && !accepted; ++trial, step *= Scalar(0.5)) {
                    x_trial = x + step * p;
                    f_trial = objective(static_cast<const Vector&>(x_trial), g_trial);
                    ++result.n_evaluations;
                    const Scalar change = f_trial - f;
                    accepted = change <= Scalar(1e-4) * step * gp0 ||
                               (std::abs(change) <= rounding && g_trial.template lpNorm<1>() < g_l1_now);
                    if (accepted) break;
                }
            }
            if (!accepted) {
                result.n_iter = k;
                return finish(StopReason::line_search_failed);
            }
            f_previous = f;
            x = x_trial;
            f = f_trial;
            g = g_trial;
            ++k;
            result.n_iter = k;
            if (callback &&
                !callback({k, static_cast<double>(f), static_cast<double>(n ? g.cwiseAbs().maxCoeff() : Scalar(0)),
                           static_cast<double>(step), result.n_evaluations,
                           detail::seconds_since(started)}))
                return finish(StopReason::cancelled);
        }
        // As scikit-learn: reaching max_iter is not converged, even if this iterate would pass.
        return finish(StopReason::max_iterations);
    }

private:
    // p ~ -H^-1 g by conjugate gradients from p = 0 (scikit-learn's _cg).
    template <class Objective>
    void conjugate_gradient(const Objective& objective, const Vector& g, Scalar tolerance, Vector& p) const {
        const Eigen::Index n = g.size();
        p.setZero(n);
        Vector r = g, direction = -g, Hd(n);
        Scalar rr = r.dot(r);
        const auto eps = static_cast<Scalar>(std::numeric_limits<double>::epsilon());
        for (int i = 0; i <= opt_.max_inner; ++i) {
            if (r.template lpNorm<1>() <= tolerance) break;
            objective.hessian_product(direction, Hd);
            const Scalar curvature = direction.dot(Hd);
            const Scalar tiny = opt_.relative_curvature ? 16 * eps * direction.squaredNorm() : 3 * eps;
            if (curvature >= 0 && curvature <= tiny) break;
            if (curvature < 0) {
                // Steepest descent. scikit-learn's _cg writes rr / curvature here, which points
                // uphill when the curvature is negative; scipy's -rr / curvature is meant.
                if (i == 0) p += (rr / -curvature) * direction;
                break;
            }
            const Scalar alpha = rr / curvature;
            p += alpha * direction;
            r += alpha * Hd;
            const Scalar rr_next = r.dot(r);
            direction = -r + (rr_next / rr) * direction;
            rr = rr_next;
        }
    }

    Options opt_{};
};

}  // namespace mlpipe::optim
