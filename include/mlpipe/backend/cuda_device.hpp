#pragma once
// The compiled half of the cuda backend (the mlpipe::cuda library, src/backend/cuda_device.cu):
// a fit's data on the GPU and the passes over it, behind plain pointers, so that no CUDA
// header reaches a user's translation unit and the core stays header-only. The design the
// solvers see is backend/cuda_design.hpp, on top of this.
//
// The data go to the device once per fit: the numeric features (dense, the affine map
// applied), the one-hot codes, and for each one-hot column its rows ordered by category (the
// transpose product sums each category's rows in a fixed order: no atomics, so the same bits
// at every run). Per evaluation only the weights go up and the gradient and the loss come back.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlpipe::cuda {

// Why the current device (0 unless the program chose another) cannot be used (no driver, no
// device, a device older than the kernels were built for), or nullopt when it can.
std::optional<std::string> unavailable_reason();

// What a fit puts on the device.
template <class Scalar>
struct HostData {
    std::size_t rows = 0;
    std::size_t numeric = 0;                 // dense columns, the first features
    const Scalar* dense = nullptr;           // rows x numeric, column-major
    std::vector<const std::int32_t*> codes;  // per one-hot column: rows codes, -1 for none
    std::vector<std::size_t> widths;         // per one-hot column: its categories
    std::size_t n_features = 0;              // numeric + the widths
};

// The losses the device computes (linear_model/linear_loss.hpp's BinomialLoss and MultinomialLoss).
enum class DeviceLoss { binomial, multinomial };

template <class Scalar>
class DeviceData {
public:
    // Uploads the data. Throws mlpipe::error starting "no CUDA device:" when there is no usable
    // device or too little device memory, saying which.
    explicit DeviceData(const HostData<Scalar>& host);
    ~DeviceData();
    DeviceData(const DeviceData&) = delete;
    DeviceData& operator=(const DeviceData&) = delete;

    // The labels (class index per row) and sample weights of the loss; uploaded once, and
    // again only when given other arrays.
    void set_targets(const std::int32_t* y, const Scalar* sample_weight);

    // W: n_features x k (column-major), b: k. Returns sum_i s_i loss(z_i, y_i) with
    // Z = X W + 1 b', and writes G = X' R (n_features x k) and gb = the column sums of R,
    // R = dloss/dZ. k = 1 for the binomial loss.
    Scalar loss_gradient(DeviceLoss loss, const Scalar* W, const Scalar* b, std::size_t k, Scalar* G, Scalar* gb);

    // Z = X W + 1 b' into host memory (rows x k): for the second-order solvers.
    void decision(const Scalar* W, const Scalar* b, std::size_t k, Scalar* Z);

    // G = X' R, R rows x k in host memory: for the second-order solvers.
    void transpose_times(const Scalar* R, std::size_t k, Scalar* G);

    // Bytes the data take on the device.
    std::size_t device_bytes() const noexcept;

private:
    struct State;
    std::unique_ptr<State> state_;
};

extern template class DeviceData<float>;
extern template class DeviceData<double>;

}  // namespace mlpipe::cuda
