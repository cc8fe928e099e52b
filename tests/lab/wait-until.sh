#!/bin/bash
# wait-until.sh SECONDS DIR -- CMD [ARGS...]
# Runs CMD until it succeeds, re-running it only when something in DIR changes (inotify), for
# at most SECONDS. For tests that wait on a daemon's state files without sleeping in a loop.
# Exit 0 when CMD succeeded, 124 when the time ran out (CMD's last output is shown).
set -uo pipefail
timeout=$1 dir=$2
shift 3
end=$((SECONDS + timeout))
while :; do
    if out=$("$@" 2>&1); then
        printf '%s\n' "$out"
        exit 0
    fi
    left=$((end - SECONDS))
    if [ "$left" -le 0 ]; then
        printf 'wait-until: still failing after %ss: %s\n%s\n' "$timeout" "$*" "$out" >&2
        exit 124
    fi
    # At most a second per wait: a change between CMD and inotifywait would otherwise be missed.
    inotifywait -qq -t "$((left < 1 ? left : 1))" -e modify,create,moved_to,delete "$dir" >/dev/null 2>&1
done
