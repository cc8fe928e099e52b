#!/bin/bash
# Drives the USB lab host (L1, a TCG-emulated VM with real USB controllers) from this machine.
#
#   lab.sh boot RUN_DIR [--systemd] [QEMU_ARGS...]
#                                          start L1 in the background, wait until it is ready;
#                                          --systemd (or LAB_INIT=systemd): systemd as PID 1
#   lab.sh exec RUN_DIR [-i] [-t SECS] -- CMD [ARGS...]
#                                          run CMD in L1; its stdout, stderr and exit code
#                                          become ours (-i: send our stdin to it)
#   lab.sh qmp RUN_DIR JSON [EVENT[:ID] [SECS]]
#                                          one QMP command to L1's QEMU, reply on stdout; with
#                                          EVENT, also wait for that QMP event (about device ID)
#   lab.sh stop RUN_DIR                    power L1 off, kill its QEMU if it does not exit
#   lab.sh status RUN_DIR                  exit 0 if L1's QEMU is running
#
# RUN_DIR holds qmp.sock, agent.sock, console.log, qemu.log, qemu.pid, and share/ (visible
# read-write in L1 at the same absolute path). See README.md for the protocols and timings.
#
# Environment: LAB_BUILD_DIR (default <repo>/build/lab, made by build-assets.sh), LAB_INIT
# (bash: l1.sh is PID 1, the default; systemd: l1-systemd.sh hands over to systemd),
# LAB_MEM (MiB, 3072), LAB_SMP (2), LAB_CPU (max), LAB_BOOT_TIMEOUT (300),
# LAB_EXEC_TIMEOUT (600, 0 = none), LAB_QMP_TIMEOUT (30), LAB_STOP_TIMEOUT (15),
# LAB_XHCI_OPTS (appended to the xhci device, e.g. ",p2=8,p3=8" for 8 ports instead of 4),
# LAB_FORWARDS (TCP ports, e.g. "8778": L1's 127.0.0.1:PORT reaches whoever listens on L0's
# unix socket RUN_DIR/forward-PORT.sock; see README.md, "Forwards").
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD_DIR=${LAB_BUILD_DIR:-$(cd "$HERE/../.." && pwd)/build/lab}

