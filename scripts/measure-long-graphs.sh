#!/usr/bin/env bash
# Time and peak memory of `check`, `why` and `graph` on a 100,000-link device-link cycle and
# chain (the shapes tests/it/hostile.rs generates, at full size), with /usr/bin/time -v.
# Issue 16 asks each run to finish under 5 s with peak RSS under 200 MB on a release build:
#
#   cargo build --release && scripts/measure-long-graphs.sh [N] [BINARY]
#
# SHAPES picks the shapes (default `cycle chain`). `SHAPES=dense` is N devices with ten
# suppliers each, mostly near neighbours (~10 N links: 1M links and a ~250 MB dump for the
# default N), the graph issue 15 measures: there `why` of a device that waits for nothing
# stands for the model's build (read + build, nothing to walk), and each `graph` output's CPU
# beyond it is given as a multiple of it (issue 15 asks JSON and tree within 2 ×).
#
# With BOMBS=1 it then feeds 4 GiB of empty lines as gzip and as zstd (made here, streamed
# through the compressor, never on disk uncompressed) and `/dev/zero` to `check --dmesg`: each
# must stop at the documented cap (or be refused) with peak RSS under 256 MB.
set -eu
n=${1:-100000}
bin=${2:-target/release/probescope}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
shapes=${SHAPES-cycle chain}
python3 - "$n" "$dir" "$shapes" <<'PY'
import random, sys
n, out, shapes = int(sys.argv[1]), sys.argv[2], sys.argv[3].split()
def link(f, s, c):
    name = f"platform:d{s}--platform:d{c}"
    f.write(f"/sys/class/devlink/{name}/status:consumer probing\n")
    f.write(f"/sys/class/devlink/{name}/supplier -> ../../../platform/d{s}\n")
    f.write(f"/sys/class/devlink/{name}/consumer -> ../../../platform/d{c}\n")
if "cycle" in shapes:
    with open(f"{out}/cycle-devlink.txt", "w") as f:
        for i in range(n):
            link(f, i, (i + 1) % n)
if "chain" in shapes:
    with open(f"{out}/chain-devlink.txt", "w") as f, open(f"{out}/chain.def", "w") as d:
        for i in range(n):
            link(f, i, i + 1)
            d.write(f"d{i + 1}\tplatform: wait for supplier d{i}\n")
if "dense" in shapes:
    rng = random.Random(15)
    with open(f"{out}/dense-devlink.txt", "w") as f:
        for c in range(1, n):
            picked = set()
            while len(picked) < min(10, c):
                s = rng.randrange(c) if rng.random() < 0.25 else c - 1 - rng.randrange(min(c, 64))
                if s in picked:
                    continue
                picked.add(s)
                status = "not tracked" if rng.random() < 0.125 else "active"
                name = f"platform:d{s}--platform:d{c}"
                f.write(f"/sys/class/devlink/{name}/status:{status}\n")
                f.write(f"/sys/class/devlink/{name}/supplier -> ../../../platform/d{s}\n")
                f.write(f"/sys/class/devlink/{name}/consumer -> ../../../platform/d{c}\n")
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
    printf '%-28s %10s s wall %7s s CPU %6d MiB peak RSS %12d bytes out\n' "$label" "$secs" "$cpu" \
        $((rss / 1024)) "$bytes"
    last_cpu=$cpu
}
for shape in $shapes; do
    inputs=(--devlink "$dir/$shape-devlink.txt")
    [ "$shape" = chain ] && inputs+=(--deferred "$dir/chain.def")
    measure "$shape check" check "${inputs[@]}"
    measure "$shape check --format json" check --format json "${inputs[@]}"
    measure "$shape why (last device)" why "d$((n - 1))" "${inputs[@]}"
    if [ "$shape" = dense ]; then
        measure "$shape why d0 (the build)" why d0 "${inputs[@]}"
        build_cpu=$last_cpu
    fi
    for format in tree json dot; do
        measure "$shape graph --format $format" graph --format "$format" "${inputs[@]}"
        if [ "$shape" = dense ]; then
            awk -v g="$last_cpu" -v b="$build_cpu" 'BEGIN { printf "    output beyond the build: %.2f s CPU, %.2f x the build\n", g - b, (g - b) / b }'
        fi
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
