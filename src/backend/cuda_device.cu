// The cuda backend's device code (mlpipe::cuda): see include/mlpipe/backend/cuda_device.hpp.
// cuBLAS does the dense products; the kernels here do the element-wise loss, the one-hot
// gather and the per-category sums. Every sum runs in a fixed order (fixed block size, tree
// reductions in shared memory, no atomics), so a fit gives the same bits at every run on the
// same device. Runs on the calling thread's current device (0 unless the program chose another).

#include <mlpipe/backend/cuda_device.hpp>
#include <mlpipe/error.hpp>

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace mlpipe::cuda {

namespace {

constexpr int block_threads = 256;  // a power of two: the tree reductions halve it

[[noreturn]] void fail(const std::string& what) { throw error(what); }
// No usable device, or too little memory on it: Backend::automatic then falls back.
[[noreturn]] void fail_device(const std::string& what) { throw device_error(what); }

void check(cudaError_t status, const char* what) {
    if (status != cudaSuccess) fail(std::string("cuda backend: ") + what + ": " + cudaGetErrorString(status));
}

void check(cublasStatus_t status, const char* what) {
    if (status == CUBLAS_STATUS_ALLOC_FAILED)
        fail_device(std::string("no CUDA device: out of device memory in cuBLAS (") + what + ")");
    if (status != CUBLAS_STATUS_SUCCESS)
        fail(std::string("cuda backend: ") + what + ": " + cublasGetStatusString(status));
}

// Device memory for n values of T, freed with its owner.
template <class T>
class Buffer {
public:
    Buffer() = default;
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    ~Buffer() {
        if (data_) cudaFree(data_);
    }
    void allocate(std::size_t n) {
        if (n == size_ && data_) return;
        if (data_) cudaFree(data_);
        data_ = nullptr;
        size_ = 0;
        if (n == 0) return;
        const cudaError_t status = cudaMalloc(reinterpret_cast<void**>(&data_), n * sizeof(T));
        if (status == cudaErrorMemoryAllocation) {
            cudaGetLastError();  // clear it
            std::size_t free = 0, total = 0;
            cudaMemGetInfo(&free, &total);
            fail_device("no CUDA device: out of device memory: " + std::to_string(n * sizeof(T) >> 20) +
                        " MiB more needed, " + std::to_string(free >> 20) + " MiB free of " +
                        std::to_string(total >> 20));
        }
        check(status, "cudaMalloc");
        size_ = n;
    }
    void upload(const T* host, std::size_t n) {
        allocate(n);
        if (n) check(cudaMemcpy(data_, host, n * sizeof(T), cudaMemcpyHostToDevice), "upload");
    }
    void download(T* host, std::size_t n) const {
        if (n) check(cudaMemcpy(host, data_, n * sizeof(T), cudaMemcpyDeviceToHost), "download");
    }
    T* get() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }

private:
    T* data_ = nullptr;
    std::size_t size_ = 0;
};

unsigned blocks_for(std::size_t n) { return static_cast<unsigned>((n + block_threads - 1) / block_threads); }

// C = op(A) B (column-major), through cuBLAS in the computing type.
void gemm(cublasHandle_t h, bool transpose_a, int m, int n, int k, const double* a, int lda, const double* b, int ldb,
          double* c, int ldc) {
    const double one = 1, zero = 0;
    check(cublasDgemm(h, transpose_a ? CUBLAS_OP_T : CUBLAS_OP_N, CUBLAS_OP_N, m, n, k, &one, a, lda, b, ldb, &zero, c,
                      ldc),
          "cublasDgemm");
}
void gemm(cublasHandle_t h, bool transpose_a, int m, int n, int k, const float* a, int lda, const float* b, int ldb,
          float* c, int ldc) {
    const float one = 1, zero = 0;
    check(cublasSgemm(h, transpose_a ? CUBLAS_OP_T : CUBLAS_OP_N, CUBLAS_OP_N, m, n, k, &one, a, lda, b, ldb, &zero, c,
                      ldc),
          "cublasSgemm");
}

// Sums a block's values in shared memory by halving; thread 0 gets the total. The order
// depends on the block size alone.
template <class S>
__device__ S block_sum(S value, S* shared) {
    shared[threadIdx.x] = value;
    __syncthreads();
    for (unsigned stride = blockDim.x / 2; stride > 0; stride /= 2) {
        if (threadIdx.x < stride) shared[threadIdx.x] += shared[threadIdx.x + stride];
        __syncthreads();
    }
    return shared[0];
}

// Z[i, c] += b[c] + sum over one-hot columns j of W[offset_j + code_ij, c]. Z: n x k, W: p x k.
template <class S>
__global__ void add_intercept_and_one_hot(std::size_t n, std::size_t k, std::size_t p, std::size_t columns,
                                          const std::int32_t* codes, const std::size_t* offsets, const S* W,
                                          const S* b, S* Z) {
    const std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
    if (i >= n) return;
    for (std::size_t c = 0; c < k; ++c) {
        S z = Z[i + c * n] + b[c];
        for (std::size_t j = 0; j < columns; ++j) {
            const std::int32_t code = codes[i + j * n];
            if (code >= 0) z += W[offsets[j] + static_cast<std::size_t>(code) + c * p];
        }
        Z[i + c * n] = z;
    }
}

// Per row: the loss and R = dloss/dz in place of Z; per block: the block's summed loss.
template <class S>
__global__ void binomial_loss(std::size_t n, const std::int32_t* y, const S* s, S* Z, S* block_loss) {
    __shared__ S shared[block_threads];
    const std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
    S loss = 0;
    if (i < n) {
        const S z = Z[i];
        const S e = exp(-fabs(z));
        const S log1p_e = log1p(e);
        const S log1pexp = z >= 0 ? z + log1p_e : log1p_e;
        const S p = z >= 0 ? S(1) / (S(1) + e) : e / (S(1) + e);
        const S target = static_cast<S>(y[i]);
        loss = s[i] * (log1pexp - target * z);
        Z[i] = s[i] * (p - target);
    }
    const S total = block_sum(loss, shared);
    if (threadIdx.x == 0) block_loss[blockIdx.x] = total;
}

template <class S>
__global__ void multinomial_loss(std::size_t n, std::size_t k, const std::int32_t* y, const S* s, S* Z,
                                 S* block_loss) {
    __shared__ S shared[block_threads];
    const std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
    S loss = 0;
    if (i < n) {
        S zmax = Z[i];
        for (std::size_t c = 1; c < k; ++c) zmax = max(zmax, Z[i + c * n]);
        S sum = 0;
        for (std::size_t c = 0; c < k; ++c) sum += exp(Z[i + c * n] - zmax);
        const auto label = static_cast<std::size_t>(y[i]);
        loss = s[i] * (log(sum) + zmax - Z[i + label * n]);
        for (std::size_t c = 0; c < k; ++c) {
            const S p = exp(Z[i + c * n] - zmax) / sum;
            Z[i + c * n] = s[i] * (p - (c == label ? S(1) : S(0)));
        }
    }
    const S total = block_sum(loss, shared);
    if (threadIdx.x == 0) block_loss[blockIdx.x] = total;
}

// out[c] = sum of column c of A (m x columns): one block per column, each thread a fixed
// stride of rows, then the tree.
template <class S>
__global__ void column_sums(std::size_t m, const S* A, S* out) {
    __shared__ S shared[block_threads];
    const S* column = A + blockIdx.x * m;
    S sum = 0;
    for (std::size_t i = threadIdx.x; i < m; i += blockDim.x) sum += column[i];
    const S total = block_sum(sum, shared);
    if (threadIdx.x == 0) out[blockIdx.x] = total;
}

// G[f, c] = sum of R[i, c] over the rows i of one-hot feature f (f in the one-hot part): one
// block per (feature, class), summing the feature's rows in their stored order.
// rows_by_feature: for each one-hot column the rows sorted by category; starts[f]..starts[f+1]
// are feature f's (positions into rows_by_feature, the columns one after the other).
template <class S>
__global__ void one_hot_sums(std::size_t n, std::size_t one_hot_features, std::size_t first_feature, std::size_t p,
                             const std::int32_t* rows_by_feature, const std::size_t* starts, const S* R, S* G) {
    __shared__ S shared[block_threads];
    const std::size_t f = blockIdx.x % one_hot_features, c = blockIdx.x / one_hot_features;
    const S* r = R + c * n;
    S sum = 0;
    for (std::size_t t = starts[f] + threadIdx.x; t < starts[f + 1]; t += blockDim.x) sum += r[rows_by_feature[t]];
    const S total = block_sum(sum, shared);
    if (threadIdx.x == 0) G[first_feature + f + c * p] = total;
}

}  // namespace

