#!/bin/bash
# PID 1 of the USB lab host (L1), started by the initramfs /init via switch_root.
#
# It brings up just enough of a Debian host for UsbPassd: a real USB stack, systemd-udevd,
# virtlogd and libvirtd (no systemd, which would take minutes under TCG), and then serves
# the command agent that L0 talks to over a virtio-serial port (see README.md, "Agent
# protocol"). It prints LAB_READY on the console when L1 is usable, LAB_FAIL if it is not.
#
# In systemd mode (l1-systemd.sh) systemd is PID 1 and does what setup() does here; it runs
# "l1.sh agent" as lab-agent.service, which waits for the boot to finish and then serves the agent.
#
# This file is read from L0's filesystem at every boot: edit it, boot again.

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { echo "lab-l1: $*"; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }

power_off() {
    sync
    # /sbin/poweroff is systemctl on Debian, which may want a running systemd; the sysrq
    # trigger powers off from any state.
    poweroff -f 2>/dev/null || echo o >/proc/sysrq-trigger
    sleep 60
}

fail() {
    echo "LAB_FAIL l1: $*"
    power_off
}

cmdline_arg() {
    local arg
    for arg in $(cat /proc/cmdline); do
        case "$arg" in "$1"=*) echo "${arg#*=}" ;; esac
    done
}

