#pragma once
// SAG and SAGA (stochastic average gradient; scikit-learn's solver="sag" and "saga"),
// written for this project after scikit-learn 1.2.1's sag_solver and sag_fast.pyx, so that
// a fit reaches the same optimum by the same rules:
//   - the problem is the per-row average, 1/n [sum_i s_i loss_i + l2/2 ||W||^2 + l1 ||W||_1]
//     with n the number of rows (not the sum of the weights, as scikit-learn); the loss's
//     scale() changes neither the optimum nor the path;
//   - each step draws a row at random, with replacement, replaces the gradient remembered
//     for that row, and moves along the average of the remembered gradients (over the rows
//     seen so far); SAGA adds the change of this row's gradient (which makes the step
//     unbiased) and soft-thresholds for the l1 term (a proximal step);
//   - step sizes as scikit-learn's get_auto_step_size for the log loss;
//   - the intercept follows its average gradient undamped, as scikit-learn does for dense
//     input (for sparse input it damps that step by 0.01, which changes the path, not the
//     optimum);
//   - an epoch is n steps; the fit has converged when the largest change of a weight over
//     the epoch, relative to the largest weight, is <= tol (the intercept takes no part).
// Rows come from std::mt19937_64 seeded with random_state, mapped to [0, n) here rather
// than by std::uniform_int_distribution (whose algorithm each standard library chooses),
// so a seed gives the same model on every platform. scikit-learn's own generator is not
// reproduced: its fits at a loose tol are matched in their predictions, its tight fits at
// the optimum.
// Needs a LinearFiniteSum: a loss that can be read one row at a time.

#include <mlpipe/error.hpp>
#include <mlpipe/linear_model/design_matrix.hpp>
#include <mlpipe/optim/objective.hpp>
#include <mlpipe/optim/result.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace mlpipe::optim {

// A linear model's loss as a sum over rows (mlpipe::LinearLoss): the design matrix read
// row by row, the targets and weights, the per-row loss of the K scores
// (base_loss::loss_gradient returns s * loss and writes s * dloss/dz), and the whole
// objective with its gradient, for the reports.
template <class L>
concept LinearFiniteSum =
    requires(const L& loss, const VectorOf<typename L::scalar_type>& x, VectorOf<typename L::scalar_type>& grad,
             const typename L::scalar_type* z, typename L::scalar_type* g, Eigen::Index index, std::int32_t y,
             typename L::scalar_type weight) {
        typename L::base_loss;
        requires DesignMatrix<std::remove_cvref_t<decltype(loss.design())>>;
        requires std::same_as<typename std::remove_cvref_t<decltype(loss.design())>::scalar_type,
                              typename L::scalar_type>;
        { loss.targets() } -> std::convertible_to<std::span<const std::int32_t>>;
        { loss.sample_weights()[index] } -> std::convertible_to<typename L::scalar_type>;
        { loss.n_outputs() } -> std::convertible_to<Eigen::Index>;
        { loss.n_parameters() } -> std::convertible_to<Eigen::Index>;
        { loss.l2() } -> std::convertible_to<typename L::scalar_type>;
        { loss.scale() } -> std::convertible_to<typename L::scalar_type>;
        { loss.fit_intercept() } -> std::convertible_to<bool>;
        { loss(x, grad) } -> std::convertible_to<typename L::scalar_type>;
        { L::base_loss::loss_gradient(z, index, y, weight, g) } -> std::convertible_to<typename L::scalar_type>;
    };

template <class Scalar>
class SAG {
public:
    using scalar_type = Scalar;
    using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

    struct Options {
        int max_iter = 100;         // epochs
        Scalar tol = Scalar(1e-3);  // on max |w - w_previous| / max |w| over an epoch
        bool saga = false;
        Scalar l1 = 0;  // weight of ||W||_1 inside the loss's brackets (saga only)
        std::uint64_t random_state = 0;
    };

    SAG() = default;
    explicit SAG(Options options) : opt_(options) {
        if (opt_.max_iter < 1) throw parameter_error("SAG: max_iter must be >= 1");
        if (!(opt_.tol >= 0)) throw parameter_error("SAG: tol must be >= 0");
        if (!(opt_.l1 >= 0) || !std::isfinite(opt_.l1)) throw parameter_error("SAG: l1 must be a finite number >= 0");
        if (opt_.l1 > 0 && !opt_.saga)
            throw parameter_error("SAG: an l1 penalty needs saga (sag has no proximal step)");
    }

    const Options& options() const noexcept { return opt_; }

