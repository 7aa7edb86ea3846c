#!/usr/bin/env bash
# bridgehostctl explain: what a drop reason means, with no switch running;
# bad words are usage errors (exit 2) that name what is accepted.
# Usage: explain.sh PATH/TO/bridgehostctl
set -uo pipefail
CTL=${1:?usage: $0 PATH/TO/bridgehostctl}
source "$(dirname "$0")/../../scripts/lib/checks.sh"

out=$("$CTL" --socket /nonexistent/none.sock explain tx_full 2>&1)
[ $? -eq 0 ] && [[ "$out" =~ ^tx_full\ +output\ tx\ queue\ full$ ]] &&
    pass "explain tx_full, without a switch" || fail "explain tx_full: $out"

all=$("$CTL" explain)
n=$("$CTL" explain --json | jq 'length')
[ "$(wc -l <<<"$all")" = "$n" ] && [ "$n" -ge 18 ] && pass "explain: every reason ($n), one line each" ||
    fail "explain: $(wc -l <<<"$all") lines, $n reasons in --json"
[ "$("$CTL" explain truncated --json | jq -r 'keys[0]')" = truncated ] && pass "explain REASON --json" ||
    fail "explain truncated --json"

"$CTL" explain no_such_reason >/dev/null 2>"${TMPDIR:-/tmp}/explain.$$"
status=$?
[ $status -eq 2 ] && grep -q 'no drop reason "no_such_reason"; the reasons: filtered, runt' "${TMPDIR:-/tmp}/explain.$$" &&
    pass "an unknown reason: exit 2, the reasons listed" || fail "unknown reason: exit $status, $(cat "${TMPDIR:-/tmp}/explain.$$")"
"$CTL" explain tx_full runt >/dev/null 2>&1
[ $? -eq 2 ] && pass "two reasons: usage error" || fail "two reasons accepted"
"$CTL" show fdb --all >/dev/null 2>"${TMPDIR:-/tmp}/explain.$$"
[ $? -eq 2 ] && grep -q -- "--all goes with show stats only" "${TMPDIR:-/tmp}/explain.$$" &&
    pass "--all with another command: usage error" || fail "--all with show fdb: $(cat "${TMPDIR:-/tmp}/explain.$$")"
rm -f "${TMPDIR:-/tmp}/explain.$$"
bh_checks_done
