#!/bin/bash
# Verifies udev-rules/70-usbpassd.rules on real USB devices in the lab (tests/lab): installs the
# rule in L1 as the package does, declares a pool in /etc/usbpassd/pool.d/ (one entry of each
# form, plus a hub), plugs devices over QMP, and checks with `udevadm test` (the rules as udevd
# would run them) and `udevadm info` (what udevd did) which devices carry the properties and the
# tag: the pool's devices and everything below them, never a hub, never a device outside the pool.
# Ends with "N passed, N failed".
#
#   udev-test.sh [RUN_DIR]     default: a new lab under /tmp, stopped and removed at the end;
#                              with RUN_DIR, a lab booted there (kept running)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../check.sh
. "$HERE/../check.sh"
LAB=$HERE/../lab/lab.sh
RULES=$(cd "$HERE/../../udev-rules" && pwd)/70-usbpassd.rules
RUN=${1:-}
OWN=

l1() { "$LAB" exec "$RUN" -- "$@"; }
qmp() { "$LAB" qmp "$RUN" "$@" >/dev/null || echo "qmp failed: $*" >&2; }
cleanup() { [ -z "$OWN" ] || { "$LAB" stop "$RUN" >/dev/null 2>&1; rm -rf "$RUN"; }; }
trap cleanup EXIT

if [ -z "$RUN" ]; then
    RUN=$(mktemp -d /tmp/udev-test.XXXXXX) OWN=1
    [ -n "${LAB_BUILD_DIR:-}" ] || "$HERE/../lab/build-assets.sh" >/dev/null || exit 1
    echo "== boot ($RUN)"
    "$LAB" boot "$RUN" >/dev/null || exit 1
fi

echo "== the rule and the pool"
l1 install -m 644 "$RULES" /usr/lib/udev/rules.d/70-usbpassd.rules
l1 udevadm control --reload
# Each form once: ids (the FTDI serial adapter), dev_id (one of two sticks with the same ids),
# ids@port (the keyboard behind the hub), and the hub itself, which must be ignored.
l1 bash -c 'mkdir -p /etc/usbpassd/pool.d && cd /etc/usbpassd/pool.d && touch 0403:6001 46f4:0001:POOL-0001 0627:0001@1-3.1 0409:55aa'

