#pragma once
// The objective of a linear classifier, split as scikit-learn splits it (LinearModelLoss
// over HalfBinomialLoss / HalfMultinomialLoss): a BaseLoss says what one row costs given
// its K scores, and LinearLoss<DesignMatrix, BaseLoss> sums it over the rows of the data,
// adds the L2 penalty, and offers what each solver asks for (optim/objective.hpp).
//
//   f(W, b) = scale * [ sum_i s_i * loss(z_i, y_i) + l2/2 * ||W||^2 ],   z_i = x_i W + b
//
// s_i: sample weights (times class weights); l2 = 1/C for the l2 penalty (0 without, and
// (1 - l1_ratio)/C for elastic-net, whose l1 part the proximal solver handles); the
// intercept b is not penalised; scale = 1/sum(s_i) for scikit-learn >= 1.4, 1 for 1.2.
// Parameters are packed as [vec(W) (n_features x K, column-major); b (K)].

#include <mlpipe/linear_model/design_matrix.hpp>
#include <mlpipe/parallel/communicator.hpp>

#include <Eigen/Core>

#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <type_traits>

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

// Binary log loss on one score (K = 1): log(1 + exp(z)) - y z, y in {0, 1}.
struct BinomialLoss {
    static constexpr bool multiclass = false;

    // Returns s * loss and writes g[0] = s * d loss / dz.
    template <class Scalar>
    static Scalar loss_gradient(const Scalar* z, Eigen::Index /*k*/, std::int32_t y, Scalar s, Scalar* g) {
        Scalar log1pexp_z, p;
        detail::log1pexp_and_expit(z[0], log1pexp_z, p);
        const auto target = static_cast<Scalar>(y);
        g[0] = s * (p - target);
        return s * (log1pexp_z - target * z[0]);
    }

    // The same over a block of rows, vectorised: returns sum_i s_i loss_i and writes
    // r_i = s_i (expit(z_i) - y_i). loss = max(z, 0) + log1p(exp(-|z|)) - y z. A null s means
    // every weight is 1, without reading or multiplying by them: r has the same bits as with
    // weights of 1; in double the loss takes its logarithms eight rows at a time (sum_log1p),
    // which can differ from the weighted sum in the last bits. Not in float: there q's eight
    // roundings are a relative error of up to 5e-7, which moved float fits' line searches
    // (the BLAS and CPU backends' float models drifted 2e-4 apart instead of under 1e-4).
    template <class Scalar>
    static Scalar block_loss_gradient(const Eigen::Array<Scalar, Eigen::Dynamic, 1>& z, const std::int32_t* y,
                                      const Scalar* s, Eigen::Array<Scalar, Eigen::Dynamic, 1>& r) {
        using Array = Eigen::Array<Scalar, Eigen::Dynamic, 1>;
        const Eigen::Index m = z.size();
        const Eigen::Map<const Eigen::Array<std::int32_t, Eigen::Dynamic, 1>> labels(y, m);
        thread_local Array e, u, log1p_e, target;
        // Every expression here is vectorised: Eigen 3.4 evaluates select() one coefficient at
        // a time (a log inside it was libm's scalar log, a fifth of the pass), so the two
        // choices below are written with max and min instead.
        e = (-z.abs()).exp();
        u = Scalar(1) + e;
        target = labels.template cast<Scalar>();
        // expit(z) = (z >= 0 ? 1 : e) / u. The numerator is max(e, h), h = min(max(z, 0) * big, 1):
        // h = 1 for z >= 1/big (and e <= 1), h = 0 for z <= 0; in between e rounds to 1, as does
        // the numerator either way (and at z = 0 both choices are e = 1).
        constexpr Scalar big = std::numeric_limits<Scalar>::max() / 4;
        if (s == nullptr) {
            r = e.max((z.max(Scalar(0)) * big).min(Scalar(1))) / u - target;
            if constexpr (std::is_same_v<Scalar, double>)
                return (z.max(Scalar(0)) - target * z).sum() + sum_log1p(e, u);
            return (z.max(Scalar(0)) + e * log1p_ratio(u) - target * z).sum();
        }
        log1p_e = e * log1p_ratio(u);
        const Eigen::Map<const Array> weights(s, m);
        const Scalar loss = (weights * (z.max(Scalar(0)) + log1p_e - target * z)).sum();
        r = weights * (e.max((z.max(Scalar(0)) * big).min(Scalar(1))) / u - target);
        return loss;
    }

private:
    // log1p(x) / x as log(u) / (u - 1), u = 1 + x (exact to a few ulps; Eigen vectorises log
    // but not log1p). Where u = 1, log(u) = u - 1 = 0 and log1p(x) = x to rounding: both
    // floored at the smallest normal number, their ratio is 1. Elsewhere u - 1 >= 2^-52 and
    // log(u) > 2^-53, so the floors change nothing.
    template <class U>
    static auto log1p_ratio(const U& u) {
        using Scalar = typename U::Scalar;
        constexpr Scalar tiny = std::numeric_limits<Scalar>::min();
        return u.log().max(tiny) / (u - Scalar(1)).max(tiny);
    }

