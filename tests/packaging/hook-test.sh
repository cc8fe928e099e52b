#!/bin/bash
# Tests the libvirt hook (packaging/libvirt/usbpassd) against a stand-in for usbpassd's socket
# (fake-usbpassd.py): the exact request line (only the domain's hostdevs, whatever the size of the
# XML or the shape of its <metadata>), the start gate's allow and deny, errors other than the
# gate's refusal, the daemon down (allow and deny), no answer, an older daemon, and what must
# never reach the daemon (a bad UUID, an unknown operation). Then the round trip, timed as libvirt pays it: 200 runs of the hook on
# "prepare begin" and of /bin/true in the same loop, p50/p99. Ends with "N passed, N failed".
#
#   hook-test.sh [HOOK]        default: packaging/libvirt/usbpassd of this checkout
#
# Needs socat, python3 and base64 (coreutils); runs as any user, touches only a temporary folder.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../check.sh
. "$HERE/../check.sh"
HOOK=${1:-$HERE/../../packaging/libvirt/usbpassd}
RUNS=${HOOK_TEST_RUNS:-200}
WORK=$(mktemp -d /tmp/hook-test.XXXXXX)
SOCK=$WORK/usbpassd.sock LOG=$WORK/requests.log CONF=$WORK/hook.conf
SERVER=

