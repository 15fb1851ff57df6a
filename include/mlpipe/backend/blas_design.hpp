#pragma once
// BlasDesign: the blas backend's model of DesignMatrix. The numeric features are copied once
// into a dense column-major matrix (the affine map applied), whose products with the weights
// are OpenBLAS's gemv/gemm; the one-hot features stay codes, gathered and scattered by the
// cpu Design this one is built on (a 0/1 matrix would cost BLAS more than the gather does).
//
// The passes cut the rows into the same fixed blocks as the cpu backend's and call BLAS on
// each block from mlpipe's ThreadPool, with OpenBLAS held to one thread of its own meanwhile:
// n_jobs is the one thread count, and per-block sums added in block order give the same bits
// whatever it is. Needs MLPIPE_WITH_BLAS (CMake's option links OpenBLAS).

#include <mlpipe/error.hpp>
#include <mlpipe/linear_model/design.hpp>
#include <mlpipe/parallel/blocks.hpp>
#include <mlpipe/parallel/thread_pool.hpp>

#include <Eigen/Core>
#include <cblas.h>

#include <climits>
#include <cstdint>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

namespace mlpipe {

namespace detail::blas {

// y = alpha op(A) x + beta y, A column-major m x n with leading dimension lda.
inline void gemv(bool transpose, int m, int n, const double* a, int lda, const double* x, double beta, double* y) {
    cblas_dgemv(CblasColMajor, transpose ? CblasTrans : CblasNoTrans, m, n, 1.0, a, lda, x, 1, beta, y, 1);
}
inline void gemv(bool transpose, int m, int n, const float* a, int lda, const float* x, float beta, float* y) {
    cblas_sgemv(CblasColMajor, transpose ? CblasTrans : CblasNoTrans, m, n, 1.0f, a, lda, x, 1, beta, y, 1);
}

// C = op(A) B, op(A) m x k, B k x n, all column-major.
inline void gemm(bool transpose_a, int m, int n, int k, const double* a, int lda, const double* b, int ldb, double* c,
                 int ldc) {
    cblas_dgemm(CblasColMajor, transpose_a ? CblasTrans : CblasNoTrans, CblasNoTrans, m, n, k, 1.0, a, lda, b, ldb,
                0.0, c, ldc);
}
inline void gemm(bool transpose_a, int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c,
                 int ldc) {
    cblas_sgemm(CblasColMajor, transpose_a ? CblasTrans : CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, lda, b, ldb,
                0.0f, c, ldc);
}

// Holds OpenBLAS to one thread while any BlasDesign lives (fits may run side by side, as in
// GridSearchCV), and gives the user's setting back after the last one.
class SingleThreaded {
public:
    SingleThreaded() {
        std::lock_guard lock(mutex());
        if (users()++ == 0) {
            saved() = openblas_get_num_threads();
            openblas_set_num_threads(1);
        }
    }
    ~SingleThreaded() {
        std::lock_guard lock(mutex());
        if (--users() == 0) openblas_set_num_threads(saved());
    }
    SingleThreaded(const SingleThreaded&) = delete;
    SingleThreaded& operator=(const SingleThreaded&) = delete;

private:
    static std::mutex& mutex() {
        static std::mutex m;
        return m;
    }
    static int& users() {
        static int n = 0;
        return n;
    }
    static int& saved() {
        static int n = 1;
        return n;
    }
};

}  // namespace detail::blas

template <class Scalar>
class BlasDesign {
public:
    using scalar_type = Scalar;
    using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
    using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
    using Array = Eigen::Array<Scalar, Eigen::Dynamic, 1>;
    using RowVector = Eigen::Matrix<Scalar, 1, Eigen::Dynamic>;

    // Rows per block: as the cpu backend's, a fixed part of the arithmetic.
    static constexpr std::size_t block_rows = Design<Scalar>::block_rows;

    // `cpu` must outlive this design (its one-hot codes are read in place).
    explicit BlasDesign(const Design<Scalar>& cpu) : cpu_(cpu), numeric_(checked(cpu).dense_numeric()) {}

    Eigen::Index rows() const noexcept { return cpu_.rows(); }
    Eigen::Index n_features() const noexcept { return cpu_.n_features(); }
    std::vector<std::string> feature_names() const { return cpu_.feature_names(); }