std::optional<std::string> unavailable_reason() {
    int count = 0;
    cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) {
        cudaGetLastError();
        return std::string(cudaGetErrorString(status));
    }
    if (count == 0) return std::string("the CUDA driver sees no device");
    // A device this library has no code for (an older architecture than it was built for)
    // has no image of the kernels: ask for one's attributes before saying yes.
    cudaFuncAttributes attributes{};
    status = cudaFuncGetAttributes(&attributes, column_sums<double>);
    if (status != cudaSuccess) {
        cudaGetLastError();
        int device = 0, major = 0, minor = 0;
        cudaGetDevice(&device);
        cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device);
        cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device);
        return "device " + std::to_string(device) + " (compute capability " + std::to_string(major) + "." +
               std::to_string(minor) + ") cannot run this build's kernels: " + cudaGetErrorString(status) +
               " (set CMAKE_CUDA_ARCHITECTURES to include it)";
    }
    return std::nullopt;
}

template <class Scalar>
struct DeviceData<Scalar>::State {
    std::size_t rows = 0, numeric = 0, n_features = 0, one_hot_columns = 0, one_hot_features = 0;
    cublasHandle_t blas = nullptr;
    Buffer<Scalar> dense, weights, intercept, scores, gradient, block_loss, sums;
    Buffer<std::int32_t> codes, rows_by_feature, targets;
    Buffer<std::size_t> offsets, starts;
    Buffer<Scalar> sample_weight;
    const std::int32_t* host_targets = nullptr;
    const Scalar* host_sample_weight = nullptr;

