#!/usr/bin/env bash
# Throughput and peak memory of the kernel log reader on one large log, beside ripgrep
# counting `probe of` lines in the same file. `read_log_events` keeps every event (memory grows
# with the events); the streaming path (LogReader + classify) keeps nothing.
#
#   benches/log_throughput.sh            # ~200 MiB log
#   SIZE_MB=50 benches/log_throughput.sh
#
# Needs ripgrep (`apt-get install -y ripgrep`) and GNU time (`apt-get install -y time`).
set -euo pipefail
cd "$(dirname "$0")/.."

size_mb=${SIZE_MB:-200}
if ! command -v rg >/dev/null; then
    echo "ripgrep (rg) is not installed; install it with: apt-get install -y ripgrep" >&2
    exit 1
fi
if [ ! -x /usr/bin/time ]; then
    echo "GNU time (/usr/bin/time) is not installed; install it with: apt-get install -y time" >&2
    exit 1
fi

cargo build --release --quiet --example parse_log
parser=target/release/examples/parse_log

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
big="$work/big-dmesg.txt"

# Every kernel-text log of the corpus: QEMU dmesg, dmesg -r and console captures, and the
# public text logs (not the kmsg, JSON, journal or listing files).
sources=(fixtures/qemu/*/*/dmesg.txt fixtures/qemu/*/*/dmesg-raw.txt fixtures/qemu/*/*/console.log)
for file in fixtures/public/*.txt; do
    case "$file" in
        *kmsg*|*json*|*journalctl*|*devices_deferred*|*listing*|*iommu_groups*|*devlink-listing*) ;;
        *) sources+=("$file") ;;
    esac
done
: > "$big"
while [ "$(stat -c %s "$big")" -lt $((size_mb * 1024 * 1024)) ]; do
    cat "${sources[@]}" >> "$big"
done
bytes=$(stat -c %s "$big")
echo "log: $(( bytes / 1024 / 1024 )) MiB, $(wc -l < "$big") lines, from ${#sources[@]} corpus files"

# Warm the page cache so both tools read from memory.
cat "$big" > /dev/null

measure() {
    local label=$1
    shift
    /usr/bin/time -v "$@" > "$work/out.txt" 2> "$work/time.txt"
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
    local secs
    secs=$(echo "$wall" | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
    local rate
    rate=$(awk -v b="$bytes" -v s="$secs" 'BEGIN { if (s > 0) printf "%.0f", b / 1048576 / s; else print "inf" }')
    printf '%-28s %8ss %8s MiB/s  peak RSS %6s KiB   %s\n' "$label" "$secs" "$rate" "$rss" "$(tail -n 1 "$work/out.txt")"
}

measure "read_log_events (keeps all)" "$parser" "$big"
measure "LogReader + classify" "$parser" "$big" --stream
measure "rg -c 'probe of'" rg -c 'probe of' "$big"
