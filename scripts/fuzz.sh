#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang (ASan + UBSan) in build-fuzz and runs each
# for a bounded time on a copy of its committed seed corpus (fuzz/corpus/<target>), two at a
# time. A crash, sanitizer report or broken invariant fails the script; the input that did it
# is left in build-fuzz/findings/<target>/ (crash-*, leak-*, oom-*, timeout-*), to become a
# regression test (fuzz/README.md).
#
#   scripts/fuzz.sh                    every target, FUZZ_SECONDS each
#   scripts/fuzz.sh fuzz_csv           some targets
#   scripts/fuzz.sh --seeds            rewrite the model seeds in fuzz/corpus (after a format change)
#
# Environment (defaults in brackets): FUZZ_SECONDS [45] per target, FUZZ_PARALLEL [2] targets
# at once, FUZZ_DIR [build-fuzz], FUZZ_REUSE_BUILD [0] (1: FUZZ_DIR is a build that has the
# targets already, such as scripts/sanitize.sh asan's build-asan at -O0, as CI runs it; it
# is not configured again), JOBS [nproc] build jobs, CXX_FUZZ [clang++],
# FUZZ_ARGS [-rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=25] more libFuzzer flags.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

"$root/scripts/setup.sh" --sanitizers

dir="${FUZZ_DIR:-build-fuzz}"
jobs="${JOBS:-$(nproc)}"
seconds="${FUZZ_SECONDS:-45}"
parallel="${FUZZ_PARALLEL:-2}"
# shellcheck disable=SC2206
fuzz_args=(${FUZZ_ARGS:--rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=25})
all_targets=(fuzz_csv fuzz_request fuzz_model_bytes fuzz_model_payload)

seeds=false
targets=()
for argument in "$@"; do
    case "$argument" in
        --seeds) seeds=true ;;
        fuzz_*) targets+=("$argument") ;;
        *)
            echo "fuzz: unknown argument '$argument' (--seeds, or target names: ${all_targets[*]})" >&2
            exit 2
            ;;
    esac
done
if [ "${#targets[@]}" -eq 0 ]; then
    targets=("${all_targets[@]}")
fi

generator=()
if command -v ninja >/dev/null 2>&1 && [ ! -f "$dir/CMakeCache.txt" ]; then
    generator=(-G Ninja)
fi

start=$(date +%s)
if [ "${FUZZ_REUSE_BUILD:-0}" = 1 ]; then
    # A build that already has the targets (scripts/sanitize.sh asan's): used as it is, not
    # configured again (that would rebuild it with this script's flags).
    if ! grep -q '^MLPIPE_BUILD_FUZZERS:BOOL=ON' "$dir/CMakeCache.txt" 2>/dev/null; then
        echo "fuzz: FUZZ_REUSE_BUILD=1 but $dir is not a build with MLPIPE_BUILD_FUZZERS=ON" >&2
        exit 2
    fi
else
    cmake -S . -B "$dir" "${generator[@]}" \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_CXX_COMPILER="${CXX_FUZZ:-clang++}" \
        -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
        -DMLPIPE_BUILD_FUZZERS=ON \
        -DMLPIPE_BUILD_TESTS=OFF \
        -DMLPIPE_BUILD_EXAMPLES=OFF \
        -DMLPIPE_BUILD_BENCHMARKS=OFF \
        -DMLPIPE_INSTALL=OFF
fi
if $seeds; then
    cmake --build "$dir" -j "$jobs" --target fuzz_make_seeds
    "$dir/fuzz/fuzz_make_seeds" "$root/fuzz/corpus"
    echo "fuzz: model seeds written to fuzz/corpus"
    exit 0
fi
cmake --build "$dir" -j "$jobs" --target "${targets[@]}"
echo "fuzz: build took $(($(date +%s) - start)) s"

# One target: a fresh copy of its seeds (new inputs stay out of the repository), then
# -max_total_time seconds of fuzzing. Its log is build-fuzz/logs/<target>.log.
run_target() {
    local target="$1"
    local work="$dir/work/$target" findings="$dir/findings/$target" log="$dir/logs/$target.log"
    rm -rf "$work" "$findings"
    mkdir -p "$work" "$findings" "$dir/logs"
    cp -R "fuzz/corpus/$target/." "$work/"
    local dictionary=()
    if [ -f "fuzz/$target.dict" ]; then
        dictionary=(-dict="fuzz/$target.dict")
    fi
    local status=0
    ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}" \
    UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
        "$dir/fuzz/$target" "$work" -max_total_time="$seconds" -print_final_stats=1 \
        -artifact_prefix="$findings/" "${dictionary[@]}" "${fuzz_args[@]}" >"$log" 2>&1 || status=$?
    local runs
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    if [ "$status" -ne 0 ]; then
        echo "fuzz: $target FAILED (exit $status) after ${runs:-?} runs; input saved in $findings/; log:"
        tail -n 60 "$log"
        return 1
    fi
    echo "fuzz: $target: ${runs:-?} runs in ${seconds} s, no finding (corpus: $(find "$work" -type f | wc -l) inputs)"
}

start=$(date +%s)
failed=0
pids=()
names=()
for target in "${targets[@]}"; do
    run_target "$target" &
    pids+=($!)
    names+=("$target")
    if [ "${#pids[@]}" -ge "$parallel" ]; then
        wait "${pids[0]}" || failed=1
        pids=("${pids[@]:1}")
        names=("${names[@]:1}")
    fi
done
for pid in "${pids[@]}"; do
    wait "$pid" || failed=1
done
echo "fuzz: fuzzing took $(($(date +%s) - start)) s"
exit "$failed"