    ~State() {
        if (blas) cublasDestroy(blas);
    }

    // Z (device, rows x k) = X W + 1 b', W and b already on the device.
    void scores_on_device(std::size_t k) {
        scores.allocate(rows * k);
        if (numeric > 0) {
            gemm(blas, false, int(rows), int(k), int(numeric), dense.get(), int(rows), weights.get(), int(n_features),
                 scores.get(), int(rows));
        } else {
            check(cudaMemset(scores.get(), 0, rows * k * sizeof(Scalar)), "cudaMemset");
        }
        add_intercept_and_one_hot<<<blocks_for(rows), block_threads>>>(rows, k, n_features, one_hot_columns,
                                                                         codes.get(), offsets.get(), weights.get(),
                                                                         intercept.get(), scores.get());
        check(cudaGetLastError(), "scores kernel");
    }

    // gradient (device, n_features x k) = X' R, R = scores (device, rows x k).
    void transpose_on_device(std::size_t k) {
        gradient.allocate(n_features * k);
        if (numeric > 0)
            gemm(blas, true, int(numeric), int(k), int(rows), dense.get(), int(rows), scores.get(), int(rows),
                 gradient.get(), int(n_features));
        if (one_hot_features > 0) {
            one_hot_sums<<<static_cast<unsigned>(one_hot_features * k), block_threads>>>(
                rows, one_hot_features, numeric, n_features, rows_by_feature.get(), starts.get(), scores.get(),
                gradient.get());
            check(cudaGetLastError(), "one-hot sums kernel");
        }
    }

    void upload_weights(const Scalar* W, const Scalar* b, std::size_t k) {
        weights.upload(W, n_features * k);
        intercept.upload(b, k);
    }
};

template <class Scalar>
DeviceData<Scalar>::DeviceData(const HostData<Scalar>& host) : state_(std::make_unique<State>()) {
    if (host.rows > 2147483647u)  // cuBLAS's int sizes
        throw data_error("LogisticRegression.fit: backend cuda takes at most 2147483647 rows, got " +
                         std::to_string(host.rows));
    if (const auto reason = unavailable_reason()) fail_device("no CUDA device: " + *reason);
    State& s = *state_;
    s.rows = host.rows;
    s.numeric = host.numeric;
    s.n_features = host.n_features;
    s.one_hot_columns = host.codes.size();
    if (cublasCreate(&s.blas) != CUBLAS_STATUS_SUCCESS) {
        s.blas = nullptr;
        fail_device("no CUDA device: cuBLAS could not start on the device (cublasCreate failed; is it busy in "
             "exclusive mode?)");
    }
    s.dense.upload(host.dense, host.rows * host.numeric);

    // Codes, column after column; per column the rows ordered by category (a counting sort,
    // so rows of one category keep their order), and where each feature's rows start.
    std::vector<std::int32_t> codes(host.rows * s.one_hot_columns), by_feature;
    std::vector<std::size_t> offsets, starts{0};
    std::size_t offset = host.numeric;
    for (std::size_t j = 0; j < s.one_hot_columns; ++j) {
        std::copy(host.codes[j], host.codes[j] + host.rows, codes.begin() + static_cast<std::ptrdiff_t>(j * host.rows));
        offsets.push_back(offset);
        const std::size_t width = host.widths[j];
        std::vector<std::size_t> count(width + 1, 0);
        for (std::size_t i = 0; i < host.rows; ++i)
            if (host.codes[j][i] >= 0) ++count[static_cast<std::size_t>(host.codes[j][i]) + 1];
        for (std::size_t v = 0; v < width; ++v) count[v + 1] += count[v];
        const std::size_t base = by_feature.size();
        for (std::size_t v = 0; v < width; ++v) starts.push_back(base + count[v + 1]);
        by_feature.resize(base + count[width]);
        for (std::size_t i = 0; i < host.rows; ++i)
            if (host.codes[j][i] >= 0) by_feature[base + count[static_cast<std::size_t>(host.codes[j][i])]++] =
                                           static_cast<std::int32_t>(i);
        offset += width;
        s.one_hot_features += width;
    }
    s.codes.upload(codes.data(), codes.size());
    s.offsets.upload(offsets.data(), offsets.size());
    s.starts.upload(starts.data(), starts.size());
    s.rows_by_feature.upload(by_feature.data(), by_feature.size());
}

