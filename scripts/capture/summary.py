#!/usr/bin/env python3
"""Rows of fixtures/qemu/SUMMARY.md for the given capture sets, generated from their truth.json.

usage: summary.py SET...
Replaces the table rows of those sets in SUMMARY.md (appends them if absent); rows of other
sets are left as they are.
"""
import json
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", "qemu")
HOUSEKEEPING = re.compile(r"^(console=|log_buf_len=|panic=|rdinit=|lab\.)")


def extra_cmdline(cmdline):
    words = [w for w in re.findall(r'\S+="[^"]*"|\S+', cmdline) if not HOUSEKEEPING.match(w)]
    return "`" + " ".join(words) + "`" if words else "(none)"


def row(t):
    s = t["summary"]
    bound_at = "; ".join(f"{d} {'never' if v is None else f'{v:.2f}'}" for d, v in s["iommu_bound_at"].items())
    reasons = s.get("deferred_at_final_reasons", {})
    deferred = "; ".join(f"{d} ({reasons.get(d) or 'no reason'})" for d in s["deferred_at_final"]) or "-"
    links = ", ".join(s["devlinks_with_iommu_supplier"]) or "-"
    cells = [t["set"], t["scenario"], t["kernel"], extra_cmdline(t["cmdline"]),
             "yes" if t["console_complete"] else "no", f"{t['wall_seconds']:.1f}", bound_at,
             ", ".join(s["bound_behind_iommu"]) or "-", ", ".join(s["bound_without_iommu"]) or "-",
             ", ".join(s["never_bound"]) or "-", deferred, str(len(s["timeout_ignored_dependency"])),
             str(s["iommu_events"]), links]
    return "| " + " | ".join(cells) + " |"


def main():
    sets = sys.argv[1:]
    rows = []
    for set_name in sets:
        for scenario in sorted(os.listdir(os.path.join(ROOT, set_name))):
            path = os.path.join(ROOT, set_name, scenario, "truth.json")
            if os.path.exists(path):
                rows.append(row(json.load(open(path))))
    summary = os.path.join(ROOT, "SUMMARY.md")
    lines = open(summary).read().split("\n")
    kept = [l for l in lines if not any(l.startswith(f"| {s} |") for s in sets)]
    last = max(i for i, l in enumerate(kept) if l.startswith("| "))
    kept[last + 1:last + 1] = rows
    open(summary, "w").write("\n".join(kept))
    print("\n".join(rows))


if __name__ == "__main__":
    main()
