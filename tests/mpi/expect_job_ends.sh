#!/bin/sh
# expect_job_ends.sh SECONDS COMMAND...: runs COMMAND (an mpirun whose job loses a rank) and
# passes when it fails on its own within SECONDS: not with success, and not by being stopped
# at the time limit (a hang).
limit="$1"
shift
start=$(date +%s)
timeout "$limit" "$@"
status=$?
elapsed=$(($(date +%s) - start))
if [ "$status" -eq 124 ]; then
    echo "expect_job_ends: the job was still running after $limit s: it hangs when a rank dies" >&2
    exit 1
fi
if [ "$status" -eq 0 ]; then
    echo "expect_job_ends: the job succeeded, though one of its ranks died" >&2
    exit 1
fi
echo "expect_job_ends: the job ended with status $status after $elapsed s, as it should"
