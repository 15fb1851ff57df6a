#!/usr/bin/env bash
# Builds and runs mlpipe's tests under the sanitizers (clang):
#
#   asan   every test (unit, sagemaker, examples; not the consumer, compile-failure or
#          benchmark ones, which test the build, not the code) built with
#          -O0 -fsanitize=address,undefined -fno-sanitize-recover=undefined, in build-asan
#          (-O0, test files included: the build takes less than half of -O1's time, about
#          5 minutes on 2 cores, and the tests about 2.5 minutes instead of 1: what lets CI
#          run it);
#   tsan   ThreadSanitizer build of the code that runs concurrently, in build-tsan: the unit
#          tests of parallel fitting and prediction and of the thread pool (MLPIPE_TEST_FILTER
#          keeps only those test files), and the server: the mlpipe-sagemaker binary, which
#          the sagemaker "serve" tests start, built under TSan too.
#
#   scripts/sanitize.sh            both
#   scripts/sanitize.sh asan       one of them
#   scripts/sanitize.sh tsan
#
# Environment (defaults in brackets):
#   JOBS [nproc]               build and test parallelism
#   CXX_SAN [clang++]
#   ASAN_DIR [build-asan], TSAN_DIR [build-tsan]
#   ASAN_OPTIMISATION [-O0]    the asan build's optimisation (-O1: faster tests, slower build)
#   ASAN_TARGETS [all]         what to build for asan
#   ASAN_FUZZERS [1]           build the fuzz targets in the asan build too (clang only)
#   ASAN_TEST_FILTER []        regex: only these tests/**/test_*.cpp in mlpipe_tests (all when empty)
#   ASAN_CTEST_ARGS [-LE (consumer|compile_fail|benchmark)]
#   TSAN_TEST_FILTER [linear_model/test_parallel_fit|parallel/test_thread_pool]
#                              regex over tests/**/test_*.cpp (paths relative to tests/)
#   TSAN_TARGETS [mlpipe_tests mlpipe-sagemaker]
#   TSAN_SERVER_TEST_BIN [$BUILD_DIR/examples/sagemaker/sagemaker_tests, BUILD_DIR=build]
#                              the ordinary build's sagemaker tests, which start the TSan
#                              server (MLPIPE_TEST_SERVE_BIN)
#   TSAN_SERVER_TESTS [[serve],[multi_model]]  the Catch test spec they run
# Each step prints its wall time. Exit status: non-zero when a build or a test fails.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

"$root/scripts/setup.sh" --sanitizers

jobs="${JOBS:-$(nproc)}"
cxx="${CXX_SAN:-clang++}"

steps=("$@")
if [ "${#steps[@]}" -eq 0 ]; then
    steps=(asan tsan)
fi

generator=()
if command -v ninja >/dev/null 2>&1; then
    generator=(-G Ninja)
fi

configure() {  # configure <dir> <optimisation> <flags> [cmake args...]
    local dir="$1" optimisation="$2" flags="$3"
    shift 3
    local gen=("${generator[@]}")
    if [ -f "$dir/CMakeCache.txt" ]; then
        gen=()  # an existing build dir keeps its generator
    fi
    cmake -S . -B "$dir" "${gen[@]}" \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_CXX_COMPILER="$cxx" \
        -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$optimisation $line_tables -DNDEBUG" \
        -DCMAKE_CXX_FLAGS="$flags" \
        -DCMAKE_EXE_LINKER_FLAGS="$flags" \
        -DCMAKE_SHARED_LINKER_FLAGS="$flags" \
        -DMLPIPE_BUILD_BENCHMARKS=OFF \
        -DMLPIPE_WERROR=OFF \
        "$@"
}

# Debug information is line tables only: enough for the reports' file:line stacks, and
# about 15% less compile time than -g (g++ calls them -g1).
line_tables=-gline-tables-only
if ! "$cxx" --version 2>/dev/null | grep -qi clang; then
    line_tables=-g1
fi
# Sanitizer reports go to files in <dir>/sanitizer-reports (log_path), so that those of child
# processes are kept too (the serve tests start mlpipe-sagemaker with its stderr in a file);
# after ctest, every report is printed and any report fails the step.
reports_dir() {  # reports_dir <build dir>: an empty folder for this run's reports
    local reports="$1/sanitizer-reports"
    rm -rf "$reports"
    mkdir -p "$reports"
    (cd "$reports" && pwd)
}

# One line is not a finding: LeakSanitizer's "Unable to get registers from thread N." when a
# thread of a process is ending just as the leak check stops the threads (a rare, spurious
# message, printed only in verbose mode since LLVM 20: llvm-project pull request 116555). A
# file holding nothing else is shown and passed over; a leak would be a report of its own.
benign_sanitizer_line='^==[0-9]+==Unable to get registers from thread [0-9]+\.$'

