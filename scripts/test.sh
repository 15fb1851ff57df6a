#!/usr/bin/env bash
# Builds mlpipe with the blas backend (MLPIPE_WITH_BLAS), the cuda backend too
# (MLPIPE_WITH_CUDA) where the CUDA toolkit is installed, and the MPI communicator
# (MLPIPE_WITH_MPI) where MPI is, and runs every test (unit, compile-failure, consumer,
# example, and the distributed fits under mpirun). Without a GPU the cuda tests report skipped.
#
#   scripts/test.sh
#
# Environment: BUILD_DIR (default build), JOBS (default: nproc), CI=true turns warnings into
# errors (MLPIPE_WERROR=ON). Extra arguments go to ctest (e.g. -L unit, -LE consumer, -R csv).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

"$root/scripts/setup.sh"

build_dir="${BUILD_DIR:-build}"
jobs="${JOBS:-$(nproc)}"

generator=()
if command -v ninja >/dev/null 2>&1; then
    generator=(-G Ninja)
fi
# An existing build dir keeps its generator (CMake refuses to switch).
if [ -f "$build_dir/CMakeCache.txt" ]; then
    generator=()
fi

# The cuda backend wherever nvcc is (on PATH or in the toolkit's default place);
# MLPIPE_WITH_CUDA=OFF in the environment leaves it out. One architecture, 7.5 with its PTX
# (which newer GPUs compile when loading it), keeps CI's nvcc time to a quarter of the four
# the library builds for by default; CMAKE_CUDA_ARCHITECTURES in the environment overrides it.
cuda="${MLPIPE_WITH_CUDA:-}"
if [ -z "$cuda" ]; then
    cuda=OFF
    if command -v nvcc >/dev/null 2>&1 || [ -x /usr/local/cuda/bin/nvcc ]; then
        cuda=ON
    fi
fi

# The MPI tests wherever MPI is (setup.sh installs Open MPI); MLPIPE_WITH_MPI=OFF in the
# environment leaves them out, and they then report skipped.
mpi="${MLPIPE_WITH_MPI:-}"
if [ -z "$mpi" ]; then
    mpi=OFF
    if command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1; then
        mpi=ON
    fi
fi

werror=OFF
if [ "${CI:-}" = "true" ]; then
    werror=ON
fi

cmake -S . -B "$build_dir" "${generator[@]}" \
    -DCMAKE_BUILD_TYPE=Release \
    -DMLPIPE_BUILD_TESTS=ON \
    -DMLPIPE_BUILD_EXAMPLES=ON \
    -DMLPIPE_WITH_BLAS=ON \
    -DMLPIPE_WITH_CUDA="$cuda" \
    -DMLPIPE_WITH_MPI="$mpi" \
    -DCMAKE_CUDA_ARCHITECTURES="${CMAKE_CUDA_ARCHITECTURES:-75}" \
    -DMLPIPE_WERROR="$werror"
cmake --build "$build_dir" -j "$jobs"
ctest --test-dir "$build_dir" --output-on-failure -j "$jobs" "$@"
