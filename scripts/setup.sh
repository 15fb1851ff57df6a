#!/usr/bin/env bash
# Installs what mlpipe needs to build, test and run its examples (Debian/Ubuntu, apt-get).
# Idempotent: checks each package with dpkg first and does nothing when all are present.
# Uses sudo when not root (and sudo exists); exits 1 with a message when it cannot install.
#
#   scripts/setup.sh                the packages to build and test with GCC
#   scripts/setup.sh --sanitizers   also clang and its runtimes (ASan, UBSan, TSan, libFuzzer),
#                                   for scripts/sanitize.sh and scripts/fuzz.sh
set -euo pipefail

packages=(
    build-essential cmake ninja-build pkg-config
    libeigen3-dev libboost-serialization-dev zlib1g-dev libdeflate-dev
    catch2 libbenchmark-dev libxtensor-dev nlohmann-json3-dev libcpp-httplib-dev
    libopenblas-dev  # the blas backend (MLPIPE_WITH_BLAS), which scripts/test.sh builds and tests
    libopenmpi-dev openmpi-bin  # distributed fits (MLPIPE_WITH_MPI), tested with mpirun -np 1, 2, 3
    # multi-host training jobs: SSH between the hosts, and the test that simulates hosts in
    # network namespaces (CTest sagemaker.multi_host)
    openssh-server openssh-client iproute2
    curl
)
for argument in "$@"; do
    case "$argument" in
        # clang: the compiler (Debian 12: clang-14); libclang-rt-dev: compiler-rt, the sanitizer
        # and libFuzzer runtimes (libclang_rt.asan, .ubsan, .tsan, .fuzzer), which clang only
        # recommends, so --no-install-recommends would leave them out.
        --sanitizers) packages+=(clang libclang-rt-dev) ;;
        *)
            echo "setup: unknown argument '$argument' (--sanitizers)" >&2
            exit 2
            ;;
    esac
done

missing=()
if command -v dpkg >/dev/null 2>&1; then
    for package in "${packages[@]}"; do
        if ! dpkg -s "$package" 2>/dev/null | grep -q '^Status: install ok installed'; then
            missing+=("$package")
        fi
    done
else
    missing=("${packages[@]}")
fi

if [ "${#missing[@]}" -eq 0 ]; then
    echo "setup: all ${#packages[@]} packages are installed; nothing to do"
    exit 0
fi

echo "setup: missing packages: ${missing[*]}"

if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: error: apt-get is not available; install these packages (or their equivalents) by hand:" >&2
    echo "    ${missing[*]}" >&2
    exit 1
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        as_root=(sudo)
    else
        echo "setup: error: not root and sudo is not available; as root, run:" >&2
        echo "    apt-get update && apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update; then
    echo "setup: error: apt-get update failed" >&2
    exit 1
fi
if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; then
    echo "setup: error: apt-get install failed for: ${missing[*]}" >&2
    exit 1
fi
echo "setup: installed ${missing[*]}"
