#!/usr/bin/env bash
# Runs the fuzz targets one after another (never in parallel: the machines are shared), each for
# SECONDS (default 180), continuing past crashes, timeouts and out-of-memory inputs so one run
# finds all it can. Findings land in fuzz/artifacts/<target>/; copy each into
# fixtures/fuzz-regressions/<target>/ once fixed (tests/it/fuzz_regressions.rs replays them).
#
#   cargo +nightly fuzz build -O --debug-assertions   # from fuzz/
#   python3 fuzz/seed.py                              # corpus from fixtures/
#   fuzz/run-all.sh 180 log devlink                   # or every target
#   MAX_LEN=16384 fuzz/run-all.sh 180 log              # the log target on short inputs (faster)
set -u
cd "$(dirname "$0")"
seconds=${1:-180}
shift || true
targets=${*:-log devlink listing deferred dtb acpi sysmmu_regs page_table elf_core bundle config baseline}
bin=target/x86_64-unknown-linux-gnu/release
mkdir -p logs
for target in $targets; do
    mkdir -p "corpus/$target" "artifacts/$target"
    "$bin/$target" "corpus/$target" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 ${MAX_LEN:+-max_len=$MAX_LEN} \
        -artifact_prefix="artifacts/$target/" >"logs/$target.log" 2>&1
    execs=$(grep -a -o '#[0-9]*' "logs/$target.log" | tail -1)
    found=$(ls "artifacts/$target" | wc -l)
    echo "$target: ${seconds}s, execs ${execs#\#}, artifacts $found"
done
