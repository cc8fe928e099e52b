#!/bin/bash
# PID 1 of the USB lab host (L1) for a moment, in systemd mode (lab.sh boot --systemd): the
# initramfs /init switch_roots into this script instead of l1.sh; it prepares the overlay and
# then execs systemd, which stays PID 1.
#
# Every change lands in the overlay's tmpfs upper layer, never on L0's disk: units for the
# command agent, masks for what a lab does not need, journald in RAM, the modules to load.
# The agent itself is l1.sh's ("l1.sh agent", run by lab-agent.service): same protocol, and
# it greets READY only once `systemctl is-system-running --wait` returns.
#
# This file is read from L0's filesystem at every boot: edit it, boot again.

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
exec </dev/console >/dev/console 2>&1

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
UNITS=/etc/systemd/system

fail() {
    echo "LAB_FAIL l1-systemd: $*"
    echo o >/proc/sysrq-trigger
    sleep 60
}
cmdline_arg() {
    local arg
    for arg in $(cat /proc/cmdline); do
        case "$arg" in "$1"=*) echo "${arg#*=}" ;; esac
    done
}

echo "lab-l1: l1-systemd.sh started at $(cut -d' ' -f1 /proc/uptime)s"
[ -x /lib/systemd/systemd ] || fail "no /lib/systemd/systemd on L0 (apt-get install systemd)"

# The read-write window into L0 at the same path (see l1.sh). Mounted before systemd starts,
# which then knows it as a mount unit and unmounts it at power-off.
SHARE=$(cmdline_arg lab_share)
if [ -n "$SHARE" ]; then
    mkdir -p "$SHARE"
    mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 labshare "$SHARE" ||
        fail "mount 9p labshare on $SHARE"
fi

echo lab-l1 >/etc/hostname
echo "127.0.1.1 lab-l1" >>/etc/hosts
# L0 is a container and has /.dockerenv: systemd would believe it runs in one too (no real
# shutdown, units with ConditionVirtualization=!container skipped). L1 is a VM.
rm -f /.dockerenv /run/.containerenv
# Also from L0's container image: policy-rc.d "exit 101" makes deb-systemd-invoke (postinst's
# "start usbpassd.service") refuse every start. And man-db's dpkg trigger would rebuild the
# whole man page index over 9p after any package with a man page (it took minutes).
rm -f /usr/sbin/policy-rc.d /var/lib/man-db/auto-update
# Only RAM is writable anyway; volatile keeps the journal off the overlay.
mkdir -p /etc/systemd/journald.conf.d /etc/modules-load.d /etc/tmpfiles.d
printf '[Journal]\nStorage=volatile\nRuntimeMaxUse=64M\n' >/etc/systemd/journald.conf.d/lab.conf
# Host controllers and the agent's port, as l1.sh loads them (udev would load most later).
printf '%s\n' xhci-pci ehci-pci usb-storage usbhid virtio_console >/etc/modules-load.d/lab.conf
# /tmp is L0's /tmp (read-only 9p) under the overlay, as in bash mode. tmpfiles' "D /tmp" would
# empty it at boot: whiteouts for every file of L0's /tmp, minutes over 9p.
ln -sfn /dev/null /etc/tmpfiles.d/tmp.conf
ln -sfn /dev/null /etc/tmpfiles.d/x11.conf

# Masked, first, whatever L0 has enabled (L0 is a build machine: postgresql, apt and man-db
# timers, lvm, timesyncd... would start in L1 too, and take minutes under TCG), except what a
# KVM host needs. A package installed in L1 enables its own units as on any host, timers too.
KEEP=('libvirtd*' 'virtlogd*' 'virtlockd*' getty@tty1.service 'dbus*' machines.target remote-fs.target)
kept() {
    local p
    # shellcheck disable=SC2053 # $p is a pattern
    for p in "${KEEP[@]}"; do [[ "$1" == $p ]] && return 0; done
    return 1
}
MASKED=()
for link in "$UNITS"/*.wants/*; do
    kept "${link##*/}" || MASKED+=("${link##*/}")
done
# Then Debian's own units that a disk-less, network-less VM with L0's users does not need:
# no fstab to remount, no persistent journal to flush, users exist (a package's postinst runs
# systemd-sysusers itself), the serial console is for logs, not logins.
MASKED+=(
    systemd-remount-fs.service systemd-journal-flush.service systemd-sysusers.service
    systemd-repart.service systemd-firstboot.service systemd-binfmt.service
    proc-sys-fs-binfmt_misc.automount systemd-pcrphase.service systemd-pcrphase-sysinit.service
    systemd-networkd.service systemd-networkd.socket systemd-networkd-wait-online.service
    systemd-network-generator.service systemd-timesyncd.service systemd-tmpfiles-clean.timer
    serial-getty@ttyS0.service console-getty.service modprobe@drm.service
)
for u in "${MASKED[@]}"; do ln -sfn /dev/null "$UNITS/$u"; done
echo "lab-l1: masked ${MASKED[*]}"

cat >"$UNITS/lab-agent.service" <<EOF
[Unit]
Description=USB lab command agent (tests/lab/l1.sh agent, virtio-serial port lab.agent)

[Service]
Type=simple
ExecStart=/bin/bash $HERE/l1.sh agent
# Commands may leave daemons behind (setsid -f ...): a restarted agent keeps them running.
KillMode=process
Restart=always
RestartSec=1
StandardOutput=journal+console
StandardError=journal+console
Environment=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
Environment=HOME=/root LANG=C.UTF-8 TERM=dumb
Environment=DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
EOF
mkdir -p "$UNITS/multi-user.target.wants"
ln -sfn ../lab-agent.service "$UNITS/multi-user.target.wants/lab-agent.service"

echo "lab-l1: exec systemd at $(cut -d' ' -f1 /proc/uptime)s"
exec /lib/systemd/systemd
