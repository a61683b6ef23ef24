#!/usr/bin/env bash
# How fast `probescope check` reads a big multi-boot kernel log, beside other tools reading the
# same file, and how much memory it takes; then how long one QEMU capture folder takes.
#
#   benches/log_throughput.sh                 # 100 MiB and 1 GiB logs
#   SIZES="100" benches/log_throughput.sh     # only 100 MiB
#
# The logs are generated: every kernel-text log of the corpus (QEMU dmesg, dmesg -r and
# console captures, the public text logs), each a boot of its own, concatenated in a fixed
# order and repeated up to the size: a console capture of many reboots. Every tool reads the
# same file from the page cache (it is read once before the runs).
#
# Columns: wall time (best of RUNS), throughput, the ratio of probescope's throughput to the
# tool's, and peak RSS (`/usr/bin/time -v`). Compared with:
#   rg -c 'probe of'         ripgrep counting probe lines (the floor: a memchr-speed scan)
#   bootgraph.pl             the kernel's own scripts/bootgraph.pl (reads every line with a
#                            regex), extracted from /usr/src/linux-source-6.1.tar.xz into the
#                            cache below, never committed
#
# Needs: ripgrep, perl, GNU time (/usr/bin/time), hyperfine, and linux-source-6.1 (Debian) for
# bootgraph.pl; `.ci/run` installs none of them (this is not a test).
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=${SIZES:-"100 1024"}
runs=${RUNS:-3}
cache=target/bench-cache
mkdir -p "$cache"

for tool in rg perl hyperfine; do
    command -v "$tool" >/dev/null || { echo "$tool is not installed" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) is not installed: apt-get install -y time" >&2; exit 1; }

bootgraph=$cache/bootgraph.pl
if [ ! -s "$bootgraph" ]; then
    tarball=/usr/src/linux-source-6.1.tar.xz
    [ -r "$tarball" ] || { echo "no $tarball: apt-get install -y linux-source-6.1" >&2; exit 1; }
    tar -xJOf "$tarball" linux-source-6.1/scripts/bootgraph.pl > "$bootgraph"
fi

cargo build --release --locked --quiet
probescope=target/release/probescope

# The corpus's kernel-text logs, in a fixed order.
sources=()
for file in fixtures/qemu/*/*/dmesg.txt fixtures/qemu/*/*/dmesg-raw.txt fixtures/qemu/*/*/console.log \
            fixtures/public/*.txt; do
    case "$file" in
        *kmsg*|*json*|*journalctl*|*devices_deferred*|*listing*|*iommu_groups*|*devlink-listing*) ;;
        *) sources+=("$file") ;;
    esac
done

# big_log SIZE_MIB: the generated log's path (made once, kept in the cache).
big_log() {
    local mib=$1 out="$cache/multi-boot-$1M.log"
    if [ ! -s "$out" ]; then
        local round="$cache/one-round.log"
        : > "$round"
        for file in "${sources[@]}"; do
            cat "$file" >> "$round"
            # A file without a final newline must not glue its last line to the next file's.
            [ -z "$(tail -c 1 "$file")" ] || echo >> "$round"
        done
        local round_bytes target=$((mib * 1024 * 1024))
        round_bytes=$(stat -L -c %s "$round")
        : > "$out"
        for _ in $(seq 1 $(( (target + round_bytes - 1) / round_bytes ))); do
            cat "$round" >> "$out"
        done
    fi
    echo "$out"
}

# measure CMD...: "seconds peak_rss_kib cpu_seconds" of the fastest of $runs runs (CPU time:
# user + system of that run; on a loaded machine it varies less than the wall time).
measure() {
    local best="" rss=0 cpu=""
    for _ in $(seq 1 "$runs"); do
        /usr/bin/time -f '%e %M %U %S' -o "$cache/time.txt" "$@" > /dev/null 2>&1 || true
        # The last line: GNU time puts "Command exited with non-zero status 1" before it (a
        # check with findings exits 1).
        read -r secs kib user sys < <(tail -n 1 "$cache/time.txt")
        if [ -z "$best" ] || awk -v a="$secs" -v b="$best" 'BEGIN { exit !(a < b) }'; then
            best=$secs
            cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
        fi
        [ "$kib" -gt "$rss" ] && rss=$kib
    done
    echo "$best $rss $cpu"
}

printf '%-8s %-20s %8s %8s %8s %12s %10s\n' size tool seconds "cpu s" MiB/s "probescope/x" "peak RSS"
for mib in $sizes; do
    log=$(big_log "$mib")
    bytes=$(stat -L -c %s "$log")
    cat "$log" > /dev/null
    read -r ps_secs ps_rss ps_cpu < <(measure "$probescope" check --max-input-bytes 4G "$log")
    read -r rg_secs rg_rss rg_cpu < <(measure rg -c 'probe of' "$log")
    read -r bg_secs bg_rss bg_cpu < <(measure perl "$bootgraph" "$log")
    row() {
        local tool=$1 secs=$2 rss=$3 cpu=$4
        awk -v m="$mib" -v t="$tool" -v s="$secs" -v c="$cpu" -v p="$ps_secs" -v b="$bytes" -v r="$rss" 'BEGIN {
            s = (s > 0 ? s : 0.001); p = (p > 0 ? p : 0.001)
            printf "%-8s %-20s %8.2f %8.2f %8.0f %12.3f %6.0f MiB\n", m "M", t, s, c, b / 1048576 / s, s / p, r / 1024
        }'
    }
    row "probescope check" "$ps_secs" "$ps_rss" "$ps_cpu"
    row "rg -c 'probe of'" "$rg_secs" "$rg_rss" "$rg_cpu"
    row "bootgraph.pl" "$bg_secs" "$bg_rss" "$bg_cpu"
done

echo
folder=fixtures/qemu/smmuv3-6.1/S2-smmu-late
hyperfine -N -i --warmup 5 --runs 50 --style none --export-json "$cache/folder.json" \
    "$probescope check $folder" > /dev/null 2>&1
awk '/"median"|"user"|"system"/ { gsub(/[",]/, ""); v[$1] = $2 * 1000 }
     END { printf "one capture folder (%s): median %.1f ms (user %.1f ms, system %.1f ms mean)\n",
           folder, v["median:"], v["user:"], v["system:"] }' folder="$folder" "$cache/folder.json"
