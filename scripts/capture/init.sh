#!/bin/sh
# Guest /init of the capture initramfs (busybox).  Loads modules in the order the kernel
# command line asks for (lab.* parameters), takes snapshots of what the kernel exposes
# (devices_deferred, devlinks, drivers, IOMMU groups, firmware tables) and prints each
# between @@LAB-BEGIN name uptime=s@@ / @@LAB-END name@@ markers on the console; the host
# splits the console capture (scripts/capture/split.py).  Nothing here interprets the
# evidence: it only reads and prints.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug

param() { # param NAME DEFAULT: value of lab.NAME= on the kernel command line
	v=$(tr ' ' '\n' </proc/cmdline | sed -n "s/^lab\.$1=//p" | tail -n1)
	echo "${v:-$2}"
}
SCENARIO=$(param scenario builtin)
IOMMU_MODS=$(param iommu_mods "" | tr ',' ' ')
CONSUMER_MODS=$(param consumer_mods "" | tr ',' ' ')
TIMEOUT=$(param timeout 5)
REBOOTS=$(param reboots 0)
uptime_s() { cut -d' ' -f1 /proc/uptime; }
kmsg() { echo "LAB: $*" >/dev/kmsg; }
# The kernel's console output is paused (console loglevel 1) while the guest prints dumps:
# the kernel writes the serial port synchronously while the guest's output may still sit in
# the tty buffer, so a kernel line could land inside a block.  Every kernel line is still in
# the log buffer (the dmesg and kmsg dumps).  `loud` waits for the tty to drain first.
LEVEL=$(cut -f1 /proc/sys/kernel/printk)
quiet() { echo 1 >/proc/sys/kernel/printk; }
loud() { sleep 0.3; echo "$LEVEL" >/proc/sys/kernel/printk; }
begin() { echo "@@LAB-BEGIN $1 uptime=$(uptime_s)@@"; }
end() { echo "@@LAB-END $1@@"; }
block() { # block NAME COMMAND...: run a command, its output between markers
	n=$1; shift
	begin "$n"; "$@" 2>&1; end "$n"
}

# One process per dump where possible: under TCG every fork costs milliseconds, and a
# snapshot must be short next to the deferred-probe timeout.
dump_waiting() {
	find /sys/devices -name waiting_for_supplier -type f -exec grep -H . {} + 2>/dev/null | sort
}
dump_devlink() {
	for l in /sys/class/devlink/*; do
		[ -e "$l" ] || continue
		for a in runtime_pm auto_remove_on status sync_state_only; do
			[ -f "$l/$a" ] && echo "$l/$a:$(cat "$l/$a")"
		done
		for a in supplier consumer; do echo "$l/$a -> $(readlink "$l/$a")"; done
	done
}
dump_devlink_links() {
	for l in /sys/class/devlink/*; do
		[ -e "$l" ] || continue
		echo "link ${l##*/} class_symlink=$(readlink "$l")"
		for a in supplier consumer; do
			echo "  $a readlink=$(readlink "$l/$a") resolved=$(realpath "$l/$a")"
		done
	done
}
dump_devices() { ls -l /sys/bus/*/devices/; }
dump_device_links() {
	for d in /sys/bus/*/devices/*; do
		for a in driver iommu_group iommu of_node firmware_node; do
			[ -L "$d/$a" ] && echo "$d/$a"
		done
	done | xargs ls -l
}
dump_groups() {
	for g in /sys/kernel/iommu_groups/*; do
		[ -d "$g" ] || continue
		echo "group ${g##*/} type=$(cat "$g/type" 2>/dev/null)"
		for d in "$g"/devices/*; do
			[ -e "$d" ] && echo "  device ${d##*/} path=$(realpath "$d")"
		done
	done
}
dump_iommu_class() {
	for i in /sys/class/iommu/*; do
		[ -e "$i" ] || continue
		parent=
		[ -e "$i/device" ] && parent=$(realpath "$i/device")
		echo "iommu ${i##*/} path=$(realpath "$i") parent=$parent"
		for d in "$i"/devices/*; do
			[ -e "$d" ] && echo "  device ${d##*/} path=$(realpath "$d")"
		done
	done
}
binary() { # binary NAME FILE: a firmware blob, gzip + base64
	[ -r "$2" ] || return 0
	begin "$1.gz.b64"; gzip -9c "$2" | base64; end "$1.gz.b64"
}

