#!/usr/bin/env bash
# Time and peak memory of `check`, `why` and `graph` on a 100,000-link device-link cycle and
# chain (the shapes tests/it/hostile.rs generates, at full size), with /usr/bin/time -v.
# Issue 16 asks each run to finish under 5 s with peak RSS under 200 MB on a release build:
#
#   cargo build --release && scripts/measure-long-graphs.sh [N] [BINARY]
#
# With BOMBS=1 it then feeds 4 GiB of empty lines as gzip and as zstd (made here, streamed
# through the compressor, never on disk uncompressed) and `/dev/zero` to `check --dmesg`: each
# must stop at the documented cap (or be refused) with peak RSS under 256 MB.
set -eu
n=${1:-100000}
bin=${2:-target/release/probescope}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$n" "$dir" <<'PY'
import sys
n, out = int(sys.argv[1]), sys.argv[2]
def link(f, s, c):
    name = f"platform:d{s}--platform:d{c}"
    f.write(f"/sys/class/devlink/{name}/status:consumer probing\n")
    f.write(f"/sys/class/devlink/{name}/supplier -> ../../../platform/d{s}\n")
    f.write(f"/sys/class/devlink/{name}/consumer -> ../../../platform/d{c}\n")
with open(f"{out}/cycle-devlink.txt", "w") as f:
    for i in range(n):
        link(f, i, (i + 1) % n)
with open(f"{out}/chain-devlink.txt", "w") as f, open(f"{out}/chain.def", "w") as d:
    for i in range(n):
        link(f, i, i + 1)
        d.write(f"d{i + 1}\tplatform: wait for supplier d{i}\n")
PY
measure() {
    local label=$1
    shift
    /usr/bin/time -v "$bin" "$@" >"$dir/out" 2>"$dir/err" || true
    local secs cpu rss bytes
    secs=$(grep 'Elapsed (wall clock)' "$dir/err" | awk '{print $NF}')
    # CPU time too: on a shared machine the wall clock says more about the neighbours.
    cpu=$(awk -F': ' '/User time|System time/ {sum += $2} END {printf "%.2f", sum}' "$dir/err")
    rss=$(grep 'Maximum resident' "$dir/err" | awk '{print $NF}')
    bytes=$(wc -c <"$dir/out")
    printf '%-28s %10s s wall %7s s CPU %6d MB peak RSS %12d bytes out\n' "$label" "$secs" "$cpu" \
        $((rss / 1024)) "$bytes"
}
for shape in ${SHAPES-cycle chain}; do
    inputs=(--devlink "$dir/$shape-devlink.txt")
    [ "$shape" = chain ] && inputs+=(--deferred "$dir/chain.def")
    measure "$shape check" check "${inputs[@]}"
    measure "$shape check --format json" check --format json "${inputs[@]}"
    measure "$shape why (last device)" why "d$((n - 1))" "${inputs[@]}"
    for format in tree json dot; do
        measure "$shape graph --format $format" graph --format "$format" "${inputs[@]}"
    done
done
if [ "${BOMBS:-0}" = 1 ]; then
    head -c 4G /dev/zero | tr '\0' '\n' | gzip -1 >"$dir/bomb.gz"
    head -c 4G /dev/zero | tr '\0' '\n' | zstd -q -3 >"$dir/bomb.zst"
    for bomb in bomb.gz bomb.zst; do
        measure "check --dmesg $bomb" check --dmesg "$dir/$bomb"
        printf '    exit %s: %s\n' "$(grep 'Exit status' "$dir/err" | awk '{print $NF}')" \
            "$(grep -o 'input cut at[^;]*\|byte offset [^)]*' "$dir/err" | head -1)"
    done
    measure "check --dmesg /dev/zero" check --dmesg /dev/zero
    printf '    exit %s: %s\n' "$(grep 'Exit status' "$dir/err" | awk '{print $NF}')" "$(grep -v '^\s' "$dir/err" | head -1)"
fi