    // sum_i log1p(e_i), e_i in [0, 1], u = 1 + e, with one logarithm per eight terms: the
    // logarithm took half of the loss step. log1p(e_1) + ... + log1p(e_8) = log1p(q), where
    // q = (1 + e_1) ... (1 + e_8) - 1 is built as q + e + q e, a sum of positive terms, so q
    // keeps the e's relative precision (q < 256). The rows past the last eight (fewer than
    // eight) are taken one at a time.
    template <class Scalar>
    static Scalar sum_log1p(const Eigen::Array<Scalar, Eigen::Dynamic, 1>& e,
                            const Eigen::Array<Scalar, Eigen::Dynamic, 1>& u) {
        thread_local Eigen::Array<Scalar, Eigen::Dynamic, 1> q;
        const Eigen::Index n = e.size() / 8, rest = e.size() - 8 * n;
        Scalar sum = (e.tail(rest) * log1p_ratio(u.tail(rest))).sum();
        if (n == 0) return sum;
        q = e.head(n);
        for (Eigen::Index k = 1; k < 8; ++k) q += e.segment(k * n, n) * (Scalar(1) + q);
        return sum + (q * log1p_ratio(Scalar(1) + q)).sum();
    }

public:
    // What the Hessian at z needs, one value per output: p (1 - p).
    template <class Scalar>
    static void curvature(const Scalar* z, Eigen::Index /*k*/, Scalar* c) {
        Scalar log1pexp_z, p;
        detail::log1pexp_and_expit(z[0], log1pexp_z, p);
        c[0] = p * (Scalar(1) - p);
    }

    // t := s * H_row t, H_row = p (1 - p).
    template <class Scalar>
    static void hessian_times(const Scalar* c, Eigen::Index /*k*/, Scalar s, Scalar* t) {
        t[0] *= s * c[0];
    }

    // Entry (a, b) of s * H_row (a = b = 0).
    template <class Scalar>
    static Scalar hessian_entry(const Scalar* c, Eigen::Index /*a*/, Eigen::Index /*b*/, Scalar s) {
        return s * c[0];
    }
};

// Multinomial log loss on K scores: logsumexp(z) - z_y, the largest score subtracted
// before exponentiating.
struct MultinomialLoss {
    static constexpr bool multiclass = true;

    // Returns s * loss and writes g = s * (softmax(z) - onehot(y)).
    template <class Scalar>
    static Scalar loss_gradient(const Scalar* z, Eigen::Index k, std::int32_t y, Scalar s, Scalar* g) {
        Scalar zmax = z[0];
        for (Eigen::Index c = 1; c < k; ++c) zmax = std::max(zmax, z[c]);
        Scalar sum = 0;
        for (Eigen::Index c = 0; c < k; ++c) {
            g[c] = std::exp(z[c] - zmax);
            sum += g[c];
        }
        for (Eigen::Index c = 0; c < k; ++c) g[c] = s * (g[c] / sum);
        g[y] -= s;
        return s * (std::log(sum) + zmax - z[y]);
    }

