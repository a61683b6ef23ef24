#!/usr/bin/env python3
"""Split a capture's serial console into the scenario's files.

usage: split.py SCENARIO_DIR SET SCENARIO
Reads SCENARIO_DIR/console.log (written by run.py) and writes, next to it, one file per block
the guest printed between @@LAB-BEGIN name uptime=s@@ and @@LAB-END name@@ (see init.sh),
the device tables derived from the guest's own `ls -l` listings, the firmware blobs, a sysfs
mirror per snapshot, and meta.json (blocks, completeness, warnings).  Nothing is invented:
every line of every text file is a line the guest printed; the tables and mirrors only
rearrange the guest's listings.
"""
import base64
import gzip
import hashlib
import json
import os
import posixpath
import re
import shutil
import struct
import subprocess
import sys

BEGIN = re.compile(r"^@@LAB-BEGIN (\S+) uptime=([0-9.]+)@@$")
END = re.compile(r"^@@LAB-END (\S+)@@$")
CONSOLE_LINE = re.compile(r"^\[\s*[0-9]+\.[0-9]+\] ")
MOMENT_ORDER = ["start", "before-timeout", "after-timeout", "final"]


def read_blocks(console, warnings):
    """Blocks of the console; a block printed by several boots keeps the last boot's copy."""
    lines = open(console, "rb").read().decode("utf-8", "replace").split("\n")
    lines = [l[:-1] if l.endswith("\r") else l for l in lines]
    blocks, current = {}, None
    for number, line in enumerate(lines, 1):
        begin, end = BEGIN.match(line), END.match(line)
        if begin:
            if current:
                warnings.append(f"block {current['name']} not closed before line {number}")
            current = {"name": begin.group(1), "guest_uptime": float(begin.group(2)),
                       "console_lines": [number, None], "text": []}
        elif end and current and end.group(1) == current["name"]:
            current["console_lines"][1] = number
            if current["name"] in blocks:
                warnings.append(f"block {current['name']} printed more than once (several boots); "
                                f"the last copy (console lines {current['console_lines']}) is kept")
            blocks[current["name"]] = current
            current = None
        elif current is not None:
            current["text"].append(line)
    if current:
        warnings.append(f"block {current['name']} not closed at the end of the console")
    complete = any(l == "@@LAB-DONE@@" for l in lines)
    return blocks, complete


def write(path, lines):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("".join(l + "\n" for l in lines))


def ls_links(lines):
    """`ls -l` lines of symlinks → (path or name, target)."""
    for line in lines:
        if line.startswith("l") and " -> " in line:
            left, target = line.split(" -> ", 1)
            yield left.split()[-1], target


def device_table(devices, device_links):
    """bus, device, driver, group, iommu, of_node, sysfs path per device (the guest's listings)."""
    rows, bus = {}, None
    for line in devices:
        if line.startswith("/sys/bus/") and line.endswith(":"):
            bus = line.split("/")[3]
        for name, target in ls_links([line]):
            path = posixpath.normpath(posixpath.join(f"/sys/bus/{bus}/devices", target))
            rows[(bus, name)] = {"driver": "-", "iommu_group": "-", "iommu": "-", "of_node": "-",
                                 "path": path, "links": {}}
    for path, target in ls_links(device_links):
        parts = path.split("/")
        if len(parts) != 7:
            continue
        row = rows.get((parts[3], parts[5]))
        if row is None:
            continue
        attr = parts[6]
        row["links"][attr] = target
        if attr == "of_node":
            row[attr] = "/" + target.split("firmware/devicetree/base", 1)[1].lstrip("/")
        elif attr in ("driver", "iommu_group", "iommu"):
            row[attr] = posixpath.basename(target)
    return rows


def table_lines(rows):
    out = ["#bus\tdevice\tdriver\tiommu_group\tiommu\tof_node\tsysfs_path"]
    for (bus, name), r in sorted(rows.items()):
        out.append("\t".join([bus, name, r["driver"], r["iommu_group"], r["iommu"], r["of_node"], r["path"]]))
    return out