die() {
    echo "lab: ERROR: $1" >&2
    [ $# -lt 2 ] || echo "lab: what to do: $2" >&2
    exit "${3:-2}"
}
usage() { sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0" >&2; exit 2; }
now() { date +%s.%N; }
elapsed() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1f", e - s }'; }

run_dir() {
    [ -n "${1:-}" ] || usage
    RUN=$1
    [ "${2:-}" != create ] || mkdir -p "$RUN" || die "cannot create run directory $RUN"
    # Absolute and in one spelling: QEMU and L1 get this path, and qemu_pid looks for it.
    [ ! -d "$RUN" ] || RUN=$(cd "$RUN" && pwd)
    QMP_SOCK=$RUN/qmp.sock
    AGENT_SOCK=$RUN/agent.sock
    CONSOLE=$RUN/console.log
    PIDFILE=$RUN/qemu.pid
}

# The pid in qemu.pid, if that process is still this run's QEMU (pids get reused).
qemu_pid() {
    local pid
    pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$QMP_SOCK" || return 1
    echo "$pid"
}

# --- a line-oriented connection to a unix socket (socat as a bash coprocess) ----------------
connect() {
    coproc CONN { exec socat -t 1 - "UNIX-CONNECT:$1" 2>/dev/null; }
    exec {CONN_IN}<&"${CONN[0]}" {CONN_OUT}>&"${CONN[1]}"
    PARTIAL=
}
disconnect() {
    { exec {CONN_OUT}>&- {CONN_IN}<&-; } 2>/dev/null
    kill "$CONN_PID" 2>/dev/null
    wait "$CONN_PID" 2>/dev/null
    return 0
}
deadline_in() { awk -v n="$(now)" -v t="$1" 'BEGIN { printf "%.3f", n + t }'; }
# read_line DEADLINE: the next line into LINE. Returns 1 on EOF, 2 past DEADLINE (seconds
# since the epoch), 3 when the ON_TICK function (called about once a second) fails.
read_line() {
    local left r
    while :; do
        left=$(awk -v d="$1" -v n="$(now)" 'BEGIN { l = d - n; printf "%.3f", (l > 1 ? 1 : l) }')
        case "$left" in -* | 0.000) return 2 ;; esac
        IFS= read -r -t "$left" -u "$CONN_IN" LINE
        r=$?
        if [ $r = 0 ]; then
            LINE=$PARTIAL${LINE%$'\r'}
            PARTIAL=
            return 0
        fi
        [ $r -gt 128 ] || return 1
        # A timed-out read keeps what it consumed of a long line: keep it too.
        PARTIAL+=$LINE
        [ -z "${ON_TICK:-}" ] || $ON_TICK || return 3
    done
}

# --- boot -------------------------------------------------------------------------------------
boot_check() {
    # Called every second while waiting: stop early when L1 cannot come up.
    if grep -q "LAB_FAIL" "$CONSOLE" 2>/dev/null; then BOOT_WHY="L1 reported a failure"; return 1; fi
    if ! qemu_pid >/dev/null; then BOOT_WHY="QEMU exited"; return 1; fi
    return 0
}

boot_failed() {
    echo "lab: ERROR: L1 did not become ready: $1" >&2
    echo "lab: --- console.log (last 40 lines) ---" >&2
    tail -n 40 "$CONSOLE" >&2 2>/dev/null
    if [ -s "$RUN/qemu.log" ]; then
        echo "lab: --- qemu.log ---" >&2
        tail -n 20 "$RUN/qemu.log" >&2
    fi
    echo "lab: what to do: read console.log and qemu.log above (kept in $RUN)." >&2
    (LAB_STOP_HARD=1 cmd_stop "$RUN") >/dev/null 2>&1
    exit 1
}

# LAB_FORWARDS: a NIC on QEMU's user network with restrict=on (no route anywhere, not even to
# L0), whose only way out is one guestfwd per port: a connection from L1 to 10.0.2.100:PORT
# runs "socat - UNIX-CONNECT:RUN_DIR/forward-PORT.sock" on L0 (a process per connection, inside
# QEMU's own slirp: no packet leaves this machine). l1.sh listens on 127.0.0.1:PORT and relays
# there, so L1's programs see a loopback service. Sets the array named $1 to the QEMU arguments.
forwards() {
    local -n args=$1
    local port rule
    [ -n "${LAB_FORWARDS:-}" ] || return 0
    rule=user,id=l0net,restrict=on,ipv6=off
    for port in ${LAB_FORWARDS//,/ }; do
        [[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -gt 0 ] && [ "$port" -lt 65536 ] ||
            die "LAB_FORWARDS must list TCP ports, not '$port'"
        [ ${#RUN} -lt 85 ] || die "run directory path too long for RUN_DIR/forward-$port.sock" "use a shorter path"
        rule+=",guestfwd=tcp:10.0.2.100:$port-cmd:socat - UNIX-CONNECT:$RUN/forward-$port.sock"
    done
    # A fixed MAC: l1.sh finds this NIC by it, as L1 may have others (two-host pair's link).
    args=(-netdev "$rule" -device "virtio-net-pci,netdev=l0net,mac=$FORWARDS_MAC")
}
FORWARDS_MAC=52:54:00:12:34:56

cmd_boot() {
    run_dir "${1:-}" create
    shift
    local pid start timeout=${LAB_BOOT_TIMEOUT:-300} init=${LAB_INIT:-bash} l1
    [ "${1:-}" != --systemd ] || { init=systemd; shift; }
    case "$init" in
    bash) l1=$HERE/l1.sh ;;
    systemd) l1=$HERE/l1-systemd.sh ;;
    *) die "LAB_INIT must be bash or systemd, not '$init'" ;;
    esac
    if pid=$(qemu_pid); then die "L1 already runs in $RUN (pid $pid)" "lab.sh stop $RUN"; fi
    for f in vmlinuz initrd.gz kernel/lib/modules; do
        [ -e "$BUILD_DIR/$f" ] || die "missing $BUILD_DIR/$f" "run $HERE/build-assets.sh $BUILD_DIR"
    done
    # QEMU option values cannot hold commas, the kernel command line no spaces, and a unix
    # socket path is limited to 107 bytes.
    case "$RUN$HERE$BUILD_DIR" in *,* | *" "*) die "paths must not contain commas or spaces: $RUN" ;; esac
    [ ${#QMP_SOCK} -lt 100 ] || die "run directory path too long for a unix socket: $RUN" "use a shorter path"
    command -v qemu-system-x86_64 socat >/dev/null || die "qemu-system-x86_64 or socat missing" \
        "run $HERE/build-assets.sh"

    mkdir -p "$RUN/share"
    rm -f "$QMP_SOCK" "$AGENT_SOCK" "$CONSOLE" "$PIDFILE" "$RUN/qemu.log"
    local -a net=()
    forwards net
    start=$(now)
    # -accel tcg: /dev/kvm exists here but hangs a guest (see lab.md). -nodefaults: no NIC, so
    # L1 has no network at all (LAB_FORWARDS adds one that reaches only L0's forward sockets). The agent port is a virtio-serial port named lab.agent.
    setsid qemu-system-x86_64 \
        -name lab-l1 -nodefaults -display none -no-reboot \
        -accel tcg -machine q35 -cpu "${LAB_CPU:-max}" -m "${LAB_MEM:-3072}" -smp "${LAB_SMP:-2}" \
        -kernel "$BUILD_DIR/vmlinuz" -initrd "$BUILD_DIR/initrd.gz" \
        -append "console=ttyS0 quiet panic=-1 lab_l1=$l1 lab_share=$RUN/share${LAB_FORWARDS:+ lab_forwards=${LAB_FORWARDS// /,} lab_forwards_mac=$FORWARDS_MAC}" \
        -serial "file:$CONSOLE" \
        -pidfile "$PIDFILE" \
        -virtfs local,path=/,mount_tag=root,security_model=none,readonly=on,multidevs=remap \
        -virtfs "local,path=$BUILD_DIR/kernel/lib/modules,mount_tag=mods,security_model=none,readonly=on" \
        -virtfs "local,path=$RUN/share,mount_tag=labshare,security_model=none" \
        -qmp "unix:$QMP_SOCK,server=on,wait=off" \
        -device virtio-serial-pci,id=vser \
        -chardev "socket,id=agent,path=$AGENT_SOCK,server=on,wait=off" \
        -device virtserialport,bus=vser.0,chardev=agent,name=lab.agent \
        -device "qemu-xhci,id=xhci${LAB_XHCI_OPTS:-}" \
        -device usb-ehci,id=ehci \
        "${net[@]}" \
        "$@" \
        </dev/null >"$RUN/qemu.log" 2>&1 &
    local launcher=$!

    # QEMU writes the pid file and creates both sockets before the guest runs.
    local i
    for ((i = 0; ; i++)); do
        [ -S "$AGENT_SOCK" ] && qemu_pid >/dev/null && break
        kill -0 "$launcher" 2>/dev/null || { wait "$launcher"; boot_failed "QEMU did not start (exit $?)"; }
        [ $i -lt 600 ] || boot_failed "QEMU created no sockets within 30s"
        sleep 0.05
    done

    # The agent greets every new client with "READY ...", and only starts once L1 is up.
    local deadline
    deadline=$(awk -v n="$start" -v t="$timeout" 'BEGIN { printf "%.3f", n + t }')
    BOOT_WHY=
    connect "$AGENT_SOCK"
    local rc
    while :; do
        ON_TICK=boot_check read_line "$deadline"
        rc=$?
        case $rc in
        0) [[ "$LINE" == READY* ]] && break ;;
        1) disconnect; sleep 0.2; boot_check || break; connect "$AGENT_SOCK" ;;
        2) BOOT_WHY="no LAB_READY within ${timeout}s (LAB_BOOT_TIMEOUT)"; break ;;
        3) break ;;
        esac
    done
    disconnect
    [ -z "$BOOT_WHY" ] || boot_failed "$BOOT_WHY"
    echo "lab: L1 ready after $(elapsed "$start")s (pid $(qemu_pid), $LINE)" >&2
}

