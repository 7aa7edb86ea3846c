#!/usr/bin/env python3
"""bridgehostctl against a fake switch that answers badly.

Usage: malformed_replies.py BRIDGEHOSTCTL

A Unix socket in a temp dir answers each connection with one canned reply (or
none). For every case bridgehostctl must exit with the status its --help
promises (3: no usable answer; 1: refused) and say why on stderr, and must
never die by a signal (a crash, or the stack overflowing on a deep reply).
"""
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

CTL = sys.argv[1]
HOLD = b"(hold the connection, answer nothing)"
failures = 0


def serve(path, reply, ready):
    """Accepts one connection, reads the request line, sends `reply` (bytes or None)."""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    ready.set()
    conn, _ = srv.accept()
    conn.settimeout(5)
    got = b""
    while not got.endswith(b"\n"):
        chunk = conn.recv(4096)
        if not chunk:
            break
        got += chunk
    try:
        if reply == HOLD:
            time.sleep(3)
        elif reply is not None:
            conn.sendall(reply)
    except OSError:
        pass  # the client gave up first: what some cases want
    conn.close()
    srv.close()


def run(name, reply, args, want_status, want_stderr, timeout="2"):
    global failures
    with tempfile.TemporaryDirectory(prefix="bhctl-") as tmp:
        path = os.path.join(tmp, "fake.sock")
        ready = threading.Event()
        t = threading.Thread(target=serve, args=(path, reply, ready), daemon=True)
        t.start()
        ready.wait(5)
        try:
            p = subprocess.run([CTL, "--socket", path, "--timeout", timeout] + args,
                               capture_output=True, text=True, errors="replace", timeout=30)
            status, stderr = p.returncode, p.stderr
        except subprocess.TimeoutExpired:
            status, stderr = "none (still running after 30 s, killed)", ""
        t.join(5)
    if status == want_status and want_stderr in stderr:
        print(f"PASS {name}")
    else:
        failures += 1
        print(f"FAIL {name}: status {status} (want {want_status}), "
              f"stderr {stderr.strip()[:300]!r} (want {want_stderr!r})")


def deep(n):
    return b'{"ok":true,"result":' + b"[" * n + b"]" * n + b"}\n"


SHOW = ["show", "stats"]
run("not JSON", b"hello\n", SHOW, 3, "malformed reply")
run("truncated JSON", b'{"ok":true,"result":{"ports"\n', SHOW, 3, "malformed reply")
run("JSON but not an object", b"[1,2,3]\n", SHOW, 3, 'no boolean "ok" field')
run("no ok field", b'{"result":{}}\n', SHOW, 3, 'no boolean "ok" field')
run("ok not a boolean", b'{"ok":"yes","result":{}}\n', SHOW, 3, 'no boolean "ok" field')
run("invalid UTF-8", b'{"ok":false,"error":"\xff\xfe"}\n', SHOW, 3, "malformed reply")
# 200000 levels: nlohmann would build it, and then recurse through it until
# the stack ran out (this case died with SIGSEGV before the depth bound).
run("nested 200000 deep", deep(200000), SHOW + ["--json"], 3, "nested deeper than 16 levels")
run("nested 200000 deep, human output", deep(200000), SHOW, 3, "nested deeper than 16 levels")
run("closed without a reply", None, SHOW, 3, "malformed reply")
run("never answers", HOLD, SHOW, 3, "did not answer within 1 s", timeout="1")
run("refusal without a reason", b'{"ok":false}\n', SHOW, 1, "refused")
run("refusal with a non-string reason", b'{"ok":false,"error":[1]}\n', SHOW, 1, "[1]")
# Well-formed JSON of the wrong shape for what is printed: an error, not a crash.
for cmd, result in [
    (["show", "stats"], b'{"ports":7}'),
    (["show", "stats"], b'{"ports":{"p0":{"rx_packets":1}}}'),
    (["show", "ports"], b'[{"name":"p0","link":"up","promiscuous":"maybe"}]'),
    (["show", "ports"], b'"p0"'),
    (["show", "workers"], b'[{"index":0,"rx_queues":5}]'),
    (["show", "workers"], b'[{"index":0,"lcore":1,"rx_queues":[],"rx_packets":1,'
                          b'"busy_cycles_per_packet":"fast","idle_percent":1,"stalls":0}]'),
    (["show", "fdb"], b'{"entries":null}'),
    (["reload"], b'{"applied":3}'),
]:
    run(f"{' '.join(cmd)} given {result.decode()}", b'{"ok":true,"result":' + result + b"}\n",
        cmd, 3, "malformed reply")
# And one good reply, so the fake itself is known to work.
run("a good reply", b'{"ok":true,"result":{"applied":[],"needs_restart":[]}}\n', ["reload"], 0, "")

print(f"{failures} failed")
sys.exit(1 if failures else 0)
