#pragma once
// What every minimiser shares: why it stopped, what it reports after each iteration, what
// it returns, and the callback through which a caller watches (and may stop) a fit.
// Solvers include this header, and so does code that only reads a fit's history.

#include <mlpipe/error.hpp>

#include <Eigen/Core>

#include <chrono>
#include <cmath>
#include <string>
#include <concepts>
#include <functional>
#include <type_traits>
#include <utility>

namespace mlpipe::optim {

// Why the minimiser stopped. Values are stored in model files: append, never renumber.
enum class StopReason {
    gradient_tolerance,  // converged: max |g_i| <= tol (newton-cholesky: and half the Newton decrement)
    relative_reduction,  // converged: relative reduction of f <= ftol
    max_iterations,      // not converged: iteration limit reached
    line_search_failed,  // not converged: no acceptable step, even from steepest descent
    cancelled,           // not converged: the callback (or a stop request) ended the fit
    weight_change,       // converged: max |w - w_previous| / max |w| <= tol over an epoch (sag, saga)
};

inline const char* to_string(StopReason reason) noexcept {
    switch (reason) {
        case StopReason::gradient_tolerance: return "converged: max |gradient| <= tol";
        case StopReason::relative_reduction: return "converged: relative reduction of the objective <= ftol";
        case StopReason::max_iterations: return "stopped: iteration limit reached";
        case StopReason::line_search_failed: return "stopped: the line search found no acceptable step";
        case StopReason::cancelled: return "stopped: cancelled";
        case StopReason::weight_change: return "converged: relative change of the weights over an epoch <= tol";
    }
    return "unknown";
}

constexpr bool is_converged(StopReason reason) noexcept {
    return reason == StopReason::gradient_tolerance || reason == StopReason::relative_reduction ||
           reason == StopReason::weight_change;
}

// Passed to the callback after every iteration (an epoch for sag and saga).
struct IterationReport {
    int iteration = 0;        // 1-based
    double objective = 0;     // f at the new iterate (smooth part plus any l1 term)
    double gradient_max = 0;  // max |g_i| of the smooth part (l1 problems: of the minimum-norm subgradient)
    double step = 0;          // accepted step length along the search direction (sag, saga: the step size)
    int evaluations = 0;      // full objective evaluations so far
    double seconds = 0;       // since the minimiser started
};

// Called after every iteration. A callable that returns bool goes on with true and stops
// the fit with false (StopReason::cancelled; the iterate reported is kept); one that
// returns nothing only watches. Empty by default.
class IterationCallback {
public:
    IterationCallback() = default;

    template <class F>
        requires(!std::same_as<std::remove_cvref_t<F>, IterationCallback> &&
                 std::invocable<std::remove_cvref_t<F>&, const IterationReport&>)
    IterationCallback(F&& f) {  // NOLINT(google-explicit-constructor): as std::function
        using Fn = std::remove_cvref_t<F>;
        // An empty std::function or a null function pointer is no callback at all.
        if constexpr (std::is_pointer_v<Fn> || requires { typename Fn::result_type; }) {
            if (!f) return;
        }
        if constexpr (std::is_void_v<std::invoke_result_t<Fn&, const IterationReport&>>) {
            function_ = [watch = Fn(std::forward<F>(f))](const IterationReport& report) mutable {
                watch(report);
                return true;
            };
        } else {
            function_ = std::function<bool(const IterationReport&)>(std::forward<F>(f));
        }
    }

    explicit operator bool() const noexcept { return static_cast<bool>(function_); }

    // True: go on. False: stop.
    bool operator()(const IterationReport& report) const { return !function_ || function_(report); }

private:
    std::function<bool(const IterationReport&)> function_;
};

template <class Scalar>
struct Result {
    int n_iter = 0;
    int n_evaluations = 0;
    bool converged = false;
    StopReason reason = StopReason::max_iterations;
    Scalar objective = 0;
    Scalar gradient_max = 0;
};

template <class Scalar>
using MinimizeResult = Result<Scalar>;  // the name before the solver seam

// What the minimisers share at their two ends.
namespace detail {

// f at the start, its gradient into g; a start where either is not finite is refused.
template <class Objective, class Vector>
auto value_at_start(Objective&& objective, const Vector& x, Vector& g, const char* solver) {
    const auto f = objective(x, g);
    if (!std::isfinite(f) || !g.allFinite())
        throw error(std::string(solver) + ": the objective or its gradient is not finite at the starting point");
    return f;
}

// The result of a minimiser that stopped for `reason` at value f with gradient g.
template <class Scalar, class Vector>
Result<Scalar> stopped(Result<Scalar> result, StopReason reason, Scalar f, const Vector& g) {
    result.reason = reason;
    result.converged = is_converged(reason);
    result.objective = f;
    result.gradient_max = g.size() ? g.cwiseAbs().maxCoeff() : Scalar(0);
    return result;
}

inline double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace detail

// A minimiser of Objective: x holds the start on entry and the last accepted iterate on
// return. What Objective must offer depends on the solver (optim/objective.hpp).
template <class M, class Objective>
concept Minimizer = requires(const M& minimizer, Objective& objective,
                             Eigen::Matrix<typename M::scalar_type, Eigen::Dynamic, 1>& x,
                             const IterationCallback& callback) {
    typename M::scalar_type;
    typename M::Options;
    { minimizer.minimize(objective, x, callback) } -> std::same_as<Result<typename M::scalar_type>>;
};

}  // namespace mlpipe::optim
