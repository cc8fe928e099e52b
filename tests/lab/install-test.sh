#!/bin/bash
# Installs a .deb into the lab host booted with systemd as PID 1 (lab.sh boot --systemd) and
# checks that it behaves as a packaged service should: issue 8, item 5. Prints one line per
# check (ok / FAIL / skip with the reason) and "N passed, N failed, N skipped"; exits 1 on a
# failure.
#
#   install-test.sh DEB [NEWER_DEB]      NEWER_DEB: a later build, for the upgrade checks;
#                                        without it, DEB repacked as version V+lab1 (same files,
#                                        but the maintainer scripts' upgrade path all the same)
#
# The contract, with PKG the package's name ("usbpassd" for the real one):
#   * postinst creates group PKG, enables and starts PKG.service; "active" right after dpkg -i
#     (for Type=notify: after READY=1);
#   * a hook in /etc/libvirt/hooks/qemu.d/ that libvirt runs on a VM start, letting it start;
#   * /var/lib/PKG survives restart, upgrade and remove; purge removes it and /etc/PKG.
# For usbpassd itself (the .deb ships /usr/bin/usbpassctl), also: Type=notify, the socket
# /run/usbpassd/usbpassd.sock 0660 usbpassd:usbpassd, `usbpassctl list` for root and for members of
# group usbpassd, refused for others, the daemon logging the hook's call (the domain's name),
# and registry.db's rows kept by restart and upgrade. Other packages skip those, saying why:
# tests/lab/probe-deb.sh builds a throwaway one that stands in for usbpassd.
#
# Environment: LAB_RUN (run directory; default a new one under /tmp, removed at the end), and
# lab.sh's (LAB_BUILD_DIR, LAB_MEM, ...). Needs build-assets.sh to have run.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# dpkg -i of 28 MB under TCG takes 6-10 min when the machine is busy: more than lab.sh's 600 s default.
export LAB_EXEC_TIMEOUT=${LAB_EXEC_TIMEOUT:-1800}
LAB=$HERE/lab.sh
DEB=${1:-}
NEWER=${2:-}
[ -f "$DEB" ] && { [ -z "$NEWER" ] || [ -f "$NEWER" ]; } || {
    sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0" >&2
    exit 2
}
PKG=$(dpkg-deb -f "$DEB" Package) || exit 2
CONTENTS=$(dpkg-deb -c "$DEB" | awk '{ print substr($6, 2) }')
HOOK=$(grep -m1 '^/etc/libvirt/hooks/qemu\.d/[^/]\+$' <<<"$CONTENTS")
REAL=
grep -qx /usr/bin/usbpassctl <<<"$CONTENTS" && REAL=1
RUN=${LAB_RUN:-$(mktemp -d /tmp/lab-install.XXXXXX)}
KEEP=${LAB_RUN:+1}
PASSED=0 FAILED=0 SKIPPED=0
DOM=lab-l2
STATE=/var/lib/$PKG

cleanup() {
    "$LAB" stop "$RUN" >/dev/null 2>&1
    [ -n "$KEEP" ] || rm -rf "$RUN"
}
trap cleanup EXIT

say() { printf '%-5s%s\n' "$1" "$2"; }
check() { # NAME COMMAND...: one line per check (with its seconds); its output goes to checks.log
    local name=$1 t
    shift
    echo "== $name" >>"$RUN/checks.log"
    t=$(date +%s.%N)
    if "$@" >>"$RUN/checks.log" 2>&1; then
        say ok "$name ($(awk -v t="$t" -v n="$(date +%s.%N)" 'BEGIN { printf "%.1f", n - t }')s)"
        PASSED=$((PASSED + 1))
    else
        say FAIL "$name"
        FAILED=$((FAILED + 1))
    fi
}
skip() { say skip "$1 ($2)"; SKIPPED=$((SKIPPED + 1)); }
real_check() { # the check needs usbpassd itself
    if [ -n "$REAL" ]; then check "$@"; else skip "$1" "needs usbpassd: $PKG ships no /usr/bin/usbpassctl"; fi
}
l1() { "$LAB" exec "$RUN" -- bash -c "$1"; } # a bash snippet in L1, as root
l1_stdin() { "$LAB" exec "$RUN" -i -- bash -c "$1"; }
marker_kept() { l1 "[ \"\$(cat $STATE/install-test.marker)\" = kept ]"; }
# The registry's rows are kept: all ids up to the largest one seen before are still there.
rows() { l1 "sqlite3 $STATE/registry.db 'SELECT count(*), coalesce(max(id), 0) FROM usb_devices'" 2>/dev/null; }
rows_kept() {
    [ "${ROWS%|*}" -gt 0 ] 2>/dev/null &&
        [ "$(l1 "sqlite3 $STATE/registry.db 'SELECT count(*) FROM usb_devices WHERE id <= ${ROWS#*|}'")" = "${ROWS%|*}" ]
}
vm_starts() { l1 "virsh -q start --paused $DOM && virsh -q destroy $DOM"; }

