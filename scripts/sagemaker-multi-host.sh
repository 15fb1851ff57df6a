#!/usr/bin/env bash
# A multi-host SageMaker training job, simulated on this machine: each host is a process
# in a network namespace of its own (its own address on a private bridge, its own host
# name, /tmp and /opt/ml-like root), so that the launcher's SSH servers, mpirun and the
# ranks talk over TCP between "hosts" as on SageMaker (docs/sagemaker-multi-host.md).
#
#   scripts/sagemaker-multi-host.sh --binary BIN --work DIR --train DIR [options]
#
#   --hosts N          hosts in resourceconfig.json: algo-1 .. algo-N (default 2)
#   --absent LIST      hosts listed but never started (comma-separated numbers), to show
#                      what a host that never answers does
#   --sharded          S3DistributionType ShardedByS3Key: the train files are dealt out to the
#                      hosts in turn (file i to host i mod N); otherwise FullyReplicated,
#                      every host holds every file
#   --test DIR         a test channel, given to every host
#   --hyperparameters FILE   hyperparameters.json for every host
#   --wait SECONDS     MLPIPE_HOST_WAIT_SECONDS and MLPIPE_LOST_HOST_SECONDS (default 60)
#   --independent      a host that fails does not stop the others (to show each host's own
#                      bounds; SageMaker stops them)
#
# Then, as SageMaker does, the job ends when every host's container has exited, and a host
# that fails stops the others (SIGTERM), unless --independent. Prints each host's exit status and failure, and
# leaves each host's folder in DIR/algo-K (DIR/algo-K.log its log). Exits 0 when every
# host exited 0, 1 otherwise, and 77 when this machine cannot make network namespaces
# (needs root, iproute2, unshare) or lacks sshd, ssh or mpirun.
set -euo pipefail

binary="" work="" train="" test_dir="" hyperparameters="" hosts=2 absent="" sharded=0 wait_seconds=60 independent=0
while [ $# -gt 0 ]; do
    case "$1" in
        --binary) binary="$2"; shift 2 ;;
        --work) work="$2"; shift 2 ;;
        --train) train="$2"; shift 2 ;;
        --test) test_dir="$2"; shift 2 ;;
        --hyperparameters) hyperparameters="$2"; shift 2 ;;
        --hosts) hosts="$2"; shift 2 ;;
        --absent) absent=",$2,"; shift 2 ;;
        --sharded) sharded=1; shift ;;
        --wait) wait_seconds="$2"; shift 2 ;;
        --independent) independent=1; shift ;;
        *) echo "unknown option $1 (see the comment at the top of $0)" >&2; exit 2 ;;
    esac
done
[ -n "$binary" ] && [ -n "$work" ] && [ -n "$train" ] || { echo "--binary, --work and --train are needed" >&2; exit 2; }
binary="$(realpath "$binary")"

skip() { echo "SKIP: $*" >&2; exit 77; }
[ "$(id -u)" = 0 ] || skip "network namespaces need root"
for tool in ip unshare ssh ssh-keygen mpirun /usr/sbin/sshd; do
    command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed (scripts/setup.sh installs openssh-server, openssh-client, openmpi-bin, iproute2)"
done
unshare --net --uts --mount true 2>/dev/null || skip "this machine does not allow network namespaces (unshare --net failed)"

mkdir -p "$work"
work="$(realpath "$work")"
rm -rf "${work:?}"/algo-* "$work/ssh" "$work/ml"
mkdir -p "$work/ml"

# The image's SSH files (examples/sagemaker/Dockerfile makes the same three).
mkdir -m 700 "$work/ssh"
ssh-keygen -q -t ed25519 -N '' -f "$work/ssh/id_ed25519"
cp "$work/ssh/id_ed25519.pub" "$work/ssh/authorized_keys"
ssh-keygen -q -t ed25519 -N '' -f "$work/ssh/ssh_host_ed25519_key"

