# probescope collection script, wire protocol 1 (parsed by src/collect/wire.rs).
#
# `ssh HOST sh -s` reads this from standard input; probescope puts these assignments before it,
# each a single-quoted literal:
#   B        frame boundary (random per run)
#   R        root prefix for every path read ('' for /; --remote-root)
#   MOUNT_DEBUGFS  1 to mount debugfs when it is not mounted (and unmount it after)
#   WINDOWS  register windows, one "NAME BASE SIZE" line each (decimal numbers)
#
# It only reads: nothing is written on the target except the debugfs mount that
# MOUNT_DEBUGFS=1 asks for. Needs a POSIX sh and cat, readlink, find (busybox has them all).
# Names and contents from the target only ever travel back as data: every expansion is quoted
# and nothing the target holds is evaluated.
#
# Output: frames, each "\n$B KIND ARGS\n" then a payload running up to the next "\n$B ".
# A path is always a header's last field; paths holding a newline are never sent.

ps_frame() { printf '\n%s %s\n' "$B" "$*"; }

# A name that can travel in a header (no newline).
ps_carried() {
	case $1 in *"$PS_NL"*|'') return 1 ;; esac
	return 0
}

# A file's bytes: F PATH, the bytes, X STATUS (cat's exit status).
ps_file() {
	ps_carried "$1" || return 0
	if [ ! -e "$R$1" ]; then ps_frame M "$1"; return 0; fi
	if [ ! -r "$R$1" ]; then ps_frame D "$1"; return 0; fi
	ps_frame F "$1"
	cat "$R$1" 2>/dev/null
	ps_frame X "$?"
}

# Like ps_file, with cat's error message as the X frame's payload.
ps_file_why() {
	ps_carried "$1" || return 0
	if [ ! -e "$R$1" ]; then ps_frame M "$1"; return 0; fi
	if [ ! -r "$R$1" ]; then ps_frame D "$1"; return 0; fi
	ps_frame F "$1"
	ps_why=$(cat "$R$1" 2>&1 >&3)
	ps_frame X "$?"
	printf '%s' "$ps_why"
}

# A symbolic link's target: L PATH then readlink's output, or M PATH.
ps_link() {
	ps_carried "$1" || return 0
	if [ -L "$R$1" ]; then
		ps_frame L "$1"
		readlink "$R$1" 2>/dev/null
	else
		ps_frame M "$1"
	fi
}

# A directory's entries: DIR PATH then one "E KIND NAME" frame per entry (KIND l, d, f or o;
# symbolic links are not followed to decide), or M / D PATH. Returns 1 when not listed.
ps_dir() {
	ps_carried "$1" || return 1
	if [ ! -d "$R$1" ]; then ps_frame M "$1"; return 1; fi
	if [ ! -r "$R$1" ] || [ ! -x "$R$1" ]; then ps_frame D "$1"; return 1; fi
	ps_frame DIR "$1"
	for ps_e in "$R$1"/*; do
		[ -e "$ps_e" ] || [ -L "$ps_e" ] || continue
		ps_n=${ps_e##*/}
		if ! ps_carried "$ps_n"; then ps_frame SKIP; continue; fi
		if [ -L "$ps_e" ]; then ps_k=l
		elif [ -d "$ps_e" ]; then ps_k=d
		elif [ -f "$ps_e" ]; then ps_k=f
		else ps_k=o
		fi
		ps_frame E "$ps_k" "$ps_n"
	done
	return 0
}

