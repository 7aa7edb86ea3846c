# Processes started in the background, for scripts and system tests. Source it.
#
# These scripts never use bash's `wait PID` on a process they started with `&`
# while the script goes on running command substitutions: on Debian 12's bash
# 5.2 it was seen, three times, to miss a child's exit and then block in
# wait4(-1) until another child changed state (the benchmark sat for ten
# minutes with the generator gone and the switch never told to stop). Exit is
# read from /proc instead, and success from what the process wrote.

# bh_running PID: true while the process exists and is not a zombie.
bh_running() {
    local st
    st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) && [ -n "$st" ] && [ "$st" != Z ]
}

# bh_wait_gone PID SECONDS: until the process has exited; false after SECONDS.
bh_wait_gone() {
    local pid=$1 i
    for ((i = 0; i < $2 * 10; i++)); do
        bh_running "$pid" || return 0
        sleep 0.1
    done
    ! bh_running "$pid"
}

# bh_stop PID [SIGNAL] [SECONDS]: sends SIGNAL (TERM) and waits up to SECONDS
# (20) for the process to exit. If it does not, prints what each of its threads
# is waiting in, kills it and returns 1.
bh_stop() {
    local pid=$1 sig=${2:-TERM} secs=${3:-20}
    kill -"$sig" "$pid" 2>/dev/null || return 0
    bh_wait_gone "$pid" "$secs" && return 0
    echo "process $pid still running $secs s after SIG$sig" >&2
    bh_threads "$pid" >&2
    kill -KILL "$pid" 2>/dev/null
    return 1
}

# bh_threads PID: what each thread of a process that stopped responding is
# doing: its state and wait channel, and with gdb installed, its stack.
bh_threads() {
    local t
    echo "threads of $1 ($(cat /proc/"$1"/comm 2>/dev/null)):"
    for t in /proc/"$1"/task/*; do
        echo "  $(cat "$t"/comm 2>/dev/null): state $(awk '{print $3}' "$t"/stat 2>/dev/null), waiting in $(cat "$t"/wchan 2>/dev/null)"
    done
    if command -v gdb >/dev/null; then
        timeout 30 gdb -p "$1" -batch -ex 'thread apply all bt' 2>/dev/null | grep -E '^(Thread|#)'
    fi
}

# Waits up to $2 seconds for the text $1 to appear in file $3.
bh_wait_for() {
    local text=$1 secs=$2 file=$3 i
    for ((i = 0; i < secs * 10; i++)); do
        grep -q -- "$text" "$file" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}
