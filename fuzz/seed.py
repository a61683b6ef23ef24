#!/usr/bin/env python3
"""Seeds each fuzz target's corpus (fuzz/corpus/<target>/) from the project's fixtures, so the
fuzzers start from real kernel evidence rather than from nothing. Run from anywhere:
`python3 fuzz/seed.py`; the corpus is not committed (it grows as the fuzzers run)."""

import glob
import hashlib
import json
import os
import struct

FUZZ = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(FUZZ)
FIXTURES = os.path.join(ROOT, "fixtures")
# Seeds above this size slow every mutation; the fuzzers find size bugs by growing inputs.
MAX_SEED = 256 << 10


def put(target, data, cap=MAX_SEED):
    folder = os.path.join(FUZZ, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    data = data[:cap] if cap else data
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(folder, name), "wb") as out:
        out.write(data)


def files(*patterns):
    for pattern in patterns:
        for path in sorted(glob.glob(os.path.join(FIXTURES, pattern), recursive=True)):
            if os.path.isfile(path):
                yield path


def read(path):
    with open(path, "rb") as f:
        return f.read()


for path in files("public/*.txt", "public-extra/*.txt", "qemu/*/*/dmesg*.txt", "qemu/*/*/kmsg.txt",
                  "qemu/*/*/console.log"):
    put("log", read(path))
for path in files("qemu/*/*/devlink*.txt", "public/*devlink*.txt"):
    put("devlink", read(path))
for path in files("qemu/*/*/drivers.txt", "qemu/*/*/iommu_*.txt", "qemu/*/*/waiting_for_supplier*.txt",
                  "public/*listing*.txt"):
    put("listing", read(path))
for path in files("qemu/*/*/devices_deferred*.txt", "public/*devices_deferred*.txt"):
    put("deferred", read(path))
for path in files("qemu/*/*/*.dtb"):
    put("dtb", read(path))
for path in files("qemu/*/*/acpi/*"):
    if not path.endswith(".dsl"):
        put("acpi", read(path))
for path in files("sysmmu/cases/*/regs.*", "qemu/exynos-6.12/*/*/*/regs.*"):
    put("sysmmu_regs", read(path))

# page_table: [format][base u64 LE][lv1 table u64 LE] + memory bytes (fuzz/src/entries.rs).
LAYOUTS = {"1": 0, "2": 0, "3": 0, "5": 1, "7": 2}
for truth_path in files("sysmmu/cases/*/truth.json"):
    truth = json.load(open(truth_path))
    generator = truth["generator"]
    layout = LAYOUTS.get(generator["version"].split(".")[0], 1)
    if generator.get("vm"):
        layout = 3
    conventions = 4 if generator.get("profile", "mainline") != "mainline" else 0
    memory = read(os.path.join(os.path.dirname(truth_path), "memory.bin"))
    header = struct.pack("<BQQ", layout | conventions, int(truth["memory"]["base"], 16),
                         int(truth["lv1_table_pa"] or "0", 16))
    put("page_table", header + memory)


def elf_core(loads, wide=True):
    """A minimal ELF core with one PT_LOAD per (paddr, bytes)."""
    if wide:
        ehsize, phentsize = 64, 56
        data_at = ehsize + phentsize * len(loads)
        header = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
        header += struct.pack("<HHIQQQIHHHHHH", 4, 183, 1, 0, ehsize, 0, 0, ehsize, phentsize, len(loads), 0, 0, 0)
        phdrs, body = b"", b""
        for paddr, chunk in loads:
            phdrs += struct.pack("<IIQQQQQQ", 1, 4, data_at + len(body), paddr, paddr, len(chunk), len(chunk), 4096)
            body += chunk
    else:
        ehsize, phentsize = 52, 32
        data_at = ehsize + phentsize * len(loads)
        header = b"\x7fELF" + bytes([1, 1, 1]) + bytes(9)
        header += struct.pack("<HHIIIIIHHHHHH", 4, 40, 1, 0, ehsize, 0, 0, ehsize, phentsize, len(loads), 0, 0, 0)
        phdrs, body = b"", b""
        for paddr, chunk in loads:
            phdrs += struct.pack("<IIIIIIII", 1, data_at + len(body), paddr, paddr, len(chunk), len(chunk), 4, 4096)
            body += chunk
    return header + phdrs + body


put("elf_core", elf_core([(0, b"\x01\x02\x03\x04" * 8), (0x10000000, b"\xaa" * 64)]))
put("elf_core", elf_core([(0x4000, b"\x55" * 16)], wide=False))


def bundles():
    """Bundles as `probescope collect --remote-root` writes them from capture folders laid out
    like `/` (as tests/it/support/collect.rs does), plain and gzipped."""
    import gzip
    import shutil
    import subprocess
    import tempfile
    probescope = os.environ.get("PROBESCOPE", os.path.join(ROOT, "target", "debug", "probescope"))
    for capture in sorted(glob.glob(os.path.join(FIXTURES, "qemu/*/*/sysfs")))[:4]:
        capture = os.path.dirname(capture)
        with tempfile.TemporaryDirectory() as tmp:
            root = os.path.join(tmp, "root")
            os.makedirs(os.path.join(root, "dev"))
            os.makedirs(os.path.join(root, "proc/sys/kernel"))
            shutil.copytree(os.path.join(capture, "sysfs"), os.path.join(root, "sys"), symlinks=True)
            shutil.copy(os.path.join(capture, "kmsg.txt"), os.path.join(root, "dev/kmsg"))
            shutil.copy(os.path.join(capture, "cmdline.txt"), os.path.join(root, "proc/cmdline"))
            shutil.copy(os.path.join(capture, "modules.txt"), os.path.join(root, "proc/modules"))
            release = read(os.path.join(capture, "uname.txt")).split()[2]
            with open(os.path.join(root, "proc/sys/kernel/osrelease"), "wb") as f:
                f.write(release + b"\n")
            out = os.path.join(tmp, "bundle.tar.gz")
            subprocess.run([probescope, "collect", "-q", "--remote-root", root, "-o", out],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if os.path.exists(out):
                packed = read(out)
                yield packed
                yield gzip.decompress(packed)


for data in bundles():
    put("bundle", data, cap=None)

put("config", read(os.path.join(FUZZ, "seeds", "probescope.toml")))
put("baseline", read(os.path.join(FUZZ, "seeds", "baseline.json")))