mkdir -p "$RUN/share"
: >"$RUN/checks.log"
cp "$DEB" ${NEWER:+"$NEWER"} "$RUN/share/" || exit 2
if [ -z "$NEWER" ]; then
    mkdir "$RUN/repack"
    dpkg-deb -R "$DEB" "$RUN/repack/root" &&
        sed -i "s/^Version: .*/&+lab1/" "$RUN/repack/root/DEBIAN/control" &&
        dpkg-deb --root-owner-group -Zgzip -z1 -b "$RUN/repack/root" "$RUN/share/${PKG}_repacked.deb" >/dev/null || exit 2
    NEWER=$RUN/share/${PKG}_repacked.deb
    rm -rf "$RUN/repack"
fi
NEWER_VERSION=$(dpkg-deb -f "$NEWER" Version)
echo "== $PKG $(dpkg-deb -f "$DEB" Version) -> $NEWER_VERSION in the systemd lab ($RUN)"
echo "   output of the checks: $RUN/checks.log$([ -n "$KEEP" ] || echo ", removed at the end (set LAB_RUN to keep it)")"
truncate -s 8M "$RUN/share/stick.img"
# Two devices from power-on, so that the daemon's registry has rows to keep.
check "boot with systemd as PID 1 to READY" "$LAB" boot "$RUN" --systemd \
    -drive "if=none,id=stick,format=raw,file=$RUN/share/stick.img" \
    -device usb-storage,bus=xhci.0,port=1,drive=stick,serial=INSTALL-0001 \
    -device usb-kbd,bus=xhci.0,port=2
[ $FAILED = 0 ] || { tail -n 20 "$RUN/checks.log"; exit 1; }
check "PID 1 is systemd, the boot finished (running)" \
    l1 '[ "$(cat /proc/1/comm)" = systemd ] && [ "$(systemctl is-system-running)" = running ]'

echo "== install"
check "dpkg -i $(basename "$DEB")" l1 "dpkg -i $RUN/share/$(basename "$DEB")"
check "$PKG.service enabled and active" l1 "systemctl is-enabled -q $PKG.service && systemctl is-active -q $PKG.service"
real_check "$PKG.service is Type=notify (so active means READY=1 was sent)" \
    l1 "[ \"\$(systemctl show -P Type $PKG.service)\" = notify ]"
echo "info $(l1 "systemd-analyze security --no-pager $PKG.service | tail -n 1")"
check "group $PKG exists" l1 "getent group $PKG"
if [ "$PKG" = usbpassd-labprobe ]; then # probe-deb.sh's daemon checks its sandbox from inside
    check "sandbox works: read-only /usr, private /tmp, no AF_INET, seccomp, no new privileges" \
        l1 "timeout 60 bash -c 'until [ -f /run/$PKG/hardening ]; do sleep 0.5; done' &&
            cat /run/$PKG/hardening && ! grep -qv ' yes$' /run/$PKG/hardening"
fi
real_check "socket /run/usbpassd/usbpassd.sock is 0660 usbpassd:usbpassd" \
    l1 '[ "$(stat -c "%a %U:%G" /run/usbpassd/usbpassd.sock)" = "660 usbpassd:usbpassd" ]'
