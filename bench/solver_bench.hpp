#pragma once
// Shared by bench_solvers.cpp (Google Benchmark) and solver_run.cpp (the driver of
// compare_solvers): the four benchmark shapes, their deterministic data generator, and an
// independent evaluation of the objective and gradient at a fitted model.
//
// The generator is counter based, so row i of a shape is the same whatever the number of
// rows asked for, and bench/compare_solvers re-implements it in numpy bit for bit (up to
// the last-bit rounding of log and cos):
//
//   G = 0x9E3779B97F4A7C15, mix(z) = splitmix64's finaliser, all arithmetic mod 2^64
//   bits(stream, i)   = mix(mix(SEED * G + stream) + (i + 1) * G)
//   uniform(stream, i) = ((bits >> 11) + 0.5) * 2^-53                      in (0, 1)
//   normal(stream, i)  = sqrt(-2 log uniform(stream, 2i)) * cos(2 pi uniform(stream, 2i + 1))
//
// Streams are 16 * shape + kind (kinds below). A shape has `numeric` standard normal
// columns with pairwise correlation rho (x_ij = sqrt(1 - rho) z_ij + sqrt(rho) f_i),
// `categorical` columns of `levels` equiprobable levels, and labels drawn from a known
// logistic (binary) or softmax (multiclass) model, so that the optimum is non-trivial:
//   logit_c(i) = sum_j x_ij w_jc + sum_j e_{j, code_ij, c} + b_c
//   w_jc ~ N(0, 1) * signal / sqrt(numeric), e ~ N(0, 1) * effect, b_c ~ N(0, 1) * 0.5
// Train rows are 0 .. n-1, the held-out rows follow them.

#include <mlpipe/core.hpp>
#include <mlpipe/linear_model/design.hpp>
#include <mlpipe/linear_model/linear_loss.hpp>

#include <Eigen/Core>

#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <string>
#include <vector>

