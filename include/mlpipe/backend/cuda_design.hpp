#pragma once
// CudaDesign: the cuda backend's model of DesignMatrix, on the data that
// backend/cuda_device.hpp keeps on the GPU. It offers the fused loss pass for any number of
// classes, so an L-BFGS iteration moves only the weights (n_features x K) to the device and
// the gradient and the loss back. The second-order solvers' products (decision,
// transpose_times) run on the device too but move rows x K values each way; the Gram matrix
// (newton-cholesky) and the row-by-row access of sag and saga are the cpu design's.
// Needs MLPIPE_WITH_CUDA (CMake's option builds and links the mlpipe::cuda library).

#include <mlpipe/backend/cuda_device.hpp>
#include <mlpipe/linear_model/design.hpp>
#include <mlpipe/linear_model/linear_loss.hpp>

#include <Eigen/Core>

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace mlpipe {

template <class Scalar>
class CudaDesign {
public:
    using scalar_type = Scalar;
    using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
    using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
    using RowVector = Eigen::Matrix<Scalar, 1, Eigen::Dynamic>;

    // Uploads the data; throws mlpipe::error "no CUDA device: ..." when it cannot. `cpu` must
    // outlive this design.
    explicit CudaDesign(const Design<Scalar>& cpu) : cpu_(cpu) {
        const Matrix dense = cpu.dense_numeric();
        cuda::HostData<Scalar> host;
        host.rows = static_cast<std::size_t>(cpu.rows());
        host.numeric = static_cast<std::size_t>(cpu.n_numeric());
        host.dense = dense.data();
        // The device takes int32 codes (its kernels are compiled for one type): widened here,
        // kept until the upload has copied them.
        std::vector<std::vector<std::int32_t>> widened;
        widened.reserve(cpu.one_hot_codes().size());
        for (const CodeView& codes : cpu.one_hot_codes()) {
            widened.emplace_back(codes.begin(), codes.end());
            host.codes.push_back(widened.back().data());
        }
        host.widths = cpu.one_hot_widths();
        host.n_features = static_cast<std::size_t>(cpu.n_features());
        device_ = std::make_unique<cuda::DeviceData<Scalar>>(host);
    }

    Eigen::Index rows() const noexcept { return cpu_.rows(); }
    Eigen::Index n_features() const noexcept { return cpu_.n_features(); }
    std::vector<std::string> feature_names() const { return cpu_.feature_names(); }

    template <class W, class B>
    void decision(const Eigen::MatrixBase<W>& weights, const Eigen::MatrixBase<B>& intercept, Matrix& Z) const {
        const Matrix w = weights;
        const RowVector b = intercept;
        Z.resize(rows(), w.cols());
        device_->decision(w.data(), b.data(), static_cast<std::size_t>(w.cols()), Z.data());
    }

    template <class G>
    void transpose_times(const Matrix& R, Eigen::MatrixBase<G>& out) const {
        Matrix g(n_features(), R.cols());
        device_->transpose_times(R.data(), static_cast<std::size_t>(R.cols()), g.data());
        out = g;
    }

    // The fused pass for K outputs: returns sum_i s_i loss(z_i, y_i), G = X' R (n_features x
    // K) and gb = the column sums of R.
    template <class BaseLoss, class W, class B>
    Scalar loss_gradient(const Eigen::MatrixBase<W>& weights, const Eigen::MatrixBase<B>& intercept,
                         const std::int32_t* y, const Scalar* sample_weight, Matrix& G, RowVector& gb) const {
        device_->set_targets(y, sample_weight);
        const Matrix w = weights;
        const RowVector b = intercept;
        G.resize(n_features(), w.cols());
        gb.resize(w.cols());
        return device_->loss_gradient(device_loss<BaseLoss>(), w.data(), b.data(), static_cast<std::size_t>(w.cols()),
                                      G.data(), gb.data());
    }

    // The binary form of the same, as Design offers it (a null sample_weight: every weight 1,
    // which the device is given once as an array of ones).
    template <class BaseLoss, class W>
    Scalar binary_loss_gradient(const Eigen::MatrixBase<W>& weights, Scalar intercept, const std::int32_t* y,
                                const Scalar* sample_weight, Vector& gradient, Scalar& intercept_gradient) const {
        if (sample_weight == nullptr) {
            if (unit_weights_.size() != rows()) unit_weights_ = Vector::Ones(rows());
            sample_weight = unit_weights_.data();
        }
        Matrix G;
        RowVector gb;
        const Scalar loss =
            loss_gradient<BaseLoss>(weights, RowVector::Constant(1, intercept), y, sample_weight, G, gb);
        gradient = G.col(0);
        intercept_gradient = gb(0);
        return loss;
    }

    void weighted_gram(const Vector& d, Matrix& H) const { cpu_.weighted_gram(d, H); }
    template <class Visit>
    void for_each_nonzero(Eigen::Index i, Visit&& visit) const {
        cpu_.for_each_nonzero(i, std::forward<Visit>(visit));
    }
    Scalar max_row_squared_norm() const { return cpu_.max_row_squared_norm(); }

    std::size_t device_bytes() const noexcept { return device_->device_bytes(); }

private:
    template <class BaseLoss>
    static constexpr cuda::DeviceLoss device_loss() {
        static_assert(std::is_same_v<BaseLoss, BinomialLoss> || std::is_same_v<BaseLoss, MultinomialLoss>,
                      "the cuda backend computes the binomial and the multinomial log loss");
        return std::is_same_v<BaseLoss, BinomialLoss> ? cuda::DeviceLoss::binomial : cuda::DeviceLoss::multinomial;
    }

    const Design<Scalar>& cpu_;
    std::unique_ptr<cuda::DeviceData<Scalar>> device_;
    mutable Vector unit_weights_;  // for binary_loss_gradient without weights
};

}  // namespace mlpipe
