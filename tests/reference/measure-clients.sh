#!/usr/bin/env bash
# measure-clients.sh: which client is leaner under NativeAOT for usbpassctl (issue 13): UsbPassd.Protocol's own
# UsbPassdClient (client-ours) or StreamJsonRpc's typed IUsbPassd proxy (client-streamjsonrpc). Both programs
# make the same calls (host.info, devices.list, print the count) against a real usbpassd on a 50-device tree;
# the shipped usbpassctl's `list` (ReadyToRun, self-contained) runs beside them for reference.
# Prints size, start → exit time (hyperfine, ROUNDS rounds of RUNS runs each, the order rotated each round:
# all runs pooled, median and p90), CPU time (user + system, mean) and max RSS (/usr/bin/time, median of
# RSS_RUNS runs, alternated). On a shared machine only the ratios within one run mean something.
# Needs `make build` (UsbPassd.Testing) and `make publish` (usbpassd, usbpassctl); hyperfine and time from Debian.
set -euo pipefail
rounds=${ROUNDS:-10} runs=${RUNS:-40} rss_runs=${RSS_RUNS:-40} devices=${DEVICES:-50}
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
for tool in hyperfine /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "measure-clients: $tool missing (apt-get install -y hyperfine time)" >&2; exit 2; }
done
[ -f build/artifacts/bin/UsbPassd.Testing/debug/UsbPassd.Testing.dll ] || make build
[ -x build/publish/usbpassd/usbpassd ] && [ -x build/publish/usbpassctl/usbpassctl ] || make publish
for client in client-ours client-streamjsonrpc; do
    echo "measure-clients: publishing $client (NativeAOT)" >&2
    dotnet publish "tests/reference/$client" -c Release -r linux-x64 -o "build/publish/reference/$client" -v quiet -nologo >&2
done

work=$(mktemp -d /tmp/measure-clients-XXXXXX)
daemon=
cleanup() {
    if [ -n "$daemon" ]; then kill "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
dotnet build/artifacts/bin/UsbPassd.Testing/debug/UsbPassd.Testing.dll big-tree "$work/tree" "$devices"
build/publish/usbpassd/usbpassd --sysfs-root "$work/tree" --uevents none --libvirt-uri none \
    --state-dir "$work/state" --socket "$work/state/s.sock" >"$work/usbpassd.log" 2>&1 &
daemon=$!
for _ in $(seq 300); do [ -S "$work/state/s.sock" ] && break; sleep 0.1; done
socket=$work/state/s.sock

names=(ours streamjsonrpc usbpassctl)
commands=(
    "build/publish/reference/client-ours/client-ours $socket"
    "build/publish/reference/client-streamjsonrpc/client-streamjsonrpc $socket"
    "build/publish/usbpassctl/usbpassctl list --socket $socket"
)
for i in 0 1 2; do
    ${commands[$i]} | grep -q "$devices devices" || { echo "measure-clients: ${names[$i]} did not list $devices devices" >&2; exit 1; }
done

for round in $(seq "$rounds"); do
    echo "measure-clients: round $round/$rounds" >&2
    order=()
    for k in 0 1 2; do order+=("${commands[$(((k + round) % 3))]}"); done
    hyperfine -N --style none --warmup 5 --runs "$runs" --export-json "$work/round-$round.json" "${order[@]}" \
        >"$work/hyperfine.out" 2>&1 || { cat "$work/hyperfine.out" >&2; exit 1; }
done
for _ in $(seq "$rss_runs"); do
    for i in 0 1 2; do
        /usr/bin/time -f %M -a -o "$work/rss-$i" ${commands[$i]} >/dev/null
    done
done

python3 - "$work" "$rounds" "${commands[@]}" <<'PY'
import json, os, statistics, sys

work, rounds, commands = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
times = {c: [] for c in commands}
cpu = {c: [] for c in commands}  # hyperfine gives user and system time as a mean per round
for r in range(1, rounds + 1):
    for result in json.load(open(f"{work}/round-{r}.json"))["results"]:
        times[result["command"]] += result["times"]
        cpu[result["command"]].append(result["user"] + result["system"])
rows = []
for i, (label, command) in enumerate(zip(["ours (UsbPassdClient)", "StreamJsonRpc", "usbpassctl list"], commands)):
    binary = command.split()[0]
    size = sum(os.path.getsize(os.path.join(binary.rsplit("/", 1)[0], f)) for f in os.listdir(binary.rsplit("/", 1)[0])) if i == 2 else os.path.getsize(binary)
    ms = [t * 1000 for t in times[command]]
    rss = [int(l) for l in open(f"{work}/rss-{i}") if l.strip().isdigit()]
    rows.append((label, size / 1e6, statistics.median(ms), statistics.quantiles(ms, n=10)[8], statistics.mean(cpu[command]) * 1000, statistics.median(rss) / 1024, len(ms)))
print(f"{'client (NativeAOT unless said)':32} {'size MB':>8} {'median ms':>10} {'p90 ms':>8} {'CPU ms':>7} {'max RSS MB':>11} {'runs':>5}")
for label, size, p50, p90, cpu_ms, rss, n in rows:
    print(f"{label:32} {size:8.2f} {p50:10.1f} {p90:8.1f} {cpu_ms:7.1f} {rss:11.1f} {n:5}")
ours, sjr = rows[0], rows[1]
print(f"{'ratio StreamJsonRpc / ours':32} " + " ".join(f"{sjr[k] / ours[k]:{w}.2f}" for k, w in ((1, 8), (2, 10), (3, 8), (4, 7), (5, 11))))
print("(usbpassctl: ReadyToRun, self-contained; its size is the whole publish folder)")
PY
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