template <class Scalar>
DeviceData<Scalar>::~DeviceData() = default;

template <class Scalar>
void DeviceData<Scalar>::set_targets(const std::int32_t* y, const Scalar* sample_weight) {
    State& s = *state_;
    if (y == s.host_targets && sample_weight == s.host_sample_weight) return;
    s.targets.upload(y, s.rows);
    s.sample_weight.upload(sample_weight, s.rows);
    s.host_targets = y;
    s.host_sample_weight = sample_weight;
}

template <class Scalar>
Scalar DeviceData<Scalar>::loss_gradient(DeviceLoss loss, const Scalar* W, const Scalar* b, std::size_t k, Scalar* G,
                                         Scalar* gb) {
    State& s = *state_;
    if (!s.targets.get() && s.rows > 0) fail("cuda backend: loss_gradient before set_targets");
    s.upload_weights(W, b, k);
    s.scores_on_device(k);
    const unsigned blocks = blocks_for(s.rows);
    s.block_loss.allocate(blocks);
    if (loss == DeviceLoss::binomial)
        binomial_loss<<<blocks, block_threads>>>(s.rows, s.targets.get(), s.sample_weight.get(), s.scores.get(),
                                                  s.block_loss.get());
    else
        multinomial_loss<<<blocks, block_threads>>>(s.rows, k, s.targets.get(), s.sample_weight.get(), s.scores.get(),
                                                     s.block_loss.get());
    check(cudaGetLastError(), "loss kernel");
    s.transpose_on_device(k);  // scores now hold R
    // The intercept gradients (column sums of R) and the loss (sum of the blocks'), in one buffer.
    s.sums.allocate(k + 1);
    column_sums<<<static_cast<unsigned>(k), block_threads>>>(s.rows, s.scores.get(), s.sums.get());
    column_sums<<<1, block_threads>>>(blocks, s.block_loss.get(), s.sums.get() + k);
    check(cudaGetLastError(), "sum kernels");
    s.gradient.download(G, s.n_features * k);
    std::vector<Scalar> sums(k + 1);
    s.sums.download(sums.data(), k + 1);
    std::copy(sums.begin(), sums.begin() + static_cast<std::ptrdiff_t>(k), gb);
    return sums[k];
}

template <class Scalar>
void DeviceData<Scalar>::decision(const Scalar* W, const Scalar* b, std::size_t k, Scalar* Z) {
    State& s = *state_;
    s.upload_weights(W, b, k);
    s.scores_on_device(k);
    s.scores.download(Z, s.rows * k);
}

template <class Scalar>
void DeviceData<Scalar>::transpose_times(const Scalar* R, std::size_t k, Scalar* G) {
    State& s = *state_;
    s.scores.upload(R, s.rows * k);
    s.transpose_on_device(k);
    s.gradient.download(G, s.n_features * k);
}

template <class Scalar>
std::size_t DeviceData<Scalar>::device_bytes() const noexcept {
    const State& s = *state_;
    return s.dense.size() * sizeof(Scalar) + (s.codes.size() + s.rows_by_feature.size()) * sizeof(std::int32_t) +
           s.targets.size() * sizeof(std::int32_t) + s.sample_weight.size() * sizeof(Scalar);
}

template class DeviceData<float>;
template class DeviceData<double>;

}  // namespace mlpipe::cuda
