#!/bin/bash
# Runs in a lab host (L1) of a two-host pair (README.md, "Two lab hosts"): puts this L1 on the
# private link and makes its libvirtd reachable from the peer, for `virsh migrate`.
#
#   link-setup.sh setup MAC IP NAME     the link NIC (found by its MAC) gets IP/24, this L1 the
#                                       hostname NAME, /etc/hosts both pair names; then libvirtd
#                                       is restarted listening on IP
#   link-setup.sh restart-libvirtd      restart libvirtd, listening again (after a hook install:
#                                       libvirtd looks for hooks only when it starts)
#
# libvirtd listens on TCP 16509 with auth none, on the link's IP only. That is acceptable here
# and nowhere else: the link is a Unix socket between two QEMUs on this machine (-netdev stream),
# so the only peer that can reach the port is the other lab host; L1 has no route anywhere else.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CONF=/etc/libvirt/libvirtd-lab-link.conf
die() { echo "link-setup: $*" >&2; exit 1; }

restart_libvirtd() {
    [ -f "$CONF" ] || die "no $CONF: run 'link-setup.sh setup' first"
    local pid
    if pid=$(cat /run/libvirtd.pid 2>/dev/null) && kill "$pid" 2>/dev/null; then
        while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
    libvirtd -d --listen -f "$CONF"
    "$HERE/wait-until.sh" 120 /run/libvirt -- virsh -c qemu:///system list >/dev/null ||
        die "libvirtd does not answer after 120s"
}

setup() {
    local mac=${1:?MAC} ip=${2:?IP} name=${3:?NAME} n nic=
    modprobe virtio_net # udev has loaded it through its modalias already: a no-op
    for n in /sys/class/net/*; do
        [ "$(cat "$n/address" 2>/dev/null)" = "$mac" ] && nic=$(basename "$n")
    done
    [ -n "$nic" ] || die "no network interface with MAC $mac"
    ip link set "$nic" up
    ip addr add "$ip/24" dev "$nic"
    # Distinct names: both L1s boot as lab-l1, and a migration offers the destination's hostname.
    hostname "$name"
    printf '10.99.0.1 lab-a\n10.99.0.2 lab-b\n' >>/etc/hosts
    # L0's libvirtd.conf is all comments, so this file is the whole configuration.
    cat >"$CONF" <<CONF
listen_tls = 0
listen_tcp = 1
listen_addr = "$ip"
auth_tcp = "none"
CONF
    restart_libvirtd
}

case "${1:-}" in
setup) shift; setup "$@" ;;
restart-libvirtd) restart_libvirtd ;;
*) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
esac
