#!/usr/bin/env python3
"""Build the capture initramfs for one Debian kernel: busybox, the guest /init (init.sh), and
the kernel's own modules named on the command line (decompressed), each with the list of
modules it depends on (read from the module's own modinfo `depends=`), so that the guest can
load them in a chosen order with insmod.

usage: build-initramfs.py ARCH KVER OUT.cpio.gz MODULE...
  ARCH  arm64 | amd64 (Debian architecture), KVER e.g. 6.12.118+deb12
Packages are fetched with `apt-get download` into $CAPTURE_CACHE (default ~/.cache/probescope-capture).
"""
import glob
import lzma
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def cache():
    path = os.environ.get("CAPTURE_CACHE", os.path.expanduser("~/.cache/probescope-capture"))
    os.makedirs(path, exist_ok=True)
    return path


def unpacked(package, arch):
    """Download a Debian package with apt-get and unpack it; return the unpack directory."""
    root = os.path.join(cache(), "x", f"{package}_{arch}")
    if os.path.isdir(root):
        return root
    debs = os.path.join(cache(), "debs")
    os.makedirs(debs, exist_ok=True)
    if not glob.glob(os.path.join(debs, f"{package}_*_{arch}.deb")):
        subprocess.run(["apt-get", "download", f"{package}:{arch}"], cwd=debs, check=True)
    (deb,) = glob.glob(os.path.join(debs, f"{package}_*_{arch}.deb"))
    os.makedirs(root)
    subprocess.run(["dpkg-deb", "-x", deb, root], check=True)
    return root


def modinfo(data, key):
    found = re.search(rb"(?:^|\0)" + key.encode() + rb"=([^\0]*)\0", data)
    return found.group(1).decode() if found else ""


def main():
    arch, kver, out, *wanted = sys.argv[1:]
    kname = f"{kver}-{arch}"
    image = unpacked(f"linux-image-{kname}", arch)
    busybox = unpacked("busybox-static", arch)
    moddir = os.path.join(image, "lib/modules", kname)
    files = {}
    for path in glob.glob(os.path.join(moddir, "kernel/**/*.ko*"), recursive=True):
        base = os.path.basename(path).split(".ko")[0].replace("-", "_")
        files[base] = path

    def load(name):
        path = files[name.replace("-", "_")]
        raw = open(path, "rb").read()
        return lzma.decompress(raw) if path.endswith(".xz") else raw

    with tempfile.TemporaryDirectory() as root:
        for d in ("bin", "proc", "sys", "dev", "lib/modules", "etc"):
            os.makedirs(os.path.join(root, d))
        shutil.copy(os.path.join(busybox, "bin/busybox"), os.path.join(root, "bin/busybox"))
        # Every applet the init uses is a link to busybox (busybox --list of the host copy is the
        # same applet set for the same package version).
        host_list = subprocess.run(["busybox", "--list"], capture_output=True, text=True, check=True)
        for applet in host_list.stdout.split():
            if applet != "busybox":
                os.symlink("busybox", os.path.join(root, "bin", applet))
        shutil.copy(os.path.join(HERE, "init.sh"), os.path.join(root, "init"))
        os.chmod(os.path.join(root, "init"), 0o755)
        done = set()

        def add(name):
            name = name.replace("-", "_")
            if name in done:
                return []
            data = load(name)
            order = []
            for dep in filter(None, modinfo(data, "depends").split(",")):
                order += add(dep)
            with open(os.path.join(root, "lib/modules", name + ".ko"), "wb") as f:
                f.write(data)
            deps = []
            for dep in filter(None, modinfo(data, "depends").split(",")):
                deps += all_deps.get(dep.replace("-", "_"), []) + [dep.replace("-", "_")]
            all_deps[name] = list(dict.fromkeys(deps))
            with open(os.path.join(root, "lib/modules", name + ".deps"), "w") as f:
                f.write(" ".join(all_deps[name]) + "\n")
            done.add(name)
            return order + [name]

        all_deps = {}
        for name in wanted:
            add(name)
        cpio = subprocess.run(
            "find . | sort | cpio -o -H newc --quiet | gzip -9",
            shell=True, cwd=root, capture_output=True, check=True,
        )
        with open(out, "wb") as f:
            f.write(cpio.stdout)
    print(f"{out}: {len(wanted)} modules ({', '.join(sorted(done))}), kernel {image}/boot/vmlinuz-{kname}")


if __name__ == "__main__":
    main()
