#pragma once
// The objective scikit-learn's LogisticRegression minimises with L-BFGS, and its gradient.
//
//   f(W, b) = scale * [ sum_i s_i * loss_i(W, b) + alpha/2 * ||W||^2 ]
//
// s_i: sample weights (times class weights); alpha = 1/C (0 without penalty); the
// intercept b is not penalised; scale = 1/sum(s_i) for sklearn >= 1.4, 1 for 1.2.
// Binary (K = 1): loss_i = log(1 + exp(z_i)) - y_i z_i with y_i in {0, 1}.
// Multinomial (K >= 3): loss_i = logsumexp(z_i) - z_i,y_i over K full weight columns.
// Parameters are packed as [vec(W) (n_features x K, column-major); b (K)].

#include <mlpipe/linear_model/design.hpp>

#include <Eigen/Core>

#include <cmath>
#include <cstdint>
#include <vector>

namespace mlpipe {

namespace detail {
template <class Scalar>
Scalar expit(Scalar x) {
    return Scalar(1) / (Scalar(1) + std::exp(-x));
}

// log(1 + exp(z)) and expit(z) from one exponential, exp(-|z|), which never overflows:
// for z >= 0, log(1 + exp(z)) = z + log1p(exp(-z)) and expit(z) = 1 / (1 + exp(-z));
// for z < 0, log(1 + exp(z)) = log1p(exp(z)) and expit(z) = exp(z) / (1 + exp(z)).
template <class Scalar>
void log1pexp_and_expit(Scalar z, Scalar& log1pexp_z, Scalar& expit_z) {
    const Scalar e = std::exp(-std::abs(z));
    const Scalar log1p_e = std::log1p(e);
    if (z >= 0) {
        log1pexp_z = z + log1p_e;
        expit_z = Scalar(1) / (Scalar(1) + e);
    } else {
        log1pexp_z = log1p_e;
        expit_z = e / (Scalar(1) + e);
    }
}
}  // namespace detail

template <class Scalar>
class LogisticLoss {
public:
    using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
    using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

    // y: class index per row (binary: 0 or 1); weights: one per row.
    LogisticLoss(const Design<Scalar>& design, const std::vector<std::int32_t>& y, const Vector& weights,
                 Eigen::Index n_outputs, Scalar alpha, Scalar scale, bool fit_intercept)
        : design_(design),
          y_(y),
          weights_(weights),
          k_(n_outputs),
          alpha_(alpha),
          scale_(scale),
          fit_intercept_(fit_intercept) {}

    Eigen::Index n_parameters() const noexcept { return design_.n_features() * k_ + k_; }

    Scalar operator()(const Vector& params, Vector& grad) const {
        const Eigen::Index p = design_.n_features();
        const Eigen::Index n = design_.rows();
        Eigen::Map<const Matrix> W(params.data(), p, k_);
        Eigen::Map<const Eigen::Matrix<Scalar, 1, Eigen::Dynamic>> b(params.data() + p * k_, k_);
        design_.decision(W, b, z_);

        residual_.resize(n, k_);
        Scalar loss = 0;
        if (k_ == 1) {
            for (Eigen::Index i = 0; i < n; ++i) {
                const Scalar z = z_(i, 0);
                const Scalar yi = static_cast<Scalar>(y_[static_cast<std::size_t>(i)]);
                const Scalar s = weights_[i];
                Scalar log1pexp_z, expit_z;
                detail::log1pexp_and_expit(z, log1pexp_z, expit_z);
                loss += s * (log1pexp_z - yi * z);
                residual_(i, 0) = s * (expit_z - yi);
            }
        } else {
            for (Eigen::Index i = 0; i < n; ++i) {
                const Scalar zmax = z_.row(i).maxCoeff();
                Scalar sum = 0;
                for (Eigen::Index c = 0; c < k_; ++c) {
                    const Scalar e = std::exp(z_(i, c) - zmax);
                    residual_(i, c) = e;
                    sum += e;
                }
                const Scalar s = weights_[i];
                const auto yi = static_cast<Eigen::Index>(y_[static_cast<std::size_t>(i)]);
                loss += s * (std::log(sum) + zmax - z_(i, yi));
                for (Eigen::Index c = 0; c < k_; ++c) residual_(i, c) = s * (residual_(i, c) / sum);
                residual_(i, yi) -= s;
            }
        }

        grad.resize(n_parameters());
        Eigen::Map<Matrix> G(grad.data(), p, k_);
        design_.transpose_times(residual_, G);
        if (alpha_ != 0) {
            loss += Scalar(0.5) * alpha_ * W.squaredNorm();
            G += alpha_ * W;
        }
        if (fit_intercept_) grad.tail(k_) = residual_.colwise().sum().transpose();
        else grad.tail(k_).setZero();
        if (scale_ != 1) {
            loss *= scale_;
            grad *= scale_;
        }
        return loss;
    }

private:
    const Design<Scalar>& design_;
    const std::vector<std::int32_t>& y_;
    const Vector& weights_;
    Eigen::Index k_;
    Scalar alpha_, scale_;
    bool fit_intercept_;
    mutable Matrix z_, residual_;  // scratch, reused across evaluations
};

}  // namespace mlpipe
