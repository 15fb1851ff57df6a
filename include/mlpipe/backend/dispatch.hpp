#pragma once
// The one place that maps a run-time Backend to a DesignMatrix type: a fit builds the cpu
// Design (it checks the data and reads the Frame in place), and the chosen backend's design
// is built on it. Adding a backend: its design header in backend/, a case here, a value in
// backend.hpp.

#include <mlpipe/backend/backend.hpp>
#include <mlpipe/linear_model/design.hpp>

#if MLPIPE_WITH_BLAS
#include <mlpipe/backend/blas_design.hpp>
#endif
#if MLPIPE_WITH_CUDA
#include <mlpipe/backend/cuda_design.hpp>
#endif

#include <string>

namespace mlpipe {

// Calls fit(design) with the design of `backend` (automatic resolved by choose_backend) and
// returns what fit returns. `who` names the caller in errors.
template <class Scalar, class Fit>
auto with_backend_design(Backend backend, const Design<Scalar>& cpu, const std::string& who, Fit&& fit) {
    check_backend(backend, who);
    switch (choose_backend(backend).backend) {
        case Backend::blas:
#if MLPIPE_WITH_BLAS
        {
            const BlasDesign<Scalar> blas(cpu);
            return fit(blas);
        }
#endif
        case Backend::cuda:
#if MLPIPE_WITH_CUDA
        {
            const CudaDesign<Scalar> cuda(cpu);
            return fit(cuda);
        }
#endif
        case Backend::cpu:
        case Backend::automatic: break;
    }
    return fit(cpu);
}

}  // namespace mlpipe