    // x: [vec(W) (n_features x K, column-major); b (K)], the start on entry (scikit-learn
    // starts from zeros) and the weights after the last epoch on return.
    template <class Loss>
        requires LinearFiniteSum<Loss> && std::same_as<typename Loss::scalar_type, Scalar>
    Result<Scalar> minimize(const Loss& loss, Vector& x, const IterationCallback& callback = {}) const {
        const auto started = std::chrono::steady_clock::now();
        const auto& design = loss.design();
        const Eigen::Index n = design.rows(), p = design.n_features(), k = loss.n_outputs(), pk = p * k;
        if (x.size() != loss.n_parameters())
            throw parameter_error("SAG: the start has " + std::to_string(x.size()) + " parameters, the loss " +
                                  std::to_string(loss.n_parameters()));
        if (n == 0) throw data_error("SAG: the data has no rows");
        const std::span<const std::int32_t> y = loss.targets();
        const bool fit_intercept = loss.fit_intercept();
        const bool prox = opt_.l1 > 0;

        Result<Scalar> result;
        Vector grad(x.size());
        Scalar objective = 0, gradient_max = 0;
        // The whole objective, l1 term included, and the largest entry of its minimum-norm
        // subgradient (at w = 0 the l1 term absorbs up to its weight of the smooth gradient).
        auto evaluate = [&] {
            const Scalar f = loss(static_cast<const Vector&>(x), grad);
            ++result.n_evaluations;
            const Scalar l1 = loss.scale() * opt_.l1;
            Scalar l1_norm = 0;
            gradient_max = 0;
            for (Eigen::Index q = 0; q < x.size(); ++q) {
                Scalar gq = std::abs(grad[q]);
                if (prox && q < pk) {
                    l1_norm += std::abs(x[q]);
                    gq = x[q] != 0 ? std::abs(grad[q] + (x[q] > 0 ? l1 : -l1)) : std::max(gq - l1, Scalar(0));
                }
                gradient_max = std::max(gradient_max, gq);
            }
            objective = f + l1 * l1_norm;
        };
        bool evaluated = false;
        auto finish = [&](StopReason reason) {
            if (!evaluated) evaluate();
            result.reason = reason;
            result.converged = is_converged(reason);
            result.objective = objective;
            result.gradient_max = gradient_max;
            return result;
        };

        // Step size from the Lipschitz constant of one row's gradient. scikit-learn has no
        // weight factor; with weights above 1 (class_weight) a row's gradient is that much
        // steeper and its step too long, so the largest weight enters (1 for unit weights).
        Scalar max_sample_weight = 0;
        for (Eigen::Index i = 0; i < n; ++i) max_sample_weight = std::max(max_sample_weight, loss.sample_weights()[i]);
        const Scalar alpha = loss.l2() / static_cast<Scalar>(n), beta = opt_.l1 / static_cast<Scalar>(n);
        const Scalar smooth = Scalar(0.25) * (design.max_row_squared_norm() + (fit_intercept ? Scalar(1) : Scalar(0))) *
                              max_sample_weight;
        if (!std::isfinite(smooth))  // a step of 0 would leave the start unchanged and call it converged
            throw data_error("SAG: a row's squared norm times its weight overflows (" + std::to_string(smooth) +
                             "); scale the features first");
        if (!(smooth > 0)) {
            // Every row is zero and there is no intercept, or every weight is zero: the data
            // term does not depend on W, whose best value is the penalty's (0), if any.
            if (loss.l2() > 0 || prox) x.head(pk).setZero();
            return finish(StopReason::weight_change);
        }
        const Scalar lipschitz = smooth + alpha;
        const Scalar step = opt_.saga
                                ? Scalar(1) / (2 * lipschitz + std::min(2 * static_cast<Scalar>(n) * alpha, lipschitz))
                                : Scalar(1) / lipschitz;

        // A step changes every weight (the l2 shrink, the step along the average gradient, the
        // soft threshold) but reads only the features of its row. As in scikit-learn, only
        // those are brought up to date ("just in time"): the shrink is a common factor,
        // W = wscale * V, and each feature catches up on the steps it missed from running sums
        // of their factors when its row comes, and all at the end of the epoch. A step costs
        // the row's non-zeros times K instead of n_features times K, which is what makes the
        // solver worth having on wide one-hot data.
        std::vector<Scalar> V(static_cast<std::size_t>(pk));  // feature-major: V[j k + c] = W(j, c) / wscale
        for (Eigen::Index j = 0; j < p; ++j)
            for (Eigen::Index c = 0; c < k; ++c) V[at(j * k + c)] = x[c * p + j];
        Scalar wscale = 1;
        std::vector<Scalar> sum_gradient(at(pk), Scalar(0));  // sum over seen rows of memory_i x_i, feature-major
        std::vector<Scalar> memory(at(n * k), Scalar(0));     // s_i dloss/dz at the row's last visit
        std::vector<Scalar> intercept_sum(at(k), Scalar(0));
        std::vector<unsigned char> seen(at(n), 0);
        Eigen::Index num_seen = 0;
        // Per step t of the epoch: the factor of the average gradient, step / (wscale n_seen),
        // and of the soft threshold, step beta / wscale, each also as a running sum. These
        // stay in double even for float weights: a feature's catch-up is a difference of two
        // running sums over up to a whole epoch, which float would leave with few digits.
        std::vector<double> increment(at(n)), cumulative(at(n));
        std::vector<double> increment_prox(prox ? at(n) : 0), cumulative_prox(prox ? at(n) : 0);
        std::vector<Eigen::Index> seen_at(prox ? at(n) : 0);
        std::vector<Eigen::Index> updated(at(p), -1);  // the last step of this epoch applied to feature j

        auto span_sum = [](const std::vector<double>& inc, const std::vector<double>& cum, Eigen::Index from,
                           Eigen::Index to) {
            if (from == to) return inc[at(to)];  // exact for features read at every step
            return cum[at(to)] - (from > 0 ? cum[at(from - 1)] : 0.0);
        };
        // Applies steps updated[j] + 1 .. to to feature j.
        auto catch_up = [&](Eigen::Index j, Eigen::Index to) {
            const Eigen::Index from = updated[at(j)] + 1;
            if (from > to) return;
            updated[at(j)] = to;
            Scalar* v = &V[at(j * k)];
            const Scalar* sg = &sum_gradient[at(j * k)];
            const auto a = static_cast<Scalar>(span_sum(increment, cumulative, from, to));
            if (!prox) {
                for (Eigen::Index c = 0; c < k; ++c) v[c] -= a * sg[c];
                return;
            }
            const auto b = static_cast<Scalar>(span_sum(increment_prox, cumulative_prox, from, to));
            // When no single step of the gradient outweighs its threshold (|sg| step / (wscale
            // n_seen) <= step beta / wscale at every step, and n_seen only grows), the steps and
            // thresholds in turn equal one step and one threshold of their sums, because the
            // weight moves towards zero and stays there. Otherwise they are replayed.
            const Scalar free_below = beta * static_cast<Scalar>(seen_at[at(from)]);
            for (Eigen::Index c = 0; c < k; ++c) {
                if (std::abs(sg[c]) <= free_below) {
                    v[c] = soft_threshold(v[c] - a * sg[c], b);
                } else {
                    for (Eigen::Index t = from; t <= to; ++t)
                        v[c] = soft_threshold(v[c] - static_cast<Scalar>(increment[at(t)]) * sg[c],
                                              static_cast<Scalar>(increment_prox[at(t)]));
                }
            }
        };
        // Brings every feature up to step `to` and folds wscale into the weights.
        auto catch_up_all = [&](Eigen::Index to) {
            for (Eigen::Index j = 0; j < p; ++j) catch_up(j, to);
            for (Scalar& v : V) v *= wscale;
            wscale = 1;
            // Every feature is now at step `to`: later spans start after it, so the running
            // sums restart there rather than carry the large increments of the old scale
            // (which would cost digits in every later difference).
            cumulative[at(to)] = 0;
            if (prox) cumulative_prox[at(to)] = 0;
        };

        std::mt19937_64 engine(opt_.random_state);
        const auto rows = static_cast<std::uint64_t>(n);
        const std::uint64_t reject_below = (~rows + 1) % rows;  // 2^64 mod n
        std::vector<std::pair<Eigen::Index, Scalar>> row;
        Vector z(k), g(k), delta(k);
        Vector previous(pk);
        for (Eigen::Index q = 0; q < pk; ++q) previous[q] = V[at(q)];
        auto diverged = [&](int epoch) {
            return error("SAG: the fit diverged (a loss or gradient that is not finite) in epoch " +
                         std::to_string(epoch) + "; check the data for extreme values");
        };

        for (int epoch = 1;; ++epoch) {
            for (Eigen::Index t = 0; t < n; ++t) {
                const auto i = static_cast<Eigen::Index>(draw(engine, rows, reject_below));
                if (!seen[at(i)]) {
                    seen[at(i)] = 1;
                    ++num_seen;
                }
                row.clear();
                design.for_each_nonzero(i, [&](Eigen::Index j, Scalar value) { row.emplace_back(j, value); });

                z.setZero();
                for (const auto& [j, value] : row) {
                    catch_up(j, t - 1);
                    for (Eigen::Index c = 0; c < k; ++c) z[c] += value * V[at(j * k + c)];
                }
                z *= wscale;
                if (fit_intercept) z += x.tail(k);
                const Scalar row_loss =
                    Loss::base_loss::loss_gradient(z.data(), k, y[at(i)], loss.sample_weights()[i], g.data());
                if (!std::isfinite(row_loss) || !g.allFinite()) throw diverged(epoch);

                wscale *= 1 - step * alpha;
                const Scalar inverse_seen = Scalar(1) / static_cast<Scalar>(num_seen);
                // SAGA's correction, the change of this row's gradient, enters at once and unaveraged.
                const Scalar correction = opt_.saga ? step * (1 - inverse_seen) : Scalar(0);
                const Scalar correction_v = correction / wscale;
                for (Eigen::Index c = 0; c < k; ++c) {
                    delta[c] = g[c] - memory[at(i * k + c)];
                    memory[at(i * k + c)] = g[c];
                }
                for (const auto& [j, value] : row) {
                    for (Eigen::Index c = 0; c < k; ++c) {
                        const Scalar change = value * delta[c];
                        sum_gradient[at(j * k + c)] += change;
                        if (opt_.saga) V[at(j * k + c)] -= change * correction_v;
                    }
                }
                if (fit_intercept) {
                    for (Eigen::Index c = 0; c < k; ++c) {
                        intercept_sum[at(c)] += delta[c];
                        x[pk + c] -= step * intercept_sum[at(c)] * inverse_seen + correction * delta[c];
                    }
                }
                // This step's move along the average gradient (and its threshold) is owed by
                // every feature, the row's included, and paid at the next catch-up.
                increment[at(t)] =
                    static_cast<double>(step) / (static_cast<double>(wscale) * static_cast<double>(num_seen));
                cumulative[at(t)] = (t > 0 ? cumulative[at(t - 1)] : 0.0) + increment[at(t)];
                if (prox) {
                    increment_prox[at(t)] =
                        static_cast<double>(step) * static_cast<double>(beta) / static_cast<double>(wscale);
                    cumulative_prox[at(t)] = (t > 0 ? cumulative_prox[at(t - 1)] : 0.0) + increment_prox[at(t)];
                    seen_at[at(t)] = num_seen;
                }
                if (wscale < Scalar(1e-9)) catch_up_all(t);  // before V grows out of range (strong l2)
            }
            catch_up_all(n - 1);
            std::fill(updated.begin(), updated.end(), Eigen::Index(-1));

            Scalar max_change = 0, max_weight = 0;
            for (Eigen::Index j = 0; j < p; ++j) {
                for (Eigen::Index c = 0; c < k; ++c) {
                    const Scalar w = V[at(j * k + c)];
                    max_change = std::max(max_change, std::abs(w - previous[j * k + c]));
                    max_weight = std::max(max_weight, std::abs(w));
                    previous[j * k + c] = w;
                    x[c * p + j] = w;
                }
            }
            if (!x.allFinite()) throw diverged(epoch);
            result.n_iter = epoch;
            evaluated = false;
            if (callback) {
                evaluate();
                evaluated = true;
                if (!callback({epoch, static_cast<double>(objective), static_cast<double>(gradient_max),
                               static_cast<double>(step), result.n_evaluations,
                               detail::seconds_since(started)}))
                    return finish(StopReason::cancelled);
            }
            // As scikit-learn, which warns that it did not converge whenever n_iter reaches
            // max_iter, the iteration limit comes before the convergence test.
            if (epoch >= opt_.max_iter) return finish(StopReason::max_iterations);
            if (max_weight != 0 ? max_change / max_weight <= opt_.tol : max_change == 0)
                return finish(StopReason::weight_change);
        }
    }

private:
    static std::size_t at(Eigen::Index i) noexcept { return static_cast<std::size_t>(i); }

    static Scalar soft_threshold(Scalar w, Scalar threshold) noexcept {
        return w > threshold ? w - threshold : w < -threshold ? w + threshold : Scalar(0);
    }

    // Uniform on [0, n): draws below 2^64 mod n are rejected, so that the remaining range is
    // a whole number of copies of [0, n) and the remainder is unbiased. Exactly specified,
    // unlike std::uniform_int_distribution, so every platform draws the same rows.
    static std::uint64_t draw(std::mt19937_64& engine, std::uint64_t n, std::uint64_t reject_below) {
        for (;;) {
            const std::uint64_t r = engine();
            if (r >= reject_below) return r % n;
        }
    }

    Options opt_{};
};

}  // namespace mlpipe::optim
