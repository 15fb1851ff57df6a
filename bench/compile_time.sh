#!/usr/bin/env bash
# What a user's translation unit costs to compile (the first complaint of header-only
# libraries' users). Compiles, at -O2 with the project's C++ compiler:
#
#   fit+save header-only   examples/penguins/penguins.cpp: read CSV, fit, score, save, load,
#                          predict the stock pipeline, with <mlpipe/mlpipe.hpp>
#   fit+save precompiled   the same file with MLPIPE_PRECOMPILED (what linking the
#                          mlpipe::precompiled target gives): the stock fit and archive code
#                          comes from the library
#   fit core only          a TU that reads, fits and predicts with <mlpipe/core.hpp> (no Boost)
#   include mlpipe.hpp     an empty main after #include <mlpipe/mlpipe.hpp> (parsing alone)
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
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cxx="${CXX:-c++}"
runs="${RUNS:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

flags=(-std=c++20 -O2 -I"$root/include" -I/usr/include/eigen3 -DMLPIPE_PENGUINS_DATA_DIR=\"data\")

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
printf '#include <mlpipe/mlpipe.hpp>\nint main() {}\n' > "$work/include_mlpipe.cpp"
printf '#include <mlpipe/core.hpp>\nint main() {}\n' > "$work/include_core.cpp"

# median of the numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

measure() {
    local label="$1"
    shift
    local cpu=() wall=()
    for _ in $(seq "$runs"); do
        local t
        t="$( { /usr/bin/time -f '%U %S %e' "$cxx" "${flags[@]}" "$@" -c -o "$work/out.o" >/dev/null 2>"$work/err"; } 2>&1 || true)"
        if ! tail -n 1 "$work/err" | grep -Eq '^[0-9.]+ [0-9.]+ [0-9.]+$'; then
            echo "compile_time.sh: $label failed:" >&2
            cat "$work/err" >&2
            exit 1
        fi
        read -r user sys elapsed < <(tail -n 1 "$work/err")
        cpu+=("$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')")
        wall+=("$elapsed")
    done
    printf '%-24s %8.1f s CPU %8.1f s wall\n' "$label" \
        "$(printf '%s\n' "${cpu[@]}" | median)" "$(printf '%s\n' "${wall[@]}" | median)"
}

echo "compiler: $("$cxx" --version | head -n 1); -O2; median of $runs runs"
measure "fit+save header-only" "$root/examples/penguins/penguins.cpp"
measure "fit+save precompiled" -DMLPIPE_PRECOMPILED "$root/examples/penguins/penguins.cpp"
measure "fit core only" "$work/core_fit.cpp"
measure "include mlpipe.hpp" "$work/include_mlpipe.cpp"
measure "include core.hpp" "$work/include_core.cpp"
for source in "$root"/src/*.cpp; do
    measure "src/$(basename "$source")" -DMLPIPE_PRECOMPILED "$source"
done