    // Z = X W + 1 b'
    template <class W, class B>
    void decision(const Eigen::MatrixBase<W>& weights, const Eigen::MatrixBase<B>& intercept, Matrix& Z) const {
        const Matrix w = weights;  // contiguous, n_features x K
        const Eigen::Index k = w.cols();
        Z.resize(rows(), k);
        run_blocks([&](std::size_t, Eigen::Index a, Eigen::Index m) {
            numeric_scores(a, m, w.data(), k, &Z(a, 0), Z.rows());
            for (Eigen::Index c = 0; c < k; ++c) {
                auto z = Z.col(c).segment(a, m);
                z.array() += intercept(0, c);
                cpu_.add_one_hot_scores(a, m, w.col(c).data(), z);
            }
        });
    }

    // G = X' R
    template <class G>
    void transpose_times(const Matrix& R, Eigen::MatrixBase<G>& out) const {
        const Eigen::Index k = R.cols(), p = n_features();
        Matrix partial(p * k, static_cast<Eigen::Index>(blocks().count()));
        run_blocks([&](std::size_t b, Eigen::Index a, Eigen::Index m) {
            Scalar* g = partial.col(static_cast<Eigen::Index>(b)).data();  // p x K, leading dimension p
            numeric_transpose_times(a, m, &R(a, 0), R.rows(), k, g, p);
            for (Eigen::Index c = 0; c < k; ++c) {
                Scalar* gc = g + c * p;
                std::fill(gc + numeric_.cols(), gc + p, Scalar(0));
                cpu_.add_one_hot_gradient(a, m, R.col(c).segment(a, m), gc);
            }
        });
        const Vector total = sum_columns(partial);
        for (Eigen::Index c = 0; c < k; ++c) out.col(c) = total.segment(c * p, p);
    }

    // The fused binary pass (as Design's): scores, loss and gradient in one read of the rows
    // (a null sample_weight: every weight 1).
    template <class BaseLoss, class W>
    Scalar binary_loss_gradient(const Eigen::MatrixBase<W>& weights, Scalar intercept, const std::int32_t* y,
                                const Scalar* sample_weight, Vector& gradient, Scalar& intercept_gradient) const {
        const Eigen::Index p = n_features();
        const Vector w = weights;
        Matrix partial(p + 2, static_cast<Eigen::Index>(blocks().count()));
        run_blocks([&](std::size_t b, Eigen::Index a, Eigen::Index m) {
            thread_local Array z, r;
            z.resize(m);
            r.resize(m);
            numeric_scores(a, m, w.data(), 1, z.data(), m);
            z += intercept;
            cpu_.add_one_hot_scores(a, m, w.data(), z);
            auto out = partial.col(static_cast<Eigen::Index>(b));
            out(p + 1) = BaseLoss::block_loss_gradient(z, y + a, sample_weight ? sample_weight + a : nullptr, r);
            numeric_transpose_times(a, m, r.data(), m, 1, out.data(), p);
            std::fill(out.data() + numeric_.cols(), out.data() + p, Scalar(0));
            cpu_.add_one_hot_gradient(a, m, r, out.data());
            out(p) = r.sum();
        });
        const Vector total = sum_columns(partial);
        gradient = total.head(p);
        intercept_gradient = total(p);
        return total(p + 1);
    }

    // The fused pass for K outputs (as Design's): per block the scores (gemm), the loss and
    // R, and the block's share of X' R (gemm) and of R's column sums.
    template <class BaseLoss, class W, class B>
        requires(BaseLoss::multiclass)
    Scalar loss_gradient(const Eigen::MatrixBase<W>& weights, const Eigen::MatrixBase<B>& intercept,
                         const std::int32_t* y, const Scalar* sample_weight, Matrix& G, RowVector& gb) const {
        using Block = Eigen::Array<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
        const Matrix w = weights;
        const Eigen::Index k = w.cols(), p = n_features();
        Matrix partial(p * k + k + 1, static_cast<Eigen::Index>(blocks().count()));
        run_blocks([&](std::size_t b, Eigen::Index a, Eigen::Index m) {
            thread_local Block z, r;
            z.resize(m, k);
            r.resize(m, k);
            numeric_scores(a, m, w.data(), k, z.data(), m);
            for (Eigen::Index c = 0; c < k; ++c) {
                z.col(c) += intercept(0, c);
                cpu_.add_one_hot_scores(a, m, w.col(c).data(), z.col(c));
            }
            Scalar* out = partial.col(static_cast<Eigen::Index>(b)).data();
            out[p * k + k] = BaseLoss::block_loss_gradient(z, y + a, sample_weight + a, r);
            numeric_transpose_times(a, m, r.data(), m, k, out, p);
            for (Eigen::Index c = 0; c < k; ++c) {
                Scalar* gc = out + c * p;
                std::fill(gc + numeric_.cols(), gc + p, Scalar(0));
                cpu_.add_one_hot_gradient(a, m, r.col(c), gc);
                out[p * k + c] = r.col(c).sum();
            }
        });
        const Vector total = sum_columns(partial);
        G = Eigen::Map<const Matrix>(total.data(), p, k);
        gb = total.segment(p * k, k).transpose();
        return total(p * k + k);
    }