# --- exec -------------------------------------------------------------------------------------
cmd_exec() {
    run_dir "${1:-}"
    shift
    local send_stdin=0 timeout=${LAB_EXEC_TIMEOUT:-600}
    while [ $# -gt 0 ]; do
        case "$1" in
        -i) send_stdin=1; shift ;;
        -t) timeout=${2:?-t needs seconds}; shift 2 ;;
        --) shift; break ;;
        *) break ;;
        esac
    done
    [ $# -gt 0 ] || usage
    # 255 for every failure of the lab itself, so that it reads like "ssh could not connect".
    qemu_pid >/dev/null || die "L1 is not running in $RUN" "lab.sh boot $RUN" 255

    local id cmd input wait reply rc
    id=$$-$RANDOM-$(date +%s%N)
    # printf %q keeps every argument as one word through bash in L1.
    cmd=$(printf '%q ' "$@" | base64 -w0)
    if [ "$send_stdin" = 1 ]; then input=$(base64 -w0); else input=; fi
    [ -n "$input" ] || input=-
    # The agent kills the command after $timeout s; allow for queueing and a slow reply.
    wait=0
    [ "$timeout" = 0 ] || wait=$((timeout + 60))

    connect "$AGENT_SOCK"
    printf 'X %s %s %s %s\n' "$id" "$timeout" "$cmd" "$input" >&"$CONN_OUT"
    # sed, not bash's read: read takes a pipe one byte per syscall, which made a 1 MB reply take
    # 10 s. Greetings and replies to earlier, abandoned requests are skipped.
    reply=$(timeout "$wait" sed -n "/^R $id /{p;q}" <&"$CONN_IN")
    rc=$?
    disconnect
    if [ -z "$reply" ]; then
        [ $rc = 124 ] && die "no reply from the agent within ${wait}s for: $*" \
            "check $CONSOLE; L1 may be stuck" 255
        die "the agent connection closed before the reply (did L1 power off?)" "check $CONSOLE" 255
    fi
    # R <id> <exit> <stdout-b64|-> <stderr-b64|->. (Not ${reply#...}: bash's pattern removal is
    # quadratic and took minutes on a 1 MB reply.)
    local out err
    read -r _ _ rc out err <<<"$reply"
    [ "$out" = - ] || base64 -d <<<"$out"
    [ "$err" = - ] || base64 -d <<<"$err" >&2
    exit "$rc"
}

