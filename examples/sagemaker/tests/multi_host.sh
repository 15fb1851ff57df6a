#!/usr/bin/env bash
# CTest sagemaker.multi_host: multi-host training jobs, each host in a network namespace of
# its own (scripts/sagemaker-multi-host.sh), on the penguins data:
#   1. 2 hosts, ShardedByS3Key (each host its own file): both exit 0, only the first host
#      writes a model, and its test metrics equal a one-host job's on the same rows;
#   2. 3 hosts, FullyReplicated (each rank a third of the rows): the same;
#   3. a missing label in the second host's file: every host fails, and the first host's
#      failure names the second host and the file's row;
#   4. a host that never starts: the first host fails within the wait it was given, naming it;
#   5. the second host's rank killed mid-job: every host fails within a minute, and the first
#      host's failure names the second host;
#   6. the second host cut off the network mid-job: each host gives the other up on its own
#      within a minute, naming it.
# Exits 77 (skipped) where the machine cannot make network namespaces or lacks sshd/MPI.
#
#   multi_host.sh BINARY SIMULATION_SCRIPT DATA_CSV WORK_DIR
set -euo pipefail
binary="$1" simulate="$2" data="$3" work="$4"

fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work/data/train" "$work/data/test" "$work/bad/train"

# The penguins rows with every field given, the year dropped: 60 test rows, the rest split in
# two training files.
awk -F, 'NR == 1 || $0 !~ /(^|,)(NA)?(,|$)/ { NF = NF - 1; print }' OFS=, "$data" >"$work/complete.csv"
rows=$(($(wc -l <"$work/complete.csv") - 1))
[ "$rows" -gt 200 ] || fail "expected more than 200 complete rows in $data, got $rows"
header="$(head -1 "$work/complete.csv")"
{ echo "$header"; sed -n "2,61p" "$work/complete.csv"; } >"$work/data/test/test.csv"
{ echo "$header"; sed -n "62,200p" "$work/complete.csv"; } >"$work/data/train/part-1.csv"
{ echo "$header"; sed -n "201,\$p" "$work/complete.csv"; } >"$work/data/train/part-2.csv"
echo '{"target": "sex"}' >"$work/hyperparameters.json"

# The reference: one host, both files.
mkdir -p "$work/one/input/config" "$work/one/input/data"
cp -r "$work/data/train" "$work/data/test" "$work/one/input/data/"
cp "$work/hyperparameters.json" "$work/one/input/config/"
"$binary" train --root "$work/one" >"$work/one.log" 2>&1 || { cat "$work/one.log"; fail "the one-host job failed"; }

# metric FILE CHANNEL NAME: a value of evaluation.json (written with two-space indents).
metric() {
    awk -v channel="\"$2\": {" -v name="\"$3\":" '
        index($0, channel) { inside = 1 } inside && index($0, name) { gsub(/[ ,]/, "", $2); print $2; exit }' \
        FS=': ' "$1"
}
same_as_one_host() {  # RUN: its test metrics equal the one-host job's
    local run="$1"
    for name in accuracy log_loss roc_auc; do
        local mine reference
        mine="$(metric "$run/algo-1/output/data/evaluation.json" test "$name")"
        reference="$(metric "$work/one/output/data/evaluation.json" test "$name")"
        [ -n "$mine" ] && [ -n "$reference" ] || fail "$run: no test:$name in evaluation.json"
        awk -v a="$mine" -v b="$reference" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1e-10 * (1 + (b < 0 ? -b : b))) }' ||
            fail "$run: test:$name is $mine on several hosts, $reference on one"
    done
}

simulate() {  # WORK_NAME, then the simulation's options; prints its output
    local name="$1"
    shift
    set +e
    timeout 300 "$simulate" --binary "$binary" --work "$work/$name" --hyperparameters "$work/hyperparameters.json" "$@" \
        >"$work/$name.out" 2>&1
    local status=$?
    set -e
    cat "$work/$name.out"
    [ "$status" = 77 ] && exit 77
    return "$status"
}

echo "== 1. two hosts, ShardedByS3Key"
simulate sharded --hosts 2 --sharded --train "$work/data/train" --test "$work/data/test" ||
    fail "the sharded job failed (logs: $work/sharded/algo-*.log)"
[ -f "$work/sharded/algo-1/model/model.mlpipe" ] || fail "the first host wrote no model"
[ ! -e "$work/sharded/algo-2/model/model.mlpipe" ] || fail "the second host wrote a model too"
grep -q '"host": "algo-2"' "$work/sharded/algo-1/model/metadata.json" || fail "metadata.json names no second host"
grep -q "the job ended with status 0 (told by algo-1)" "$work/sharded/algo-2.log" || fail "algo-2 was not told the job ended"
same_as_one_host "$work/sharded"

echo "== 2. three hosts, FullyReplicated"
simulate replicated --hosts 3 --train "$work/data/train" --test "$work/data/test" ||
    fail "the replicated job failed (logs: $work/replicated/algo-*.log)"
grep -q "rows 1 to " "$work/replicated/algo-1.log" || fail "the first rank did not take a range of the rows"
same_as_one_host "$work/replicated"

