#!/usr/bin/env bash
# Whether two probescope binaries give the same answers: `check --format json` on every corpus
# input (each QEMU capture folder and each public log of fixtures/), and `check` in text and
# JSON on the 100 MiB bench log when benches/log_throughput.sh has generated it. For a change
# that must not move any result (a speed-up, a refactor): build the old commit's binary
# (a git worktree), then
#
#   scripts/compare-outputs.sh /tmp/probescope-old target/release/probescope
#
# Prints each input whose output differs and a count; exits 1 when any differs.
set -uo pipefail
cd "$(dirname "$0")/.."
old=$1
new=$2
inputs=0
differing=0
for input in fixtures/qemu/*/*/ fixtures/public/*.txt; do
    inputs=$((inputs + 1))
    if [ "$("$old" check --format json "$input" 2>&1)" != "$("$new" check --format json "$input" 2>&1)" ]; then
        differing=$((differing + 1))
        echo "differs: $input"
    fi
done
long=target/bench-cache/multi-boot-100M.log
if [ -f "$long" ]; then
    for format in text json; do
        inputs=$((inputs + 1))
        if ! cmp -s <("$old" check --max-input-bytes 4G --format "$format" "$long" 2>&1) \
                    <("$new" check --max-input-bytes 4G --format "$format" "$long" 2>&1); then
            differing=$((differing + 1))
            echo "differs: $long ($format)"
        fi
    done
fi
echo "inputs: $inputs, differing: $differing"
[ "$differing" -eq 0 ]
