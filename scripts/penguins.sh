#!/usr/bin/env bash
# Builds and runs the penguins example: fits OneHotEncoder -> StandardScaler ->
# LogisticRegression on the Palmer penguins, prints the test accuracy, saves the model, loads
# it back and predicts.
#
#   scripts/penguins.sh [data-folder [model-file]]
#
# data-folder holds train/X_train.csv, train/y_train.csv, test/X_test.csv, test/y_test.csv
# (default: data/reference/penguins). Environment: BUILD_DIR (default build), JOBS.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

"$root/scripts/setup.sh" >&2

build_dir="${BUILD_DIR:-build}"
jobs="${JOBS:-$(nproc)}"

generator=()
if command -v ninja >/dev/null 2>&1 && [ ! -f "$build_dir/CMakeCache.txt" ]; then
    generator=(-G Ninja)
fi

cmake -S . -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DMLPIPE_BUILD_EXAMPLES=ON >&2
cmake --build "$build_dir" --target penguins_example -j "$jobs" >&2

example="$build_dir/examples/penguins/penguins_example"
if [ ! -x "$example" ]; then
    echo "penguins: error: the build did not produce $example" >&2
    exit 1
fi
exec "$example" "$@"
