#!/usr/bin/env bash
# bridgehost and bridgehostctl never run another program: no shell, so no
# string of an operator's (a port name, a path, a MAC) can become a command.
# Fails, naming the line, if lib/ or app/ calls one of the functions that would.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
pattern='\b(system|popen|posix_spawnp?|exec(l|lp|le|v|vp|vpe)|fork|vfork|wordexp)[[:space:]]*\('
if hits=$(grep -rnE "$pattern" "$root/lib" "$root/app" --include='*.cpp' --include='*.hpp' |
    grep -vE '^[^:]+:[0-9]+:[[:space:]]*(//|\*)'); then
    echo "FAIL: a call that runs another program:"
    echo "$hits"
    exit 1
fi
echo "PASS: no system(), popen(), exec*(), fork() or posix_spawn() in lib/ or app/"