namespace mlpipe_bench {

inline constexpr std::uint64_t seed = 20260101u;
inline constexpr std::uint64_t golden = 0x9E3779B97F4A7C15ull;

constexpr std::uint64_t mix(std::uint64_t z) noexcept {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// One independent sequence of draws, indexed by a counter.
class Stream {
public:
    explicit Stream(std::uint64_t stream) noexcept : key_(mix(seed * golden + stream)) {}
    std::uint64_t bits(std::uint64_t i) const noexcept { return mix(key_ + (i + 1) * golden); }
    double uniform(std::uint64_t i) const noexcept {
        return (static_cast<double>(bits(i) >> 11) + 0.5) * 0x1.0p-53;
    }
    double normal(std::uint64_t i) const noexcept {
        const double u1 = uniform(2 * i), u2 = uniform(2 * i + 1);
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
    }

private:
    std::uint64_t key_;
};

enum Kind : std::uint64_t {
    kind_numeric = 0,   // z_ij, index i * numeric + j
    kind_factor = 1,    // f_i, index i
    kind_category = 2,  // level of row i in column j, index i * categorical + j
    kind_label = 3,     // the uniform that draws y_i, index i
    kind_weight = 4,    // w_jc, index j * K + c (K = 1 when binary)
    kind_effect = 5,    // e_jlc, index (j * levels + l) * K + c
    kind_intercept = 6, // b_c, index c
};

struct Shape {
    const char* id;           // a, b, c, d
    const char* description;  // what it is
    const char* favours;      // which solver the shape should suit
    std::size_t rows;         // training rows at scale 1 (the sizes)
    int numeric;
    int categorical;
    int levels;
    int classes;
    double rho = 0.5;     // correlation between numeric columns
    double signal = 2.0;  // sqrt of the summed squared numeric weights (per class)
    double effect = 0.5;  // standard deviation of a level's effect
};

inline const std::array<Shape, 4>& shapes() {
    static const std::array<Shape, 4> all{{
        {"a", "1M rows x (20 numeric + 5 categorical of 10 levels), binary",
         "many rows, few parameters (71): newton-cholesky, sag", 1'000'000, 20, 5, 10, 2, 0.5, 2.0, 0.5},
        {"b", "100k rows x 200 numeric, binary", "dense, medium width (201 parameters): lbfgs, newton-cg", 100'000,
         200, 0, 0, 2, 0.5, 2.0, 0.5},
        {"c", "10k rows x 4 categorical of 500 levels (2,000 one-hot features), binary",
         "rare one-hot levels: newton-cholesky (2001 x 2001 Hessian), newton-cg", 10'000, 0, 4, 500, 2, 0.5, 2.0,
         1.0},
        {"d", "100k rows x 50 numeric, 10 classes", "multinomial (510 parameters): lbfgs, newton-cg", 100'000, 50, 0,
         0, 10, 0.5, 2.0, 0.5},
    }};
    return all;
}

inline std::uint64_t shape_index(const Shape& shape) { return static_cast<std::uint64_t>(shape.id[0] - 'a'); }

struct Split {
    mlpipe::Frame X;  // numeric columns x0.., then one-hot columns c0.. (levels "0".."L-1")
    mlpipe::Frame y;  // one categorical column "y" with labels "0".."K-1" (zero-padded when K > 10)
};

// Rows [first, first + count) of a shape.
inline Split generate(const Shape& shape, std::size_t first, std::size_t count) {
    const std::uint64_t base = 16 * shape_index(shape);
    const Stream numeric(base + kind_numeric), factor(base + kind_factor), category(base + kind_category),
        label(base + kind_label), weight(base + kind_weight), effect(base + kind_effect),
        intercept(base + kind_intercept);
    const auto p = static_cast<std::size_t>(shape.numeric), q = static_cast<std::size_t>(shape.categorical),
               levels = static_cast<std::size_t>(shape.levels), classes = static_cast<std::size_t>(shape.classes);
    const std::size_t k = classes == 2 ? 1 : classes;

    std::vector<double> w(p * k), e(q * levels * k), b(k);
    for (std::size_t j = 0; j < w.size(); ++j) w[j] = weight.normal(j) * shape.signal / std::sqrt(double(p ? p : 1));
    for (std::size_t j = 0; j < e.size(); ++j) e[j] = effect.normal(j) * shape.effect;
    for (std::size_t c = 0; c < k; ++c) b[c] = intercept.normal(c) * 0.5;

    std::vector<std::vector<double>> x(p, std::vector<double>(count));
    std::vector<std::vector<std::int32_t>> codes(q, std::vector<std::int32_t>(count));
    std::vector<std::int32_t> y(count);
    std::vector<double> logit(k);
    const double own = std::sqrt(1.0 - shape.rho), shared = std::sqrt(shape.rho);
    for (std::size_t r = 0; r < count; ++r) {
        const std::size_t i = first + r;
        for (std::size_t c = 0; c < k; ++c) logit[c] = b[c];
        const double f = factor.normal(i);
        for (std::size_t j = 0; j < p; ++j) {
            const double v = own * numeric.normal(i * p + j) + shared * f;
            x[j][r] = v;
            for (std::size_t c = 0; c < k; ++c) logit[c] += v * w[j * k + c];
        }
        for (std::size_t j = 0; j < q; ++j) {
            auto level = static_cast<std::size_t>(category.uniform(i * q + j) * static_cast<double>(levels));
            if (level >= levels) level = levels - 1;
            codes[j][r] = static_cast<std::int32_t>(level);
            for (std::size_t c = 0; c < k; ++c) logit[c] += e[(j * levels + level) * k + c];
        }
        const double u = label.uniform(i);
        if (k == 1) {
            y[r] = u < 1.0 / (1.0 + std::exp(-logit[0])) ? 1 : 0;
        } else {
            double top = logit[0], sum = 0;
            for (std::size_t c = 1; c < k; ++c) top = std::max(top, logit[c]);
            for (std::size_t c = 0; c < k; ++c) sum += std::exp(logit[c] - top);
            std::size_t chosen = k - 1;
            double cumulative = 0;
            for (std::size_t c = 0; c < k; ++c) {
                cumulative += std::exp(logit[c] - top) / sum;
                if (u < cumulative) {
                    chosen = c;
                    break;
                }
            }
            y[r] = static_cast<std::int32_t>(chosen);
        }
    }

    Split split;
    for (std::size_t j = 0; j < p; ++j) split.X.add_numeric("x" + std::to_string(j), std::move(x[j]));
    std::vector<std::string> level_names(levels);
    for (std::size_t l = 0; l < levels; ++l) level_names[l] = std::to_string(l);
    for (std::size_t j = 0; j < q; ++j)
        split.X.add(mlpipe::Column::one_hot("c" + std::to_string(j), std::move(codes[j]), level_names));
    std::vector<std::string> class_names(classes);
    for (std::size_t c = 0; c < classes; ++c)
        class_names[c] = (classes > 10 && c < 10 ? "0" : "") + std::to_string(c);
    split.y.add(mlpipe::Column::categorical("y", std::move(y), class_names));
    return split;
}

// The objective as the solvers define it with match_sklearn = latest and penalty l2,
//   f = (1/S) [sum_i s_i logloss_i + ||W||^2 / (2C)],
// and max |gradient|, at the model's fitted coefficients (or at zero), computed here from
// the data rather than taken from the solver, so every solver is measured the same way.
struct PointValue {
    double objective = 0;
    double gradient_max = 0;
};

inline PointValue evaluate(const mlpipe::Frame& X, const mlpipe::Column& y, const mlpipe::LogisticRegression& model,
                           bool at_zero = false) {
    const auto design = mlpipe::Design<double>::build(X, "bench evaluate");
    const auto labels = mlpipe::encode_labels(y);
    const auto k = static_cast<Eigen::Index>(labels.classes.size() == 2 ? 1 : labels.classes.size());
    const Eigen::VectorXd weights = Eigen::VectorXd::Ones(design.rows());
    const auto& options = model.options();
    const double l2 = options.penalty == mlpipe::Penalty::none ? 0.0 : 1.0 / options.C;
    const double scale = 1.0 / static_cast<double>(design.rows());
    Eigen::VectorXd params = Eigen::VectorXd::Zero(design.n_features() * k + k), grad;
    if (!at_zero) {
        const Eigen::MatrixXd coef_t = model.coef().transpose();  // n_features x K, column-major like params
        params.head(design.n_features() * k) = Eigen::Map<const Eigen::VectorXd>(coef_t.data(), coef_t.size());
        params.tail(k) = model.intercept();
    }
    auto run = [&](const auto& loss) {
        PointValue value;
        value.objective = loss(params, grad);
        value.gradient_max = grad.size() ? grad.cwiseAbs().maxCoeff() : 0.0;
        return value;
    };
    if (k == 1)
        return run(mlpipe::LinearLoss<mlpipe::Design<double>, mlpipe::BinomialLoss>(design, labels.index, weights, k,
                                                                                    l2, scale, options.fit_intercept));
    return run(mlpipe::LinearLoss<mlpipe::Design<double>, mlpipe::MultinomialLoss>(
        design, labels.index, weights, k, l2, scale, options.fit_intercept));
}

// The settings every benchmark uses: C = 1, penalty l2, match_sklearn latest, the given tol
// (on max |gradient| for lbfgs, newton-cg and newton-cholesky; on the relative change of the
// weights over an epoch for sag and saga), max_iter 2000 (sag, saga: 1000 epochs).
inline mlpipe::LogisticRegression::Options options_for(mlpipe::Solver solver, double tol) {
    mlpipe::LogisticRegression::Options options;
    options.C = 1.0;
    options.solver = solver;
    options.tol = tol;
    options.max_iter = (solver == mlpipe::Solver::sag || solver == mlpipe::Solver::saga) ? 1000 : 2000;
    return options;
}

inline const char* short_reason(mlpipe::optim::StopReason reason) {
    using mlpipe::optim::StopReason;
    switch (reason) {
        case StopReason::gradient_tolerance: return "gtol";
        case StopReason::relative_reduction: return "ftol";
        case StopReason::max_iterations: return "max_iter";
        case StopReason::line_search_failed: return "ls_failed";
        case StopReason::cancelled: return "cancelled";
        case StopReason::weight_change: return "wtol";
    }
    return "?";
}

}  // namespace mlpipe_bench