    // The same over a block of rows (m x K scores), vectorised along the rows: returns
    // sum_i s_i loss_i and writes r = s o (softmax(z) - onehot(y)) (m x K).
    template <class Scalar>
    static Scalar block_loss_gradient(const Eigen::Array<Scalar, Eigen::Dynamic, Eigen::Dynamic>& z,
                                      const std::int32_t* y, const Scalar* s,
                                      Eigen::Array<Scalar, Eigen::Dynamic, Eigen::Dynamic>& r) {
        using Array = Eigen::Array<Scalar, Eigen::Dynamic, 1>;
        const Eigen::Index m = z.rows(), k = z.cols();
        const Eigen::Map<const Array> weights(s, m);
        thread_local Array zmax, sum;
        zmax = z.col(0);
        for (Eigen::Index c = 1; c < k; ++c) zmax = zmax.max(z.col(c));
        sum.setZero(m);
        for (Eigen::Index c = 0; c < k; ++c) {
            r.col(c) = (z.col(c) - zmax).exp();
            sum += r.col(c);
        }
        thread_local Array z_label;  // z_i at the row's label
        z_label.resize(m);
        for (Eigen::Index i = 0; i < m; ++i) z_label[i] = z(i, y[i]);
        // Each row's loss is >= 0, summed as one: no cancellation between two large sums.
        const Scalar loss = (weights * (sum.log() + zmax - z_label)).sum();
        for (Eigen::Index c = 0; c < k; ++c) r.col(c) = weights * (r.col(c) / sum);
        for (Eigen::Index i = 0; i < m; ++i) r(i, y[i]) -= s[i];
        return loss;
    }

    // The probabilities p = softmax(z).
    template <class Scalar>
    static void curvature(const Scalar* z, Eigen::Index k, Scalar* c) {
        Scalar zmax = z[0];
        for (Eigen::Index j = 1; j < k; ++j) zmax = std::max(zmax, z[j]);
        Scalar sum = 0;
        for (Eigen::Index j = 0; j < k; ++j) {
            c[j] = std::exp(z[j] - zmax);
            sum += c[j];
        }
        for (Eigen::Index j = 0; j < k; ++j) c[j] /= sum;
    }

    // t := s * (diag(p) - p p') t = s * p o (t - p't).
    template <class Scalar>
    static void hessian_times(const Scalar* p, Eigen::Index k, Scalar s, Scalar* t) {
        Scalar pt = 0;
        for (Eigen::Index j = 0; j < k; ++j) pt += p[j] * t[j];
        for (Eigen::Index j = 0; j < k; ++j) t[j] = s * p[j] * (t[j] - pt);
    }

    template <class Scalar>
    static Scalar hessian_entry(const Scalar* p, Eigen::Index a, Eigen::Index b, Scalar s) {
        return s * ((a == b ? p[a] : Scalar(0)) - p[a] * p[b]);
    }
};

template <DesignMatrix Design, class BaseLoss>
class LinearLoss {
public:
    using Scalar = typename Design::scalar_type;
    using scalar_type = Scalar;
    using base_loss = BaseLoss;
    using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
    using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
    using RowVector = Eigen::Matrix<Scalar, 1, Eigen::Dynamic>;

    // y: class index per row (binary: 0 or 1); weights: one per row; n_outputs: K (1 for
    // the binomial loss). The loss keeps references: design, y and weights must outlive it
    // (temporaries are refused at compile time).
    LinearLoss(const Design& design, std::span<const std::int32_t> y, const Vector& weights, Eigen::Index n_outputs,
               Scalar l2, Scalar scale, bool fit_intercept)
        : design_(design),
          y_(y),
          weights_(weights),
          unit_weights_((weights.array() == Scalar(1)).all()),
          k_(n_outputs),
          l2_(l2),
          scale_(scale),
          fit_intercept_(fit_intercept) {}
    LinearLoss(const Design&&, std::span<const std::int32_t>, const Vector&, Eigen::Index, Scalar, Scalar,
               bool) = delete;
    LinearLoss(const Design&, std::span<const std::int32_t>, const Vector&&, Eigen::Index, Scalar, Scalar,
               bool) = delete;

    const Design& design() const noexcept { return design_; }
    std::span<const std::int32_t> targets() const noexcept { return y_; }
    const Vector& sample_weights() const noexcept { return weights_; }
    Eigen::Index n_outputs() const noexcept { return k_; }
    Eigen::Index n_features() const noexcept { return design_.n_features(); }
    Eigen::Index n_parameters() const noexcept { return design_.n_features() * k_ + k_; }
    Scalar l2() const noexcept { return l2_; }
    Scalar scale() const noexcept { return scale_; }
    bool fit_intercept() const noexcept { return fit_intercept_; }

    // A distributed fit: the design holds this rank's rows, and the loss, gradient and
    // Hessian are of the rows of every rank of `communicator` (their data terms are summed
    // over the ranks, in a fixed order, before the penalty is added once). It must outlive
    // the loss. scale must already be that of all the rows (1 / the total sample weight).
    void sum_over(const Communicator& communicator) noexcept { communicator_ = &communicator; }