ps_kernel_log() {
	ps_kmsg_ok=0
	if [ -f "$R/dev/kmsg" ]; then
		# A regular file stands in for the device below a remote root: a plain copy.
		ps_frame LOG kmsg
		ps_why=$(cat "$R/dev/kmsg" 2>&1 >&3)
		ps_rc=$?
		ps_frame X "$ps_rc"
		printf '%s' "$ps_why"
		[ "$ps_rc" = 0 ] && ps_kmsg_ok=1
	elif [ -c "$R/dev/kmsg" ]; then
		# Reading /dev/kmsg blocks after the last record (devkmsg_read(), kernel/printk/printk.c):
		# read it non-blocking (GNU dd), or for at most a second into memory (busybox, toybox),
		# so that a slow link cannot cut the log short.
		if dd if=/dev/null of=/dev/null iflag=nonblock count=0 status=none 2>/dev/null; then
			ps_frame LOG kmsg
			ps_why=$(dd if="$R/dev/kmsg" iflag=nonblock bs=65536 status=none 2>&1 >&3)
			ps_rc=$?
			case $ps_why in
			*"temporarily unavailable"*) ps_rc=0 ;;
			esac
			ps_frame X "$ps_rc"
			printf '%s' "$ps_why"
			[ "$ps_rc" = 0 ] && ps_kmsg_ok=1
		elif command -v timeout >/dev/null 2>&1; then
			ps_log=$(timeout 1 cat "$R/dev/kmsg" 2>/dev/null)
			ps_frame LOG kmsg
			if [ -n "$ps_log" ]; then
				printf '%s\n' "$ps_log"
				ps_frame X 0
				ps_kmsg_ok=1
			else
				ps_frame X 1
				printf 'nothing read (not readable by this user?)'
			fi
			ps_log=
		else
			ps_frame LOG kmsg
			ps_frame X 127
			printf 'neither dd iflag=nonblock nor timeout to read it without blocking'
		fi
	else
		ps_frame LOG kmsg
		ps_frame M /dev/kmsg
	fi
	# dmesg reads the running kernel, which a remote root does not stand for.
	if [ "$ps_kmsg_ok" = 0 ] && [ -z "$R" ]; then
		ps_frame LOG dmesg-r
		ps_why=$(dmesg -r 2>&1 >&3)
		ps_rc=$?
		ps_frame X "$ps_rc"
		printf '%s' "$ps_why"
		if [ "$ps_rc" != 0 ]; then
			ps_frame LOG dmesg
			ps_why=$(dmesg 2>&1 >&3)
			ps_frame X "$?"
			printf '%s' "$ps_why"
		fi
	fi
}

ps_devlinks() {
	ps_dir /sys/class/devlink || return 0
	for ps_l in "$R/sys/class/devlink"/*; do
		[ -e "$ps_l" ] || [ -L "$ps_l" ] || continue
		ps_n=${ps_l##*/}
		ps_carried "$ps_n" || continue
		ps_p=/sys/class/devlink/$ps_n
		ps_dir "$ps_p" || continue
		for ps_a in "$R$ps_p"/*; do
			[ -e "$ps_a" ] || [ -L "$ps_a" ] || continue
			ps_m=${ps_a##*/}
			ps_carried "$ps_m" || continue
			if [ -L "$ps_a" ]; then
				case $ps_m in supplier | consumer) ps_link "$ps_p/$ps_m" ;; esac
			elif [ -f "$ps_a" ]; then
				ps_file "$ps_p/$ps_m"
			fi
		done
	done
}

ps_debugfs() {
	ps_dbg=/sys/kernel/debug
	ps_mounted=0
	if ps_dir "$ps_dbg" && [ "$MOUNT_DEBUGFS" = 1 ]; then
		set -- "$R$ps_dbg"/*
		if [ ! -e "$1" ] && [ ! -L "$1" ]; then
			ps_why=$(mount -t debugfs debugfs "$R$ps_dbg" 2>&1)
			ps_rc=$?
			ps_frame MOUNT "$ps_rc"
			printf '%s' "$ps_why"
			[ "$ps_rc" = 0 ] && ps_mounted=1
		fi
	fi
	ps_file_why "$ps_dbg/devices_deferred"
	if [ "$ps_mounted" = 1 ]; then
		ps_why=$(umount "$R$ps_dbg" 2>&1)
		ps_frame UMOUNT "$?"
		printf '%s' "$ps_why"
	fi
}

ps_waiting_for_supplier() {
	ps_frame FIND /sys/devices
	if [ -d "$R/sys/devices" ]; then
		find "$R/sys/devices" -name waiting_for_supplier -type f 2>/dev/null |
			while IFS= read -r ps_q; do
				ps_file "${ps_q#"$R"}"
			done
	else
		ps_frame M /sys/devices
	fi
	ps_frame FOUND
}

ps_bus_devices() {
	ps_dir /sys/bus || return 0
	for ps_b in "$R/sys/bus"/*; do
		[ -L "$ps_b" ] && continue
		[ -d "$ps_b" ] || continue
		ps_n=${ps_b##*/}
		ps_carried "$ps_n" || continue
		ps_d=/sys/bus/$ps_n/devices
		ps_dir "$ps_d" || continue
		for ps_e in "$R$ps_d"/*; do
			[ -L "$ps_e" ] || continue
			ps_m=${ps_e##*/}
			ps_carried "$ps_m" || continue
			ps_link "$ps_d/$ps_m"
			for ps_k in driver iommu_group iommu of_node; do
				ps_link "$ps_d/$ps_m/$ps_k"
			done
		done
	done
}