# --- qmp --------------------------------------------------------------------------------------
cmd_qmp() {
    run_dir "${1:-}"
    local json=${2:-} event=${3:-} wait=${4:-${LAB_QMP_TIMEOUT:-30}}
    [ -n "$json" ] || usage
    # A bare command name is shorthand for {"execute":"NAME"}.
    [[ "$json" == "{"* ]] || json="{\"execute\":\"$json\"}"
    qemu_pid >/dev/null || die "L1 is not running in $RUN" "lab.sh boot $RUN" 1

    local deadline reply='' seen=0 rc
    deadline=$(deadline_in "$wait")
    connect "$QMP_SOCK"
    # QMP: greeting, then qmp_capabilities, then commands. Replies and events are one JSON
    # object per line; replies start with "return" or "error", events carry "event".
    local step=greeting
    while :; do
        read_line "$deadline"
        rc=$?
        if [ $rc != 0 ] && [ -n "$reply" ]; then
            disconnect
            die "QMP: no $event event within ${wait}s" "the command succeeded; check the event name" 1
        elif [ $rc != 0 ]; then
            disconnect
            die "QMP: no reply within ${wait}s (at $step)" \
                "is another client holding $QMP_SOCK? QMP serves one client at a time" 1
        fi
        case "$step:$LINE" in
        'greeting:{"QMP"'*)
            printf '%s\n' '{"execute":"qmp_capabilities"}' >&"$CONN_OUT"
            step='capabilities' ;;
        'capabilities:{"return"'*)
            printf '%s\n' "$json" >&"$CONN_OUT"
            step='command' ;;
        'capabilities:{"error"'*)
            disconnect; die "QMP refused qmp_capabilities: $LINE" "" 1 ;;
        'command:{"return"'* | 'command:{"error"'*)
            reply=$LINE
            echo "$reply"
            step=event ;;
        *'"event": "'"${event%%:*}"'"'*)
            # NAME:ID waits for the event about device ID only (usb-storage also reports the
            # removal of its inner SCSI disk, which has no id).
            if [ -n "$event" ] && { [ "$event" = "${event%%:*}" ] ||
                [[ "$LINE" == *'"device": "'"${event#*:}"'"'* ]]; }; then
                echo "$LINE"
                seen=1
            fi ;;
        esac
        # USB unplug is synchronous in QEMU, so DEVICE_DELETED may come before the reply.
        [ -n "$reply" ] && { [ -z "$event" ] || [ $seen = 1 ] || [[ "$reply" == '{"error"'* ]]; } && break
    done
    disconnect
    [[ "$reply" == '{"return"'* ]] || exit 1
}