    // A binary design that offers the fused pass (Design does): one read of the rows per
    // evaluation instead of three (scores, then X' r).
    static constexpr bool fused_binary_pass =
        !BaseLoss::multiclass && requires(const Design& d, const Vector& v, Vector& g, Scalar& s) {
            d.template binary_loss_gradient<BaseLoss>(v, s, static_cast<const std::int32_t*>(nullptr),
                                                      static_cast<const Scalar*>(nullptr), g, s);
        };

    // A design that offers the fused pass for any number of outputs (the cuda backend's: its
    // scores stay where the data are, and only the gradient comes back).
    static constexpr bool fused_pass =
        !fused_binary_pass && requires(const Design& d, const Matrix& W, const RowVector& b, Matrix& G, RowVector& gb) {
            {
                d.template loss_gradient<BaseLoss>(W, b, static_cast<const std::int32_t*>(nullptr),
                                                   static_cast<const Scalar*>(nullptr), G, gb)
            } -> std::convertible_to<Scalar>;
        };

    // f(params); the gradient into grad.
    Scalar operator()(const Vector& params, Vector& grad) const {
        if constexpr (fused_pass) {
            const Eigen::Index p = design_.n_features();
            Eigen::Map<const Matrix> W(params.data(), p, k_);
            const RowVector b = fit_intercept_ ? RowVector(params.tail(k_).transpose()) : RowVector::Zero(k_);
            RowVector intercept_gradient;
            const Scalar loss = design_.template loss_gradient<BaseLoss>(W, b, y_.data(), weights_.data(),
                                                                         fused_matrix_, intercept_gradient);
            grad.resize(n_parameters());
            Eigen::Map<Matrix>(grad.data(), p, k_) = fused_matrix_;
            if (fit_intercept_) grad.tail(k_) = intercept_gradient.transpose();
            else grad.tail(k_).setZero();
            scores_current_ = false;
            return finish_penalty(params, loss, grad);
        }
        if constexpr (fused_binary_pass) {
            // One fused pass over the rows (scores, loss and gradient together).
            const Eigen::Index p = design_.n_features();
            grad.resize(n_parameters());
            Scalar intercept_gradient = 0;
            // Unit weights are not read: a null pointer says so (8 of the 192 bytes a row of
            // the training job's data costs the pass).
            Scalar loss = design_.template binary_loss_gradient<BaseLoss>(
                params.head(p), fit_intercept_ ? params[p] : Scalar(0), y_.data(),
                unit_weights_ ? nullptr : weights_.data(), fused_gradient_, intercept_gradient);
            grad.head(p) = fused_gradient_;
            grad[p] = fit_intercept_ ? intercept_gradient : Scalar(0);
            scores_current_ = false;
            return finish_penalty(params, loss, grad);
        }
        scores(params);
        const Eigen::Index n = design_.rows();
        residual_.resize(n, k_);
        Scalar loss = 0;
        if constexpr (!BaseLoss::multiclass) {  // one score per row: read and write in place
            const Scalar* z = z_.data();
            Scalar* r = residual_.data();
            for (Eigen::Index i = 0; i < n; ++i)
                loss += BaseLoss::loss_gradient(z + i, 1, y_[static_cast<std::size_t>(i)], weights_[i], r + i);
        } else {  // a row's K scores are strided in the column-major n x K matrix: copy them
            Eigen::Matrix<Scalar, Eigen::Dynamic, 1> z(k_), g(k_);
            for (Eigen::Index i = 0; i < n; ++i) {
                for (Eigen::Index c = 0; c < k_; ++c) z[c] = z_(i, c);
                loss += BaseLoss::loss_gradient(z.data(), k_, y_[static_cast<std::size_t>(i)], weights_[i], g.data());
                for (Eigen::Index c = 0; c < k_; ++c) residual_(i, c) = g[c];
            }
        }
        return finish(params, loss, residual_, grad);
    }

    // f(params) and its gradient, and the Hessian at params kept for hessian_product.
    Scalar prepare_hessian(const Vector& params, Vector& grad) const {
        const Scalar f = (*this)(params, grad);
        if (!scores_current_) scores(params);  // the fused pass keeps no scores
        curvature_.resize(design_.rows(), k_);
        Eigen::Matrix<Scalar, Eigen::Dynamic, 1> z(k_), c(k_);
        for (Eigen::Index i = 0; i < design_.rows(); ++i) {
            for (Eigen::Index j = 0; j < k_; ++j) z[j] = z_(i, j);
            BaseLoss::curvature(z.data(), k_, c.data());
            for (Eigen::Index j = 0; j < k_; ++j) curvature_(i, j) = c[j];
        }
        return f;
    }

