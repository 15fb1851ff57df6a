#pragma once
// Which hardware a fit runs on: the library's own kernels (cpu), an optimised BLAS for the
// dense products (blas), or a GPU (cuda). The solvers are the same for all three; only the
// passes over the rows (the DesignMatrix) change, so the models agree to rounding.
//
// A backend exists in a build when CMake was configured with its option (MLPIPE_WITH_BLAS,
// MLPIPE_WITH_CUDA): the option defines the macro of the same name on the mlpipe targets, so
// every translation unit of a program, mlpipe::precompiled's included, sees the same set.

#include <mlpipe/error.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#ifndef MLPIPE_WITH_BLAS
#define MLPIPE_WITH_BLAS 0
#endif
#ifndef MLPIPE_WITH_CUDA
#define MLPIPE_WITH_CUDA 0
#endif
#if MLPIPE_WITH_CUDA
#include <mlpipe/backend/cuda_device.hpp>  // standard headers only: no CUDA header
#endif

namespace mlpipe {

// Not stored in model files (a model is the same whichever backend fitted it).
enum class Backend : std::uint8_t {
    cpu = 0,        // the library's own kernels, on ThreadPool (always there)
    blas = 1,       // OpenBLAS's products on the same fixed row blocks (MLPIPE_WITH_BLAS)
    cuda = 2,       // cuBLAS and mlpipe's kernels on a GPU (MLPIPE_WITH_CUDA)
    automatic = 3,  // cuda when a device is there, else blas when compiled in, else cpu
};

inline constexpr std::array<Backend, 4> all_backends{Backend::cpu, Backend::blas, Backend::cuda,
                                                     Backend::automatic};

inline const char* to_string(Backend backend) noexcept {
    switch (backend) {
        case Backend::cpu: return "cpu";
        case Backend::blas: return "blas";
        case Backend::cuda: return "cuda";
        case Backend::automatic: return "automatic";
    }
    return "unknown";
}

inline std::optional<Backend> backend_from_string(std::string_view name) noexcept {
    for (Backend b : all_backends)
        if (name == to_string(b)) return b;
    return std::nullopt;
}

// Whether this build has the backend (automatic: always).
constexpr bool backend_compiled_in(Backend backend) noexcept {
    switch (backend) {
        case Backend::cpu:
        case Backend::automatic: return true;
        case Backend::blas: return MLPIPE_WITH_BLAS != 0;
        case Backend::cuda: return MLPIPE_WITH_CUDA != 0;
    }
    return false;
}

// Throws parameter_error for a value outside the enum or a backend this build lacks, saying
// which CMake option builds it. `who` names the caller.
inline void check_backend(Backend backend, const std::string& who) {
    switch (backend) {
        case Backend::cpu:
        case Backend::automatic: return;
        case Backend::blas:
            if (!backend_compiled_in(backend))
                throw parameter_error(who +
                                      ": backend blas is not compiled in; configure mlpipe with "
                                      "-DMLPIPE_WITH_BLAS=ON (needs OpenBLAS: Debian's libopenblas-dev)");
            return;
        case Backend::cuda:
            if (!backend_compiled_in(backend))
                throw parameter_error(who +
                                      ": backend cuda is not compiled in; configure mlpipe with "
                                      "-DMLPIPE_WITH_CUDA=ON (needs the CUDA toolkit)");
            return;
    }
    throw parameter_error(who + ": backend has the unknown value " + std::to_string(static_cast<int>(backend)) +
                          "; allowed: cpu, blas, cuda, automatic");
}

// What automatic chose, and why (a line for a training job's log).
struct BackendChoice {
    Backend backend = Backend::cpu;
    std::string reason;
    bool fell_back = false;  // a fit's: automatic's device could not take it (backend/dispatch.hpp)
};

// Why no CUDA device can be used, or nullopt when one can (the mlpipe::cuda library asks the
// driver). Without MLPIPE_WITH_CUDA: always a reason.
#if MLPIPE_WITH_CUDA
inline std::optional<std::string> cuda_unavailable_reason() { return cuda::unavailable_reason(); }
#else
inline std::optional<std::string> cuda_unavailable_reason() {
    return std::string("mlpipe was built without MLPIPE_WITH_CUDA");
}
#endif

// The backend a fit with `requested` runs on. cpu and blas are taken as asked; cuda as
// asked too (a fit then fails with "no CUDA device: ..." when there is none).
inline BackendChoice choose_backend(Backend requested) {
    check_backend(requested, "choose_backend");
    if (requested != Backend::automatic) return {requested, std::string("asked for ") + to_string(requested)};
    std::string why;
    if constexpr (MLPIPE_WITH_CUDA != 0) {
        const std::optional<std::string> missing = cuda_unavailable_reason();
        if (!missing) return {Backend::cuda, "automatic: a CUDA device is present"};
        why = "automatic: no CUDA device (" + *missing + ")";
    } else {
        why = "automatic: cuda not compiled in (MLPIPE_WITH_CUDA)";
    }
    if constexpr (MLPIPE_WITH_BLAS != 0) return {Backend::blas, why + ", blas compiled in"};
    return {Backend::cpu, why + ", blas not compiled in (MLPIPE_WITH_BLAS)"};
}

}  // namespace mlpipe
