#!/bin/sh
# Capture scenarios end to end: boot under QEMU (run.py), split the console (split.py),
# derive the truth (truth.py).  Output goes to fixtures/qemu/<set>/<scenario>/.
#   scripts/capture/capture.sh SET [SCENARIO...]     (no scenario: every scenario of SET)
# Needs: qemu-system-arm / qemu-system-x86, busybox-static, cpio, device-tree-compiler,
# acpica-tools (iasl), apt-get access to Debian's archive for the kernel packages.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
set_name=$1; shift
if [ $# -eq 0 ]; then
	set -- $(python3 -c "import sys; sys.path.insert(0, '$here'); import importlib; r = importlib.import_module('run'); print(' '.join(r.SETS['$set_name'][1]))")
fi
for scenario in "$@"; do
	out="$repo/fixtures/qemu/$set_name/$scenario"
	rm -rf "$out"
	python3 "$here/run.py" "$set_name" "$scenario" "$out"
	python3 "$here/split.py" "$out" "$set_name" "$scenario"
	python3 "$here/truth.py" "$out"
done
