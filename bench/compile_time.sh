#!/usr/bin/env bash
# What a user's translation unit costs to compile (the first complaint of header-only
# libraries' users). Compiles, at -O2 with the project's C++ compiler:
#
#   fit+save header-only   examples/penguins/penguins.cpp: read CSV, fit, score, save, load,
#                          predict the stock pipeline, with <mlpipe/mlpipe.hpp>
#   fit+save precompiled   the same file with MLPIPE_PRECOMPILED (what linking the
#                          mlpipe::precompiled target gives): the fits, the CSV reader, the
#                          steps' code and the stock archive code come from the library
#   read_csv precompiled   a TU that only reads a CSV file, with MLPIPE_PRECOMPILED
#   fit precompiled        the core fit TU below (read, fit, predict), with MLPIPE_PRECOMPILED
#   fit core only          a TU that reads, fits and predicts with <mlpipe/core.hpp> (no Boost)
#   include mlpipe.hpp     an empty main after #include <mlpipe/mlpipe.hpp> (parsing alone);
#                          with BASELINE, also with MLPIPE_PRECOMPILED
#   include core.hpp       the same with <mlpipe/core.hpp>
#   src/*.cpp              the library's own TUs, each compiled once per build of
#                          mlpipe::precompiled (in parallel where there are cores)
#
# Each is compiled RUNS times (default 3); the median of the CPU time (user + system) and of
# the wall time is printed. CPU time is the figure to compare: it moves less when the machine
# is busy. Run on an idle machine for wall times.
#
#   bench/compile_time.sh            # all of them
#   RUNS=5 CXX=clang++ bench/compile_time.sh
#   BASELINE=6635c08 bench/compile_time.sh
#                                    # first, before and after: the penguins file, the read_csv
#                                    # and fit files and the include of mlpipe.hpp, precompiled,
#                                    # compiled alternately with this tree's headers and with
#                                    # those of the commit BASELINE (git archive): medians, ratio
#   BASELINE=6635c08 BASELINE_ONLY=1 bench/compile_time.sh
#                                    # that comparison alone
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cxx="${CXX:-c++}"
runs="${RUNS:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

flags=(-std=c++20 -O2 -I/usr/include/eigen3 -DMLPIPE_PENGUINS_DATA_DIR=\"data\")

cat > "$work/core_fit.cpp" <<'EOF'
#include <mlpipe/core.hpp>
#include <iostream>
int main(int argc, char** argv) {
    if (argc < 3) return 2;
    const auto X = mlpipe::read_csv(argv[1]);
    const auto y = mlpipe::read_csv(argv[2]);
    mlpipe::Pipeline<mlpipe::OneHotEncoder, mlpipe::StandardScaler, mlpipe::LogisticRegression> model;
    model.fit(X, y);
    std::cout << model.score(X, y) << ' ' << model.predict_proba(X).rows() << '\n';
}
EOF
cat > "$work/read_csv.cpp" <<'EOF'
#include <mlpipe/mlpipe.hpp>
#include <iostream>
int main(int argc, char** argv) {
    if (argc < 2) return 2;
    std::cout << mlpipe::read_csv(argv[1]).rows() << '\n';
}
EOF
printf '#include <mlpipe/mlpipe.hpp>\nint main() {}\n' > "$work/include_mlpipe.cpp"
printf '#include <mlpipe/core.hpp>\nint main() {}\n' > "$work/include_core.cpp"

# median of the numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# CPU seconds (user + system) of one compile: compile_once <include dir> <args...>
compile_once() {
    local include="$1"
    shift
    /usr/bin/time -f '%U %S %e' "$cxx" "${flags[@]}" -I"$include" "$@" -c -o "$work/out.o" >/dev/null 2>"$work/err" || true
    if ! tail -n 1 "$work/err" | grep -Eq '^[0-9.]+ [0-9.]+ [0-9.]+$'; then
        echo "compile_time.sh: compiling with -I$include $* failed:" >&2
        cat "$work/err" >&2
        exit 1
    fi
    read -r user sys elapsed < <(tail -n 1 "$work/err")
    last_cpu="$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')"
    last_wall="$elapsed"
}

measure() {
    local label="$1"
    shift
    local cpu=() wall=()
    for _ in $(seq "$runs"); do
        compile_once "$root/include" "$@"
        cpu+=("$last_cpu")
        wall+=("$last_wall")
    done
    printf '%-24s %8.1f s CPU %8.1f s wall\n' "$label" \
        "$(printf '%s\n' "${cpu[@]}" | median)" "$(printf '%s\n' "${wall[@]}" | median)"
}

# measure_against_baseline <label> <file in this tree> <file in the baseline tree> <args...>
measure_against_baseline() {
    local label="$1" file="$2" old_file="$3"
    shift 3
    local new=() old=()
    for _ in $(seq "$runs"); do
        compile_once "$root/include" "$@" "$file"
        new+=("$last_cpu")
        compile_once "$work/baseline/include" "$@" "$old_file"
        old+=("$last_cpu")
    done
    local new_median old_median
    new_median="$(printf '%s\n' "${new[@]}" | median)"
    old_median="$(printf '%s\n' "${old[@]}" | median)"
    printf '%-34s %6.1f s CPU, %s: %6.1f s CPU (%.2fx)\n' "$label" "$new_median" "$BASELINE" "$old_median" \
        "$(awk -v a="$old_median" -v b="$new_median" 'BEGIN { print a / b }')"
}

echo "compiler: $("$cxx" --version | head -n 1); -O2; median of $runs runs"
if [ -n "${BASELINE:-}" ]; then
    mkdir -p "$work/baseline"
    git -C "$root" archive "$BASELINE" include examples/penguins | tar -x -C "$work/baseline"
    measure_against_baseline "fit+save precompiled" "$root/examples/penguins/penguins.cpp" \
        "$work/baseline/examples/penguins/penguins.cpp" -DMLPIPE_PRECOMPILED
    measure_against_baseline "read_csv precompiled" "$work/read_csv.cpp" "$work/read_csv.cpp" -DMLPIPE_PRECOMPILED
    measure_against_baseline "fit precompiled" "$work/core_fit.cpp" "$work/core_fit.cpp" -DMLPIPE_PRECOMPILED
    measure_against_baseline "include mlpipe.hpp precompiled" "$work/include_mlpipe.cpp" \
        "$work/include_mlpipe.cpp" -DMLPIPE_PRECOMPILED
    [ "${BASELINE_ONLY:-0}" = 1 ] && exit 0
fi
measure "fit+save header-only" "$root/examples/penguins/penguins.cpp"
measure "fit+save precompiled" -DMLPIPE_PRECOMPILED "$root/examples/penguins/penguins.cpp"
measure "read_csv precompiled" -DMLPIPE_PRECOMPILED "$work/read_csv.cpp"
measure "fit precompiled" -DMLPIPE_PRECOMPILED "$work/core_fit.cpp"
measure "fit core only" "$work/core_fit.cpp"
measure "include mlpipe.hpp" "$work/include_mlpipe.cpp"
measure "include core.hpp" "$work/include_core.cpp"
for source in "$root"/src/*.cpp; do
    measure "src/$(basename "$source")" -DMLPIPE_PRECOMPILED "$source"
done
