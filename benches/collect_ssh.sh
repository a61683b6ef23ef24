#!/usr/bin/env bash
# Timing of `probescope collect --ssh` over loopback, beside `ssh HOST true` (the floor: one
# connection and one session doing nothing) on the same throwaway sshd.
#
# The target is the largest corpus capture laid out like / (--remote-root), served once by the
# system shell (dash on Debian, with GNU tools) and once with busybox as the whole userland.
#
#   benches/collect_ssh.sh [RUNS]          (default 7 runs; median and min reported)
#   PROBESCOPE=path/to/probescope benches/collect_ssh.sh
#
# Needs root (sshd logs in as the current user with a throwaway key), /usr/sbin/sshd and busybox.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-7}
capture=fixtures/qemu/exynos-6.12/E5-verbose-early
bin=${PROBESCOPE:-}
if [ -z "$bin" ]; then
    if [ -x target/release/probescope ]; then bin=target/release/probescope; else
        cargo build -q && bin=target/debug/probescope
    fi
fi
bin=$(realpath "$bin")

work=$(mktemp -d)
sshd_pid=
cleanup() {
    if [ -n "$sshd_pid" ]; then kill "$sshd_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
chmod 755 "$work"

# The board: the capture laid out like /.
root=$work/root
mkdir -p "$root/dev" "$root/proc/sys/kernel"
cp -a "$capture/sysfs" "$root/sys"
cp "$capture/kmsg.txt" "$root/dev/kmsg"
cp "$capture/cmdline.txt" "$root/proc/cmdline"
cp "$capture/modules.txt" "$root/proc/modules"
awk '{print $3}' "$capture/uname.txt" >"$root/proc/sys/kernel/osrelease"
mkdir "$work/bb"
busybox --install -s "$work/bb"

ssh-keygen -q -t ed25519 -N '' -f "$work/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$work/user_key"
cp "$work/user_key.pub" "$work/authorized_keys"
mkdir -p /run/sshd
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
user=$(id -un)

# Both targets are the same sshd; the client's SetEnv picks the busybox userland.
{
    echo '#!/bin/sh'
    echo 'if [ -n "$PROBESCOPE_BENCH_BUSYBOX" ]; then'
    echo "    exec env -i PATH=$work/bb /bin/busybox sh -c \"\$SSH_ORIGINAL_COMMAND\""
    echo 'fi'
    echo 'exec sh -c "$SSH_ORIGINAL_COMMAND"'
} >"$work/shell"
chmod 755 "$work/shell"
printf '%s\n' \
    "ListenAddress 127.0.0.1:$port" \
    "HostKey $work/host_key" \
    "AuthorizedKeysFile $work/authorized_keys" \
    "StrictModes no" \
    "UsePAM no" \
    "PidFile none" \
    "AcceptEnv PROBESCOPE_BENCH_BUSYBOX" \
    "ForceCommand $work/shell" >"$work/sshd_config"
echo "[127.0.0.1]:$port $(cat "$work/host_key.pub")" >"$work/known_hosts"
for host in plain busybox; do
    printf '%s\n' \
        "Host $host" \
        "  HostName 127.0.0.1" \
        "  Port $port" \
        "  User $user" \
        "  IdentityFile $work/user_key" \
        "  IdentitiesOnly yes" \
        "  UserKnownHostsFile $work/known_hosts" \
        "  GlobalKnownHostsFile /dev/null" >>"$work/ssh_config"
done
echo "  SetEnv PROBESCOPE_BENCH_BUSYBOX=1" >>"$work/ssh_config"

/usr/sbin/sshd -D -f "$work/sshd_config" -E "$work/sshd.log" &
sshd_pid=$!
for _ in $(seq 50); do
    if ssh -F "$work/ssh_config" plain true 2>/dev/null; then break; fi
    sleep 0.1
done

# Milliseconds of each of $runs runs of "$@", then median and min.
measure() {
    local times=() start end
    for _ in $(seq "$runs"); do
        start=$(date +%s%N)
        "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
        end=$(date +%s%N)
        times+=($(((end - start) / 1000000)))
    done
    printf '%s\n' "${times[@]}" | sort -n |
        awk '{a[NR]=$1} END {printf "median %5d ms   min %5d ms", a[int((NR+1)/2)], a[1]}'
}

size=$(du -sh "$root" | cut -f1)
files=$(find "$root" | wc -l)
echo "capture: $capture ($files entries, $size); $runs runs each; probescope: $bin"
row() { printf '  %-34s %s\n' "$1" "$2"; }
for host in plain busybox; do
    echo "$host target:"
    row "ssh $host true" "$(measure ssh -F "$work/ssh_config" "$host" true)"
    row "probescope collect --ssh $host" "$(measure "$bin" collect --quiet --ssh "$host" \
        --ssh-config "$work/ssh_config" --remote-root "$root" -o "$work/b.tar.gz")"
    rm -f "$work/b.tar.gz"
done
echo "no ssh:"
row "probescope collect (local)" "$(measure "$bin" collect --quiet --remote-root "$root" -o "$work/l.tar.gz")"
