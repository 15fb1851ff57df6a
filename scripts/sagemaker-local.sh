#!/usr/bin/env bash
# The main job: the whole SageMaker flow on the penguins data, on this machine.
#
#   scripts/sagemaker-local.sh
#
# 1. installs what is missing and builds mlpipe-sagemaker (the Dockerfile's build script);
# 2. prepares the data as the notebook does (drop incomplete and duplicate rows, split,
#    X/y CSV files);
# 3. lays out an /opt/ml-shaped folder and runs `mlpipe-sagemaker train` on it;
# 4. packs model.tar.gz and unpacks it for serving, as SageMaker does;
# 5. starts `mlpipe-sagemaker serve` on a loopback port, waits for /ping, POSTs the first
#    10 test rows, prints each with its predicted and true sex, then the accuracy on all
#    test rows, and shuts the server down with SIGTERM.
#
# Environment: WORK_DIR (default: a fresh temporary folder), BUILD_DIR (default
# build-sagemaker), PORT (default: the first free port from 8080).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

step() { printf '\n== %s\n' "$*"; }

step "setup and build"
"$root/scripts/setup.sh"
build_dir="${BUILD_DIR:-$root/build-sagemaker}"
# The build's log goes inside the build folder, not beside it (where it would litter the repository).
mkdir -p "$build_dir"
build_log="$build_dir/build.log"
"$root/examples/sagemaker/build.sh" "$build_dir" "$build_dir/install" >"$build_log" 2>&1 \
    || { cat "$build_log" >&2; echo "build failed (log: $build_log)" >&2; exit 1; }
bin="$build_dir/install/bin/mlpipe-sagemaker"
echo "built $bin ($("$bin" version))"
for wider in "$build_dir"/install/libexec/mlpipe-sagemaker/*/; do
    if [ -d "$wider" ]; then
        echo "and beside it a build for $(basename "$wider"), which the program starts instead on a CPU that runs it"
    fi
done

work="${WORK_DIR:-$(mktemp -d -t mlpipe-sagemaker-XXXXXX)}"
mkdir -p "$work"
echo "work folder: $work"

step "prepare the penguins data"
"$bin" prepare --input data/penguins.csv --target sex --drop year --test-size 0.2 --seed 42 \
    --out "$work/prepared"

step "train (as SageMaker's training job would run: IMAGE train)"
ml="$work/training/opt/ml"
mkdir -p "$ml/input/config" "$ml/input/data/train" "$ml/input/data/test" "$ml/model" "$ml/output"
cp "$work/prepared/train/"*.csv "$ml/input/data/train/"
cp "$work/prepared/test/"*.csv "$ml/input/data/test/"
# As the SageMaker SDK writes them: every value a string.
cat >"$ml/input/config/hyperparameters.json" <<'JSON'
{
  "categorical-features": "species,island",
  "numerical-features": "bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g",
  "target": "sex",
  "C": "1.0",
  "max-iter": "100",
  "sagemaker_program": "train",
  "sagemaker_region": "\"eu-west-1\""
}
JSON
cat >"$ml/input/config/inputdataconfig.json" <<'JSON'
{
  "train": {"ContentType": "text/csv", "TrainingInputMode": "File", "S3DistributionType": "FullyReplicated"},
  "test": {"ContentType": "text/csv", "TrainingInputMode": "File", "S3DistributionType": "FullyReplicated"}
}
JSON
cat >"$ml/input/config/resourceconfig.json" <<'JSON'
{"current_host": "algo-1", "hosts": ["algo-1"], "network_interface_name": "eth0"}
JSON
"$bin" train --root "$ml"

step "package the model as SageMaker does (model.tar.gz), then unpack it for the endpoint"
tar -czf "$work/model.tar.gz" -C "$ml/model" .
serving="$work/serving/opt/ml"
mkdir -p "$serving/model"
tar -xzf "$work/model.tar.gz" -C "$serving/model"
ls -l "$serving/model"

step "serve (as the endpoint would run: IMAGE serve)"
port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port="${PORT:-8080}"
while ! port_is_free "$port"; do port=$((port + 1)); done
# Loopback only: this run talks to itself (in the container, SageMaker needs 0.0.0.0).
SAGEMAKER_BIND_TO_PORT="$port" "$bin" serve --root "$serving" --host 127.0.0.1 >"$work/serve.log" 2>&1 &
server=$!
stop_server() {
    if kill -0 "$server" 2>/dev/null; then
        kill -TERM "$server"
        wait "$server" || true
    fi
}
trap stop_server EXIT

url="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
    if curl -sf "$url/ping" >/dev/null; then break; fi
    if ! kill -0 "$server" 2>/dev/null; then cat "$work/serve.log" >&2; echo "server exited" >&2; exit 1; fi
    sleep 0.1
done
curl -sf "$url/ping" >/dev/null || { cat "$work/serve.log" >&2; echo "no /ping answer" >&2; exit 1; }
echo "endpoint ready on $url"

x_test="$work/prepared/test/X_test.csv"
y_test="$work/prepared/test/y_test.csv"
tail -n +2 "$x_test" | head -n 10 >"$work/first10.csv"
curl -sf -X POST -H 'Content-Type: text/csv' -H 'Accept: text/csv' --data-binary @"$work/first10.csv" \
    "$url/invocations" >"$work/first10.predictions"

step "the first 10 test rows"
header="$(head -n 1 "$x_test")"
printf '%-60s  %-9s  %s\n' "$header" "predicted" "true"
paste -d '|' "$work/first10.csv" "$work/first10.predictions" <(tail -n +2 "$y_test" | head -n 10) |
    while IFS='|' read -r row predicted truth; do
        printf '%-60s  %-9s  %s\n' "$row" "$predicted" "$truth"
    done

tail -n +2 "$x_test" >"$work/all.csv"
curl -sf -X POST -H 'Content-Type: text/csv' -H 'Accept: text/csv' --data-binary @"$work/all.csv" \
    "$url/invocations" >"$work/all.predictions"
total=$(wc -l <"$work/all.predictions")
correct=$(paste -d ',' "$work/all.predictions" <(tail -n +2 "$y_test") | awk -F, '$1 == $2' | wc -l)
step "accuracy of the endpoint on the $total test rows: $correct/$total = $(awk -v c="$correct" -v t="$total" 'BEGIN { printf "%.4f", c / t }')"

step "shut down (SIGTERM)"
kill -TERM "$server"
status=0
wait "$server" || status=$?
trap - EXIT
tail -n 3 "$work/serve.log"
echo "server exited with status $status"
[ "$status" -eq 0 ]