l1 "useradd -M -G $PKG labmember && useradd -M labother" >>"$RUN/checks.log" 2>&1
real_check "usbpassctl list as root" l1 "usbpassctl list"
real_check "usbpassctl list as a member of group usbpassd" l1 "runuser -u labmember -- usbpassctl list"
real_check "usbpassctl list refused for a non-member (permission denied)" \
    l1 "[ -S /run/usbpassd/usbpassd.sock ] || exit 1; if runuser -u labother -- usbpassctl list; then exit 1; fi 2>/tmp/refused
        cat /tmp/refused; grep -qi 'permission denied' /tmp/refused"

echo "== native"
# NativeAOT (issue 13): the service runs one ELF file with no .NET runtime beside it, under
# MemoryDenyWriteExecute=yes; a crash is a journal line and a restart, never silence.
real_check "usbpassd runs as a native executable: no libcoreclr, no JIT mapped" \
    l1 "pid=\$(systemctl show -P MainPID $PKG.service) && [ \"\$(readlink /proc/\$pid/exe)\" = /usr/lib/usbpassd/usbpassd ] &&
        ! grep -q -e libcoreclr -e libclrjit /proc/\$pid/maps"
real_check "MemoryDenyWriteExecute=yes in force" l1 "[ \"\$(systemctl show -P MemoryDenyWriteExecute $PKG.service)\" = yes ]"
echo "info usbpassd idle: $(l1 "grep -h VmRSS /proc/\$(systemctl show -P MainPID $PKG.service)/status | tr -s ' \t' ' '")"
T=$(l1 "date +%s")
# SIGABRT is how a NativeAOT process ends on an unhandled exception (after printing it to stderr, the
# journal). A SIGSEGV sent with kill is no test: NativeAOT's fault handler ignores one that no fault raised.
real_check "a crash (abort) is in the journal and systemd restarts usbpassd" \
    l1 "pid=\$(systemctl show -P MainPID $PKG.service) && kill -ABRT \$pid &&
        timeout 90 bash -c 'until [ \"\$(systemctl show -P MainPID $PKG.service)\" != \$0 ] && systemctl is-active -q $PKG.service; do sleep 0.2; done' \$pid;
        journalctl -u $PKG.service --since=@$T --no-pager; systemctl is-active -q $PKG.service &&
        journalctl -u $PKG.service --since=@$T --no-pager | grep -E 'code=(dumped|killed), status=6/ABRT'"

