#!/usr/bin/env python3
"""bridgehostctl against a fake switch that answers badly.

Usage: malformed_replies.py BRIDGEHOSTCTL

A Unix socket in a temp dir answers each connection with one canned reply (or
none). For every case bridgehostctl must exit with the status its --help
promises (3: no usable answer; 1: refused) and say why on stderr, and must
never die by a signal (a crash, or the stack overflowing on a deep reply).
"""
import json
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


def run(name, reply, args, want_status, want_stderr, timeout="2", want_stdout=None):
    """want_stdout: the lines bridgehostctl must print, exactly (None: not checked)."""
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
            status, stderr, stdout = p.returncode, p.stderr, p.stdout
        except subprocess.TimeoutExpired:
            status, stderr, stdout = "none (still running after 30 s, killed)", "", ""
        t.join(5)
    lines = stdout.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if status == want_status and want_stderr in stderr and want_stdout in (None, lines):
        print(f"PASS {name}")
    else:
        failures += 1
        print(f"FAIL {name}: status {status} (want {want_status}), "
              f"stderr {stderr.strip()[:300]!r} (want {want_stderr!r})")
        if want_stdout is not None and lines != want_stdout:
            for i in range(max(len(lines), len(want_stdout))):
                got = lines[i] if i < len(lines) else "(no line)"
                want = want_stdout[i] if i < len(want_stdout) else "(no line)"
                print(f"  line {i + 1}: {'ok  ' if got == want else 'DIFF'} {got!r}")
                if got != want:
                    print(f"          want {want!r}")


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
    (["show", "stp"], b'[]'),
    (["show", "stp"], b'{"ports":[]}'),
    (["show", "stp"], b'{"enabled":"yes","ports":[]}'),
    (["show", "stp"], b'{"enabled":true,"ports":7}'),
    (["show", "stp"], b'{"enabled":false,"ports":{"p0":{}}}'),
    (["show", "stp"], b'{"enabled":true,"ports":[{"role":"root"}]}'),
    (["show", "stp"], b'{"enabled":true,"ports":["p0"]}'),
    (["show", "stp"], b'{"enabled":true,"ports":[{"name":"p0","edge":"no"}]}'),
    (["show", "stp"], b'{"enabled":true,"ports":[{"name":"p0","point_to_point":1}]}'),
    (["show", "stp"], b'{"enabled":true,"ports":[{"name":"p0","bpdus_lost":-1}]}'),
    (["show", "stp"], b'{"enabled":true,"ports":[{"name":"p0","bpdus_lost":"many"}]}'),
    (["show", "stp"], b'{"enabled":true,"is_root":1,"ports":[]}'),
    (["show", "stp"], b'{"enabled":true,"root_times":[2,20,15],"ports":[]}'),
    (["show", "stp"], b'{"enabled":true,"seconds_since_topology_change":"soon","ports":[]}'),
    (["show", "stp"], b'{"enabled":true,"seconds_since_topology_change":-3,"ports":[]}'),
]:
    run(f"{' '.join(cmd)} given {result.decode()}", b'{"ok":true,"result":' + result + b"}\n",
        cmd, 3, "malformed reply")
# And one good reply, so the fake itself is known to work.
run("a good reply", b'{"ok":true,"result":{"applied":[],"needs_restart":[]}}\n', ["reload"], 0, "")


def ok(result):
    return b'{"ok":true,"result":' + json.dumps(result).encode() + b"}\n"


# show stp's human output, line by line: the reply the control socket's
# contract gives (docs/operations.md), then the other shapes of it.
STP_PORT = {"name": "hosta", "port_id": "8.001", "role": "root", "state": "forwarding",
            "path_cost": 20000, "edge": False, "oper_edge": False, "point_to_point": True,
            "protocol": "rstp", "designated_root": "1000.02aabbccddee", "designated_cost": 0,
            "designated_bridge": "1000.02aabbccddee", "designated_port": "8.002", "link": "up",
            "guard_blocked": False, "bpdus_in": 10, "bpdus_out": 11, "bpdus_bad": 0,
            "bpdus_lost": 0, "topology_changes": 1}
STP = {"enabled": True, "mode": "rstp", "bridge_id": "8000.020000000001",
       "root_id": "1000.02aabbccddee", "is_root": False, "root_port": "hosta",
       "root_path_cost": 20000, "hello_time": 2, "max_age": 20, "forward_delay": 15,
       "root_times": {"hello_time": 2, "max_age": 20, "forward_delay": 15, "message_age": 1},
       "topology_change": False, "topology_changes": 3, "seconds_since_topology_change": 12.5,
       "ports": [STP_PORT]}
HEADER = ("PORT         ID    ROLE       STATE      COST      EDGE P2P PROTO DESIGNATED BRIDGE "
          "BPDUS IN/OUT/BAD")
