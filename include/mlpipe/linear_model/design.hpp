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

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace mlpipe {

template <class Scalar>
class Design {
public:
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

private:
    Matrix dense_;
    Eigen::Matrix<std::int32_t, Eigen::Dynamic, Eigen::Dynamic> codes_;
    std::vector<Eigen::Index> offsets_;
    Eigen::Index n_features_ = 0;
    std::vector<std::string> names_;
};

}  // namespace mlpipe
