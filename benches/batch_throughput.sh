#!/usr/bin/env bash
# Throughput of `probescope check` over a batch of boot logs, as a CI lab runs it: COUNT kernel
# logs (the corpus's logs, copied round-robin into a temporary directory), one boot each,
# analysed on JOBS threads, ndjson out. Reports logs/s, MB/s and peak memory (/usr/bin/time -v).
#
# Usage: benches/batch_throughput.sh [COUNT] [JOBS]      (defaults: 1000 logs, every core)
set -euo pipefail
cd "$(dirname "$0")/.."

count=${1:-1000}
jobs=${2:-$(nproc)}
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (GNU time) for the peak memory" >&2; exit 2; }

cargo build --release --quiet
bin=$PWD/target/release/probescope

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/logs"

# The corpus's kernel logs: each QEMU capture's dmesg.txt, and the public files probescope reads
# as a kernel log (the others are sysfs pastes, not boot logs).
sources=()
for candidate in fixtures/qemu/*/*/dmesg.txt fixtures/public/*.txt; do
    if "$bin" check --format ndjson --fail-on never "$candidate" 2>/dev/null | python3 -c '
import json, sys
boot = json.loads(sys.stdin.readline() or "{}")
sys.exit(0 if any(i.get("kind") == "kernel-log" for i in boot.get("inputs", [])) else 1)'; then
        sources+=("$candidate")
    fi
done
if ((${#sources[@]} == 0)); then
    echo "no corpus file was read as a kernel log (is the log ingest in this build?)" >&2
    exit 2
fi

for ((i = 0; i < count; i++)); do
    source=${sources[i % ${#sources[@]}]}
    cp "$source" "$work/logs/$(printf '%05d' "$i")-$(basename "$source")"
done
bytes=$(cat "$work"/logs/* | wc -c)

status=0
/usr/bin/time -v -o "$work/time.txt" \
    "$bin" check --format ndjson --fail-on never --jobs "$jobs" "$work"/logs/* >"$work/out.ndjson" || status=$?
if ((status != 0)); then
    echo "probescope exited with $status (2 = an input was unusable)" >&2
fi
boots=$(wc -l <"$work/out.ndjson")

python3 - "$work/time.txt" "$count" "$bytes" "$boots" "$jobs" "${#sources[@]}" <<'EOF'
import sys
time_file, count, size, boots, jobs, sources = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
fields = {}
for line in open(time_file):
    key, _, value = line.strip().rpartition(": ")
    fields[key] = value
clock = fields["Elapsed (wall clock) time (h:mm:ss or m:ss)"]
seconds = 0.0
for part in clock.split(":"):
    seconds = seconds * 60 + float(part)
peak_kib = int(fields["Maximum resident set size (kbytes)"])
print(f"{count} logs ({sources} distinct corpus logs), {size / 1e6:.1f} MB, --jobs {jobs}: {boots} boots reported")
print(f"wall {seconds:.2f} s, user {fields['User time (seconds)']} s, system {fields['System time (seconds)']} s, CPU {fields['Percent of CPU this job got']}")
print(f"throughput: {count / seconds:.0f} logs/s, {size / 1e6 / seconds:.1f} MB/s")
print(f"peak memory (max RSS): {peak_kib / 1024:.1f} MiB")
EOF
