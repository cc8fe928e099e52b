# Sourced by the shell tests (tests/lab/smoke.sh, tests/packaging/*.sh): one pass/fail line per
# check, counted in PASSED and FAILED for the closing "N passed, N failed" line.
# shellcheck shell=bash
PASSED=0 FAILED=0

check() { # NAME COMMAND...
    local name=$1
    shift
    if "$@"; then
        echo "ok   $name"
        PASSED=$((PASSED + 1))
    else
        echo "FAIL $name"
        FAILED=$((FAILED + 1))
    fi
}