check_reports() {  # check_reports <folder> <ctest status>
    local reports="$1" status="$2" found=0 report
    for report in "$reports"/*; do
        [ -e "$report" ] || continue
        if ! grep -Evq "$benign_sanitizer_line" "$report"; then
            echo "sanitize: note, $report holds only LeakSanitizer's spurious thread message: $(cat "$report")"
            continue
        fi
        found=1
        echo "sanitize: report $report:"
        cat "$report"
    done
    if [ "$found" -ne 0 ] || [ "$status" -ne 0 ]; then
        echo "sanitize: FAILED (ctest exit $status; reports in $reports)" >&2
        return 1
    fi
}

elapsed() {  # elapsed <start seconds>
    local seconds=$(($(date +%s) - $1))
    printf '%dm%02ds' $((seconds / 60)) $((seconds % 60))
}

run_asan() {
    local dir="${ASAN_DIR:-build-asan}" start fuzzers=OFF
    # The fuzz targets too, with clang (libFuzzer): built here for a few seconds each, they
    # save scripts/fuzz.sh a build of its own (FUZZ_DIR=build-asan FUZZ_REUSE_BUILD=1, as CI
    # runs it).
    if [ "${ASAN_FUZZERS:-1}" != 0 ] && "$cxx" --version 2>/dev/null | grep -qi clang; then
        fuzzers=ON
    fi
    start=$(date +%s)
    configure "$dir" "${ASAN_OPTIMISATION:--O0}" "-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
        -DMLPIPE_BUILD_TESTS=ON -DMLPIPE_BUILD_EXAMPLES=ON "-DMLPIPE_TEST_FILTER=${ASAN_TEST_FILTER:-}" \
        -DMLPIPE_TEST_OPTIMIZATION= "-DMLPIPE_BUILD_FUZZERS=$fuzzers"
    # shellcheck disable=SC2086
    cmake --build "$dir" -j "$jobs" --target ${ASAN_TARGETS:-all}
    echo "sanitize: asan build took $(elapsed "$start")"
    start=$(date +%s)
    local args=()
    if [ -n "${ASAN_CTEST_ARGS+x}" ]; then
        # shellcheck disable=SC2206
        args=(${ASAN_CTEST_ARGS})
    else
        args=(-LE '^(consumer|compile_fail|benchmark)$')
    fi
    local reports status=0
    reports=$(reports_dir "$dir")
    # Options from the environment come first, so ours (the report files) win.
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:strict_string_checks=1:check_initialization_order=1:log_path=$reports/asan" \
    UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan" \
        ctest --test-dir "$dir" --output-on-failure -j "$jobs" "${args[@]}" || status=$?
    echo "sanitize: asan tests took $(elapsed "$start")"
    check_reports "$reports" "$status"
}

run_tsan() {
    local dir="${TSAN_DIR:-build-tsan}" start
    start=$(date +%s)
    configure "$dir" -O1 "-fsanitize=thread -fno-omit-frame-pointer" \
        -DMLPIPE_BUILD_TESTS=ON -DMLPIPE_BUILD_EXAMPLES=ON -DMLPIPE_INSTALL=OFF \
        "-DMLPIPE_TEST_FILTER=${TSAN_TEST_FILTER:-linear_model/test_parallel_fit|parallel/test_thread_pool}"
    # shellcheck disable=SC2086
    cmake --build "$dir" -j "$jobs" --target ${TSAN_TARGETS:-mlpipe_tests mlpipe-sagemaker}
    echo "sanitize: tsan build took $(elapsed "$start")"
    start=$(date +%s)
    local reports status=0
    reports=$(reports_dir "$dir")
    export TSAN_OPTIONS="${TSAN_OPTIONS:+$TSAN_OPTIONS:}second_deadlock_stack=1:log_path=$reports/tsan"
    ctest --test-dir "$dir" --output-on-failure -j "$jobs" -L '^unit$' || status=$?
    # The server: the serve tests of the ordinary build (scripts/test.sh's, not instrumented)
    # start the TSan build of mlpipe-sagemaker, whose reports land in $reports too.
    local server_tests="${TSAN_SERVER_TEST_BIN:-${BUILD_DIR:-build}/examples/sagemaker/sagemaker_tests}"
    if [ -x "$server_tests" ]; then
        MLPIPE_TEST_SERVE_BIN="$(cd "$dir" && pwd)/examples/sagemaker/mlpipe-sagemaker" \
            "$server_tests" "${TSAN_SERVER_TESTS:-[serve],[multi_model]}" || status=$?
    else
        echo "sanitize: no $server_tests (run scripts/test.sh first): the server is not checked under TSan" >&2
        status=1
    fi
    echo "sanitize: tsan tests took $(elapsed "$start")"
    check_reports "$reports" "$status"
}

for step in "${steps[@]}"; do
    case "$step" in
        asan) run_asan ;;
        tsan) run_tsan ;;
        *)
            echo "sanitize: unknown step '$step' (asan, tsan)" >&2
            exit 2
            ;;
    esac
done
