#pragma once
// L-BFGS for smooth unconstrained problems, written for this project.
//
// It follows what scipy's L-BFGS-B (the solver behind scikit-learn's LogisticRegression)
// does when no bounds are set, so that the same problem gives the same iterates and the
// same n_iter: steepest descent with step 1/||g|| first, the inverse Hessian
// approximation with scaling theta = y'y / s'y from the newest pair, Moré–Thuente line
// search (ftol 1e-3, gtol 0.9, xtol 0.1, at most max_line_search trials), skipping pairs
// with too little curvature, dropping the memory and restarting when a line search
// fails, and both stopping tests: max |g_i| <= gtol, or relative reduction of f
// (f_k - f_k+1) / max(|f_k|, |f_k+1|, 1) <= ftol.

#include <mlpipe/error.hpp>
#include <mlpipe/optim/line_search.hpp>
#include <mlpipe/optim/objective.hpp>
#include <mlpipe/optim/result.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace mlpipe::optim {

template <class Scalar>
class LBFGS {
public:
    using scalar_type = Scalar;
    using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
    using Callback = IterationCallback;

    struct Options {
        int history = 10;                    // pairs kept (scipy's maxcor)
        int max_iter = 100;
        Scalar gtol = Scalar(1e-4);          // on max |g_i|
        Scalar ftol = Scalar(2.220446049250313e-09);  // on the relative reduction of f
        int max_line_search = 20;            // trial steps per line search (scipy's maxls)
    };

    LBFGS() = default;
    explicit LBFGS(Options options) : opt_(options) {
        if (opt_.history < 1) throw parameter_error("LBFGS: history must be >= 1");
        if (opt_.max_iter < 1) throw parameter_error("LBFGS: max_iter must be >= 1");
        if (opt_.max_line_search < 1) throw parameter_error("LBFGS: max_line_search must be >= 1");
    }

    const Options& options() const noexcept { return opt_; }

    // objective(x, grad) returns f(x) and writes the gradient into grad (sized like x).
    // x holds the start on entry and the last accepted iterate on return.
    template <class Objective>
        requires DifferentiableObjective<std::remove_cvref_t<Objective>, Scalar>
    Result<Scalar> minimize(Objective&& objective, Vector& x, const Callback& callback = {}) const {
        const auto started = std::chrono::steady_clock::now();
        const Eigen::Index n = x.size();
        Result<Scalar> result;
        Vector g(n);
        Scalar f = detail::value_at_start(objective, static_cast<const Vector&>(x), g, "LBFGS");
        result.n_evaluations = 1;

        auto finish = [&](StopReason reason) { return detail::stopped(result, reason, f, g); };

        if (g.size() == 0 || g.cwiseAbs().maxCoeff() <= opt_.gtol) return finish(StopReason::gradient_tolerance);

        std::deque<Pair> memory;
        Scalar theta = 1;
        Vector d(n), x0(n), g0(n);
        int iterations = 0;
        constexpr Scalar max_step = Scalar(1e10);

        for (;;) {
            search_direction(g, memory, theta, d);

            // Line search along d from x.
            x0 = x;
            g0 = g;
            const Scalar f0 = f;
            const Scalar gd0 = g.dot(d);
            bool failed = !(gd0 < 0);  // not a descent direction (also catches NaN)
            Scalar step = 0, gd = gd0;
            if (!failed) {
                const Scalar dnorm = d.norm();
                step = iterations == 0 ? std::min(Scalar(1) / dnorm, max_step) : Scalar(1);
                MoreThuente<Scalar> search;
                search.start(f0, gd0, step, Scalar(0), max_step);
                for (int trial = 1;; ++trial) {
                    step = search.step();
                    x = x0 + step * d;
                    f = objective(static_cast<const Vector&>(x), g);
                    ++result.n_evaluations;
                    gd = g.dot(d);
                    if (!std::isfinite(f) || !std::isfinite(gd)) {
                        failed = true;
                        break;
                    }
                    if (search.next(f, gd) != LineSearchStatus::evaluate) break;
                    if (trial >= opt_.max_line_search) {
                        failed = true;
                        break;
                    }
                }
            }

            if (failed) {
                x = x0;
                g = g0;
                f = f0;
                if (memory.empty()) {
                    result.n_iter = iterations;
                    return finish(StopReason::line_search_failed);
                }
                memory.clear();  // forget the curvature pairs and restart from steepest descent
                theta = 1;
                continue;
            }

            ++iterations;
            result.n_iter = iterations;
            const Scalar gmax = g.cwiseAbs().maxCoeff();
            if (callback &&
                !callback({iterations, static_cast<double>(f), static_cast<double>(gmax), static_cast<double>(step),
                           result.n_evaluations,
                           detail::seconds_since(started)}))
                return finish(StopReason::cancelled);
            // scipy's driver checks the iteration limit before the convergence tests.
            if (iterations >= opt_.max_iter) return finish(StopReason::max_iterations);
            if (gmax <= opt_.gtol) return finish(StopReason::gradient_tolerance);
            const Scalar scale = std::max({std::abs(f0), std::abs(f), Scalar(1)});
            if (f0 - f <= opt_.ftol * scale) return finish(StopReason::relative_reduction);

            // Curvature pair; skipped when s'y is not safely positive (as L-BFGS-B does).
            const Scalar sy = (gd - gd0) * step;
            if (sy > std::numeric_limits<Scalar>::epsilon() * (-gd0 * step)) {
                Pair pair{step * d, g - g0, 0};
                pair.rho = Scalar(1) / pair.y.dot(pair.s);
                theta = pair.y.squaredNorm() / sy;
                memory.push_back(std::move(pair));
                if (static_cast<int>(memory.size()) > opt_.history) memory.pop_front();
            }
        }
    }

private:
    struct Pair {
        Vector s, y;
        Scalar rho;
    };

    // d = -H g by the two-loop recursion, with H0 = I / theta.
    static void search_direction(const Vector& g, const std::deque<Pair>& memory, Scalar theta, Vector& d) {
        d = -g;
        if (memory.empty()) return;
        std::vector<Scalar> alpha(memory.size());
        for (std::size_t i = memory.size(); i-- > 0;) {
            alpha[i] = memory[i].rho * memory[i].s.dot(d);
            d -= alpha[i] * memory[i].y;
        }
        d /= theta;
        for (std::size_t i = 0; i < memory.size(); ++i) {
            const Scalar beta = memory[i].rho * memory[i].y.dot(d);
            d += (alpha[i] - beta) * memory[i].s;
        }
    }

    Options opt_{};
};

}  // namespace mlpipe::optim