run("show stp, the documented reply", ok(STP), ["show", "stp"], 0, "", want_stdout=[
    "bridge 8000.020000000001, rstp; root 1000.02aabbccddee via hosta, path cost 20000",
    "times (the root's): hello 2 s, max age 20 s, forward delay 15 s",
    "topology changes: 3, the last 12 s ago",
    HEADER,
    "hosta        8.001 root       forwarding 20000     no   yes rstp  1000.02aabbccddee 10/11/0",
])
run("show stp --json: the reply as it came", ok(STP), ["show", "stp", "--json"], 0, "",
    want_stdout=json.dumps(STP, indent=2, sort_keys=True).split("\n"))
run("show stp, spanning tree off", ok({"enabled": False, "mode": "rstp", "ports": []}),
    ["show", "stp"], 0, "", want_stdout=[
        "spanning tree off (stp.enabled: false in the config)"])
run("show stp, spanning tree off, loop guard on",
    ok({"enabled": False, "mode": "rstp", "loop_guard": True, "ports": []}),
    ["show", "stp"], 0, "", want_stdout=[
        "spanning tree off (stp.enabled: false in the config); loop guard on"])
run("show stp, spanning tree and loop guard off",
    ok({"enabled": False, "mode": "rstp", "loop_guard": False, "ports": []}),
    ["show", "stp"], 0, "", want_stdout=[
        "spanning tree off (stp.enabled: false in the config); loop guard off too"])
# The root, a change under way, its own times differing from none (it is the
# root); ports that are blocked, down, lost their edge status, detected as
# edge, speak 802.1D, and lost BPDUs.
root = dict(STP, is_root=True, root_id=STP["bridge_id"], root_port=None, root_path_cost=0,
            mode="stp", topology_change=True, topology_changes=120,
            seconds_since_topology_change=3725.0,
            root_times={"hello_time": 2, "max_age": 20, "forward_delay": 15, "message_age": 0})
root["ports"] = [
    dict(STP_PORT, role="designated", designated_bridge=STP["bridge_id"]),
    dict(STP_PORT, name="hostb", port_id="8.002", role="alternate", state="discarding",
         path_cost=200000, protocol="stp", guard_blocked=True, bpdus_in=123456, bpdus_out=0,
         bpdus_bad=4, bpdus_lost=1),
    dict(STP_PORT, name="hostc", port_id="8.003", role="disabled", state="discarding",
         link="down", edge=True, point_to_point=False, bpdus_lost=70000),
    dict(STP_PORT, name="hostd", port_id="8.004", role="designated", oper_edge=True),
]
run("show stp, the root and ports to look at", ok(root), ["show", "stp"], 0, "", want_stdout=[
    "bridge 8000.020000000001, stp; this bridge is the root",
    "times (the root's): hello 2 s, max age 20 s, forward delay 15 s",
    "topology changes: 120, the last 1 h 2 min ago; one is being propagated now",
    HEADER,
    "hosta        8.001 designated forwarding 20000     no   yes rstp  8000.020000000001 10/11/0",
    "hostb        8.002 alternate  discarding 200000    no   yes stp   1000.02aabbccddee 123456/0/4",
    "hostc        8.003 disabled   discarding 20000     yes  no  rstp  1000.02aabbccddee 10/11/0",
    "hostd        8.004 designated forwarding 20000     auto yes rstp  1000.02aabbccddee 10/11/0",
    "hostb: blocked by loop guard or BPDU guard (show ports says which; port enable unblocks it)",
    "hostb: 1 BPDU lost (a flood on the port?)",
    "hostc: link down",
    "hostc: configured as an edge port, but a BPDU arrived: not an edge now",
    "hostc: 70000 BPDUs lost (a flood on the port?)",
])
# Not the root, its own times not the root's; no topology change yet; a reply
# with only the fields it cannot do without: "-" for the rest.
other = dict(STP, hello_time=1, max_age=6, forward_delay=4, topology_changes=0,
             seconds_since_topology_change=None, ports=[{"name": "p0"}])
run("show stp, own times and a bare port", ok(other), ["show", "stp"], 0, "", want_stdout=[
    "bridge 8000.020000000001, rstp; root 1000.02aabbccddee via hosta, path cost 20000",
    "times (the root's): hello 2 s, max age 20 s, forward delay 15 s",
    "this bridge's own times (in use when it is the root): hello 1 s, max age 6 s, "
    "forward delay 4 s",
    "topology changes: none since start",
    HEADER,
    "p0           -     -          -          -         no   -   -     -                 -/-/-",
])
run("show stp, only enabled and ports", ok({"enabled": True, "ports": []}), ["show", "stp"], 0,
    "", want_stdout=[
        "bridge -, -; root - via -, path cost -",
        "times (the root's): hello - s, max age - s, forward delay - s",
        "topology changes: none since start",
        HEADER,
    ])

print(f"{failures} failed")
sys.exit(1 if failures else 0)
