#pragma once
// The one place that maps a run-time Backend to a DesignMatrix type: a fit builds the cpu
// Design (it checks the data and reads the Frame in place), and the chosen backend's design
// is built on it. Adding a backend: its design header in backend/, a case here, a value in
// backend.hpp.
//
// Backend::automatic takes cuda when a device answers, but the device may still be unable
// to take this fit (too little memory for the data, or busy in exclusive mode): then the
// fit runs on the backend automatic would take without a device, and says so.

#include <mlpipe/backend/backend.hpp>
#include <mlpipe/error.hpp>
#include <mlpipe/linear_model/design.hpp>

#if MLPIPE_WITH_BLAS
#include <mlpipe/backend/blas_design.hpp>
#endif
#if MLPIPE_WITH_CUDA
#include <mlpipe/backend/cuda_design.hpp>
#endif

#include <string>
#include <utility>

namespace mlpipe {

// Where a fit ran, when the device of `tried` could not take it (`why`: the device_error's
// message): blas when compiled in, else cpu.
inline BackendChoice fallback_from_device(const BackendChoice& tried, const std::string& why) {
    const Backend next = MLPIPE_WITH_BLAS != 0 ? Backend::blas : Backend::cpu;
    return {next,
            tried.reason + ", but " + to_string(tried.backend) + " could not take the fit (" + why +
                "): fell back to " + to_string(next),
            true};
}

// Runs on_device(); when it throws device_error and `may_fall_back`, records in `ran` why
// (fallback_from_device) and runs on_fallback() instead. `restartable`: whether on_device
// may be given up after it has begun computing (a fit that is not distributed), else only a
// failure before that (`started` still false) falls back.
template <class OnDevice, class OnFallback>
auto run_with_device_fallback(bool may_fall_back, BackendChoice& ran, const bool& started, bool restartable,
                              OnDevice&& on_device, OnFallback&& on_fallback) {
    std::string failure;
    try {
        return std::forward<OnDevice>(on_device)();
    } catch (const device_error& e) {
        if (!may_fall_back || (started && !restartable)) throw;
        failure = e.what();
    }
    ran = fallback_from_device(ran, failure);
    return std::forward<OnFallback>(on_fallback)();
}

// Calls fit(design) with the design of `backend` (automatic resolved by choose_backend) and
// returns what fit returns; `ran` says where it ran and why. `who` names the caller in
// errors. With automatic, a device that cannot take the fit gives way to blas or cpu, also
// after fit has begun when `restartable` (fit must then start over when called again;
// `started` is what fit sets when it begins).
template <class Scalar, class Fit>
auto with_backend_design(Backend backend, const Design<Scalar>& cpu, const std::string& who, Fit&& fit,
                         BackendChoice& ran, const bool& started, bool restartable) {
    check_backend(backend, who);
    ran = choose_backend(backend);
    auto on_host = [&] {
#if MLPIPE_WITH_BLAS
        if (ran.backend == Backend::blas) {
            const BlasDesign<Scalar> blas(cpu);
            return fit(blas);
        }
#endif
        return fit(cpu);
    };
#if MLPIPE_WITH_CUDA
    if (ran.backend == Backend::cuda) {
        return run_with_device_fallback(
            backend == Backend::automatic, ran, started, restartable,
            [&] {
                const CudaDesign<Scalar> cuda(cpu);
                return fit(cuda);
            },
            on_host);
    }
#else
    (void)started;
    (void)restartable;
#endif
    return on_host();
}

}  // namespace mlpipe