echo "== 3. a missing label on the second host"
cp "$work/data/train/part-1.csv" "$work/bad/train/"
awk -F, 'NR == 4 { $NF = "" } { print }' OFS=, "$work/data/train/part-2.csv" >"$work/bad/train/part-2.csv"
if simulate bad --hosts 2 --sharded --train "$work/bad/train"; then fail "a job with a missing label passed"; fi
grep -q "host algo-2 (rank 1 of 2): the label ('sex') is missing at .*part-2.csv, data row 3" \
    "$work/bad/algo-1/output/failure" || fail "the first host's failure does not name algo-2 and the row"
[ -s "$work/bad/algo-2/output/failure" ] || fail "the second host wrote no failure"
[ ! -e "$work/bad/algo-1/model/model.mlpipe" ] || fail "a failed job wrote a model"

echo "== 4. a host that never starts"
start=$(date +%s)
if simulate absent --hosts 3 --absent 3 --wait 3 --train "$work/data/train"; then fail "a job with a missing host passed"; fi
took=$(($(date +%s) - start))
grep -q "host 'algo-3' did not answer on port 22 within 3 s" "$work/absent/algo-1/output/failure" ||
    fail "the first host's failure does not name algo-3"
[ "$took" -lt 60 ] || fail "the job took $took s to give up on a missing host"
echo "== 5. the second host's rank killed"
start=$(date +%s)
simulate killed --hosts 2 --sharded --train "$work/data/train" >/dev/null &
simulation=$!
namespace_of() { sed -n "s/^$2: started (namespace \\([^,]*\\),.*/\\1/p" "$work/$1.out" 2>/dev/null; }
rank_in() {  # NAMESPACE: the pid of the rank process there, once it runs
    local pid
    for pid in $(ip netns pids "$1" 2>/dev/null); do
        if tr "\\0" " " 2>/dev/null <"/proc/$pid/cmdline" | grep -q -- "^[^ ]*mlpipe-sagemaker train .*--as-mpi-rank"; then
            echo "$pid"
            return
        fi
    done
}
# freeze_first_then RUN ACTION: freezes the first host's rank as soon as it starts, so that
# the second host's rank waits for it inside MPI, alive however fast or slow this machine is;
# once the second rank runs, ACTION (kill or cut) is done to it. Sets frozen and acted.
freeze_first_then() {
    local run="$1" action="$2" pid deadline=$((SECONDS + 60))
    frozen="" acted=""
    while [ "$SECONDS" -lt "$deadline" ] && kill -0 "$simulation" 2>/dev/null; do
        if [ -z "$frozen" ]; then
            pid="$(rank_in "$(namespace_of "$run" algo-1)")"
            [ -n "$pid" ] && kill -STOP "$pid" && frozen="$pid"
        else
            pid="$(rank_in "$(namespace_of "$run" algo-2)")"
            if [ -n "$pid" ] && grep -qs running "/proc/$pid/root/tmp/mlpipe-multi-host/rank"; then
                case "$action" in
                    kill) kill -KILL "$pid" ;;
                    cut) ip -n "$(namespace_of "$run" algo-2)" link set eth0 down ;;
                esac
                acted="$pid"
                return
            fi
        fi
        sleep 0.05
    done
}
freeze_first_then killed kill
killed="$acted"
[ -z "$frozen" ] || kill -CONT "$frozen" 2>/dev/null || true
if wait "$simulation"; then fail "a job whose rank was killed passed"; fi
took=$(($(date +%s) - start))
cat "$work/killed.out"
[ -n "$killed" ] || fail "never found the second host's rank to kill"
cat "$work/killed/algo-1/output/failure"
grep -q "the rank on host algo-2 ended without finishing" "$work/killed/algo-1/output/failure" ||
    fail "the first host's failure does not name algo-2's rank"
[ -s "$work/killed/algo-2/output/failure" ] || fail "the second host wrote no failure"
[ "$took" -lt 60 ] || fail "the job took $took s to end after a rank was killed"

echo "== 6. the second host cut off the network"
start=$(date +%s)
simulate lost --hosts 2 --sharded --wait 4 --independent --train "$work/data/train" >/dev/null &
simulation=$!
freeze_first_then lost cut
cut="$acted"
if wait "$simulation"; then fail "a job that lost a host passed"; fi
lost_took=$(($(date +%s) - start))
[ -z "$frozen" ] || kill -KILL "$frozen" 2>/dev/null || true
cat "$work/lost.out"
[ -n "$cut" ] || fail "never found the second host's rank running"
grep -q "lost host algo-2: its SSH port did not answer for 4 s" "$work/lost/algo-1/output/failure" ||
    fail "the first host's failure does not say it lost algo-2"
grep -q "lost the first host 'algo-1'" "$work/lost/algo-2/output/failure" ||
    fail "the second host's failure does not say it lost algo-1"
[ "$lost_took" -lt 60 ] || fail "the job took $lost_took s to end after a host was cut off"
echo "PASS: multi-host jobs (a killed rank's job ended after ${took} s, a cut-off host's after ${lost_took} s)"