# Links inside DIR (already listed by ps_dir).
ps_links_in() {
	for ps_e in "$R$1"/*; do
		[ -L "$ps_e" ] || continue
		ps_m=${ps_e##*/}
		ps_carried "$ps_m" || continue
		ps_link "$1/$ps_m"
	done
}

ps_iommu_groups() {
	ps_dir /sys/kernel/iommu_groups || return 0
	for ps_g in "$R/sys/kernel/iommu_groups"/*; do
		[ -L "$ps_g" ] && continue
		[ -d "$ps_g" ] || continue
		ps_n=${ps_g##*/}
		ps_carried "$ps_n" || continue
		ps_p=/sys/kernel/iommu_groups/$ps_n
		ps_file "$ps_p/type"
		ps_dir "$ps_p/devices" && ps_links_in "$ps_p/devices"
	done
}

ps_iommu_class() {
	ps_dir /sys/class/iommu || return 0
	for ps_i in "$R/sys/class/iommu"/*; do
		[ -e "$ps_i" ] || [ -L "$ps_i" ] || continue
		ps_n=${ps_i##*/}
		ps_carried "$ps_n" || continue
		ps_p=/sys/class/iommu/$ps_n
		ps_link "$ps_p"
		ps_link "$ps_p/device"
		ps_dir "$ps_p/devices" && ps_links_in "$ps_p/devices"
	done
}

ps_register_windows() {
	printf '%s\n' "$WINDOWS" | while read -r ps_wn ps_wb ps_ws; do
		[ -n "$ps_wn" ] || continue
		ps_frame WIN "$ps_wn"
		if ! command -v devmem >/dev/null 2>&1; then
			ps_frame X 127
			printf 'no devmem command (busybox devmem reads registers)'
			continue
		fi
		# The first read says why it fails (no root, no /dev/mem, STRICT_DEVMEM); the rest stay quiet.
		ps_why=$(devmem "$ps_wb" 32 2>&1)
		ps_rc=$?
		if [ "$ps_rc" != 0 ]; then
			ps_frame X "$ps_rc"
			printf '%s' "$ps_why"
			continue
		fi
		printf '%s\n' "$ps_why"
		ps_a=$((ps_wb + 4))
		ps_end=$((ps_wb + ps_ws))
		while [ "$ps_a" -lt "$ps_end" ]; do
			devmem "$ps_a" 32 2>/dev/null || { ps_rc=$?; break; }
			ps_a=$((ps_a + 4))
		done
		ps_frame X "$ps_rc"
	done
}

ps_main() {
	LC_ALL=C
	export LC_ALL
	PS_NL='
'
	exec 3>&1
	ps_frame BEGIN 1
	ps_missing=
	for ps_t in cat readlink find; do
		command -v "$ps_t" >/dev/null 2>&1 || ps_missing="$ps_missing $ps_t"
	done
	if [ -n "$ps_missing" ]; then
		ps_frame NEED "$ps_missing"
		ps_frame END
		return 0
	fi
	if [ -n "$R" ] && [ ! -d "$R" ]; then
		ps_frame NOROOT
		ps_frame END
		return 0
	fi
	ps_kernel_log
	ps_devlinks
	ps_debugfs
	ps_waiting_for_supplier
	ps_bus_devices
	ps_iommu_groups
	ps_iommu_class
	for ps_f in /sys/firmware/fdt /proc/cmdline /proc/modules /proc/config.gz /proc/sys/kernel/osrelease; do
		ps_file_why "$ps_f"
	done
	for ps_f in VIOT IORT DMAR IVRS; do
		ps_file_why "/sys/firmware/acpi/tables/$ps_f"
	done
	if [ -z "$R" ]; then
		ps_frame CMD uname-r
		uname -r 2>/dev/null
	fi
	ps_register_windows
	ps_frame END
}

# Run only once the whole script has arrived, with nothing reading the script's own stdin.
ps_main </dev/null
