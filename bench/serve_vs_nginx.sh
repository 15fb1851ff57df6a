#!/usr/bin/env bash
# The endpoint under load, side by side with nginx returning a fixed reply, on loopback,
# in the same run: wrk -t2 -c32 req/s and p99 for one-row and 100-row CSV requests, then
# /ping and /invocations latency while 1,000 idle and 200 slow-header connections are
# held open (bench/serve_load.py). Optionally a second mlpipe-sagemaker binary (an
# earlier build) is measured too, for before/after figures.
#
#   bench/serve_vs_nginx.sh [BIN [OLD_BIN]]
#
# BIN defaults to build/examples/sagemaker/mlpipe-sagemaker. Needs wrk and nginx
# (Debian: apt-get install wrk nginx-light); installs nothing itself. Environment:
# DURATION (seconds per wrk run, default 10), ROUNDS (default 1: with more, the servers
# take turns ROUNDS times and each line gives the median req/s and p99 of its runs, with
# the ratio to nginx's median; this machine's throughput drifts by 20% within minutes, so
# compare within one run), IDLE and SLOW (default 1000 and 200).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$(realpath "${1:-$root/build/examples/sagemaker/mlpipe-sagemaker}")"
old_bin="${2:+$(realpath "$2")}"
duration="${DURATION:-10}"
for tool in wrk nginx python3; do
    command -v "$tool" >/dev/null || { echo "needs $tool (Debian: apt-get install wrk nginx-light)" >&2; exit 2; }
done
[ -x "$bin" ] || { echo "no binary at $bin: build the mlpipe-sagemaker target first" >&2; exit 2; }
ulimit -n "$(ulimit -Hn)"

work="$(mktemp -d -t mlpipe-serve-bench-XXXXXX)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for_ping() {
    for _ in $(seq 100); do
        python3 - "$1" <<'PY' 2>/dev/null && return 0
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1) as c:
    c.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert c.recv(64).startswith(b"HTTP/1.1 200")
PY
        sleep 0.1
    done
    echo "no answer on port $1" >&2
    exit 1
}

# The penguins model, trained by the binary itself.
"$bin" prepare --input "$root/data/penguins.csv" --target sex --drop year --test-size 0.2 --seed 42 \
    --out "$work/prepared" >/dev/null
ml="$work/opt/ml"
mkdir -p "$ml/input/config" "$ml/input/data/train" "$ml/model"
cp "$work/prepared/train/"*.csv "$ml/input/data/train/"
cat >"$ml/input/config/hyperparameters.json" <<'JSON'
{"categorical-features": "species,island", "target": "sex",
 "numerical-features": "bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g"}
JSON
"$bin" train --root "$ml" >/dev/null

# Requests: one row, and 100 rows (the test rows repeated).
tail -n +2 "$work/prepared/test/X_test.csv" >"$work/rows.csv"
head -n 1 "$work/rows.csv" >"$work/body1.csv"
for _ in $(seq 2); do cat "$work/rows.csv"; done | head -n 100 >"$work/body100.csv"
for rows in 1 100; do
    python3 - "$work/body$rows.csv" "$work/post$rows.lua" <<'PY'
import sys
body = open(sys.argv[1]).read()
with open(sys.argv[2], "w") as out:
    out.write('wrk.method = "POST"\n')
    out.write('wrk.headers["Content-Type"] = "text/csv"\n')
    out.write("wrk.body = %s\n" % ("[==[" + body + "]==]"))
PY
done

# nginx: a fixed reply, as many workers as cores, no logs.
nginx_port="$(free_port)"
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$nginx_port;
        location / { default_type text/csv; return 200 "male\n"; }
    }
}
CONF
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
pids+=($!)

start_serve() {  # binary, name -> sets port
    local port
    port="$(free_port)"
    mkdir -p "$work/$2/model"
    cp "$ml/model/model.mlpipe" "$work/$2/model/"
    "$1" serve --root "$work/$2" --host 127.0.0.1 --port "$port" >"$work/$2.log" 2>&1 &
    pids+=($!)
    wait_for_ping "$port"
    echo "$port"
}

rounds="${ROUNDS:-1}"
run_wrk() {  # name, port, rows: appends "name req/s p99-ms non-2xx" to $work/runs
    local out rps p99 non2xx
    out="$(wrk -t2 -c32 -d"${duration}s" --latency -s "$work/post$3.lua" "http://127.0.0.1:$2/invocations")"
    rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
    # wrk prints the percentile in us, ms or s
    p99="$(awk '$1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
                              print (u == "us" ? v / 1000 : u == "s" ? v * 1000 : v) }' <<<"$out")"
    non2xx="$(awk '/Non-2xx/ {print $NF}' <<<"$out")"
    echo "$1|$rps|$p99|${non2xx:-0}" >>"$work/runs"
}

# The medians of each server's runs for one body size, and the ratio to nginx.
report() {  # rows
    python3 - "$work/runs" "$1" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    name, rps, p99, non2xx = line.rstrip("\n").split("|")
    runs.setdefault(name, []).append((float(rps), float(p99), int(non2xx)))
nginx = statistics.median(r[0] for r in runs.get("nginx (fixed reply)", [(0, 0, 0)]))
for name, rs in runs.items():
    rps = statistics.median(r[0] for r in rs)
    p99 = statistics.median(r[1] for r in rs)
    ratio = "" if name.startswith("nginx") or nginx == 0 else "  %3.0f%% of nginx" % (100 * rps / nginx)
    errors = sum(r[2] for r in rs)
    spread = "" if len(rs) == 1 else "  (%d runs: %.0f-%.0f)" % (len(rs), min(r[0] for r in rs), max(r[0] for r in rs))
    print("%-22s %5s rows  %10.0f req/s  p99 %5.2fms%s%s%s" % (name, sys.argv[2], rps, p99, ratio,
          "  non-2xx %d" % errors if errors else "", spread))
PY
}

new_port="$(start_serve "$bin" new)"
servers=("nginx (fixed reply)=$nginx_port" "mlpipe serve=$new_port")
if [ -n "$old_bin" ]; then
    old_port="$(start_serve "$old_bin" old)"
    servers+=("mlpipe serve (old)=$old_port")
fi
wait_for_ping "$nginx_port"

echo "== wrk -t2 -c32, ${duration} s each, loopback, $(nproc) cores shared by client and server; ${rounds} round(s), medians"
for rows in 1 100; do
    : >"$work/runs"
    for _ in $(seq "$rounds"); do
        for entry in "${servers[@]}"; do
            run_wrk "${entry%%=*}" "${entry##*=}" "$rows"
        done
    done
    report "$rows"
done

echo "== /ping and one-row /invocations while ${IDLE:-1000} idle and ${SLOW:-200} slow-header connections are open"
for entry in "${servers[@]}"; do
    [ "${entry%%=*}" = "nginx (fixed reply)" ] && continue
    echo "-- ${entry%%=*}"
    python3 "$root/bench/serve_load.py" --port "${entry##*=}" --idle "${IDLE:-1000}" --slow "${SLOW:-200}" \
        --samples 10 --timeout 5
done
