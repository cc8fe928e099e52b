#!/bin/bash
# Coverage-guided fuzzing of usbpassd's parsers with afl++ and SharpFuzz (tests/fuzz/README.md).
#   tests/fuzz/run.sh [TARGET...]          every target (or those named), FUZZ_SECONDS each, one at a time
#   FUZZ_SECONDS=300 (default; usb-ids gets three times that: its executions cost five to seven times the others'),
#   FUZZ_OUT=build/fuzz, FUZZ_NICE=10,
#   FUZZ_KEEP=1: afterwards, replace tests/fuzz/<target>/corpus with afl-cmin's minimum of the campaign's queue
# Builds tests/UsbPassd.Fuzz (Release) into $FUZZ_OUT/bin, instruments UsbPassd.Core and UsbPassd.Protocol
# there with the sharpfuzz tool (.config/dotnet-tools.json), runs afl-fuzz per target from
# tests/fuzz/<target>/seeds (+ corpus/ and regressions/ when present) with tests/fuzz/<target>.dict, then
# prints per target: executions, exec/s, crashes, hangs, corpus size. Exits 1 if any target saved a crash or a hang.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=tests/fuzz
seconds=${FUZZ_SECONDS:-300}
out=${FUZZ_OUT:-build/fuzz}
nice_level=${FUZZ_NICE:-10}
all=(uevent-kernel uevent-udev rpc policy sysfs usb-ids hook)
targets=("${@:-${all[@]}}")

command -v afl-fuzz >/dev/null || { echo "run.sh: afl-fuzz is missing (apt-get install afl++, or make deps)" >&2; exit 2; }

if [[ -z ${FUZZ_NO_BUILD:-} ]]; then
    rm -rf "$out/bin"
    dotnet publish tests/UsbPassd.Fuzz -c Release -o "$out/bin" -v quiet -nologo
    dotnet tool restore >/dev/null
    # Only our assemblies carry afl's edge counters: the runtime's own code is not what we fuzz.
    for dll in UsbPassd.Core.dll UsbPassd.Protocol.dll; do
        dotnet tool run sharpfuzz "$out/bin/$dll"
    done
fi

# The target process is dotnet (not afl-instrumented itself: SharpFuzz writes the map); a CPU governor
# or core binding is not ours to change on a shared machine.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export DOTNET_TieredPGO=0 DOTNET_CLI_TELEMETRY_OPTOUT=1

status=0
rows=()
for t in "${targets[@]}"; do
    [[ -d $here/$t/seeds ]] || { echo "run.sh: no target $t (targets: ${all[*]})" >&2; exit 2; }
    input="$out/in/$t"
    rm -rf "$input" "$out/out/$t"
    mkdir -p "$input" "$out/out"
    cp "$here/$t"/seeds/* "$input"/
    for extra in corpus regressions; do
        if compgen -G "$here/$t/$extra/*" >/dev/null; then cp "$here/$t/$extra"/* "$input"/; fi
    done
    s=$seconds
    if [[ $t == usb-ids ]]; then s=$(( seconds * 3 )); fi
    echo "== $t: $s s (log: $out/out/$t.log)"
    # -t: a .NET input that takes 2 s is a hang (a cold JIT of a new path takes milliseconds).
    nice -n "$nice_level" afl-fuzz -V "$s" -t 2000 -m none -x "$here/$t.dict" -i "$input" -o "$out/out/$t" \
        -- dotnet "$out/bin/UsbPassd.Fuzz.dll" "$t" >"$out/out/$t.log" 2>&1 || { echo "afl-fuzz failed for $t:"; tail -20 "$out/out/$t.log"; status=1; continue; }
    stats="$out/out/$t/default/fuzzer_stats"
    get() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
    execs=$(get execs_done) start=$(get start_time) last=$(get last_update)
    crashes=$(get saved_crashes) hangs=$(get saved_hangs) corpus=$(get corpus_count)
    rate=$(( execs / ( last > start ? last - start : 1 ) ))
    rows+=("$(printf '%-14s %12s %8s %8s %6s %7s' "$t" "$execs" "$rate" "$crashes" "$hangs" "$corpus")")
    if [[ -n ${FUZZ_KEEP:-} ]]; then
        rm -rf "$out/cmin/$t" && mkdir -p "$out/cmin"
        # afl-cmin wants the target's real path (dotnet is a link).
        nice -n "$nice_level" afl-cmin -i "$out/out/$t/default/queue" -o "$out/cmin/$t" -t 5000 -m none \
            -- "$(readlink -f "$(command -v dotnet)")" "$out/bin/UsbPassd.Fuzz.dll" "$t" >"$out/out/$t.cmin.log" 2>&1
        rm -rf "${here:?}/$t/corpus" && mkdir -p "$here/$t/corpus"
        for f in "$out/cmin/$t"/*; do cp "$f" "$here/$t/corpus/$(sha1sum <"$f" | cut -c1-16)"; done
    fi
    if (( crashes + hangs > 0 )); then
        status=1
        echo "   $t: crashes in $out/out/$t/default/crashes, hangs in $out/out/$t/default/hangs;"
        echo "   replay one: dotnet $out/bin/UsbPassd.Fuzz.dll $t FILE"
    fi
done

echo
echo "fuzzing, $(date -u '+%Y-%m-%d %H:%M UTC'), $seconds s per target (usb-ids $(( seconds * 3 )) s)"
printf '%-14s %12s %8s %8s %6s %7s\n' target executions exec/s crashes hangs corpus
printf '%s\n' "${rows[@]}"
exit $status