# --- stop -------------------------------------------------------------------------------------
wait_gone() { # PID SECONDS
    local i
    for ((i = 0; i < $2 * 10; i++)); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.1
    done
    return 1
}

cmd_stop() {
    run_dir "${1:-}"
    local pid t=${LAB_STOP_TIMEOUT:-15} deadline how
    if ! pid=$(qemu_pid); then
        echo "lab: L1 is not running in $RUN" >&2
        rm -f "$PIDFILE"
        return 0
    fi
    how="agent STOP"
    local bye=0
    if [ -z "${LAB_STOP_HARD:-}" ]; then
        # L1 powers itself off; replies and greetings before BYE are not ours to read.
        deadline=$(deadline_in 10)
        connect "$AGENT_SOCK"
        printf 'STOP %s\n' "stop-$$" >&"$CONN_OUT"
        while read_line "$deadline"; do [[ "$LINE" == BYE* ]] && { bye=1; break; }; done
        disconnect
    fi
    if [ $bye = 0 ] || ! wait_gone "$pid" "$t"; then
        how="QMP quit"
        # A subshell: cmd_qmp exits on errors, and QEMU may close before it replies to quit.
        (LAB_QMP_TIMEOUT=5 cmd_qmp "$RUN" quit) >/dev/null 2>&1
        if ! wait_gone "$pid" 5; then
            how="SIGKILL"
            kill -TERM "$pid" 2>/dev/null
            wait_gone "$pid" 3 || kill -KILL "$pid" 2>/dev/null
            wait_gone "$pid" 5 || die "QEMU pid $pid survives SIGKILL" "look at it with ps" 1
        fi
    fi
    rm -f "$PIDFILE"
    echo "lab: L1 stopped ($how)" >&2
}

cmd_status() {
    run_dir "${1:-}"
    local pid
    if pid=$(qemu_pid); then echo "running pid $pid"; else echo "stopped"; exit 1; fi
}

case "${1:-}" in
boot | exec | qmp | stop | status)
    c=$1
    shift
    "cmd_$c" "$@"
    ;;
*) usage ;;
esac
