#!/bin/bash
# Builds usbpassd-labprobe_VERSION_all.deb: a throwaway package shaped like usbpassd's (a
# hardened systemd service, a state directory, a conffile, a libvirt hook, a group), so that
# install-test.sh can prove the systemd lab before the real package exists.
#
#   probe-deb.sh OUT_DIR [VERSION]      default VERSION 1.0; prints the .deb's path
#
# Its daemon is bash: it checks from inside that the unit's hardening is in force (read-only
# /usr, private /tmp, no AF_INET, seccomp kills mount(2), no new privileges), writes the
# result to /run/usbpassd-labprobe/hardening and to the journal, and sleeps.
set -euo pipefail

OUT=${1:?usage: probe-deb.sh OUT_DIR [VERSION]}
VERSION=${2:-1.0}
PKG=usbpassd-labprobe
STAGE=$(mktemp -d)
chmod 755 "$STAGE"
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$OUT" "$STAGE"/{DEBIAN,lib/systemd/system,usr/lib/$PKG,etc/$PKG,etc/libvirt/hooks/qemu.d}

cat >"$STAGE/usr/lib/$PKG/daemon" <<'EOF'
#!/bin/bash
# usbpassd-labprobe's daemon: records its start, checks its sandbox, sleeps.
echo "$(date +%s.%N) start pid $$" >>"$STATE_DIRECTORY/starts.log"
yes_if() { if "$@" >/dev/null 2>&1; then echo yes; else echo NO; fi; }
{
    echo "usr-read-only $(yes_if bash -c '! touch /usr/labprobe')"
    echo "private-tmp $(yes_if bash -c '[ -z "$(ls -A /tmp)" ]')"
    echo "no-af-inet $(yes_if bash -c '! exec 3<>/dev/tcp/127.0.0.1/9')"
    # A syscall outside @system-service: seccomp kills the caller with SIGSYS (exit 159).
    echo "seccomp-kills-mount $(yes_if bash -c 'mount -t tmpfs none /mnt; [ $? = 159 ]')"
    echo "no-new-privs $(yes_if grep -q '^NoNewPrivs:.*1' /proc/self/status)"
    echo "state-dir-writable $(yes_if touch "$STATE_DIRECTORY/.probe")"
} >"$RUNTIME_DIRECTORY/hardening.new"
mv "$RUNTIME_DIRECTORY/hardening.new" "$RUNTIME_DIRECTORY/hardening"
sed 's/^/hardening: /' "$RUNTIME_DIRECTORY/hardening"
exec sleep infinity
EOF

cat >"$STAGE/lib/systemd/system/$PKG.service" <<EOF
[Unit]
Description=UsbPassd lab probe $VERSION (throwaway package of tests/lab/probe-deb.sh)
Wants=libvirtd.service
After=libvirtd.service systemd-udevd.service

[Service]
Type=simple
ExecStart=/usr/lib/$PKG/daemon
StateDirectory=$PKG
RuntimeDirectory=$PKG
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
NoNewPrivileges=yes
RestrictAddressFamilies=AF_UNIX AF_NETLINK
SystemCallFilter=@system-service
SystemCallArchitectures=native
CapabilityBoundingSet=
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
UMask=0077

[Install]
WantedBy=multi-user.target
EOF

# libvirt runs every executable in qemu.d with: DOMAIN OPERATION SUB-OPERATION EXTRA.
cat >"$STAGE/etc/libvirt/hooks/qemu.d/$PKG" <<EOF
#!/bin/sh
echo "\$*" >>/run/$PKG/hook.log 2>/dev/null
exit 0
EOF
echo "# $PKG $VERSION: nothing to configure" >"$STAGE/etc/$PKG/probe.conf"

cat >"$STAGE/DEBIAN/control" <<EOF
Package: $PKG
Version: $VERSION
Architecture: all
Maintainer: UsbPassd lab <lab@localhost>
Depends: systemd, bash
Section: misc
Priority: optional
Description: throwaway package that stands in for usbpassd in the lab install test
EOF
printf '%s\n' "/etc/$PKG/probe.conf" "/etc/libvirt/hooks/qemu.d/$PKG" >"$STAGE/DEBIAN/conffiles"
cat >"$STAGE/DEBIAN/postinst" <<EOF
#!/bin/sh
set -e
[ "\$1" = configure ] || exit 0
getent group $PKG >/dev/null || groupadd --system $PKG
systemctl daemon-reload && systemctl enable --now $PKG.service
# An upgrade: run the new version.
[ -z "\$2" ] || systemctl restart $PKG.service
# libvirtd looks for hook scripts when it starts or reloads.
systemctl try-reload-or-restart libvirtd.service
EOF
cat >"$STAGE/DEBIAN/prerm" <<EOF
#!/bin/sh
set -e
[ "\$1" != remove ] || systemctl disable --now $PKG.service
EOF
cat >"$STAGE/DEBIAN/postrm" <<EOF
#!/bin/sh
set -e
[ "\$1" != purge ] || rm -rf /var/lib/$PKG /etc/$PKG
[ "\$1" != remove ] || systemctl daemon-reload
EOF
chmod 755 "$STAGE"/DEBIAN/{postinst,prerm,postrm} "$STAGE/usr/lib/$PKG/daemon" "$STAGE/etc/libvirt/hooks/qemu.d/$PKG"
DEB=$OUT/${PKG}_${VERSION}_all.deb
dpkg-deb --root-owner-group -Zgzip --build "$STAGE" "$DEB" >/dev/null
echo "$DEB"
