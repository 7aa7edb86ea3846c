#!/usr/bin/env python3
"""Log in on the VM's serial console and run commands, as an operator would.

Usage: serial_login.py SOCKET PASSWORD NEW_PASSWORD COMMAND [COMMAND ...]

SOCKET is QEMU's serial port as a Unix socket (-chardev socket,server=on).
Logs in as root (answering the forced password change of a first login with
NEW_PASSWORD), runs each COMMAND in the shell and prints its output between
"=== COMMAND" and "=== exit N" lines. Exit 0 when the login worked and every
command was run (whatever its own status); 1 on a timeout, with what the
console showed last. Standard library only.
"""
import socket
import sys
import time

TIMEOUT = 120  # seconds for any one expected text (TCG is slow)


class Console:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.sock.settimeout(1)
        self.buf = b""

    def send(self, text):
        self.sock.sendall(text.encode())

    def expect(self, *texts, timeout=TIMEOUT):
        """Waits for any of `texts`; returns (index, what came before it)."""
        deadline = time.monotonic() + timeout
        while True:
            for i, t in enumerate(texts):
                at = self.buf.find(t.encode())
                if at >= 0:
                    before = self.buf[:at].decode(errors="replace")
                    self.buf = self.buf[at + len(t):]
                    return i, before
            if time.monotonic() > deadline:
                tail = self.buf[-800:].decode(errors="replace")
                raise TimeoutError(f"waited {timeout} s for {texts!r}; console ends with:\n{tail}")
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                # A serial login prompt may have scrolled by before we connected.
                continue
            if not chunk:
                raise TimeoutError("the console closed")
            self.buf += chunk


def main():
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    path, password, new_password, commands = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    con = Console(path)
    try:
        con.send("\r")
        con.expect("login: ")
        con.send("root\r")
        con.expect("Password: ")
        con.send(password + "\r")
        i, _ = con.expect("Current password: ", "# ", "Login incorrect")
        if i == 2:
            raise TimeoutError("login refused")
        if i == 0:  # first login: the password must be changed
            con.send(password + "\r")
            con.expect("New password: ")
            con.send(new_password + "\r")
            con.expect("Retype new password: ")
            con.send(new_password + "\r")
            con.expect("# ")
        con.send("export TERM=dumb PS1='# '; stty -echo cols 200; bind 'set enable-bracketed-paste off'\r")
        # The line above is echoed (with its own "# "); with echo now off, a
        # marker seen once is where the commands' output starts.
        con.send("echo __READY__\r")
        con.expect("__READY__")
        con.expect("# ")
        for n, command in enumerate(commands):
            end = f"__END_{n}__"
            con.send(f"{command}; echo {end}$?\r")
            _, out = con.expect(end)
            _, status = con.expect("\n")
            con.expect("# ")
            print(f"=== {command}")
            print(out.replace("\r", "").strip("\n"))
            print(f"=== exit {status.strip()}")
        con.send("exit\r")
    except TimeoutError as e:
        print(f"serial_login.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
