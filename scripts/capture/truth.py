#!/usr/bin/env python3
"""Ground truth of one capture, taken from the kernel's own output in the scenario's files.

usage: truth.py SCENARIO_DIR
Writes SCENARIO_DIR/truth.json.  Every fact carries `evidence` = `file:line: text` (or
`file: <what is absent>`), read from the files split.py wrote; nothing comes from what the
scenario meant to do.  The IOMMUs are the firmware's (DT nodes with #iommu-cells, or the ACPI
VIOT/DMAR tables) and the kernel's (/sys/class/iommu); the consumers are the devices the
firmware routes to an IOMMU plus every IOMMU group member.
"""
import json
import os
import re
import struct
import sys

LINE = re.compile(r"^\[\s*([0-9]+\.[0-9]+)\] (.*)$")
PREFIX = re.compile(r"^(\S+) (\S+?): (.*)$")
MOMENTS = ["start", "before-timeout", "after-timeout", "final"]


def shown(text):
    text = text.replace("\t", "\\t")
    return text if len(text) <= 200 else text[:197] + "..."


class Files:
    def __init__(self, root):
        self.root = root
        self.cache = {}

    def lines(self, name):
        if name not in self.cache:
            path = os.path.join(self.root, name)
            self.cache[name] = open(path, errors="replace").read().split("\n")[:-1] if os.path.exists(path) else None
        return self.cache[name]

    def ev(self, name, number):
        return f"{name}:{number}: {shown(self.lines(name)[number - 1])}"


def log_records(files):
    out = []
    for n, line in enumerate(files.lines("dmesg.txt") or [], 1):
        m = LINE.match(line)
        if not m:
            continue
        t, msg = float(m.group(1)), m.group(2)
        p = PREFIX.match(msg)
        out.append({"n": n, "t": t, "msg": msg, "prefix": p.group(1) if p else None,
                    "device": p.group(2) if p else None, "rest": p.group(3) if p else msg,
                    "evidence": files.ev("dmesg.txt", n)})
    return out


def table(files, name):
    rows = {}
    for n, line in enumerate(files.lines(name) or [], 1):
        if line.startswith("#"):
            continue
        bus, dev, driver, group, iommu, of_node, path = line.split("\t")
        none = lambda v: None if v == "-" else v
        rows[dev] = {"bus": bus, "driver": none(driver), "iommu_group": none(group), "iommu": none(iommu),
                     "of_node": none(of_node), "path": path, "evidence": files.ev(name, n)}
    return rows


def fdt_nodes(blob):
    """{path: {property: bytes}} of a flattened device tree."""
    off_struct, off_strings = struct.unpack(">II", blob[8:16])
    size_struct = struct.unpack(">I", blob[36:40])[0]
    pos, path, out = off_struct, [], {}
    while pos < off_struct + size_struct:
        (token,) = struct.unpack(">I", blob[pos:pos + 4]); pos += 4
        if token == 1:
            end = blob.index(b"\0", pos)
            path.append(blob[pos:end].decode()); pos = (end + 4) & ~3
            out["/" + "/".join(p for p in path if p)] = {}
        elif token == 2:
            path.pop()
        elif token == 3:
            length, nameoff = struct.unpack(">II", blob[pos:pos + 8]); pos += 8
            s = off_strings + nameoff
            out["/" + "/".join(p for p in path if p)][blob[s:blob.index(b"\0", s)].decode()] = blob[pos:pos + length]
            pos = (pos + length + 3) & ~3
        elif token == 9:
            break
    return out


def cells(value):
    return list(struct.unpack(f">{len(value) // 4}I", value))


def dts_line(files, needle):
    for n, line in enumerate(files.lines("fdt.dts") or [], 1):
        if needle in line:
            return files.ev("fdt.dts", n)
    return None


def pci_rid(name):
    m = re.match(r"^[0-9a-f]{4}:([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$", name)
    return (int(m.group(1), 16) << 8) | (int(m.group(2), 16) << 3) | int(m.group(3)) if m else None


