#pragma once
// The model's view of a transformed Frame: a dense block for numeric columns and one
// code per row for each one-hot column. The one-hot matrix is never built: its product
// with the weights is a gather (z_i += w[offset + code_i]) and its transpose product a
// scatter, which is the same arithmetic as multiplying by the 0/1 matrix.
//
// Feature order follows sklearn's ColumnTransformer([("num", ...), ("cat", ...)]):
// numeric columns in frame order, then one-hot blocks in frame order.

#include <mlpipe/error.hpp>
#include <mlpipe/frame/frame.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace mlpipe {

template <class Scalar>
class Design {
public:
    using scalar_type = Scalar;
    using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
    using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
    using RowVector = Eigen::Matrix<Scalar, 1, Eigen::Dynamic>;

    // `who` names the caller in error messages.
    static Design build(const Frame& X, const char* who) {
        std::vector<const Column*> columns;
        for (const auto& c : X) columns.push_back(&c);
        return build(columns, X.rows(), who);
    }

    // The columns, all of `rows` length, in frame order.
    static Design build(const std::vector<const Column*>& columns, std::size_t rows, const char* who) {
        Design design;
        const auto n = static_cast<Eigen::Index>(rows);
        std::vector<const Column*> numeric, one_hot;
        for (const auto* c : columns) {
            if (c->is_numeric()) numeric.push_back(c);
            else if (c->is_one_hot()) one_hot.push_back(c);
            else
                throw data_error(std::string(who) + ": column '" + c->name() +
                                 "' is categorical; encode it first (OneHotEncoder in the pipeline before it)");
        }
        design.dense_.resize(n, static_cast<Eigen::Index>(numeric.size()));
        for (std::size_t j = 0; j < numeric.size(); ++j) {
            auto values = numeric[j]->values();
            for (Eigen::Index i = 0; i < n; ++i) {
                const double v = values[static_cast<std::size_t>(i)];
                if (std::isnan(v))
                    throw data_error(std::string(who) + ": column '" + numeric[j]->name() +
                                     "' has a missing value (NaN) in row " + std::to_string(i) +
                                     "; impute it or drop the row first");
                if (std::isinf(v))
                    throw data_error(std::string(who) + ": column '" + numeric[j]->name() +
                                     "' has an infinite value in row " + std::to_string(i));
                design.dense_(i, static_cast<Eigen::Index>(j)) = static_cast<Scalar>(v);
            }
        }
        design.codes_.resize(n, static_cast<Eigen::Index>(one_hot.size()));
        Eigen::Index offset = design.dense_.cols();
        for (std::size_t j = 0; j < one_hot.size(); ++j) {
            auto codes = one_hot[j]->codes();
            for (Eigen::Index i = 0; i < n; ++i) design.codes_(i, static_cast<Eigen::Index>(j)) = codes[static_cast<std::size_t>(i)];
            design.offsets_.push_back(offset);
            offset += static_cast<Eigen::Index>(one_hot[j]->width());
        }
        design.n_features_ = offset;
        for (const auto* c : numeric) design.names_.push_back(c->name());
        for (const auto* c : one_hot)
            for (const auto& cat : c->dictionary()) design.names_.push_back(c->name() + "_" + cat);
        return design;
    }

    Eigen::Index rows() const noexcept { return dense_.rows(); }
    Eigen::Index n_features() const noexcept { return n_features_; }
    const std::vector<std::string>& feature_names() const noexcept { return names_; }

    // Z = X W + 1 b'   (W: n_features x K, b: 1 x K, Z: n x K)
    template <class W, class B>
    void decision(const Eigen::MatrixBase<W>& weights, const Eigen::MatrixBase<B>& intercept, Matrix& Z) const {
        const Eigen::Index k = weights.cols();
        if (k == 1) {  // binary: matrix-vector product and a scalar gather, without per-row block overhead
            Z.resize(rows(), 1);
            if (dense_.cols() > 0) Z.col(0).noalias() = dense_ * weights.col(0).head(dense_.cols());
            else Z.setZero();
            Z.array() += intercept(0, 0);
            Scalar* z = Z.data();
            for (Eigen::Index j = 0; j < codes_.cols(); ++j) {
                const Eigen::Index offset = offsets_[static_cast<std::size_t>(j)];
                const std::int32_t* code = codes_.col(j).data();
                for (Eigen::Index i = 0; i < rows(); ++i)
                    if (code[i] >= 0) z[i] += weights(offset + code[i], 0);
            }
            return;
        }
        if (dense_.cols() > 0) Z.noalias() = dense_ * weights.topRows(dense_.cols());
        else Z.setZero(rows(), k);
        Z.rowwise() += intercept;
        for (Eigen::Index j = 0; j < codes_.cols(); ++j) {
            const Eigen::Index offset = offsets_[static_cast<std::size_t>(j)];
            for (Eigen::Index i = 0; i < rows(); ++i) {
                const auto code = codes_(i, j);
                if (code >= 0) Z.row(i) += weights.row(offset + code);
            }
        }
    }