snapshot() { # snapshot MOMENT: every state dump, tagged with the moment
	kmsg "snapshot $1"
	quiet
	block "devices_deferred@$1" cat /sys/kernel/debug/devices_deferred
	kmsg "captured devices_deferred@$1"
	block "waiting_for_supplier@$1" dump_waiting
	block "devlink@$1" dump_devlink
	block "devlink-links@$1" dump_devlink_links
	block "devices@$1" dump_devices
	block "device-links@$1" dump_device_links
	[ "$1" = final ] || loud
}
load() { # load MODULE...: each after the modules it depends on (lists made on the host)
	for m in "$@"; do
		for d in $(cat "/lib/modules/$m.deps") "$m"; do
			[ -d "/sys/module/$d" ] && continue
			kmsg "insmod $d begin"
			insmod "/lib/modules/$d.ko"
			kmsg "insmod $d end rc=$?"
		done
	done
}
settle() { kmsg "settle $1 s"; sleep "$1"; }
wait_past_timeout() { # until the last driver registration + the timeout + 3 s has passed
	target=$(awk -v u="$(uptime_s)" -v t="$TIMEOUT" 'BEGIN { printf "%.2f", u + t + 3 }')
	kmsg "waiting until uptime >= $target s"
	while awk -v u="$(uptime_s)" -v t="$target" 'BEGIN { exit !(u < t) }'; do sleep 0.2; done
	kmsg "uptime $(uptime_s) s reached (target $target s)"
}

echo "@@LAB scenario=$SCENARIO kernel=$(uname -r) uptime=$(uptime_s)@@"
kmsg "init started, scenario $SCENARIO"
quiet
block "devices_deferred@start" cat /sys/kernel/debug/devices_deferred
kmsg "captured devices_deferred@start"
loud
case "$SCENARIO" in
early)
	load $IOMMU_MODS
	load $CONSUMER_MODS
	settle 3
	;;
late)
	load $CONSUMER_MODS
	settle 1
	snapshot before-timeout
	wait_past_timeout
	snapshot after-timeout
	load $IOMMU_MODS
	settle 3
	;;
never)
	load $CONSUMER_MODS
	settle 1
	snapshot before-timeout
	wait_past_timeout
	;;
*)
	load $CONSUMER_MODS
	settle 3
	;;
esac
kmsg "final dump begins"
snapshot final
block iommu_groups dump_groups
block iommu_class dump_iommu_class
block cmdline cat /proc/cmdline
block uname uname -a
block modules cat /proc/modules
binary fdt /sys/firmware/fdt
for t in IORT VIOT DMAR IVRS; do binary "acpi-$t" "/sys/firmware/acpi/tables/$t"; done
block dmesg dmesg
block dmesg-raw dmesg -r
# /dev/kmsg never reaches end of file: read it into memory with a timeout (fast, no console
# in the way), then print the copy.
timeout 2 cat /dev/kmsg >/kmsg.txt 2>/dev/null
block kmsg cat /kmsg.txt
sync
# A multi-boot capture: the first boot marks the disk and reboots; the second powers off.
if [ "$REBOOTS" -gt 0 ] && [ -b /dev/vda ] && [ "$(head -c 8 /dev/vda)" != LABBOOT1 ]; then
	printf LABBOOT1 | dd of=/dev/vda conv=notrunc 2>/dev/null
	sync
	kmsg "rebooting (lab.reboots=$REBOOTS)"
	echo "@@LAB-REBOOT@@"
	loud
	reboot -f
fi
echo "@@LAB-DONE@@"
poweroff -f