def firmware_routes(files, final):
    """IOMMUs the firmware describes and the consumers it routes to them."""
    iommus, routes = [], []
    dtb = os.path.join(files.root, "fdt.dtb")
    if os.path.exists(dtb):
        nodes = fdt_nodes(open(dtb, "rb").read())
        by_phandle = {cells(p["phandle"])[0]: path for path, p in nodes.items() if "phandle" in p}
        for path, props in nodes.items():
            if "#iommu-cells" in props:
                dev = next((d for d, r in final.items() if r["of_node"] == path), None)
                iommus.append({"firmware": "dt", "dt_node": path, "phandle": hex(cells(props["phandle"])[0]),
                               "compatible": [c for c in props.get("compatible", b"").decode().split("\0") if c],
                               "dt_evidence": dts_line(files, "#iommu-cells") , "device": dev})
            if "iommu-map" in props:
                m = cells(props["iommu-map"])
                host = next((d for d, r in final.items() if r["of_node"] == path and r["bus"] == "platform"), None)
                host_path = final[host]["path"] if host else None
                for i in range(0, len(m), 4):
                    rid_base, ph, out_base, length = m[i:i + 4]
                    for dev, r in final.items():
                        rid = pci_rid(dev)
                        if r["bus"] == "pci" and rid is not None and host_path and r["path"].startswith(host_path + "/") \
                                and rid_base <= rid < rid_base + length:
                            routes.append({"device": dev, "bus": "pci", "dt_node": path, "via": "iommu-map",
                                           "rid": hex(rid), "dt_evidence": dts_line(files, "iommu-map"),
                                           "iommu_dt_node": by_phandle.get(ph), "stream_id": hex(out_base + rid - rid_base)})
            if "iommus" in props:
                dev = next((d for d, r in final.items() if r["of_node"] == path), None)
                routes.append({"device": dev, "dt_node": path, "via": "iommus", "dt_evidence": dts_line(files, "iommus ="),
                               "iommu_dt_node": by_phandle.get(cells(props["iommus"])[0])})
        for r in routes:
            r["iommu"] = next((i["device"] for i in iommus if i["dt_node"] == r["iommu_dt_node"]), None)
    viot = os.path.join(files.root, "acpi", "VIOT")
    if os.path.exists(viot):
        blob = open(viot, "rb").read()
        count, offset = struct.unpack("<HH", blob[36:40])
        nodes, pos = {}, offset
        for _ in range(count):
            type_, _r, length = struct.unpack("<BBH", blob[pos:pos + 4])
            nodes[pos] = (type_, blob[pos:pos + length])
            pos += length
        for node_off, (type_, body) in nodes.items():
            if type_ == 3:  # virtio-pci IOMMU
                seg, bdf = struct.unpack("<HH", body[4:8])
                dev = f"{seg:04x}:{bdf >> 8:02x}:{(bdf >> 3) & 0x1f:02x}.{bdf & 7}"
                iommus.append({"firmware": "acpi", "table": "VIOT", "viot_node": "virtio-pci IOMMU",
                               "table_offset": node_off, "device": dev,
                               "table_evidence": f"acpi/VIOT: node at offset {node_off}: virtio-pci IOMMU {dev}"})
        for node_off, (type_, body) in nodes.items():
            if type_ == 1:  # PCI range
                ep, seg_s, seg_e, bdf_s, bdf_e, out = struct.unpack("<IHHHHH", body[4:18])
                iommu = next((i["device"] for i in iommus if i.get("table_offset") == out), None)
                for dev, r in final.items():
                    rid = pci_rid(dev)
                    seg = int(dev[:4], 16) if rid is not None else None
                    if r["bus"] == "pci" and rid is not None and seg_s <= seg <= seg_e and bdf_s <= rid <= bdf_e:
                        routes.append({"device": dev, "bus": "pci", "via": "VIOT PCI range", "rid": hex(rid),
                                       "endpoint_id": hex(ep + rid - bdf_s), "iommu": iommu,
                                       "table_evidence": f"acpi/VIOT: PCI range node at offset {node_off}: "
                                                         f"segments {seg_s}-{seg_e} BDF {bdf_s:#06x}-{bdf_e:#06x} "
                                                         f"-> node {out}"})
    iort = os.path.join(files.root, "acpi", "IORT")
    if os.path.exists(iort):
        blob = open(iort, "rb").read()
        count, offset = struct.unpack("<II", blob[36:44])
        nodes, pos = {}, offset
        for _ in range(count):
            type_, length = struct.unpack("<BH", blob[pos:pos + 3])
            nodes[pos] = (type_, blob[pos:pos + length])
            pos += length
        for node_off, (type_, body) in nodes.items():
            if type_ == 4:  # SMMUv3
                (base,) = struct.unpack("<Q", body[16:24])
                iommus.append({"firmware": "acpi", "table": "IORT", "iort_node": "SMMUv3", "table_offset": node_off,
                               "register_base": hex(base), "device": None,
                               "table_evidence": f"acpi/IORT: SMMUv3 node at offset {node_off}: base {base:#x}"})
        for node_off, (type_, body) in nodes.items():
            if type_ != 2:  # PCI root complex
                continue
            mappings, map_off = struct.unpack("<II", body[8:16])
            (segment,) = struct.unpack("<I", body[28:32])
            for k in range(mappings):
                m = map_off + 20 * k
                in_base, id_count, out_base, out_ref = struct.unpack("<IIII", body[m:m + 16])
                target = next((i for i in iommus if i.get("table_offset") == out_ref and i.get("table") == "IORT"), None)
                if target is None:
                    continue  # straight to the ITS: no IOMMU on that range
                ev = (f"acpi/IORT: root complex node at offset {node_off}, mapping {k}: RID {in_base:#x}-"
                      f"{in_base + id_count:#x} -> SMMUv3 node {out_ref} (stream ID base {out_base:#x})")
                for dev, r in final.items():
                    rid = pci_rid(dev)
                    if r["bus"] == "pci" and rid is not None and int(dev[:4], 16) == segment \
                            and in_base <= rid <= in_base + id_count:
                        routes.append({"device": dev, "bus": "pci", "via": "IORT root complex ID mapping", "rid": hex(rid),
                                       "stream_id": hex(out_base + rid - in_base),
                                       "iommu_register_base": target["register_base"], "table_evidence": ev})
    dmar = os.path.join(files.root, "acpi", "DMAR")
    if os.path.exists(dmar):
        blob = open(dmar, "rb").read()
        pos = 48
        while pos + 4 <= len(blob):
            type_, length = struct.unpack("<HH", blob[pos:pos + 4])
            if length == 0:
                break
            if type_ == 0:  # DRHD
                flags, _size, seg, base = struct.unpack("<BBHQ", blob[pos + 4:pos + 16])
                unit = {"firmware": "acpi", "table": "DMAR", "dmar_unit": "DRHD",
                        "register_base": hex(base), "segment": seg, "include_pci_all": bool(flags & 1),
                        "device": None, "device_scope": [],
                        "table_evidence": f"acpi/DMAR: DRHD at offset {pos}: base {base:#x} flags {flags:#x}"}
                iommus.append(unit)
                scope = pos + 16
                while scope + 6 <= pos + length:
                    stype, slen = blob[scope], blob[scope + 1]
                    bus = blob[scope + 5]
                    path = blob[scope + 6:scope + slen]
                    if stype in (1, 2) and len(path) == 2:  # PCI endpoint / PCI bridge, one hop
                        name = f"{seg:04x}:{bus:02x}:{path[0]:02x}.{path[1]}"
                        kind = "PCI endpoint" if stype == 1 else "PCI bridge"
                        unit["device_scope"].append({"device": name, "type": kind})
                        ev = f"acpi/DMAR: DRHD at offset {pos} base {base:#x}: device scope at offset {scope}: {kind} {name}"
                        for dev, r in final.items():
                            below = stype == 2 and f"/{name}/" in r["path"]
                            if r["bus"] == "pci" and (dev == name or below):
                                routes.append({"device": dev, "bus": "pci", "via": f"DMAR device scope ({kind})",
                                               "iommu_register_base": hex(base), "table_evidence": ev})
                    scope += max(slen, 1)
            pos += length
    return iommus, routes