    // G = X' R   (R: n x K, G: n_features x K)
    template <class G>
    void transpose_times(const Matrix& R, Eigen::MatrixBase<G>& out) const {
        if (R.cols() == 1) {  // binary: see decision()
            if (dense_.cols() > 0) out.col(0).head(dense_.cols()).noalias() = dense_.transpose() * R.col(0);
            out.bottomRows(n_features_ - dense_.cols()).setZero();
            const Scalar* r = R.data();
            for (Eigen::Index j = 0; j < codes_.cols(); ++j) {
                const Eigen::Index offset = offsets_[static_cast<std::size_t>(j)];
                const std::int32_t* code = codes_.col(j).data();
                for (Eigen::Index i = 0; i < rows(); ++i)
                    if (code[i] >= 0) out(offset + code[i], 0) += r[i];
            }
            return;
        }
        if (dense_.cols() > 0) out.topRows(dense_.cols()).noalias() = dense_.transpose() * R;
        out.bottomRows(n_features_ - dense_.cols()).setZero();
        for (Eigen::Index j = 0; j < codes_.cols(); ++j) {
            const Eigen::Index offset = offsets_[static_cast<std::size_t>(j)];
            for (Eigen::Index i = 0; i < rows(); ++i) {
                const auto code = codes_(i, j);
                if (code >= 0) out.row(offset + code) += R.row(i);
            }
        }
    }

    // H = X' diag(d) X   (d: n, H: n_features x n_features, symmetric). A one-hot pair of
    // columns contributes d_i where both codes are set, so no dense block is built.
    void weighted_gram(const Vector& d, Matrix& H) const {
        const Eigen::Index q = dense_.cols();
        H.setZero(n_features_, n_features_);
        if (q > 0) {
            const Matrix scaled = dense_.array().colwise() * d.array();
            H.topLeftCorner(q, q).noalias() = dense_.transpose() * scaled;
        }
        for (Eigen::Index a = 0; a < codes_.cols(); ++a) {
            const Eigen::Index offset_a = offsets_[static_cast<std::size_t>(a)];
            const std::int32_t* code_a = codes_.col(a).data();
            for (Eigen::Index i = 0; i < rows(); ++i) {
                if (code_a[i] < 0) continue;
                const Eigen::Index col = offset_a + code_a[i];
                for (Eigen::Index j = 0; j < q; ++j) H(j, col) += d[i] * dense_(i, j);
                for (Eigen::Index b = 0; b <= a; ++b) {  // one-hot x one-hot, lower triangle of blocks
                    const std::int32_t code_b = codes_(i, b);
                    if (code_b >= 0) H(offsets_[static_cast<std::size_t>(b)] + code_b, col) += d[i];
                }
            }
        }
        // Mirror the upper triangle (filled above) into the lower one.
        for (Eigen::Index col = 0; col < n_features_; ++col)
            for (Eigen::Index row = col + 1; row < n_features_; ++row) H(row, col) = H(col, row);
    }

    // Calls visit(feature, value) for each non-zero of row i: numeric values, then a 1 for
    // each one-hot code (stochastic solvers read one row at a time).
    template <class Visit>
    void for_each_nonzero(Eigen::Index i, Visit&& visit) const {
        for (Eigen::Index j = 0; j < dense_.cols(); ++j) visit(j, dense_(i, j));
        for (Eigen::Index j = 0; j < codes_.cols(); ++j) {
            const auto code = codes_(i, j);
            if (code >= 0) visit(offsets_[static_cast<std::size_t>(j)] + code, Scalar(1));
        }
    }

    // max_i ||x_i||^2, for the step sizes of sag and saga.
    Scalar max_row_squared_norm() const {
        Scalar largest = 0;
        for (Eigen::Index i = 0; i < rows(); ++i) {
            Scalar norm = dense_.cols() > 0 ? dense_.row(i).squaredNorm() : Scalar(0);
            for (Eigen::Index j = 0; j < codes_.cols(); ++j) norm += codes_(i, j) >= 0 ? Scalar(1) : Scalar(0);
            largest = std::max(largest, norm);
        }
        return largest;
    }

private:
    Matrix dense_;
    Eigen::Matrix<std::int32_t, Eigen::Dynamic, Eigen::Dynamic> codes_;
    std::vector<Eigen::Index> offsets_;
    Eigen::Index n_features_ = 0;
    std::vector<std::string> names_;
};

}  // namespace mlpipe