    // The Gram matrix and the row-by-row access of the second-order and stochastic solvers
    // are the cpu design's (the same features, the same values).
    void weighted_gram(const Vector& d, Matrix& H) const { cpu_.weighted_gram(d, H); }
    template <class Visit>
    void for_each_nonzero(Eigen::Index i, Visit&& visit) const {
        cpu_.for_each_nonzero(i, std::forward<Visit>(visit));
    }
    Scalar max_row_squared_norm() const { return cpu_.max_row_squared_norm(); }

private:
    static const Design<Scalar>& checked(const Design<Scalar>& cpu) {
        if (cpu.rows() > INT_MAX)
            throw data_error("LogisticRegression.fit: backend blas takes at most " + std::to_string(INT_MAX) +
                             " rows (BLAS's int indices), got " + std::to_string(cpu.rows()));
        return cpu;
    }

    RowBlocks blocks() const noexcept { return RowBlocks(static_cast<std::size_t>(rows()), block_rows); }

    template <class Task>
    void run_blocks(Task&& task) const {
        const RowBlocks cut = blocks();
        ThreadPool::shared().run(
            cut.count(),
            [&](std::size_t b) {
                const RowBlock block = cut[b];
                task(b, static_cast<Eigen::Index>(block.begin), static_cast<Eigen::Index>(block.size()));
            },
            cpu_.threads());
    }

    static Vector sum_columns(const Matrix& partial) {
        Vector total = Vector::Zero(partial.rows());
        for (Eigen::Index b = 0; b < partial.cols(); ++b) total += partial.col(b);
        return total;
    }

    // z (m x K, leading dimension ldz) = X_num[a, a + m) W_num, W_num the first q rows of w
    // (n_features x K, column-major).
    void numeric_scores(Eigen::Index a, Eigen::Index m, const Scalar* w, Eigen::Index k, Scalar* z,
                        Eigen::Index ldz) const {
        const Eigen::Index q = numeric_.cols();
        if (q == 0) {
            for (Eigen::Index c = 0; c < k; ++c) std::fill(z + c * ldz, z + c * ldz + m, Scalar(0));
            return;
        }
        if (k == 1)
            detail::blas::gemv(false, int(m), int(q), numeric_.data() + a, int(numeric_.rows()), w, Scalar(0), z);
        else
            detail::blas::gemm(false, int(m), int(k), int(q), numeric_.data() + a, int(numeric_.rows()), w,
                               int(n_features()), z, int(ldz));
    }

    // g (q x K, leading dimension ldg) = X_num[a, a + m)' R (m x K, leading dimension ldr).
    void numeric_transpose_times(Eigen::Index a, Eigen::Index m, const Scalar* r, Eigen::Index ldr, Eigen::Index k,
                                 Scalar* g, Eigen::Index ldg) const {
        const Eigen::Index q = numeric_.cols();
        if (q == 0) return;
        if (k == 1)
            detail::blas::gemv(true, int(m), int(q), numeric_.data() + a, int(numeric_.rows()), r, Scalar(0), g);
        else
            detail::blas::gemm(true, int(q), int(k), int(m), numeric_.data() + a, int(numeric_.rows()), r, int(ldr), g,
                               int(ldg));
    }

    const Design<Scalar>& cpu_;
    detail::blas::SingleThreaded single_threaded_;
    Matrix numeric_;  // rows x n_numeric, (x - center) / scale
};

}  // namespace mlpipe