    // out = H v, H the Hessian at the point of the last prepare_hessian:
    // X' (s o H_row (X V + 1 v_b')) + l2 V, and for the intercepts the column sums.
    void hessian_product(const Vector& v, Vector& out) const {
        const Eigen::Index p = design_.n_features();
        Eigen::Map<const Matrix> V(v.data(), p, k_);
        Eigen::Matrix<Scalar, 1, Eigen::Dynamic> vb =
            fit_intercept_ ? Eigen::Matrix<Scalar, 1, Eigen::Dynamic>(v.tail(k_).transpose())
                           : Eigen::Matrix<Scalar, 1, Eigen::Dynamic>::Zero(k_);
        design_.decision(V, vb, product_);
        Eigen::Matrix<Scalar, Eigen::Dynamic, 1> t(k_), c(k_);
        for (Eigen::Index i = 0; i < design_.rows(); ++i) {
            for (Eigen::Index j = 0; j < k_; ++j) {
                t[j] = product_(i, j);
                c[j] = curvature_(i, j);
            }
            BaseLoss::hessian_times(c.data(), k_, weights_[i], t.data());
            for (Eigen::Index j = 0; j < k_; ++j) product_(i, j) = t[j];
        }
        out.resize(n_parameters());
        Eigen::Map<Matrix> out_W(out.data(), p, k_);
        design_.transpose_times(product_, out_W);
        if (fit_intercept_) out.tail(k_) = product_.colwise().sum().transpose();
        else out.tail(k_).setZero();
        sum_over_ranks(out.data(), out.size());
        if (l2_ != 0) out_W += l2_ * V;
        if (scale_ != 1) out *= scale_;
    }

    // f(params), its gradient, and the full Hessian (n_parameters square), built block by
    // block from the design's weighted Gram matrices: for outputs a, b the block is
    // X' diag(s o H_row(a, b)) X (+ l2 I when a = b), bordered by the intercept terms.
    // Without an intercept its rows and columns are the identity (its gradient is zero).
    Scalar gradient_hessian(const Vector& params, Vector& grad, Matrix& H) const {
        const Scalar f = prepare_hessian(params, grad);
        const Eigen::Index p = design_.n_features(), n = design_.rows(), np = n_parameters();
        H.setZero(np, np);
        Vector d(n);
        Matrix gram, column(p, 1);
        Matrix d_matrix(n, 1);
        Eigen::Matrix<Scalar, Eigen::Dynamic, 1> c(k_);
        for (Eigen::Index a = 0; a < k_; ++a) {
            for (Eigen::Index b = 0; b <= a; ++b) {
                for (Eigen::Index i = 0; i < n; ++i) {
                    for (Eigen::Index j = 0; j < k_; ++j) c[j] = curvature_(i, j);
                    d[i] = BaseLoss::hessian_entry(c.data(), a, b, weights_[i]);
                }
                design_.weighted_gram(d, gram);
                H.block(a * p, b * p, p, p) = gram;
                if (a != b) H.block(b * p, a * p, p, p) = gram.transpose();
                if (fit_intercept_) {
                    d_matrix.col(0) = d;
                    Eigen::Map<Matrix> column_map(column.data(), p, 1);
                    design_.transpose_times(d_matrix, column_map);
                    const Scalar corner = d.sum();
                    H.block(a * p, p * k_ + b, p, 1) = column;
                    H.block(p * k_ + b, a * p, 1, p) = column.transpose();
                    H.block(b * p, p * k_ + a, p, 1) = column;
                    H.block(p * k_ + a, b * p, 1, p) = column.transpose();
                    H(p * k_ + a, p * k_ + b) = corner;
                    H(p * k_ + b, p * k_ + a) = corner;
                }
            }
        }
        sum_over_ranks(H.data(), H.size());
        if (l2_ != 0)
            for (Eigen::Index a = 0; a < k_; ++a) H.block(a * p, a * p, p, p).diagonal().array() += l2_;
        if (scale_ != 1) H *= scale_;
        if (!fit_intercept_)
            for (Eigen::Index a = 0; a < k_; ++a) H(p * k_ + a, p * k_ + a) = 1;
        if constexpr (BaseLoss::multiclass) {
            // Adding one number to every class's score leaves the softmax as it is, so the
            // Hessian is singular along "shift every class alike": for the intercepts, and for
            // a feature's weights when they are not penalised. The gradient has no part along
            // such a direction u; adding c u u' there makes H invertible and leaves the Newton
            // step, which has no part along u either, as it was.
            auto regularise_shift = [&](Eigen::Index first, Eigen::Index stride) {
                Scalar strength = 0;  // the mean of the diagonal entries along u
                for (Eigen::Index a = 0; a < k_; ++a) strength += H(first + a * stride, first + a * stride);
                strength /= static_cast<Scalar>(k_);
                if (!(strength > 0)) strength = 1;
                for (Eigen::Index a = 0; a < k_; ++a)
                    for (Eigen::Index b = 0; b < k_; ++b)
                        H(first + a * stride, first + b * stride) += strength / static_cast<Scalar>(k_);
            };
            if (fit_intercept_) regularise_shift(p * k_, 1);
            if (l2_ == 0)
                for (Eigen::Index j = 0; j < p; ++j) regularise_shift(j, p);
        }
        return f;
    }

private:
    void scores(const Vector& params) const {
        const Eigen::Index p = design_.n_features();
        Eigen::Map<const Matrix> W(params.data(), p, k_);
        Eigen::Matrix<Scalar, 1, Eigen::Dynamic> b = fit_intercept_
                                                         ? Eigen::Matrix<Scalar, 1, Eigen::Dynamic>(params.tail(k_).transpose())
                                                         : Eigen::Matrix<Scalar, 1, Eigen::Dynamic>::Zero(k_);
        design_.decision(W, b, z_);
        scores_current_ = true;
    }