echo "== devices"
qemu-img create -q -f raw "$RUN/share/pool.img" 8M
qemu-img create -q -f raw "$RUN/share/host.img" 8M
qmp "{\"execute\":\"blockdev-add\",\"arguments\":{\"driver\":\"raw\",\"node-name\":\"pool\",\"file\":{\"driver\":\"file\",\"filename\":\"$RUN/share/pool.img\"}}}"
qmp "{\"execute\":\"blockdev-add\",\"arguments\":{\"driver\":\"raw\",\"node-name\":\"host\",\"file\":{\"driver\":\"file\",\"filename\":\"$RUN/share/host.img\"}}}"
qmp '{"execute":"device_add","arguments":{"driver":"usb-storage","id":"pool","bus":"xhci.0","port":"2","drive":"pool","serial":"POOL-0001"}}'
qmp '{"execute":"device_add","arguments":{"driver":"usb-storage","id":"host","bus":"xhci.0","port":"4","drive":"host","serial":"HOST-0002"}}'
qmp '{"execute":"device_add","arguments":{"driver":"usb-hub","id":"hub3","bus":"xhci.0","port":"3"}}'
qmp '{"execute":"device_add","arguments":{"driver":"usb-kbd","id":"kbd31","bus":"xhci.0","port":"3.1"}}'
qmp '{"execute":"device_add","arguments":{"driver":"usb-kbd","id":"kbd32","bus":"xhci.0","port":"3.2"}}'
qmp '{"execute":"chardev-add","arguments":{"id":"ser0","backend":{"type":"ringbuf","data":{"size":4096}}}}'
qmp '{"execute":"device_add","arguments":{"driver":"usb-serial","id":"ser","bus":"xhci.0","port":"1","chardev":"ser0"}}'
# shellcheck disable=SC2016 # expanded in L1
l1 bash -c 'for d in 2-2 2-4 1-3 1-3.1 1-3.2 1-1; do udevadm wait --initialized=yes -t 60 /sys/bus/usb/devices/$d || exit 1; done
    for i in $(seq 200); do ls /sys/bus/usb/devices/2-2/2-2:1.0/host*/target*/*/block/ /sys/bus/usb/devices/2-4/2-4:1.0/host*/target*/*/block/ >/dev/null 2>&1 && [ -e /dev/ttyUSB0 ] && break; sleep 0.1; done
    udevadm settle' || echo "devices did not all appear" >&2
block() { l1 bash -c "ls /sys/bus/usb/devices/$1/$1:1.0/host*/target*/*/block/ | head -n1"; }
POOL_DISK=/sys/class/block/$(block 2-2)
HOST_DISK=/sys/class/block/$(block 2-4)
l1 lsusb -t

# The properties `udevadm test` computes for a device (stdout: KEY=VALUE lines).
tested() { l1 udevadm test --action=add "$1" 2>/dev/null; }
# What udevd stored for it (E: KEY=VALUE and G:/Q: tag lines).
stored() { l1 udevadm info --query=all "$1"; }
# Predicates over that output.
has() { grep -qx "$2" <<<"$1"; }
pool_props() { has "$1" USBPASSD_POOL=1 && has "$1" UDISKS_IGNORE=1 && has "$1" ID_MM_DEVICE_IGNORE=1; }
pool_db() { has "$1" "E: USBPASSD_POOL=1" && has "$1" "E: UDISKS_IGNORE=1" && has "$1" "E: ID_MM_DEVICE_IGNORE=1"; }
# Tags are sticky in udev's database (TAGS, G:); CURRENT_TAGS (Q:) is what the last event set.
no_pool() { ! grep -q "USBPASSD_POOL" <<<"$1" && ! grep -Eq "^Q: usbpassd$|CURRENT_TAGS=.*:usbpassd:" <<<"$1"; }
tag_db() { grep -Eq "^Q: usbpassd$|^E: CURRENT_TAGS=.*:usbpassd:" <<<"$1"; }

in_pool() { # NAME SYSPATH: udevadm test and udevd agree that it is in the pool
    check "$1: USBPASSD_POOL, UDISKS_IGNORE, ID_MM_DEVICE_IGNORE (udevadm test)" pool_props "$(tested "$2")"
    check "$1: the same in udevd's database" pool_db "$(stored "$2")"
}
not_in_pool() {
    check "$1: not in the pool (udevadm test)" no_pool "$(tested "$2")"
    check "$1: not in the pool (udevd's database)" no_pool "$(stored "$2")"
}
tagged() { check "$1: tagged usbpassd" tag_db "$(stored "$2")"; }

echo "== in the pool"
in_pool "stick 2-2 (46f4:0001:POOL-0001)" /sys/bus/usb/devices/2-2
tagged "stick 2-2" /sys/bus/usb/devices/2-2
in_pool "its interface 2-2:1.0" /sys/bus/usb/devices/2-2:1.0
in_pool "its disk ${POOL_DISK##*/}" "$POOL_DISK"
in_pool "keyboard 1-3.1 behind the hub (0627:0001@1-3.1)" /sys/bus/usb/devices/1-3.1
tagged "keyboard 1-3.1" /sys/bus/usb/devices/1-3.1
in_pool "serial adapter 1-1 (0403:6001)" /sys/bus/usb/devices/1-1
in_pool "its tty ttyUSB0" /sys/class/tty/ttyUSB0

echo "== not in the pool"
not_in_pool "stick 2-4 (same ids, serial HOST-0002)" /sys/bus/usb/devices/2-4
not_in_pool "its disk ${HOST_DISK##*/}" "$HOST_DISK"
not_in_pool "hub 1-3 (0409:55aa is listed: hubs never are)" /sys/bus/usb/devices/1-3
not_in_pool "the hub's interface 1-3:1.0" /sys/bus/usb/devices/1-3:1.0
not_in_pool "keyboard 1-3.2 (same ids as 1-3.1, other port)" /sys/bus/usb/devices/1-3.2
not_in_pool "root hub usb2" /sys/bus/usb/devices/usb2

echo "== out of the pool again"
l1 rm /etc/usbpassd/pool.d/46f4:0001:POOL-0001
l1 udevadm trigger --settle --action=change /sys/bus/usb/devices/2-2 "$POOL_DISK"
not_in_pool "stick 2-2 after its entry is removed and a change event" /sys/bus/usb/devices/2-2
not_in_pool "its disk" "$POOL_DISK"
l1 rm -r /etc/usbpassd/pool.d
l1 udevadm trigger --settle --action=change /sys/bus/usb/devices/1-1 /sys/class/tty/ttyUSB0
not_in_pool "serial adapter 1-1 with no pool.d at all" /sys/bus/usb/devices/1-1

echo "udev-test: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