# The network: a bridge, and per host a namespace with eth0 on it and an /etc/hosts naming
# every host (ip netns exec mounts /etc/netns/NS/hosts over /etc/hosts).
tag="$$"
bridge="mlpbr$tag"
subnet="10.213.$((tag % 200 + 20))"
namespaces=()
cleanup() {
    for pid in "${pids[@]:-}"; do [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true; done
    for ns in "${namespaces[@]:-}"; do
        [ -n "$ns" ] || continue
        ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
        ip netns del "$ns" 2>/dev/null || true
        rm -rf "/etc/netns/$ns"
    done
    ip link del "$bridge" 2>/dev/null || true
    rm -rf "/run/mlpipe-sim-$tag"
}
trap cleanup EXIT
ip link add "$bridge" type bridge
ip link set "$bridge" up
hosts_file="127.0.0.1 localhost"
for k in $(seq 1 "$hosts"); do hosts_file+=$'\n'"$subnet.$((10 + k)) algo-$k"; done

host_list=""
for k in $(seq 1 "$hosts"); do host_list+="${host_list:+, }\"algo-$k\""; done
distribution=FullyReplicated
[ "$sharded" = 1 ] && distribution=ShardedByS3Key
train_files=("$train"/*)
for k in $(seq 1 "$hosts"); do
    root="$work/algo-$k"
    mkdir -p "$root/input/config" "$root/input/data/train" "$root/model" "$root/output"
    printf '{"current_host": "algo-%s", "hosts": [%s], "network_interface_name": "eth0"}\n' "$k" "$host_list" \
        >"$root/input/config/resourceconfig.json"
    printf '{"train": {"ContentType": "text/csv", "TrainingInputMode": "File", "S3DistributionType": "%s"}}\n' \
        "$distribution" >"$root/input/config/inputdataconfig.json"
    [ -n "$hyperparameters" ] && cp "$hyperparameters" "$root/input/config/hyperparameters.json"
    for i in "${!train_files[@]}"; do
        if [ "$sharded" = 0 ] || [ $((i % hosts + 1)) = "$k" ]; then cp "${train_files[$i]}" "$root/input/data/train/"; fi
    done
    if [ -n "$test_dir" ]; then mkdir -p "$root/input/data/test" && cp "$test_dir"/* "$root/input/data/test/"; fi
done

pids=()
declare -A host_of_pid
for k in $(seq 1 "$hosts"); do
    case "$absent" in *",$k,"*) echo "algo-$k: listed, never started"; continue ;; esac
    ns="mlpipe-$tag-algo-$k"
    ip netns add "$ns"
    namespaces+=("$ns")
    ip link add "mlpv$tag$k" type veth peer name eth0 netns "$ns"
    ip link set "mlpv$tag$k" master "$bridge" up
    ip -n "$ns" addr add "$subnet.$((10 + k))/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
    mkdir -p "/etc/netns/$ns"
    printf '%s\n' "$hosts_file" >"/etc/netns/$ns/hosts"
    # The host: its name; a private /tmp (root's only, as in a container: sshd refuses keys
    # under a world-writable folder), through which the folders of this machine's /tmp that
    # the binary and the work folder live in stay visible; the SSH files in it; its folder as
    # the root every host's ranks are given (--root $work/ml); then the container's command.
    machine_tmp="/run/mlpipe-sim-$tag/algo-$k"
    mkdir -p "$machine_tmp"
    ip netns exec "$ns" unshare --uts --mount --propagation private bash -c '
        set -e
        hostname "$1"
        mount --bind /tmp "$7"
        mount -t tmpfs -o mode=755 tmpfs /tmp
        for path in "$6" "$2"; do
            case "$path" in /tmp/*)
                top="${path#/tmp/}"; top="${top%%/*}"
                mkdir -p "/tmp/$top" && mount --bind "$7/$top" "/tmp/$top" ;;
            esac
        done
        mkdir -m 700 /tmp/mlpipe-ssh && cp -p "$4"/* /tmp/mlpipe-ssh/
        mount --bind "$2" "$3"
        exec env MLPIPE_SSH_DIR=/tmp/mlpipe-ssh MLPIPE_HOST_WAIT_SECONDS="$5" MLPIPE_LOST_HOST_SECONDS="$5" \
            "$6" train --root "$3"' _ "algo-$k" "$work/algo-$k" "$work/ml" "$work/ssh" "$wait_seconds" "$binary" \
        "$machine_tmp" >"$work/algo-$k.log" 2>&1 &
    pids+=("$!")
    host_of_pid[$!]="algo-$k"
    echo "algo-$k: started (namespace $ns, address $subnet.$((10 + k)))"
done

# As SageMaker: wait for every host; the first that fails stops the others.
declare -A status_of
running=("${pids[@]}")
while [ "${#running[@]}" -gt 0 ]; do
    set +e
    wait -n -p done_pid "${running[@]}"
    status=$?
    set -e
    host="${host_of_pid[$done_pid]}"
    status_of[$host]=$status
    echo "$host: exited with status $status"
    still=()
    for pid in "${running[@]}"; do [ "$pid" = "$done_pid" ] || still+=("$pid"); done
    running=("${still[@]}")
    if [ "$status" != 0 ] && [ "$independent" = 0 ]; then
        for pid in "${running[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    fi
done

failed=0
for k in $(seq 1 "$hosts"); do
    host="algo-$k"
    [ -n "${status_of[$host]:-}" ] || continue
    [ "${status_of[$host]}" = 0 ] || failed=1
    if [ -f "$work/$host/output/failure" ]; then echo "$host failure: $(head -c 1024 "$work/$host/output/failure")"; fi
done
exit "$failed"