    // Distributed: the data terms summed over the ranks (every rank gets the same bits).
    void sum_over_ranks(Scalar* values, Eigen::Index size) const {
        if (communicator_ != nullptr && communicator_->size() > 1)
            communicator_->sum(std::span<Scalar>(values, static_cast<std::size_t>(size)));
    }

    void sum_over_ranks(Scalar& loss, Vector& grad) const {
        if (communicator_ == nullptr || communicator_->size() == 1) return;
        const Eigen::Index n = grad.size();
        summed_.resize(n + 1);
        summed_.head(n) = grad;
        summed_[n] = loss;
        sum_over_ranks(summed_.data(), summed_.size());
        grad = summed_.head(n);
        loss = summed_[n];
    }

    // The L2 term and the scale, on a gradient whose data part is already in grad (of this
    // rank's rows: summed over the ranks first).
    Scalar finish_penalty(const Vector& params, Scalar loss, Vector& grad) const {
        sum_over_ranks(loss, grad);
        const Eigen::Index p = design_.n_features();
        Eigen::Map<const Matrix> W(params.data(), p, k_);
        Eigen::Map<Matrix> G(grad.data(), p, k_);
        if (l2_ != 0) {
            loss += Scalar(0.5) * l2_ * W.squaredNorm();
            G += l2_ * W;
        }
        if (scale_ != 1) {
            loss *= scale_;
            grad *= scale_;
        }
        return loss;
    }

    // grad = scale * [X' R + l2 W; colsum(R)], loss = scale * (loss + l2/2 ||W||^2).
    Scalar finish(const Vector& params, Scalar loss, const Matrix& R, Vector& grad) const {
        grad.resize(n_parameters());
        Eigen::Map<Matrix> G(grad.data(), design_.n_features(), k_);
        design_.transpose_times(R, G);
        if (fit_intercept_) grad.tail(k_) = R.colwise().sum().transpose();
        else grad.tail(k_).setZero();
        return finish_penalty(params, loss, grad);
    }

    const Design& design_;
    std::span<const std::int32_t> y_;
    const Vector& weights_;
    bool unit_weights_;  // every weight 1 (no sample or class weights): the fused pass skips them
    Eigen::Index k_;
    Scalar l2_, scale_;
    bool fit_intercept_;
    mutable Matrix z_, residual_, curvature_, product_;  // scratch, reused across evaluations
    mutable Vector fused_gradient_;
    mutable Matrix fused_matrix_;
    mutable bool scores_current_ = false;  // z_ holds the scores at the last evaluated params
    mutable Vector summed_;                 // the data terms on their way through the communicator
    const Communicator* communicator_ = nullptr;  // null: one process
};

}  // namespace mlpipe
