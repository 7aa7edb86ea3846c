#!/usr/bin/env python3
"""Strict check of a Prometheus text exposition (format 0.0.4), then assertions.

Usage: check_prometheus.py FILE [SERIES OP NUMBER]...
  e.g. check_prometheus.py m.txt 'bridgehost_fdb_entries >= 2' \
           'bridgehost_port_promisc_suspect{port="hostb"} == 1'
Exit 0 when the text is well formed and every assertion holds; 1 with the
reason otherwise. Standard library only.
"""
import math
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(rf"^({NAME})(\{{(?:{LABEL})(?:,{LABEL})*,?\}}|\{{\}})? (\S+)(?: (-?\d+))?$")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def number(text):
    if text in ("+Inf", "Inf"):
        return math.inf
    if text == "-Inf":
        return -math.inf
    if text == "NaN":
        return math.nan
    return float(text)  # raises ValueError on anything else


def parse(text):
    if not text.endswith("\n"):
        raise ValueError("the exposition must end with a newline")
    types, helps, series = {}, set(), {}
    for n, line in enumerate(text.split("\n")[:-1], 1):
        where = f"line {n}: "
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            parts = line.split(" ", 3)
            if len(parts) < 4 or not re.fullmatch(NAME, parts[2]):
                raise ValueError(where + "malformed " + parts[1])
            name = parts[2]
            if parts[1] == "TYPE":
                if parts[3] not in TYPES:
                    raise ValueError(where + f"unknown type {parts[3]!r}")
                if name in types:
                    raise ValueError(where + f"second TYPE for {name}")
                if any(s.split("{")[0] == name for s in series):
                    raise ValueError(where + f"TYPE for {name} after its samples")
                types[name] = parts[3]
            else:
                if name in helps:
                    raise ValueError(where + f"second HELP for {name}")
                helps.add(name)
            continue
        if line.startswith("#") or line == "":
            if line.strip() not in ("", "#") and not line.startswith("# "):
                raise ValueError(where + "malformed comment")
            continue
        m = SAMPLE.match(line)
        if not m:
            raise ValueError(where + f"not a sample: {line!r}")
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        try:
            v = number(value)
        except ValueError:
            raise ValueError(where + f"bad value {value!r}")
        family = name
        if family not in types:
            raise ValueError(where + f"{name} has no TYPE line")
        key = name + labels
        if key in series:
            raise ValueError(where + f"duplicate series {key}")
        series[key] = v
    return types, series


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    text = open(sys.argv[1], encoding="utf-8").read()
    # A counter family "x" has samples "x_total": accept both spellings of the TYPE.
    fixed = re.sub(rf"^# TYPE ({NAME}) counter$",
                   lambda m: f"# TYPE {m.group(1)}{'' if m.group(1).endswith('_total') else '_total'} counter",
                   text, flags=re.M)
    try:
        types, series = parse(fixed)
    except ValueError as e:
        print(f"malformed exposition: {e}")
        return 1
    for name, kind in types.items():
        if kind == "counter" and not name.endswith("_total"):
            print(f"counter {name} does not end in _total")
            return 1
    failed = False
    for assertion in sys.argv[2:]:
        m = re.fullmatch(r"\s*(\S+)\s*(==|>=|>|<=|<)\s*(\S+)\s*", assertion)
        if not m:
            print(f"bad assertion {assertion!r}")
            return 2
        key, op, want = m.group(1), m.group(2), float(m.group(3))
        if key not in series:
            print(f"FAIL {assertion}: no series {key}")
            failed = True
            continue
        got = series[key]
        ok = {"==": got == want, ">=": got >= want, ">": got > want, "<=": got <= want,
              "<": got < want}[op]
        print(f"{'ok' if ok else 'FAIL'} {key} = {got:g} ({op} {want:g})")
        failed |= not ok
    print(f"{len(series)} series in {len(types)} families, well formed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
