#!/bin/bash
# End-to-end proof of the lab: boots L1, plugs and unplugs emulated USB devices over QMP,
# watches them arrive in L1's sysfs and udev, passes one into a paused L2 libvirt guest,
# runs .NET inside L1, and powers off. Prints a timing table and "N passed, N failed".
#
#   smoke.sh [RUN_DIR]        default: a new directory under /tmp (removed at the end)
#
# Needs build-assets.sh to have run (it is called here; a cached run takes about a second).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../check.sh
. "$HERE/../check.sh"
LAB=$HERE/lab.sh
RUN=${1:-$(mktemp -d /tmp/lab-smoke.XXXXXX)}
KEEP=${1:+1}
TIMINGS=()

now() { date +%s.%N; }
since() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.2f", e - s }'; }
timing() { TIMINGS+=("$(printf '%-58s %6ss' "$1" "$2")"); }
l1() { "$LAB" exec "$RUN" -- "$@"; }
qmp() { "$LAB" qmp "$RUN" "$@" >/dev/null; }

# Run a waiting command in L1 in the background, started before the QMP command that it waits
# for, so that the time measured around the QMP command holds only the reply leg of one agent
# call (about 0.1 s), not a whole round trip.
WAITER=
start_waiter() {
    "$LAB" exec "$RUN" -t 60 -- bash -c "$1" &
    WAITER=$!
    sleep 1.5 # let the request reach L1 and start waiting
}
sysfs_appears() { start_waiter "until [ -e /sys/bus/usb/devices/$1 ]; do sleep 0.01; done"; }
sysfs_goes() { start_waiter "while [ -e /sys/bus/usb/devices/$1 ]; do sleep 0.01; done"; }
end_waiter() { wait "$WAITER"; }

cleanup() {
    "$LAB" stop "$RUN" >/dev/null 2>&1
    [ -n "$KEEP" ] || rm -rf "$RUN"
}
trap cleanup EXIT

echo "== assets"
t=$(now)
"$HERE/build-assets.sh" >/dev/null || exit 1
timing "build-assets.sh (this run)" "$(since "$t")"

echo "== boot ($RUN)"
# One stick is there from power-on (extra QEMU arguments of lab.sh boot), on the EHCI bus.
mkdir -p "$RUN/share"
qemu-img create -q -f raw "$RUN/share/cold.img" 8M
t=$(now)
check "boot to READY" "$LAB" boot "$RUN" \
    -drive "if=none,id=cold,format=raw,file=$RUN/share/cold.img" \
    -device usb-storage,bus=ehci.0,port=6,drive=cold,serial=COLD-0001
timing "lab.sh boot until READY" "$(since "$t")"
[ $FAILED = 0 ] || exit 1
check "cold-plugged stick at 3-6" [ "$(l1 cat /sys/bus/usb/devices/3-6/serial)" = COLD-0001 ]
t=$(now)
l1 true
timing "one lab.sh exec round trip (true)" "$(since "$t")"

l1 bash -c 'nohup udevadm monitor --udev --kernel --subsystem-match=usb >/tmp/udev.log 2>&1 &'
qemu-img create -q -f raw "$RUN/share/key1.img" 16M

echo "== usb-storage KEY-0001 on xhci port 2"
qmp "{\"execute\":\"blockdev-add\",\"arguments\":{\"driver\":\"raw\",\"node-name\":\"key1\",\"file\":{\"driver\":\"file\",\"filename\":\"$RUN/share/key1.img\"}}}"
sysfs_appears 2-2
t=$(now)
qmp '{"execute":"device_add","arguments":{"driver":"usb-storage","id":"key1","bus":"xhci.0","port":"2","drive":"key1","serial":"KEY-0001"}}'
check "plug: 2-2 appears in L1 sysfs" end_waiter
timing "device_add usb-storage -> /sys/bus/usb/devices/2-2" "$(since "$t")"
check "plug: serial, vendor, product" [ "$(l1 cat /sys/bus/usb/devices/2-2/{serial,idVendor,idProduct} | tr '\n' ' ')" = "KEY-0001 46f4 0001 " ]
l1 udevadm settle
# "KERNEL[12.345] add /devices/.../usb2/2-2 (usb)" and "UDEV  [12.400] add ..." (note the gap).
delta=$(l1 cat /tmp/udev.log | awk '/ add +\/.*\/2-2 \(usb\)$/ {
    match($0, /\[[0-9.]+\]/); t = substr($0, RSTART + 1, RLENGTH - 2)
    if (/^KERNEL/) k = t; else u = t }
    END { if (k && u) printf "%.3f", u - k }')
