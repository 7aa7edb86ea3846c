# Pass/fail bookkeeping for the shell tests (tests/system, tests/vm). Source it.
#
#   pass WHAT / fail WHAT      print "ok: WHAT" / "FAIL: WHAT" and count it
#   bh_checks_done             print "N passed, M failed"; false if any failed
#                              (use as the script's last command)

PASSES=0
FAILS=0
pass() { echo "ok: $*"; PASSES=$((PASSES + 1)); }
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
bh_checks_done() {
    echo "$PASSES passed, $FAILS failed"
    [ "$FAILS" -eq 0 ]
}
