#!/usr/bin/env bash
# Builds and installs mlpipe-sagemaker: the one build recipe shared by the Dockerfile and
# the local run (scripts/sagemaker-local.sh), so the container runs the binary the local
# run tested.
#
#   examples/sagemaker/build.sh BUILD_DIR PREFIX
#
# Environment:
#   MLPIPE_MARCH      -march. Unset: x86-64-v3 (AVX2, FMA: every current SageMaker x86
#                     instance type has them, and the fit's loss pass runs about 1.4 times as
#                     fast) when this machine has it too; empty: a binary for any x86-64.
#   MLPIPE_MARCH_WIDER
#                     A second build of the program for a wider level (x86-64-v4: AVX-512),
#                     installed as PREFIX/libexec/mlpipe-sagemaker/LEVEL/mlpipe-sagemaker. The
#                     program hands over to it as it starts, on a CPU that runs it
#                     (cpu_check.cpp). Unset: x86-64-v4 when MLPIPE_MARCH is x86-64-v3 and this
#                     machine has AVX-512, so that the local run tests the build this machine
#                     would run in the container; empty: none. The Dockerfile asks for it.
#   MLPIPE_WITH_BLAS, MLPIPE_WITH_CUDA
#                     ON builds that backend in; both OFF by default (Dockerfile.gpu turns
#                     them on).
#   MLPIPE_WITH_MPI   ON builds multi-host training jobs in; OFF by default (Dockerfile turns
#                     it on).
set -euo pipefail

source_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build_dir="${1:?usage: build.sh BUILD_DIR PREFIX}"
prefix="${2:?usage: build.sh BUILD_DIR PREFIX}"

if [ -z "${MLPIPE_MARCH+set}" ]; then
    MLPIPE_MARCH=x86-64-v3
    # The features cpu_check.cpp asks the CPU for, as /proc/cpuinfo names them. The rest of
    # x86-64-v3 (f16c, lzcnt, movbe) comes with AVX2 on every CPU made, but a hypervisor may
    # leave it out of what the guest is told (a Firecracker guest on an AMD EPYC lists no
    # "abm", lzcnt): asked for here too, it cost such a machine its AVX2 build, and the job
    # ran a third slower.
    for flag in ssse3 sse4_1 sse4_2 popcnt avx avx2 fma bmi1 bmi2; do
        if [ "$(uname -m)" != x86_64 ] || ! grep -qw "$flag" /proc/cpuinfo; then
            echo "build.sh: this machine lacks x86-64-v3 ($flag): building for any x86-64 (MLPIPE_MARCH empty)" >&2
            MLPIPE_MARCH=
            break
        fi
    done
fi

if [ -z "${MLPIPE_MARCH_WIDER+set}" ]; then
    MLPIPE_MARCH_WIDER=
    if [ "$MLPIPE_MARCH" = x86-64-v3 ]; then
        MLPIPE_MARCH_WIDER=x86-64-v4
        for flag in avx512f avx512bw avx512cd avx512dq avx512vl; do
            grep -qsw "$flag" /proc/cpuinfo || { MLPIPE_MARCH_WIDER=; break; }
        done
    fi
fi
# level_rank LEVEL: 1 to 4 for x86-64 (or empty) to x86-64-v4, 0 for anything else.
level_rank() {
    case "$1" in
        "" | x86-64) echo 1 ;;
        x86-64-v2) echo 2 ;;
        x86-64-v3) echo 3 ;;
        x86-64-v4) echo 4 ;;
        *) echo 0 ;;
    esac
}
if [ -n "$MLPIPE_MARCH_WIDER" ]; then
    if [ "$(uname -m)" != x86_64 ]; then
        echo "build.sh: MLPIPE_MARCH_WIDER=$MLPIPE_MARCH_WIDER is an x86-64 level and this is $(uname -m): no second build" >&2
        MLPIPE_MARCH_WIDER=
    elif [ "$(level_rank "$MLPIPE_MARCH_WIDER")" -le "$(level_rank "$MLPIPE_MARCH")" ] ||
        [ "$(level_rank "$MLPIPE_MARCH")" = 0 ]; then
        # The program starts a build beside it only for a level wider than its own (cpu_check.cpp).
        echo "build.sh: MLPIPE_MARCH_WIDER=$MLPIPE_MARCH_WIDER must be an x86-64 level (x86-64-v2, -v3, -v4)" \
            "wider than MLPIPE_MARCH=${MLPIPE_MARCH:-(any x86-64)}, or empty for no second build" >&2
        exit 2
    fi
fi

# configure_and_build DIR MARCH: the program, built in DIR for -march=MARCH.
configure_and_build() {
    local generator=()
    if command -v ninja >/dev/null 2>&1 && [ ! -f "$1/CMakeCache.txt" ]; then
        generator=(-G Ninja)
    fi
    cmake -S "$source_dir" -B "$1" "${generator[@]}" \
        -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_INSTALL_PREFIX="$prefix" \
        -DMLPIPE_BUILD_TESTS=OFF \
        -DMLPIPE_BUILD_BENCHMARKS=OFF \
        -DMLPIPE_BUILD_EXAMPLES=ON \
        -DMLPIPE_MARCH="$2" \
        -DMLPIPE_WITH_BLAS="${MLPIPE_WITH_BLAS:-OFF}" \
        -DMLPIPE_WITH_CUDA="${MLPIPE_WITH_CUDA:-OFF}" \
        -DMLPIPE_WITH_MPI="${MLPIPE_WITH_MPI:-OFF}"
    cmake --build "$1" --target mlpipe-sagemaker -j "${JOBS:-$(nproc)}"
}

configure_and_build "$build_dir" "$MLPIPE_MARCH"
cmake --install "$build_dir" --component sagemaker
# A wider build left by an earlier run would be started in place of this one: only this
# run's may stay.
rm -rf "$prefix/libexec/mlpipe-sagemaker"
if [ -n "$MLPIPE_MARCH_WIDER" ]; then
    wider_dir="$build_dir/$MLPIPE_MARCH_WIDER"
    configure_and_build "$wider_dir" "$MLPIPE_MARCH_WIDER"
    # Installed by CMake as the first one is (its build-tree RPATH dropped), then moved.
    rm -rf "$wider_dir/install"
    cmake --install "$wider_dir" --component sagemaker --prefix "$wider_dir/install"
    install -D -m 755 "$wider_dir/install/bin/mlpipe-sagemaker" \
        "$prefix/libexec/mlpipe-sagemaker/$MLPIPE_MARCH_WIDER/mlpipe-sagemaker"
fi