check "plug: udev processed the kernel add event" [ -n "$delta" ]
timing "  kernel uevent -> udev event (L1 clock)" "$delta"
devnum1=$(l1 cat /sys/bus/usb/devices/2-2/devnum)

sysfs_goes 2-2
t=$(now)
qmp '{"execute":"device_del","arguments":{"id":"key1"}}' DEVICE_DELETED:key1
check "unplug: 2-2 gone from L1 sysfs" end_waiter
timing "device_del -> 2-2 gone from sysfs" "$(since "$t")"
# udevadm wait (systemd 252+) returns once udev has processed the device (its database entry
# exists), which is what a daemon listening to udev's netlink group sees.
start_waiter "udevadm wait --initialized=yes -t 30 /sys/bus/usb/devices/2-2"
t=$(now)
qmp '{"execute":"device_add","arguments":{"driver":"usb-storage","id":"key1","bus":"xhci.0","port":"2","drive":"key1","serial":"KEY-0001"}}'
check "replug: udev initialized 2-2" end_waiter
timing "device_add usb-storage -> udev initialized (udevadm wait)" "$(since "$t")"
check "replug: devnum changed" [ "$(l1 cat /sys/bus/usb/devices/2-2/devnum)" != "$devnum1" ]

echo "== hub on xhci port 3 with a keyboard behind it (1-3.1)"
sysfs_appears 1-3.1
t=$(now)
qmp '{"execute":"device_add","arguments":{"driver":"usb-hub","id":"hub3","bus":"xhci.0","port":"3"}}'
qmp '{"execute":"device_add","arguments":{"driver":"usb-kbd","id":"kbd31","bus":"xhci.0","port":"3.1"}}'
check "hub: 1-3.1 appears" end_waiter
timing "usb-hub + usb-kbd behind it -> 1-3.1" "$(since "$t")"

echo "== usb-ccid, usb-serial, usb-kbd, two identical keyboards without serial"
qmp '{"execute":"device_add","arguments":{"driver":"usb-ccid","id":"ccid","bus":"xhci.0","port":"3.2"}}'
# usb-serial attaches only while its chardev is open; a null chardev never is, a ringbuf is.
qmp '{"execute":"chardev-add","arguments":{"id":"ser0","backend":{"type":"ringbuf","data":{"size":4096}}}}'
qmp '{"execute":"device_add","arguments":{"driver":"usb-serial","id":"ser","bus":"xhci.0","port":"1","chardev":"ser0"}}'
qmp '{"execute":"device_add","arguments":{"driver":"usb-kbd","id":"kbd4","bus":"xhci.0","port":"4"}}'
# An empty serial string removes the serial; without one QEMU makes a port-based serial.
qmp '{"execute":"device_add","arguments":{"driver":"usb-kbd","id":"twin1","bus":"ehci.0","port":"1","serial":""}}'
qmp '{"execute":"device_add","arguments":{"driver":"usb-kbd","id":"twin2","bus":"ehci.0","port":"2","serial":""}}'
l1 bash -c 'for d in 1-3.2 1-1 1-4 3-1 3-2; do until [ -e /sys/bus/usb/devices/$d ]; do sleep 0.05; done; done; udevadm settle'
check "ccid 08e6:4433 at 1-3.2" [ "$(l1 cat /sys/bus/usb/devices/1-3.2/idVendor)" = 08e6 ]
check "usb-serial bound to ftdi_sio (/dev/ttyUSB0)" l1 test -c /dev/ttyUSB0
check "usb-kbd at 1-4 bound to usbhid" l1 test -e /sys/bus/usb/drivers/usbhid/1-4:1.0
check "twins 3-1 and 3-2: same ids, no serial" l1 bash -c '
    cd /sys/bus/usb/devices && [ "$(cat 3-1/idVendor 3-1/idProduct)" = "$(cat 3-2/idVendor 3-2/idProduct)" ] &&
    [ ! -e 3-1/serial ] && [ ! -e 3-2/serial ]'