echo "== least privilege"
# Issue 17: the service runs as its own user with no capability (packaging/systemd/README.md, "What
# usbpassd needs"), and systemd-analyze security scores it at most 1.2.
EXPOSURE=$(l1 "systemd-analyze security --no-pager $PKG.service | sed -n 's/.*Overall exposure level for [^:]*: \\([0-9.]*\\).*/\\1/p'")
echo "info exposure of $PKG.service: ${EXPOSURE:-unknown}"
real_check "systemd-analyze security: exposure ${EXPOSURE:-unknown} <= 1.2" awk -v e="${EXPOSURE:-99}" 'BEGIN { exit !(e <= 1.2) }'
real_check "usbpassd runs as user usbpassd, group usbpassd, also in group libvirt" \
    l1 "pid=\$(systemctl show -P MainPID $PKG.service) && ps -o user=,group=,supgrp= -p \$pid &&
        [ \"\$(ps -o user=,group= -p \$pid | tr -s ' ')\" = 'usbpassd usbpassd' ] && ps -o supgrp= -p \$pid | tr ',' '\\n' | grep -qx libvirt"
real_check "no capability: CapInh, CapPrm, CapEff, CapBnd, CapAmb all 0; NoNewPrivs, seccomp" \
    l1 "pid=\$(systemctl show -P MainPID $PKG.service) && grep -E '^(Cap|NoNewPrivs|Seccomp:)' /proc/\$pid/status &&
        [ \"\$(grep -cE '^Cap(Inh|Prm|Eff|Bnd|Amb):[[:space:]]+0000000000000000\$' /proc/\$pid/status)\" = 5 ] &&
        grep -qE '^NoNewPrivs:[[:space:]]+1\$' /proc/\$pid/status && grep -qE '^Seccomp:[[:space:]]+2\$' /proc/\$pid/status"
real_check "$STATE and registry.db belong to usbpassd" \
    l1 "stat -c '%a %U:%G %n' $STATE $STATE/registry.db && [ \"\$(stat -c %U:%G $STATE $STATE/registry.db | sort -u)\" = usbpassd:usbpassd ]"

echo "== libvirt hook"
if [ -z "$HOOK" ]; then
    skip "hook runs on a VM start" "$PKG ships nothing in /etc/libvirt/hooks/qemu.d/"
else
    # Wrapped for the test (and restored): the wrapper logs each call, then runs the package's hook.
    l1_stdin "mv $HOOK /run/install-test.hook && cat >$HOOK && chmod 755 $HOOK" <<EOF >>"$RUN/checks.log" 2>&1
#!/bin/sh
/run/install-test.hook "\$@"; rc=\$?
echo "\$* rc=\$rc" >>/run/install-test.hook.log
exit \$rc
EOF
    cat >"$RUN/share/$DOM.xml" <<EOF
<domain type='qemu'>
  <name>$DOM</name>
  <memory unit='MiB'>96</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices><controller type='usb' model='qemu-xhci'/><memballoon model='none'/></devices>
</domain>
EOF
    T=$(l1 "date +%s")
    check "a VM starts with $HOOK installed" l1 "virsh -q define $RUN/share/$DOM.xml && virsh -q start --paused $DOM && virsh -q destroy $DOM"
    check "the hook ran on 'prepare begin' and let it start" l1 "grep -qx '$DOM prepare begin - rc=0' /run/install-test.hook.log"
    check "the hook ran on 'release end'" l1 "grep -q '^$DOM release end - ' /run/install-test.hook.log"
    real_check "usbpassd logged the hook's calls for $DOM (its name or UUID)" \
        l1 "journalctl -u $PKG.service --since=@$T | grep -q -e $DOM -e \$(virsh domuuid $DOM)"
    l1 "mv /run/install-test.hook $HOOK" >>"$RUN/checks.log" 2>&1
fi

echo "== restart"
l1 "echo kept >$STATE/install-test.marker" >>"$RUN/checks.log" 2>&1
ROWS=$(rows)
check "systemctl restart $PKG: active again" l1 "systemctl restart $PKG.service && systemctl is-active -q $PKG.service"
check "restart keeps $STATE" marker_kept
echo "registry.db before the restart: count|max(id) = ${ROWS:-none}" >>"$RUN/checks.log"
real_check "restart keeps registry.db's rows" rows_kept

echo "== upgrade"
# An older package ran the service as root: its state folder is root's. The upgrade gives it to usbpassd.
[ -z "$REAL" ] || l1 "chown -R root:root $STATE" >>"$RUN/checks.log" 2>&1
check "dpkg -i $(basename "$NEWER")" l1 "dpkg -i $RUN/share/$(basename "$NEWER")"
check "version $NEWER_VERSION installed, active" \
    l1 "[ \"\$(dpkg-query -W -f='\${Version}' $PKG)\" = '$NEWER_VERSION' ] && systemctl is-active -q $PKG.service"
check "upgrade keeps $STATE" marker_kept
real_check "upgrade keeps registry.db's rows" rows_kept
real_check "upgrade gives a root-owned $STATE (an older package's) to usbpassd" \
    l1 "[ -z \"\$(find $STATE ! -user usbpassd)\" ] && [ -z \"\$(find $STATE ! -group usbpassd)\" ]"

echo "== remove and purge"
check "dpkg -r $PKG: stopped and disabled" l1 "dpkg -r $PKG && ! systemctl is-active -q $PKG.service && ! systemctl is-enabled -q $PKG.service"
check "remove keeps $STATE" marker_kept
[ -z "$HOOK" ] || check "a VM still starts (the hook is a conffile, still there; the daemon is gone)" vm_starts
check "dpkg --purge $PKG removes $STATE and /etc/$PKG" l1 "dpkg --purge $PKG && [ ! -e $STATE ] && [ ! -e /etc/$PKG ]"
[ -z "$HOOK" ] || check "purge removes $HOOK" l1 "[ ! -e $HOOK ]"

{ echo "== for the record: PKG.service's journal of this boot"; l1 "journalctl -b -u $PKG.service --no-pager -o short-monotonic"; } >>"$RUN/checks.log" 2>&1
echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" = 0 ]