def firmware_kind(root):
    """`dt` when the kernel was given a device tree describing the machine; `acpi` otherwise.
    Under UEFI the EFI stub hands the kernel a DT with only /chosen (the ACPI tables describe
    the machine), so a DT without any device node does not count."""
    dtb = os.path.join(root, "fdt.dtb")
    if os.path.exists(dtb):
        nodes = fdt_nodes(open(dtb, "rb").read())
        if any(path not in ("/", "/chosen") for path in nodes):
            return "dt"
    return "acpi"


def console_boots(files):
    """Kernel banners and restarts the console shows outside the guest's dump blocks."""
    out, inside = [], False
    for n, line in enumerate(files.lines("console.log") or [], 1):
        line = line.rstrip("\r")
        if line.startswith("@@LAB-BEGIN "):
            inside = True
        elif line.startswith("@@LAB-END "):
            inside = False
        elif not inside and re.search(r"\] (Linux version |reboot: )", line):
            out.append({"console_line": n, "evidence": f"console.log:{n}: {shown(line)}"})
    return out


def main():
    root = sys.argv[1]
    files = Files(root)
    meta = json.load(open(os.path.join(root, "meta.json")))
    recs = log_records(files)
    moments = meta["moments"]
    tables = {m: table(files, "drivers.txt" if m == "final" else f"drivers-{m}.txt") for m in moments
              if files.lines("drivers.txt" if m == "final" else f"drivers-{m}.txt") is not None}
    final = tables["final"]
    uname = (files.lines("uname.txt") or [""])[0].split()
    truth = {"set": meta["set"], "scenario": meta["scenario"], "console_complete": meta["console_complete"],
             "wall_seconds": meta["wall_seconds"], "kernel": uname[2] if len(uname) > 2 else None,
             "cmdline": (files.lines("cmdline.txt") or [""])[0],
             "firmware": firmware_kind(root),
             "acpi_tables": sorted(meta.get("acpi_tables", {})), "notes": []}
    if any("printed more than once" in w for w in meta["warnings"]):
        truth["notes"].append("several boots in console.log; the files are the last boot's")

    def lines_with(pattern):
        return [r for r in recs if re.search(pattern, r["msg"])]

    truth["deferred_probe_timeout_lines"] = [
        {"t": r["t"], "device": r["device"], "prefix": r["prefix"], "evidence": r["evidence"]}
        for r in lines_with(r"deferred probe timeout, ignoring dependency")]
    truth["deferred_probe_pending_lines"] = [
        {"t": r["t"], "device": r["device"], "prefix": r["prefix"],
         "reason": r["rest"].split("deferred probe pending", 1)[1].lstrip(": ").strip(), "evidence": r["evidence"]}
        for r in lines_with(r"deferred probe pending")]
    truth["late_iommu_probe_warnings"] = [
        {"t": r["t"], "evidence": r["evidence"]} for r in lines_with(r"late IOMMU probe at driver bind")]
    truth["iommu_map_messages"] = [{"t": r["t"], "evidence": r["evidence"]} for r in lines_with(r"iommu-map")]
    # Fault reports of the IOMMUs these machines have (virtio-iommu, Intel VT-d); none is
    # expected, and an empty list says the log was searched.
    truth["iommu_events"] = [{"t": r["t"], "evidence": r["evidence"]} for r in recs
                             if re.search(r"^DMAR: \[(DMA|INTR)|virtio_iommu .*fault|Unhandled context fault|event 0x", r["msg"])]
    truth["group_additions"] = [
        {"t": r["t"], "device": r["device"], "prefix": r["prefix"],
         "group": int(re.search(r"group (\d+)", r["msg"]).group(1)), "evidence": r["evidence"]}
        for r in lines_with(r"Adding to iommu group \d+")]
    truth["modules_loaded_final"] = {"modules": [l.split()[0] for l in files.lines("modules.txt") or []],
                                     "evidence": f"modules.txt ({len(files.lines('modules.txt') or [])} lines)"}
    markers = [{"t": r["t"], "msg": r["msg"][5:], "evidence": r["evidence"]} for r in recs if r["msg"].startswith("LAB: ")]
    truth["lab_markers"] = markers
    moment_time = {}
    for m in moments:
        hit = [x for x in markers if x["msg"] == f"captured devices_deferred@{m}"]
        moment_time[m] = hit[-1]["t"] if hit else None
    truth["moment_kernel_time"] = moment_time
    truth["console_boots"] = console_boots(files)

    # IOMMUs: the firmware's description, the kernel's registration, the driver's lines.
    iommus, routes = firmware_routes(files, final)
    classes = []
    for n, line in enumerate(files.lines("iommu_class.txt") or [], 1):
        if line.startswith("iommu "):
            name, rest = line[6:].split(" path=")
            path, parent = rest.split(" parent=")
            no_parent = not parent or parent == f"{path}/device"  # busybox realpath of a missing link
            classes.append({"name": name, "path": path, "parent": None if no_parent else parent,
                            "evidence": files.ev("iommu_class.txt", n)})
    for c in classes:
        parent_dev = os.path.basename(c["parent"]) if c["parent"] else None
        owner = None
        for i in iommus:
            dev = i.get("device")
            if dev and c["parent"] and (dev == parent_dev or f"/{dev}/" in c["parent"] + "/"):
                owner = i
        if owner is None:
            for i in iommus:
                base = i.get("register_base")
                if i.get("table") == "IORT" and base and c["name"].endswith(f"{int(base, 16):016x}"):
                    owner = i
                    i["device"] = parent_dev
        if owner is None and c["name"].startswith("dmar"):
            owner = next((i for i in iommus if i.get("table") == "DMAR" and not i.get("registered")), None)
            if owner is not None:
                owner["device"] = c["name"]
        if owner is None:
            owner = {"firmware": None, "device": parent_dev or c["name"]}
            iommus.append(owner)
        owner["registered"] = {"iommu_class": c["name"], "evidence": c["evidence"]}
        owner["driver_device"] = parent_dev
    for i in iommus:
        i.setdefault("registered", None)
        dev = i.get("device")
        if i.get("driver_device") is None and dev in final:
            # The device the IOMMU driver binds: the node's own device, or (virtio-iommu) the
            # virtio device below the PCI function that carries it.
            kids = [d for d, r in final.items() if r["bus"] == "virtio" and r["path"].startswith(final[dev]["path"] + "/")]
            i["driver_device"] = kids[0] if kids else dev
        drv_dev = i.get("driver_device")
        i["driver_by_moment"] = {m: {"driver": t[drv_dev]["driver"], "evidence": t[drv_dev]["evidence"]}
                                 for m, t in tables.items() if drv_dev in t}
        if dev in final:
            i["bus"], i["sysfs_path"] = final[dev]["bus"], final[dev]["path"]
        driver = final.get(drv_dev, {}).get("driver") if drv_dev else None
        own = [r for r in recs if drv_dev and r["device"] == drv_dev and r["prefix"] == driver] if driver else []
        if i.get("table") == "DMAR":
            own = lines_with(r"^DMAR: ")
        i["messages"] = [{"t": r["t"], "evidence": r["evidence"]} for r in own][:40]
        bound = None
        dd = [r for r in recs if drv_dev and re.search(rf"driver_bound: bound to device '?{re.escape(drv_dev)}'?", r["msg"]) or
              (drv_dev and r["device"] == drv_dev and "driver_bound: bound to device" in r["msg"])]
        probe0 = [r for r in recs if drv_dev and re.match(rf"probe of {re.escape(drv_dev)} returned 0 ", r["msg"])]
        if dd:
            bound = {"t": dd[0]["t"], "driver": driver, "basis": "dyndbg driver_bound line", "evidence": dd[0]["evidence"]}
        elif probe0:
            bound = {"t": probe0[0]["t"], "driver": driver, "basis": "initcall_debug 'probe of X returned 0'",
                     "evidence": probe0[0]["evidence"]}
        elif i.get("table") == "DMAR" and i["registered"]:
            # intel_iommu_init() registers each unit and the IOMMU core then probes every PCI
            # device (bus_iommu_probe): the first group addition is the earliest line that
            # proves the registration; the DMAR line before it bounds it from below.
            adds = lines_with(r"Adding to iommu group \d+")
            if adds:
                before = [r for r in recs if r["n"] < adds[0]["n"] and r["msg"].startswith("DMAR")]
                bound = {"t": adds[0]["t"], "driver": "intel-iommu (built in)",
                         "basis": "first 'Adding to iommu group' line (bus_iommu_probe() after iommu_device_register())",
                         "evidence": adds[0]["evidence"],
                         "t_window": [before[-1]["t"] if before else None, adds[0]["t"]],
                         "window_evidence": before[-1]["evidence"] if before else None}
        elif own and driver:
            bound = {"t": own[0]["t"], "driver": driver,
                     "basis": "first dmesg line printed with the driver's name as prefix", "evidence": own[0]["evidence"]}
        elif driver:
            bound = {"t": None, "driver": driver, "basis": "snapshots only", "evidence": final[drv_dev]["evidence"]}
        i["bound"] = bound
        first_group = truth["group_additions"][0] if truth["group_additions"] else None
        i["first_group_addition"] = first_group
    for i in iommus:
        # With the driver core's debug output, the IOMMU's class device shows up as a
        # `device: '<name>': device_add` line inside the IOMMU driver's probe: registration itself.
        reg, drv_dev = i.get("registered"), i.get("driver_device")
        if not reg:
            continue
        probing = [r for r in recs if drv_dev and r["device"] == drv_dev and "really_probe: probing driver" in r["msg"]]
        added = [r for r in recs if r["msg"] == f"device: '{reg['iommu_class']}': device_add"
                 and probing and r["t"] >= probing[-1]["t"]]
        reg["device_add_line"] = {"t": added[0]["t"], "evidence": added[0]["evidence"]} if added else None
    truth["iommus"] = iommus
    truth["fw_devlink_cycle_messages"] = [{"t": r["t"], "evidence": r["evidence"]}
                                          for r in lines_with(r"[Ff]ixed dependency cycle|dependency cycle")]
    names = {n for i in iommus for n in (i.get("device"), i.get("driver_device")) if n}
    truth["devlink_log_lines_naming_iommu"] = [
        {"t": r["t"], "evidence": r["evidence"]} for r in recs
        if re.search(r"[Ll]ink|--", r["msg"]) and any(re.search(rf"(^|[\s:'/]){re.escape(n)}($|[\s:'-])", r["msg"]) for n in names)]
    iommu_t = {}
    for i in iommus:
        b = i["bound"]
        iommu_t[i["device"]] = b["t"] if b and i["registered"] else None

    # Consumers: firmware routes plus every group member.
    groups = {}
    for n, line in enumerate(files.lines("iommu_groups.txt") or [], 1):
        if line.startswith("group "):
            g = line[6:].split(" ")[0]
        elif line.strip().startswith("device "):
            groups[line.strip()[7:].split(" ")[0]] = (g, files.ev("iommu_groups.txt", n))
    for r in routes:
        if "iommu_register_base" in r:
            r["iommu"] = next((i["device"] for i in iommus if i.get("register_base") == r["iommu_register_base"]), None)
    seen = {r["device"] for r in routes if r["device"]}
    dmar = [i for i in iommus if i.get("table") == "DMAR" and i.get("include_pci_all")]
    for dev, r in sorted(final.items()):
        if dev in seen:
            continue
        if dmar and r["bus"] == "pci" and pci_rid(dev) is not None:
            routes.append({"device": dev, "bus": "pci", "via": "DMAR DRHD INCLUDE_PCI_ALL", "iommu": dmar[0]["device"],
                           "table_evidence": dmar[0]["table_evidence"]})
        elif dev in groups:
            owner = next((i["device"] for i in iommus if i["registered"] and i["registered"]["iommu_class"] == r["iommu"]), None)
            routes.append({"device": dev, "bus": r["bus"], "via": "iommu group member", "iommu": owner})
    deferred = {}
    moments_out = {}
    for m in moments:
        name = f"devices_deferred-{m}.txt"
        entries = []
        for n, line in enumerate(files.lines(name) or [], 1):
            dev, _, reason = line.partition("\t")
            entries.append({"device": dev, "reason": reason, "reason_shown": bool(reason.strip()),
                            "evidence": files.ev(name, n)})
            deferred.setdefault(dev, []).append({"moment": m, "reason": reason, "evidence": files.ev(name, n)})
        mo = {"kernel_time": moment_time[m], "devices_deferred": entries}
        if not entries:
            mo["devices_deferred_evidence"] = f"{name}: empty"
        dl = f"devlink-{m}.txt"
        if files.lines(dl) is not None:
            links = {}
            for n, line in enumerate(files.lines(dl), 1):
                name_ = line.split("/")[4]
                link = links.setdefault(name_, {"name": name_})
                if " -> " in line:
                    attr, target = line.split(" -> ")
                    role = attr.rsplit("/", 1)[1]
                    link[f"{role}_link"], link[role] = target, os.path.basename(target)
                else:
                    attr, value = line.rsplit(":", 1)
                    link[attr.rsplit("/", 1)[1]] = value
                    if attr.endswith("/status"):
                        link["evidence"] = files.ev(dl, n)
            mo["devlinks"] = list(links.values())
        ws = f"waiting_for_supplier-{m}.txt"
        if files.lines(ws) is not None:
            mo["waiting_for_supplier_1"] = [{"path": l.rsplit(":", 1)[0], "evidence": files.ev(ws, n)}
                                            for n, l in enumerate(files.lines(ws), 1) if l.endswith(":1")]
        moments_out[m] = mo
    consumers = []
    own_functions = {i["device"] for i in iommus if i.get("device")}
    for route in routes:
        dev = route["device"]
        if dev is None or dev not in final:
            continue
        if dev in own_functions:
            # An IOMMU does not translate itself (drivers/acpi/viot.c viot_dev_iommu_init(),
            # "We're not translating ourself"; QEMU's DT iommu-map leaves the RID out).
            truth["notes"].append(f"{dev} is the IOMMU's own device; the firmware range "
                                  f"({route['via']}) covers it, it is not a consumer")
            continue
        c = dict(route)
        c["state_by_moment"] = {m: {"driver": t[dev]["driver"], "iommu_group": t[dev]["iommu_group"],
                                    "iommu": t[dev]["iommu"], "evidence": t[dev]["evidence"]}
                                for m, t in tables.items() if dev in t}
        adds = [a for a in truth["group_additions"] if a["device"] == dev]
        g = groups.get(dev)
        c["joined_iommu_group"] = {"group": g[0] if g else None,
                                   "evidence": g[1] if g else f"iommu_groups.txt: {dev} in no group at final",
                                   "adding_line": {"t": adds[0]["t"], "evidence": adds[0]["evidence"]} if adds else None}
        ign = [x for x in truth["deferred_probe_timeout_lines"] if x["device"] == dev]
        c["ignored_dependency_after_timeout"] = {"t": ign[0]["t"], "evidence": ign[0]["evidence"]} if ign else None
        pend = [x for x in truth["deferred_probe_pending_lines"] if x["device"] == dev]
        c["deferred_probe_pending"] = pend
        driver = final[dev]["driver"]
        dd = [r for r in recs if (r["device"] == dev and "driver_bound: bound to device" in r["msg"])
              or re.search(rf"driver_bound: bound to device '{re.escape(dev)}'", r["msg"])]
        probe0 = [r for r in recs if re.match(rf"probe of {re.escape(dev)} returned 0 ", r["msg"])]
        deferrals = [r for r in recs if re.match(rf"probe of {re.escape(dev)} returned -517 ", r["msg"])]
        own = [r for r in recs if r["device"] == dev and r["prefix"] == driver and driver]
        if dd:
            bound = {"t": dd[-1]["t"], "driver": driver, "basis": "dyndbg driver_bound line", "evidence": dd[-1]["evidence"]}
        elif probe0:
            bound = {"t": probe0[-1]["t"], "driver": driver, "basis": "initcall_debug 'probe of X returned 0'",
                     "evidence": probe0[-1]["evidence"]}
        elif ign and driver:
            bound = {"t": ign[0]["t"], "driver": driver,
                     "basis": "'deferred probe timeout, ignoring dependency' (the probe that went ahead)",
                     "evidence": ign[0]["evidence"]}
        elif own:
            bound = {"t": own[0]["t"], "driver": driver,
                     "basis": "first dmesg line printed with the driver's name as prefix", "evidence": own[0]["evidence"]}
        elif driver:
            bound = {"t": None, "driver": driver, "basis": "snapshots only", "evidence": final[dev]["evidence"]}
        else:
            bound = None
        c["bound"] = bound
        c["children"] = [{"device": d, "driver": r["driver"], "evidence": r["evidence"]} for d, r in sorted(final.items())
                         if r["bus"] == "virtio" and r["path"].startswith(final[dev]["path"] + "/")]
        c["probe_deferrals_logged"] = [{"t": r["t"], "evidence": r["evidence"]} for r in deferrals] or None
        c["deferred_at"] = deferred.get(dev, [])
        it = iommu_t.get(c.get("iommu"))
        registered = any(i["device"] == c.get("iommu") and i["registered"] for i in iommus)
        in_group = g is not None
        if bound is None:
            c["probed_before_iommu"] = None
            still = [d for d in deferred.get(dev, []) if d["moment"] == "final"]
            probed = deferred.get(dev) or any(r["device"] == dev and r["prefix"] not in ("pci", None)
                                                      for r in recs)
            if still:
                c["verdict"] = "still deferred at the end (never bound)"
            elif probed:
                # deferred earlier, or printed with a driver's prefix, yet no driver at the end
                c["verdict"] = "probed but not bound at the end (its last probe failed)"
            else:
                c["verdict"] = "never bound (no driver probed it: never bound, never deferred)"
        elif in_group:
            c["probed_before_iommu"] = False
            c["verdict"] = "bound behind its IOMMU (in an IOMMU group)"
        elif not registered:
            c["probed_before_iommu"] = True
            c["verdict"] = "bound WITHOUT its IOMMU (the IOMMU never registered)"
        else:
            c["probed_before_iommu"] = True if bound["t"] is None or it is None or bound["t"] < it else None
            c["verdict"] = "bound WITHOUT its IOMMU (probed before the IOMMU registered)"
        consumers.append(c)
    truth["consumers"] = consumers
    truth["moments"] = moments_out
    iommu_devices = {i["device"] for i in iommus} | {i.get("driver_device") for i in iommus}
    truth["iommu_devlink_consumers"] = [
        {"moment": m, **l} for m, mo in moments_out.items() for l in mo.get("devlinks", [])
        if l.get("supplier") in iommu_devices]
    truth["summary"] = {
        "firmware": truth["firmware"],
        "iommu_bound_at": iommu_t,
        "iommu_registered": {i["device"]: (i["registered"] or {}).get("iommu_class") for i in iommus},
        "consumers": len(consumers),
        "bound_behind_iommu": sorted(c["device"] for c in consumers if c["bound"] and c["joined_iommu_group"]["group"] is not None),
        "bound_without_iommu": sorted(c["device"] for c in consumers if c["probed_before_iommu"]),
        "never_bound": sorted(c["device"] for c in consumers if c["bound"] is None),
        "deferred_at_final": [e["device"] for e in moments_out.get("final", {}).get("devices_deferred", [])],
        "deferred_at_final_reasons": {e["device"]: e["reason"]
                                      for e in moments_out.get("final", {}).get("devices_deferred", [])},
        "timeout_ignored_dependency": [x["device"] for x in truth["deferred_probe_timeout_lines"]],
        "deferred_probe_pending": [x["device"] for x in truth["deferred_probe_pending_lines"]],
        "group_additions": len(truth["group_additions"]),
        "late_iommu_probe_warnings": len(truth["late_iommu_probe_warnings"]),
        "iommu_events": len(truth["iommu_events"]),
        "devlinks_with_iommu_supplier": sorted({l["name"] for l in truth["iommu_devlink_consumers"]}),
    }
    with open(os.path.join(root, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
        f.write("\n")
    s = truth["summary"]
    print(f"{root}: IOMMU {s['iommu_bound_at']}, behind {s['bound_behind_iommu']}, without {s['bound_without_iommu']}, "
          f"never {s['never_bound']}, deferred {s['deferred_at_final']}, ignored {s['timeout_ignored_dependency']}, "
          f"pending {s['deferred_probe_pending']}")


if __name__ == "__main__":
    main()
