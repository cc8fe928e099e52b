#!/usr/bin/env bash
# hook-bench.sh [STARTS]: the libvirt hook's round trip measured where libvirt runs it.
#
# Boots the lab, starts usbpassd in it, installs packaging/libvirt/usbpassd as a qemu.d hook
# behind a timing wrapper, restarts libvirtd (it finds hooks only at start), and starts and
# destroys an L2 domain STARTS times (default 200); then the same with /bin/true as the hook.
# The wrapper times each "prepare begin" call (libvirt runs the hook → usbpassd answered → the
# hook exits); the same wrapper around /bin/true is the baseline. Prints p50/p99 of both and
# the ratio. A benchmark, not a test: nothing here asserts a time.
set -euo pipefail
starts=${1:-200}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
run=$(mktemp -d /tmp/hookbench-XXXXXX)
trap '"$here/lab.sh" stop "$run" >/dev/null 2>&1 || true' EXIT
daemon="$repo/build/publish/usbpassd/usbpassd"
[ -x "$daemon" ] || { echo "hook-bench: publish first (make publish): $daemon is missing" >&2; exit 2; }

"$here/build-assets.sh" >/dev/null
echo "hook-bench: booting the lab host"
"$here/lab.sh" boot "$run" >/dev/null
lab() { "$here/lab.sh" exec "$run" -t 3600 -- bash -c "$1"; }

cat >"$run/share/domain.xml" <<XML
<domain type='qemu'><name>hook-bench</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='q35'>hvm</type></os><devices><controller type='usb' model='qemu-xhci'/></devices></domain>
XML
# The wrapper: one line "OPERATION SUB_OPERATION MICROSECONDS" per call.
cat >"$run/share/timed" <<'SH'
#!/bin/sh
s=$(date +%s%N); "$HOOK_UNDER_TEST" "$@"; rc=$?; e=$(date +%s%N)
echo "$2 $3 $(( (e - s) / 1000 ))" >>"$HOOK_TIMES"; exit $rc
SH
chmod +x "$run/share/timed"

lab "USBPASSD_DEBUG=0 setsid -f $daemon --state-dir /run/usbpassd-bench --socket /run/usbpassd/usbpassd.sock --libvirt-uri qemu:///system >$run/share/usbpassd.log 2>&1 </dev/null
     for i in \$(seq 300); do [ -S /run/usbpassd/usbpassd.sock ] && break; sleep 0.1; done
     virsh -q define $run/share/domain.xml >/dev/null"

measure() { # $1 = the hook under test, $2 = its name
    lab "mkdir -p /etc/libvirt/hooks/qemu.d; rm -f /etc/libvirt/hooks/qemu.d/*
         printf '#!/bin/sh\nHOOK_UNDER_TEST=%s HOOK_TIMES=%s exec %s \"\$@\"\n' '$1' '$run/share/$2.times' '$run/share/timed' >/etc/libvirt/hooks/qemu.d/usbpassd
         chmod +x /etc/libvirt/hooks/qemu.d/usbpassd; rm -f $run/share/$2.times
         pkill -x libvirtd; while pgrep -x libvirtd >/dev/null; do sleep 0.05; done; libvirtd -d
         for i in \$(seq 200); do virsh -q list >/dev/null 2>&1 && break; sleep 0.1; done"
    echo "hook-bench: $starts starts with the $2 hook"
    lab "for i in \$(seq $starts); do virsh -q start --paused hook-bench >/dev/null && virsh -q destroy hook-bench >/dev/null; done"
}
measure "$repo/packaging/libvirt/usbpassd" usbpassd
measure /bin/true true

"$here/../packaging/hook-times.py" "$run/share" "TCG lab host"
grep -c 'hook.qemu' "$run/share/usbpassd.log" >/dev/null 2>&1 || true
