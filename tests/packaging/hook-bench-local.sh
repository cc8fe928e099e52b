#!/usr/bin/env bash
# hook-bench-local.sh [STARTS]: the libvirt hook's round trip with this machine's own libvirtd
# (no nesting: QEMU TCG domains started paused), against the real usbpassd on a recorded host.
# Installs a timing wrapper as /etc/libvirt/hooks/qemu.d/usbpassd-bench for the run (and removes
# it, restarting libvirtd both times: it finds hooks only when it starts). Prints p50/p99 of
# "prepare begin" with the usbpassd hook and with /bin/true behind the same wrapper.
set -euo pipefail
starts=${1:-200}
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/hookbench-local-XXXXXX)
hookdir=/etc/libvirt/hooks/qemu.d
restart_libvirtd() {
    pkill -x libvirtd || true
    while pgrep -x libvirtd >/dev/null; do sleep 0.05; done
    pgrep -x virtlogd >/dev/null || virtlogd -d
    libvirtd -d
    for _ in $(seq 200); do virsh -q -c qemu:///system list >/dev/null 2>&1 && break; sleep 0.1; done
}
cleanup() {
    rm -f "$hookdir/usbpassd-bench"
    virsh -q -c qemu:///system destroy hookbench >/dev/null 2>&1 || true
    virsh -q -c qemu:///system undefine hookbench >/dev/null 2>&1 || true
    pkill -f -- "--state-dir $work/state" || true
    restart_libvirtd
}
trap cleanup EXIT

dotnet "$repo/build/artifacts/bin/UsbPassd.Testing/debug/UsbPassd.Testing.dll" corpus-trees "$work/trees" >/dev/null
tree=$(ls -d "$work"/trees/*canon*)
setsid -f "$repo/build/publish/usbpassd/usbpassd" --sysfs-root "$tree" --state-dir "$work/state" \
    --socket "$work/usbpassd.sock" --uevents none --libvirt-uri qemu:///system >"$work/usbpassd.log" 2>&1 </dev/null
for _ in $(seq 300); do [ -S "$work/usbpassd.sock" ] && break; sleep 0.1; done
printf 'socket=%s\n' "$work/usbpassd.sock" >"$work/hook.conf"
cat >"$work/domain.xml" <<XML
<domain type='qemu'><name>hookbench</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='q35'>hvm</type></os><devices><controller type='usb' model='qemu-xhci'/></devices></domain>
XML
virsh -q -c qemu:///system define "$work/domain.xml" >/dev/null

measure() { # $1 the hook under test, $2 its name
    mkdir -p "$hookdir"
    cat >"$hookdir/usbpassd-bench" <<SH
#!/bin/sh
s=\$(date +%s%N); USBPASSD_HOOK_CONF=$work/hook.conf $1 "\$@"; rc=\$?; e=\$(date +%s%N)
echo "\$2 \$3 \$(( (e - s) / 1000 ))" >>$work/$2.times; exit \$rc
SH
    chmod 755 "$hookdir/usbpassd-bench"
    restart_libvirtd
    echo "hook-bench-local: $starts starts with the $2 hook" >&2
    for _ in $(seq "$starts"); do
        virsh -q -c qemu:///system start --paused hookbench >/dev/null
        virsh -q -c qemu:///system destroy hookbench >/dev/null
    done
}
measure "$repo/packaging/libvirt/usbpassd" usbpassd
measure /bin/true true
"$repo/tests/packaging/hook-times.py" "$work" "this machine's libvirtd"
echo "hook.qemu calls answered: $(grep -c 'hook' "$work/usbpassd.log" || true) log lines; refusals: $(grep -c 'may not start' "$work/usbpassd.log" || true)" >&2
