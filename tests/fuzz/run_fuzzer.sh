#!/bin/sh
# Runs a libFuzzer target for SECONDS over the checked-in corpus directories,
# which it only reads: new inputs go to SCRATCH/corpus, crashes to SCRATCH/.
# Prints the executions reached; fails when the fuzzer found something.
# usage: run_fuzzer.sh FUZZER SECONDS SCRATCH CORPUS_DIR...
set -eu
fuzzer=$1 seconds=$2 scratch=$3
shift 3
rm -rf "$scratch"
mkdir -p "$scratch/corpus"
status=0
# An input that takes over 10 s or allocates over 512 MiB at once is a finding
# (yaml-cpp looping forever, allocating, was), not a ctest timeout.
"$fuzzer" -max_total_time="$seconds" -timeout=10 -malloc_limit_mb=512 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$scratch/" \
    "$scratch/corpus" "$@" >"$scratch/log" 2>&1 || status=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/log")
if [ "$status" -ne 0 ] || [ -z "$execs" ]; then
    tail -n 60 "$scratch/log"
    echo "$(basename "$fuzzer"): failed (exit $status); the input is in $scratch/, the log in $scratch/log"
    exit 1
fi
grep '^stat::' "$scratch/log"
echo "$(basename "$fuzzer"): $execs executions in $seconds s, $(ls "$scratch/corpus" | wc -l) new inputs"