# --- command agent --------------------------------------------------------------------------
# One request per line from L0, one reply per line back; every free-form field is base64 so
# any byte can pass. Requests are run one at a time.
#   X <id> <timeout-s|0> <command-b64> <stdin-b64|->   ->  R <id> <exit> <stdout-b64|-> <stderr-b64|->
#   STOP <id>                                          ->  BYE <id>, then power off
#   (anything else)                                     ->  E <id> <reason>
# "READY ..." is sent whenever L0 connects (after a disconnect), as a greeting.
#
# virtio-serial semantics this relies on: a read returns EOF while no one is connected on L0's
# side, and a write blocks until someone is. So the greeting doubles as "wait for a client"
# and nothing polls.
agent_port() {
    local n
    if [ -e /dev/virtio-ports/lab.agent ]; then
        echo /dev/virtio-ports/lab.agent
        return
    fi
    for n in /sys/class/virtio-ports/*/name; do
        [ "$(cat "$n" 2>/dev/null)" = lab.agent ] && { echo "/dev/$(basename "$(dirname "$n")")"; return; }
    done
}

b64_file() { if [ -s "$1" ]; then base64 -w0 "$1"; else printf -; fi; }

agent() {
    local port work=/run/lab-agent verb id timeout cmd input rc
    port=$(agent_port)
    [ -n "$port" ] || fail "no virtio-serial port named lab.agent"
    exec 3<>"$port" || fail "cannot open $port"
    mkdir -p "$work"
    while :; do
        printf 'READY kernel=%s uptime=%ss%s\n' "$(uname -r)" "$READY_AT" "${READY_MORE:-}" >&3
        while read -r verb id timeout cmd input <&3; do
            case "$verb" in
            X)
                printf '%s' "$cmd" | base64 -d >"$work/cmd" 2>/dev/null
                if [ "$input" = - ] || [ -z "$input" ]; then
                    : >"$work/in"
                else
                    printf '%s' "$input" | base64 -d >"$work/in" 2>/dev/null
                fi
                # Output goes to files, not pipes, so a command that leaves a daemon behind
                # (nohup x &) returns as soon as its own shell exits. fd 3 is the port: closed.
                (cd / && exec timeout -k 5 "${timeout:-0}" bash "$work/cmd") \
                    <"$work/in" >"$work/out" 2>"$work/err" 3<&-
                rc=$?
                printf 'R %s %s %s %s\n' "$id" "$rc" "$(b64_file "$work/out")" "$(b64_file "$work/err")" >&3
                ;;
            STOP)
                say "stop requested"
                printf 'BYE %s\n' "$id" >&3
                power_off
                ;;
            "") ;;
            *)
                printf 'E %s unknown-verb\n' "${id:--}" >&3
                ;;
            esac
        done
        # EOF: the client on L0 went away. Loop to greet (and so wait for) the next one.
    done
}

setup() {
    say "l1.sh started at $(uptime_s)s"

    # --- filesystems
    # /run must not be the 9p view of L0's own /run (L0's daemons' pid files and sockets).
    # /tmp stays the overlay's: writes land in its tmpfs upper layer, and a checkout or test
    # output that L0 keeps under /tmp (CI clones anywhere) is still visible in L1.
    mount -t tmpfs -o mode=755,nosuid,nodev tmpfs /run || fail "mount /run"
    mkdir -p /run/lock /dev/pts /dev/shm
    # devtmpfs lacks the links that systemd would make (virsh define /dev/stdin, bash <(...)).
    ln -sfn /proc/self/fd /dev/fd
    ln -sf /proc/self/fd/0 /dev/stdin
    ln -sf /proc/self/fd/1 /dev/stdout
    ln -sf /proc/self/fd/2 /dev/stderr
    mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
    mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts || fail "mount devpts"
    # libvirt puts each guest's QEMU in a cgroup; it needs a writable cgroup2 hierarchy.
    mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup || fail "mount cgroup2"
    hostname lab-l1
    ip link set lo up 2>/dev/null

    # A read-write window into L0 (lab.sh creates RUN_DIR/share and names it here) at the same
    # path as on L0: the root share is cached (cache=loose), this one is not, so files that L0
    # writes during a run are seen at once.
    SHARE=$(cmdline_arg lab_share)
    if [ -n "$SHARE" ]; then
        mkdir -p "$SHARE"
        mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 labshare "$SHARE" ||
            fail "mount 9p labshare on $SHARE"
    fi

    # --- kernel modules and udev
    # Host controllers and the agent port are loaded up front (udev would load most of them later
    # through modaliases, but the agent must exist before the first request).
    modprobe -a xhci-pci ehci-pci usb-storage usbhid virtio_console || fail "modprobe"

    /lib/systemd/systemd-udevd --daemon || fail "systemd-udevd"
    udevadm trigger --type=subsystems --action=add
    udevadm trigger --type=devices --action=add
    udevadm settle --timeout=180 || fail "udevadm settle timed out"
    say "udev settled at $(uptime_s)s"
    forwards

    # --- libvirt
    # virtlogd first: libvirtd hands guest console logs to it and refuses to start a guest without.
    virtlogd -d || fail "virtlogd"
    libvirtd -d || fail "libvirtd"
    wait_for_libvirtd
    READY_AT=$(uptime_s)
    echo "LAB_READY kernel=$(uname -r) uptime=${READY_AT}s"
}

# lab.sh's LAB_FORWARDS (lab_forwards=PORT,... on the kernel command line): QEMU's user network
# relays 10.0.2.100:PORT to L0's RUN_DIR/forward-PORT.sock; here 127.0.0.1:PORT relays to it, so
# a daemon in L1 talks to a loopback address (usbpassd sends plain http only to loopback).
forwards() {
    local ports port nic n mac
    ports=$(cmdline_arg lab_forwards)
    [ -n "$ports" ] || return 0
    # By its MAC (lab.sh's FORWARDS_MAC), not "the virtio_net one": a pair's L1 has a link NIC too.
    mac=$(cmdline_arg lab_forwards_mac)
    modprobe virtio_net || fail "modprobe virtio_net"
    for n in /sys/class/net/*; do
        [ "$(basename "$(readlink "$n/device/driver" 2>/dev/null)")" = virtio_net ] &&
            { [ -z "$mac" ] || [ "$(cat "$n/address")" = "$mac" ]; } && nic=$(basename "$n")
    done
    [ -n "${nic:-}" ] || fail "lab_forwards: no virtio_net interface${mac:+ with MAC $mac}"
    ip link set "$nic" up && ip addr add 10.0.2.15/24 dev "$nic" || fail "lab_forwards: cannot configure $nic"
    for port in ${ports//,/ }; do
        setsid -f socat "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork" "TCP:10.0.2.100:$port" </dev/null >/dev/null 2>&1 ||
            fail "lab_forwards: socat for port $port"
    done
    say "forwards: 127.0.0.1:{$ports} to L0 over $nic"
}

wait_for_libvirtd() {
    local _
    for _ in $(seq 240); do
        virsh -c qemu:///system list >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    fail "libvirtd does not answer 'virsh -c qemu:///system list' after 120s"
}

# lab-agent.service (systemd mode): READY once systemd has finished the boot. A degraded boot
# (some unit failed) is still served, but said on the console and in the greeting.
systemd_ready() {
    local state unit
    if [ -f /run/lab-agent/ready ]; then # a restarted agent: L1 was ready long ago
        read -r READY_AT state </run/lab-agent/ready
    else
        state=$(systemctl is-system-running --wait)
        say "systemd boot finished at $(uptime_s)s: $state"
        [ "$state" = running ] || systemctl --failed --no-legend --plain | sed 's/^/LAB_FAILED_UNIT /'
        forwards
        # Both are Type=notify: active means ready (virsh would add seconds under TCG).
        for unit in systemd-udevd.service libvirtd.service; do
            systemctl is-active --quiet "$unit" || fail "$unit is $(systemctl is-active "$unit")"
        done
        READY_AT=$(uptime_s)
        mkdir -p /run/lab-agent
        echo "$READY_AT $state" >/run/lab-agent/ready
        echo "LAB_READY kernel=$(uname -r) uptime=${READY_AT}s init=systemd state=$state"
    fi
    READY_MORE=" init=systemd state=$state"
}

# PID 1 stays a plain waiter so that daemons orphaned by agent commands are reaped, and a dead
# agent is restarted instead of panicking the kernel.
main() {
    if [ "${1:-}" = agent ]; then
        systemd_ready
        agent
        exit 1
    fi
    exec </dev/console >/dev/console 2>&1
    setup
    while :; do
        agent &
        wait $!
        say "agent exited ($?), restarting"
        sleep 1
    done
}

# bash reads a script as it runs it; calling main as the last line means an edit of this file on
# L0 while L1 runs cannot change what PID 1 executes.
main "$@"
exit 1