cleanup() {
    [ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT


# UUID: a domain XML as libvirt formats it (one element a line, two spaces a level). POLICY is
# the hostdev's startupPolicy (optional), DESCRIPTION_KB the size of a <description> (none),
# METADATA lines in <metadata> (none), DISKS the number of disks (30: a usual 5 KB domain).
domain_xml() {
    printf "<domain type='qemu'>\n  <name>erp-vm</name>\n  <uuid>%s</uuid>\n" "$1"
    if [ "${DESCRIPTION_KB:-0}" -gt 0 ]; then # libvirt escapes text: a '<' in it is never an element
        local text="    &lt;hostdev type='usb'&gt; the ERP licence dongle: never unplug it, or the ERP stops"
        printf '  <description>'
        yes "$text" | head -n $((DESCRIPTION_KB * 1024 / (${#text} + 1)))
        printf '</description>\n'
    fi
    [ -z "${METADATA:-}" ] || printf '  <metadata>\n%s\n  </metadata>\n' "$METADATA"
    cat <<XML
  <memory unit='KiB'>98304</memory>
  <os>
    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>
  </os>
  <devices>
    <controller type='usb' index='0' model='qemu-xhci'/>
$(hostdev_xml)
XML
    # The cost of reading the XML is part of the round trip.
    for i in $(seq "${DISKS:-30}"); do
        echo "    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/var/lib/libvirt/images/erp-vm-$i.qcow2'/><target dev='vd$i' bus='virtio'/></disk>"
    done
    printf '  </devices>\n</domain>\n'
}
hostdev_xml() {
    cat <<XML
    <hostdev mode='subsystem' type='usb' managed='yes'>
      <source startupPolicy='${POLICY:-optional}'>
        <vendor id='0x0529'/>
        <product id='0x0001'/>
      </source>
      <alias name='ua-usbpassd-0529-0001-licence-0042'/>
    </hostdev>
XML
}
# What the hook sends of domain_xml: its hostdevs in a document of their own.
reduced_xml() { printf '<domain><devices>\n%s\n</devices></domain>\n' "$(hostdev_xml)"; }
sent_xml() { tail -n1 "$LOG" | sed 's/.*"xml_base64":"\([^"]*\)".*/\1/' | base64 -d; }

# hook UUID OP SUBOP: runs the hook as libvirt does (minimal environment, XML on stdin);
# sets RC, OUT (stdout) and ERR (stderr).
hook() {
    domain_xml "$1" >"$WORK/in.xml"
    env -i LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin USBPASSD_HOOK_CONF="$CONF" \
        "$HOOK" erp-vm "${2-}" "${3-}" - <"$WORK/in.xml" >"$WORK/out" 2>"$WORK/err"
    RC=$?
    OUT=$(cat "$WORK/out") ERR=$(cat "$WORK/err")
}
requests() { [ -f "$LOG" ] && wc -l <"$LOG" || echo 0; }
start_server() {
    python3 "$HERE/fake-usbpassd.py" "$SOCK" "$LOG" &
    SERVER=$!
    for _ in $(seq 100); do [ -S "$SOCK" ] && return; sleep 0.05; done
    echo "the fake daemon did not start" >&2
    exit 1
}
stop_server() { kill "$SERVER"; wait "$SERVER" 2>/dev/null; SERVER=; rm -f "$SOCK"; }
config() { printf 'socket=%s\nwhen_daemon_down=%s\ntimeout=%s\nnotify_timeout=%s\n' "$SOCK" "$1" "${2:-5}" "${3:-1}" >"$CONF"; }

ALLOW=6f1c0a3e-2b7d-4c1e-9a55-0d3c8e7f1a20
DENY=deadbeef-2b7d-4c1e-9a55-0d3c8e7f1a20
OLD=00000000-2b7d-4c1e-9a55-0d3c8e7f1a20
SILENT=5ec0d5a5-2b7d-4c1e-9a55-0d3c8e7f1a20
BUSY=00001003-2b7d-4c1e-9a55-0d3c8e7f1a20
INTERNAL=00032603-2b7d-4c1e-9a55-0d3c8e7f1a20
GARBAGE=0000bad0-2b7d-4c1e-9a55-0d3c8e7f1a20
RESET=0000c105-2b7d-4c1e-9a55-0d3c8e7f1a20

config allow
start_server

echo "== the request"
hook "$ALLOW" prepare begin
check "prepare begin, result: exit 0, nothing on stdout or stderr" test "$RC:$OUT:$ERR" = "0::"
expected='{"jsonrpc":"2.0","id":1,"method":"hook.qemu","params":{"domain_uuid":"'$ALLOW'","operation":"prepare","sub_operation":"begin","xml_base64":"'$(reduced_xml | base64 -w0)'"}}'
check "one line, byte for byte the documented request" test "$(cat "$LOG")" = "$expected"
check "xml_base64 decodes to the domain's hostdevs in a <domain><devices> of their own" cmp -s <(sent_xml) <(reduced_xml)

printf '<domain><name>one-line</name><uuid>%s</uuid></domain>' "$ALLOW" >"$WORK/one.xml"
n=$(requests)
env -i LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin USBPASSD_HOOK_CONF="$CONF" "$HOOK" one-line prepare begin - <"$WORK/one.xml" >/dev/null 2>&1
check "a one-line XML without a final newline: reported, no hostdevs (not libvirt's formatting)" \
    test "$(requests):$(sent_xml)" = "$((n + 1)):$(printf '<domain><devices>\n</devices></domain>')"
DISKS=3000 domain_xml "$ALLOW" >"$WORK/big.xml"
env -i LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin USBPASSD_HOOK_CONF="$CONF" "$HOOK" erp-vm prepare begin - <"$WORK/big.xml" >/dev/null 2>&1
check "a $(($(wc -c <"$WORK/big.xml") / 1024)) KB domain XML: only its hostdevs sent" cmp -s <(sent_xml) <(reduced_xml)

echo "== a domain of any size, <metadata> of any shape"
DESCRIPTION_KB=800 POLICY=mandatory hook "$ALLOW" prepare begin
check "an 800 KB <description>, a mandatory device unplugged: refused by the gate (1010), not for its size" \
    test "$RC:$ERR" = "1:usbpassd: mandatory USB device 0x0529:0x0001 is not plugged in. Plug it in, or make it optional"
DESCRIPTION_KB=800 hook "$ALLOW" prepare begin
check "an 800 KB <description>, nothing to refuse: exit 0, no warning" test "$RC:$ERR" = "0:"
check "... the request is one short line ($(tail -n1 "$LOG" | wc -c) bytes)" test "$(tail -n1 "$LOG" | wc -c)" -lt 2048
# <metadata> keeps what an application put there as written: CDATA and comments may hold lines
# that look like libvirt's, and libvirt writes <metadata> before <devices>.
fake="    <app:erp xmlns:app='urn:erp'><![CDATA[
  <devices>
    <hostdev mode='subsystem' type='usb'>
      <source startupPolicy='mandatory'><vendor id='0x1234'/><product id='0x5678'/></source>
    </hostdev>
  </devices>
  <devices>
    <hostdev mode='subsystem' type='usb'>
    ]]></app:erp>
    <!--
    <hostdev mode='subsystem' type='usb'/>
    -->"
METADATA=$fake hook "$ALLOW" prepare begin
check "<metadata> with <devices> and <hostdev> lines in CDATA and comments: only the domain's own hostdevs sent" \
    test "$RC:$ERR:$(sent_xml)" = "0::$(reduced_xml)"
METADATA=$fake POLICY=mandatory hook "$ALLOW" prepare begin
check "... and its mandatory device still refuses" test "$RC" = 1 -a -n "$ERR"

echo "== the start gate"
hook "$DENY" prepare begin
check "prepare begin, error: exit 1" test "$RC" = 1
check "the error's message on stderr, as libvirt shows it" test "$ERR" = "usbpassd: device 1-4.2 is attached to instance 6f1c0a3e since 10:42"
check "nothing on stdout" test -z "$OUT"
hook "$DENY" release end
check "release end, error: exit 0 (only prepare begin can refuse)" test "$RC" = 0
hook "$OLD" prepare begin
check "an older daemon (-32601): exit 0 with a warning" test "$RC" = 0 -a -n "$ERR"
# Only the gate's refusal (1010) refuses; any other answer is as if the daemon were down.
for case in "$BUSY|error 1003 (a limit), its data naming 1010" "$INTERNAL|error -32603 (internal)" \
    "$GARBAGE|a line that is not JSON" "$RESET|the connection reset"; do
    config allow
    hook "${case%%|*}" prepare begin
    check "${case#*|}, when_daemon_down=allow: exit 0, one warning line" test "$RC:$(echo "$ERR" | wc -l)" = "0:1" -a -n "$ERR"
    config deny
    hook "${case%%|*}" prepare begin
    check "${case#*|}, when_daemon_down=deny: exit 1, says why" test "$RC" = 1 -a -n "$ERR"
done
config allow
config allow 1
n=$(requests)
t0=$(date +%s%N)
hook "$SILENT" prepare begin
ms=$((($(date +%s%N) - t0) / 1000000))
check "no answer within timeout=1: exit 0 after ${ms} ms, a warning" test "$RC" = 0 -a "$ms" -lt 3000 -a -n "$ERR"
check "... and the request was sent" test "$(requests)" = $((n + 1))
config deny 1
hook "$SILENT" prepare begin
check "no answer, when_daemon_down=deny: exit 1" test "$RC" = 1
t0=$(date +%s%N)
hook "$SILENT" stopped end
ms=$((($(date +%s%N) - t0) / 1000000))
check "no answer to stopped end: exit 0 after notify_timeout (${ms} ms)" test "$RC" = 0 -a "$ms" -lt 3000

echo "== every operation libvirt sends"
config allow
while read -r op sub; do
    n=$(requests)
    hook "$ALLOW" "$op" "$sub"
    check "$op $sub: reported, exit 0, stdout empty" test "$RC:$OUT:$(requests)" = "0::$((n + 1))"
done <<'OPS'
prepare begin
start begin
started begin
stopped end
release end
migrate begin
restore begin
reconnect begin
attach begin
OPS

echo "== never reaches the daemon"
n=$(requests)
for bad in "" "6F1C0A3E-2B7D-4C1E-9A55-0D3C8E7F1A20" "6f1c0a3e-2b7d-4c1e-9a55-0d3c8e7f1a2" \
    '6f1c0a3e-2b7d-4c1e-9a55-0d3c8e7f1a2"' "6f1c0a3e2b7d4c1e9a550d3c8e7f1a20xxxx" \
    '","operation":"x","a":"000000000'; do
    hook "$bad" prepare begin
    check "bad uuid '$bad': exit 0, a warning" test "$RC" = 0 -a -n "$ERR"
done
while IFS='|' read -r op sub; do
    hook "$ALLOW" "$op" "$sub"
    check "unknown operation '$op' '$sub': exit 0, silent" test "$RC:$OUT:$ERR" = "0::"
done <<'OPS'
prepare|end
frobnicate|begin
prepare","x":"|begin
prepare|begin"}
release|
|
prepare begin|-
OPS
check "... none of them sent a request" test "$(requests)" = "$n"

echo "== daemon down"
stop_server
config allow
hook "$ALLOW" prepare begin
check "no socket, when_daemon_down=allow: exit 0, one warning line" test "$RC" = 0 -a "$(echo "$ERR" | wc -l)" = 1 -a -n "$ERR"
config deny
hook "$ALLOW" prepare begin
check "no socket, when_daemon_down=deny: exit 1, says why" test "$RC" = 1 -a -n "$ERR"
hook "$ALLOW" release end
check "no socket, deny, release end: exit 0 (only the gate denies)" test "$RC" = 0
python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$SOCK"
config allow
hook "$ALLOW" prepare begin
check "a stale socket (connection refused), allow: exit 0" test "$RC" = 0 -a -n "$ERR"
config deny
hook "$ALLOW" prepare begin
check "a stale socket, deny: exit 1" test "$RC" = 1
rm -f "$SOCK"

echo "== round trip ($RUNS runs each; prepare begin, allowed)"
config allow
start_server
domain_xml "$ALLOW" >"$WORK/in.xml"
pct() { # FILE PERCENT: that percentile of the file's nanoseconds, in ms
    sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 } END { printf "%.2f", v[int(NR * p / 100 + 0.5)] / 1e6 }'
}
timed() { # OUT CMD...: RUNS runs of CMD as libvirt runs a hook, one duration (ns) a line
    local out=$1 i s e
    shift
    : >"$out"
    for ((i = 0; i < RUNS; i++)); do
        s=$(date +%s%N)
        env -i LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin USBPASSD_HOOK_CONF="$CONF" "$@" erp-vm prepare begin - <"$WORK/in.xml" >/dev/null 2>&1
        e=$(date +%s%N)
        echo $((e - s)) >>"$out"
    done
}
n=$(requests)
timed "$WORK/true.ns" /bin/true
timed "$WORK/hook.ns" "$HOOK"
# Figures, not assertions: this machine's load decides them (see packaging/libvirt/README.md).
for f in true hook; do
    printf '%-14s p50 %6s ms  p99 %6s ms\n' "$([ $f = true ] && echo /bin/true || echo usbpassd hook)" "$(pct "$WORK/$f.ns" 50)" "$(pct "$WORK/$f.ns" 99)"
done
awk -v a="$(pct "$WORK/hook.ns" 50)" -v b="$(pct "$WORK/true.ns" 50)" -v c="$(pct "$WORK/hook.ns" 99)" -v d="$(pct "$WORK/true.ns" 99)" \
    'BEGIN { printf "overhead       p50 %6.2f ms  p99 %6.2f ms  (ratio p50 %.1fx, p99 %.1fx)\n", a - b, c - d, a / b, c / d }'
check "every timed hook run was answered by the daemon" test "$(requests)" = $((n + RUNS))

echo "hook-test: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