l1 lsusb -t

echo "== libvirt in L1: paused L2 guest, USB hostdev"
"$LAB" exec "$RUN" -i -- virsh define /dev/stdin >/dev/null <<'EOF'
<domain type='qemu'>
  <name>l2</name>
  <memory unit='MiB'>96</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <controller type='usb' model='qemu-xhci'/>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
t=$(now)
check "virsh start --paused l2" l1 virsh start --paused l2
timing "virsh start --paused (L0 side)" "$(since "$t")"
# Two 46f4:0001 sticks are plugged (KEY-0001 and the cold one), so libvirt refuses to pick by
# vendor/product, and the stick is named by bus and device number instead.
cat >"$RUN/share/byid.xml" <<'EOF'
<hostdev mode='subsystem' type='usb' managed='yes'>
  <source><vendor id='0x46f4'/><product id='0x0001'/></source>
</hostdev>
EOF
check "attach by vendor/product is refused when ambiguous" bash -c \
    "'$LAB' exec '$RUN' -- virsh attach-device l2 '$RUN/share/byid.xml' --live 2>&1 | grep -q 'Multiple USB devices'"
busnum=$(l1 cat /sys/bus/usb/devices/2-2/busnum)
devnum=$(l1 cat /sys/bus/usb/devices/2-2/devnum)
cat >"$RUN/share/key1.xml" <<EOF
<hostdev mode='subsystem' type='usb' managed='yes'>
  <source><address bus='$busnum' device='$devnum'/></source>
</hostdev>
EOF
out=$(l1 bash -c "s=\$(date +%s%N); virsh attach-device l2 $RUN/share/key1.xml --live >/dev/null &&
    echo \$(( (\$(date +%s%N) - s) / 1000000 ))")
check "virsh attach-device --live (by bus/device)" [ -n "$out" ]
timing "virsh attach-device --live (inside L1)" "$(awk -v m="${out:-0}" 'BEGIN { printf "%.2f", m / 1000 }')"
check "L2 'info usb' shows the stick" bash -c "'$LAB' exec '$RUN' -- virsh qemu-monitor-command l2 --hmp 'info usb' | grep -q 'QEMU USB HARDDRIVE'"
check "the stick's interface left L1's usb-storage driver" l1 test ! -e /sys/bus/usb/devices/2-2:1.0/driver
check "virsh detach-device --live" l1 virsh detach-device l2 "$RUN/share/key1.xml" --live
check "L2 'info usb' is empty again" bash -c "! '$LAB' exec '$RUN' -- virsh qemu-monitor-command l2 --hmp 'info usb' | grep -q HARDDRIVE"

echo "== .NET in L1"
t=$(now)
check "dotnet --info" l1 bash -c 'dotnet --info >/dev/null'
timing "dotnet --info in L1 (incl. exec round trip)" "$(since "$t")"
if command -v dotnet >/dev/null; then
    mkdir -p "$RUN/share/hello"
    cat >"$RUN/share/hello/hello.csproj" <<'EOF'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework></PropertyGroup>
</Project>
EOF
    echo 'System.Console.WriteLine("hello from " + System.Environment.MachineName);' >"$RUN/share/hello/Program.cs"
    if dotnet build -nologo -v q -c Release -o "$RUN/share/hello/out" "$RUN/share/hello" >/dev/null; then
        l1 dotnet "$RUN/share/hello/out/hello.dll" >/dev/null # first run warms L1's 9p cache
        t=$(now)
        check "dotnet hello.dll in L1" [ "$(l1 dotnet "$RUN/share/hello/out/hello.dll")" = "hello from lab-l1" ]
        timing "dotnet hello.dll in L1 (incl. exec round trip)" "$(since "$t")"
    else
        check "dotnet build of hello on L0" false
    fi
fi

echo "== stop"
t=$(now)
check "stop" "$LAB" stop "$RUN"
timing "lab.sh stop" "$(since "$t")"
no_qemu_left() { ! pgrep -f "[q]emu-system-x86_64 .*$RUN/" >/dev/null; }
check "no QEMU of this run left" no_qemu_left

echo
echo "== timings"
printf '%s\n' "${TIMINGS[@]}"
echo
echo "lab smoke: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
