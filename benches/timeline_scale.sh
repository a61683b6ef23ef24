#!/usr/bin/env bash
# Cost of `probescope timeline` and `blame` on a large boot: a generated log of DEVICES
# devices (default 20,000), each deferred four times (initcall_debug's `probe of X returned
# 517 after N usecs`) and then bound (`returned 0`): 5 events per device, 100,000 events by
# default. Prints the wall and CPU time and peak memory of each command and the size of the
# page (on a loaded machine the CPU time is the fairer number).
#
#   benches/timeline_scale.sh
#   DEVICES=50000 benches/timeline_scale.sh
#
# Needs GNU time (`apt-get install -y time`).
set -euo pipefail
cd "$(dirname "$0")/.."

devices=${DEVICES:-20000}
if [ ! -x /usr/bin/time ]; then
    echo "GNU time (/usr/bin/time) is not installed; install it with: apt-get install -y time" >&2
    exit 1
fi
cargo build --release --quiet
bin=target/release/probescope
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log="$work/dmesg.txt"
# Timestamps grow 100 us per line; every device retries four times, 1 ms apart in its turn.
awk -v n="$devices" 'BEGIN {
    t = 0.0
    printf "[%12.6f] Linux version 6.1.0 (bench@gen) #1 SMP PREEMPT\n", t
    printf "[%12.6f] Kernel command line: console=ttyAMA0 initcall_debug\n", t
    for (i = 0; i < n; i++) {
        for (r = 0; r < 4; r++) {
            t += 0.0001
            printf "[%12.6f] platform dev%d.bench: probe of dev%d.bench returned 517 after %d usecs\n", t, i, i, 10 + r
        }
        t += 0.0001
        printf "[%12.6f] bench-driver dev%d.bench: probe of dev%d.bench returned 0 after %d usecs\n", t, i, i, 100 + i % 900
    }
}' > "$log"
echo "log: $(wc -l < "$log") lines, $(( $(stat -c %s "$log") / 1024 )) KiB, ${devices} devices"
measure() {
    local label=$1
    shift
    /usr/bin/time -f "$label: %e s wall, %U s user + %S s sys CPU, %M KiB peak" "$@"
}
measure "timeline html" "$bin" timeline "$log" -o "$work/boot.html"
measure "timeline svg" "$bin" timeline --format svg "$log" -o "$work/boot.svg"
measure "blame json" "$bin" blame --format json "$log" > "$work/blame.json"
echo "page: $(( $(stat -c %s "$work/boot.html") / 1024 )) KiB html, $(( $(stat -c %s "$work/boot.svg") / 1024 )) KiB svg"
echo "rows drawn: $(grep -o 'class="row' "$work/boot.html" | wc -l)"
