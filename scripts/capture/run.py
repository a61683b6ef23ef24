#!/usr/bin/env python3
"""Boot one capture scenario under QEMU (TCG) and keep its serial console byte for byte.

usage: run.py SET SCENARIO OUTDIR
Writes OUTDIR/console.log, OUTDIR/qemu-argv.txt (one argument per line, host paths shortened
to file names) and OUTDIR/wall_seconds.txt.  The kernel and initramfs come from
build-initramfs.py (same $CAPTURE_CACHE).  SETS below is the whole description of each
machine and scenario: what QEMU emulates and what the guest's /init is asked to do.
"""
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
KVER = "6.12.118+deb12"
COMMON = "log_buf_len=4M panic=-1 rdinit=/init deferred_probe_timeout=5"
VERBOSE = 'initcall_debug dyndbg="file drivers/base/core.c +p; file drivers/base/dd.c +p"'

ARM64_VIRT = {
    "arch": "arm64",
    "qemu": "qemu-system-aarch64",
    "machine": ["-M", "virt", "-cpu", "cortex-a57"],
    "console": "console=ttyAMA0",
    "devices": [
        "-device", "virtio-iommu-pci,addr=02.0",
        "-device", "virtio-blk-pci,drive=d0,addr=03.0",
        "-device", "pcie-root-port,id=rp0,chassis=1,addr=05.0",
        "-device", "virtio-rng-pci,bus=rp0",
    ],
    "modules": ["virtio_iommu", "virtio_blk", "virtio_rng"],
    "lab": "lab.iommu_mods=virtio_iommu lab.consumer_mods=virtio_blk,virtio_rng",
}
Q35_VIRTIO = {
    "arch": "amd64",
    "qemu": "qemu-system-x86_64",
    "machine": ["-M", "q35"],
    "console": "console=ttyS0",
    "devices": ARM64_VIRT["devices"],
    "modules": ARM64_VIRT["modules"],
    "lab": ARM64_VIRT["lab"],
}
Q35_INTEL = {
    "arch": "amd64",
    "qemu": "qemu-system-x86_64",
    "machine": ["-M", "q35,kernel-irqchip=split"],
    "console": "console=ttyS0",
    "devices": [
        "-device", "intel-iommu,intremap=on",
        "-device", "virtio-blk-pci,drive=d0,addr=03.0",
        "-device", "pcie-root-port,id=rp0,chassis=1,addr=05.0",
        "-device", "virtio-rng-pci,bus=rp0",
    ],
    "modules": ["virtio_blk", "virtio_rng"],
    "lab": "lab.consumer_mods=virtio_blk,virtio_rng",
}
# arm64 `virt` booted through UEFI (edk2 from Debian's qemu-efi-aarch64): the kernel sees ACPI
# (IORT for the SMMUv3, VIOT for the virtio-iommu) and no device tree.
EDK2 = "/usr/share/qemu-efi-aarch64/QEMU_EFI.fd"
ARM64_ACPI_SMMU = {
    "arch": "arm64",
    "qemu": "qemu-system-aarch64",
    "machine": ["-M", "virt,iommu=smmuv3", "-cpu", "cortex-a57", "-bios", EDK2],
    "console": "console=ttyAMA0",
    "devices": ARM64_VIRT["devices"][2:],
    "modules": ["virtio_blk", "virtio_rng"],
    "lab": "lab.consumer_mods=virtio_blk,virtio_rng",
}
ARM64_ACPI_VIOMMU = dict(ARM64_VIRT, machine=["-M", "virt", "-cpu", "cortex-a57", "-bios", EDK2])
SETS = {
    "virtio-iommu-arm64-6.12": (ARM64_VIRT, {
        "V1-viommu-early": ("early", ""),
        "V2-viommu-late": ("late", ""),
        "V3-viommu-never": ("never", ""),
        "V4-verbose-late": ("late", VERBOSE),
        "V5-two-boots": ("early", "lab.reboots=1"),
        "V6-strict-late": ("late", "fw_devlink.strict=1"),
        "V7-permissive-strict-late": ("late", "fw_devlink=permissive fw_devlink.strict=1"),
        "V8-off-strict-late": ("late", "fw_devlink=off fw_devlink.strict=1"),
    }),
    "virtio-iommu-q35-6.12": (Q35_VIRTIO, {
        "Q1-viommu-early": ("early", ""),
        "Q2-viommu-late": ("late", ""),
        "Q3-viommu-never": ("never", ""),
        "Q4-verbose-late": ("late", VERBOSE),
    }),
    "intel-iommu-q35-6.12": (Q35_INTEL, {
        "I1-builtin": ("builtin", "intel_iommu=on"),
    }),
    "smmuv3-iort-arm64-6.12": (ARM64_ACPI_SMMU, {
        "A1-smmuv3-builtin": ("builtin", ""),
    }),
    "virtio-iommu-viot-arm64-6.12": (ARM64_ACPI_VIOMMU, {
        "A2-viommu-late": ("late", ""),
        "A3-viommu-never": ("never", ""),
    }),
}


def main():
    set_name, scenario, out = sys.argv[1:]
    machine, scenarios = SETS[set_name]
    script, extra = scenarios[scenario]
    cache = os.environ.get("CAPTURE_CACHE", os.path.expanduser("~/.cache/probescope-capture"))
    arch = machine["arch"]
    kname = f"{KVER}-{arch}"
    kernel = os.path.join(cache, "x", f"linux-image-{kname}_{arch}", "boot", f"vmlinuz-{kname}")
    initrd = os.path.join(cache, f"initramfs-{arch}-{KVER}-{'+'.join(machine['modules'])}.cpio.gz")
    if not os.path.exists(initrd):
        subprocess.run([sys.executable, os.path.join(HERE, "build-initramfs.py"), arch, KVER, initrd,
                        *machine["modules"]], check=True)
    os.makedirs(out, exist_ok=True)
    disk = os.path.join(out, ".disk.raw")
    with open(disk, "wb") as f:
        f.truncate(16 << 20)
    console = os.path.join(out, "console.log")
    cmdline = " ".join(filter(None, [machine["console"], COMMON, f"lab.scenario={script}",
                                     f"lab.label={scenario}", machine["lab"], extra]))
    argv = [machine["qemu"], *machine["machine"], "-smp", "2", "-m", "1G", "-nodefaults",
            "-display", "none"]
    if "lab.reboots=" not in extra:
        argv.append("-no-reboot")
    argv += ["-serial", f"file:{console}", "-kernel", kernel, "-initrd", initrd,
             "-drive", f"if=none,id=d0,file={disk},format=raw", *machine["devices"],
             "-append", cmdline]
    started = time.monotonic()
    subprocess.run(argv, check=True, timeout=600)
    wall = time.monotonic() - started
    os.remove(disk)
    short = {kernel: os.path.basename(kernel), initrd: os.path.basename(initrd),
             console: "console.log", disk: ".cache/disk.raw"}
    with open(os.path.join(out, "qemu-argv.txt"), "w") as f:
        for arg in argv:
            for long, name in short.items():
                arg = arg.replace(long, name)
            f.write(arg + "\n")
    with open(os.path.join(out, "wall_seconds.txt"), "w") as f:
        f.write(f"{wall:.1f}\n")
    print(f"{set_name}/{scenario}: {wall:.1f} s")


if __name__ == "__main__":
    main()