def symlink(mirror, path, target):
    """A symlink at /sys-absolute `path` in the mirror with the guest's own readlink `target`;
    the directory it points to is created so that no link dangles."""
    local = os.path.join(mirror, path.lstrip("/")[len("sys/"):])
    os.makedirs(os.path.dirname(local), exist_ok=True)
    if os.path.lexists(local):
        return
    os.symlink(target, local)
    resolved = os.path.normpath(os.path.join(os.path.dirname(local), target))
    if not os.path.exists(resolved):
        os.makedirs(resolved, exist_ok=True)


def put_file(mirror, path, data):
    local = os.path.join(mirror, path.lstrip("/")[len("sys/"):])
    os.makedirs(os.path.dirname(local), exist_ok=True)
    with open(local, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def fdt_nodes(blob):
    """(path, {property: bytes}) of every node of a flattened device tree."""
    off_struct, off_strings = struct.unpack(">II", blob[8:16])
    size_strings, size_struct = struct.unpack(">II", blob[32:40])
    pos, path, out = off_struct, [], []
    while pos < off_struct + size_struct:
        (token,) = struct.unpack(">I", blob[pos:pos + 4]); pos += 4
        if token == 1:
            end = blob.index(b"\0", pos)
            name = blob[pos:end].decode()
            pos = (end + 4) & ~3
            path.append(name)
            out.append(("/" + "/".join(p for p in path if p), {}))
        elif token == 2:
            path.pop()
        elif token == 3:
            length, nameoff = struct.unpack(">II", blob[pos:pos + 8]); pos += 8
            start = off_strings + nameoff
            pname = blob[start:blob.index(b"\0", start)].decode()
            value = blob[pos:pos + length]
            pos = (pos + length + 3) & ~3
            node = [n for n in out if n[0] == "/" + "/".join(p for p in path if p)][-1]
            node[1][pname] = value
        elif token == 9:
            break
    return out


def build_mirror(mirror, moment, files, rows, fdt, acpi, final):
    if os.path.exists(mirror):
        shutil.rmtree(mirror)
    os.makedirs(mirror)
    for path, value in (l.rsplit(":", 1) for l in files.get(f"waiting_for_supplier@{moment}", []) if ":" in l):
        put_file(mirror, path, value + "\n")
    for line in files.get(f"devlink-links@{moment}", []):
        if line.startswith("link "):
            name, rest = line[5:].split(" class_symlink=")
            symlink(mirror, f"/sys/class/devlink/{name}", rest)
            link_dir = f"/sys/devices/virtual/devlink/{name}"
        elif line.startswith("  ") and "readlink=" in line:
            role, rest = line.strip().split(" readlink=")
            symlink(mirror, f"{link_dir}/{role}", rest.split(" resolved=")[0])
    for line in files.get(f"devlink@{moment}", []):
        if " -> " not in line and ":" in line:
            path, value = line.rsplit(":", 1)
            name = path.split("/")[4]
            put_file(mirror, f"/sys/devices/virtual/devlink/{name}/{path.split('/')[-1]}", value + "\n")
    for (bus, name), row in rows.items():
        target = posixpath.relpath(row["path"], f"/sys/bus/{bus}/devices")
        symlink(mirror, f"/sys/bus/{bus}/devices/{name}", target)
        for attr, link in row["links"].items():
            if attr == "of_node" and not final:
                continue
            symlink(mirror, f"{row['path']}/{attr}", link)
    deferred = files.get(f"devices_deferred@{moment}", [])
    put_file(mirror, "/sys/kernel/debug/devices_deferred", "".join(l + "\n" for l in deferred))
    if not final:
        return
    group = None
    for line in files.get("iommu_groups", []):
        if line.startswith("group "):
            group, type_ = line[6:].split(" type=")
            put_file(mirror, f"/sys/kernel/iommu_groups/{group}/type", type_ + "\n")
        elif line.strip().startswith("device "):
            name, path = line.strip()[7:].split(" path=")
            base = f"/sys/kernel/iommu_groups/{group}/devices"
            symlink(mirror, f"{base}/{name}", posixpath.relpath(path, base))
    for line in files.get("iommu_class", []):
        if line.startswith("iommu "):
            name, rest = line[6:].split(" path=")
            path, parent = rest.split(" parent=")
            symlink(mirror, f"/sys/class/iommu/{name}", posixpath.relpath(path, "/sys/class/iommu"))
            # An IOMMU with no parent device (Intel's dmarN) has no `device` link; busybox's
            # realpath then echoes the path it was given.
            if parent and parent != f"{path}/device":
                symlink(mirror, f"{path}/device", posixpath.relpath(parent, path))
            os.makedirs(os.path.join(mirror, path[len("/sys/"):], "devices"), exist_ok=True)
        elif line.strip().startswith("device "):
            dname, dpath = line.strip()[7:].split(" path=")
            base = f"{path}/devices"
            symlink(mirror, f"{base}/{dname}", posixpath.relpath(dpath, base))
    if fdt is not None:
        put_file(mirror, "/sys/firmware/fdt", fdt)
        wanted = {r["of_node"] for r in rows.values() if r["of_node"] != "-"}
        for node, props in fdt_nodes(fdt):
            if node in wanted or any(w.startswith(node + "/") or node == "/" for w in wanted):
                base = "/sys/firmware/devicetree/base" + ("" if node == "/" else node)
                os.makedirs(os.path.join(mirror, base[len("/sys/"):]), exist_ok=True)
                if node in wanted:
                    for prop, value in props.items():
                        put_file(mirror, f"{base}/{prop}", value)
    for name, blob in acpi.items():
        put_file(mirror, f"/sys/firmware/acpi/tables/{name}", blob)


def decode_blob(lines):
    return gzip.decompress(base64.b64decode("".join(lines)))


def trim_fdt(blob):
    """QEMU's DTB is a 1 MiB buffer of which a few KiB are used: keep the used part and set the
    header's totalsize to it (every block byte-identical)."""
    off_struct, off_strings, off_rsv = struct.unpack(">III", blob[8:20])
    size_strings, size_struct = struct.unpack(">II", blob[32:40])
    used = max(off_struct + size_struct, off_strings + size_strings, off_rsv + 16)
    return blob[:4] + struct.pack(">I", used) + blob[8:used]


def main():
    out, set_name, scenario = sys.argv[1:]
    warnings = []
    blocks, complete = read_blocks(os.path.join(out, "console.log"), warnings)
    files = {}
    for name, block in blocks.items():
        text = block["text"]
        if name == "kmsg" and text and text[-1] == "Terminated":
            # busybox's shell reports the `timeout` that ends the endless read of /dev/kmsg
            text = text[:-1]
        if name not in ("dmesg", "dmesg-raw", "kmsg"):
            # The kernel writes the console synchronously while the guest's own output still
            # sits in the tty buffer, so a kernel line can overtake the end of a block.  No
            # state dump has lines of that shape; the line stays in console.log and dmesg.
            stray = [l for l in text if CONSOLE_LINE.match(l)]
            for line in stray:
                warnings.append(f"block {name}: kernel console line dropped: {line}")
            text = [l for l in text if not CONSOLE_LINE.match(l)]
        files[name] = text
    moments = [m for m in MOMENT_ORDER if f"devices_deferred@{m}" in files]
    plain = {"iommu_groups": "iommu_groups.txt", "iommu_class": "iommu_class.txt",
             "cmdline": "cmdline.txt", "uname": "uname.txt", "modules": "modules.txt",
             "dmesg": "dmesg.txt", "dmesg-raw": "dmesg-raw.txt", "kmsg": "kmsg.txt"}
    for name, file in plain.items():
        if name in files:
            write(os.path.join(out, file), files[name])
    for m in moments:
        write(os.path.join(out, f"devices_deferred-{m}.txt"), files[f"devices_deferred@{m}"])
        for kind, target in (("waiting_for_supplier", f"waiting_for_supplier-{m}.txt"),
                             ("devlink", f"devlink-{m}.txt"),
                             ("devlink-links", f"raw/devlink-links-{m}.txt"),
                             ("devices", f"raw/devices-{m}.txt"),
                             ("device-links", f"raw/device-links-{m}.txt")):
            if f"{kind}@{m}" in files:
                write(os.path.join(out, target), files[f"{kind}@{m}"])
    meta_fdt, fdt = None, None
    if "fdt.gz.b64" in files:
        original = decode_blob(files["fdt.gz.b64"])
        fdt = trim_fdt(original)
        with open(os.path.join(out, "fdt.dtb"), "wb") as f:
            f.write(fdt)
        subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", "-o", os.path.join(out, "fdt.dts"),
                        os.path.join(out, "fdt.dtb")], check=True)
        meta_fdt = {"original_bytes": len(original), "written_bytes": len(fdt),
                    "original_sha256": hashlib.sha256(original).hexdigest(),
                    "note": "zero padding after the last block dropped and the header's totalsize "
                            "set to the used size; all blocks byte-identical"}
    acpi = {}
    for name in ("IORT", "VIOT", "DMAR", "IVRS"):
        if f"acpi-{name}.gz.b64" in files:
            acpi[name] = decode_blob(files[f"acpi-{name}.gz.b64"])
            os.makedirs(os.path.join(out, "acpi"), exist_ok=True)
            with open(os.path.join(out, "acpi", name), "wb") as f:
                f.write(acpi[name])
            # iasl names its output after the input; decompile a copy in a scratch place
            scratch = os.path.join(out, ".iasl")
            os.makedirs(scratch, exist_ok=True)
            shutil.copy(os.path.join(out, "acpi", name), os.path.join(scratch, f"{name}.dat"))
            subprocess.run(["iasl", "-d", f"{name}.dat"], cwd=scratch, capture_output=True)
            if os.path.exists(os.path.join(scratch, f"{name}.dsl")):
                shutil.copy(os.path.join(scratch, f"{name}.dsl"), os.path.join(out, "acpi", f"{name}.dsl"))
            shutil.rmtree(scratch)
    mirrors = {}
    for m in moments:
        if f"devices@{m}" not in files:
            continue
        rows = device_table(files[f"devices@{m}"], files.get(f"device-links@{m}", []))
        final = m == "final"
        write(os.path.join(out, "drivers.txt" if final else f"drivers-{m}.txt"), table_lines(rows))
        mirror = "sysfs" if final else f"sysfs-{m}"
        build_mirror(os.path.join(out, mirror), m, files, rows, fdt, acpi, final)
        mirrors[mirror] = sum(len(d) + len(f) for _, d, f in os.walk(os.path.join(out, mirror)))
    wall = open(os.path.join(out, "wall_seconds.txt")).read().strip()
    meta = {
        "set": set_name, "scenario": scenario, "console_complete": complete,
        "wall_seconds": float(wall), "moments": moments,
        "blocks": [{"name": n, "guest_uptime": b["guest_uptime"], "console_lines": b["console_lines"],
                    "lines": len(files[n])} for n, b in sorted(blocks.items(), key=lambda kv: kv[1]["console_lines"][0])],
        "fdt": meta_fdt, "acpi_tables": {n: {"bytes": len(b), "sha256": hashlib.sha256(b).hexdigest()}
                                          for n, b in acpi.items()},
        "sysfs_mirrors": mirrors, "warnings": warnings,
    }
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    print(f"{out}: {len(blocks)} blocks, moments {moments}, complete={complete}, warnings={len(warnings)}")


if __name__ == "__main__":
    main()
