#!/usr/bin/env python3
"""lib/ and app/ include only down the layers (issue 16).

    common < config < {fdb, offload} < port < features/*/datapath.hpp
           < datapath < features/* < control < api < app

A file may #include "..." files of its own folder and of the layers to its
left, with these refinements:
  - fdb and offload are siblings: neither includes the other.
  - A feature's datapath half (lib/features/NAME/datapath*.hpp, what the worker
    includes) may include only common, config, fdb, offload, port and its own
    feature's datapath half: never lib/datapath, never the feature's other files.
  - lib/datapath may include a feature's datapath half, no other feature file.
  - A feature's other files (its control-side state, its .cpp files) may
    include lib/datapath, any feature's datapath half and their own folder,
    not another feature's other files.
tests/ are exempt. Prints each offending include as
FILE:LINE: includes X (layer A must not include layer B) and exits 1.
"""
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# Where a quoted include is looked for after the including file's folder: the
# include directories lib/CMakeLists.txt and app/CMakeLists.txt give.
INCLUDE_DIRS = ["lib", "app"]
SOURCES = (".c", ".h", ".cpp", ".hpp")
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
DATAPATH_HALF = re.compile(r"^datapath(_\w+)?\.(h|hpp)$")

# Rank of each layer; a file may include a lower rank (subject to the
# refinements above). fdb and offload share a rank: siblings.
RANK = {
    "common": 0,
    "config": 1,
    "fdb": 2,
    "offload": 2,
    "port": 3,
    "feature-datapath": 4,
    "datapath": 5,
    "feature": 6,
    "control": 7,
    "api": 8,
    "app": 9,
}


def layer_of(rel):
    """(kind, name, folder) of a repository-relative path under lib/ or app/, or None."""
    parts = rel.split("/")
    if parts[0] == "app":
        return ("app", "app", "app")  # the top: one layer, one folder
    if parts[0] != "lib" or len(parts) < 3:
        return None
    top = parts[1]
    if top == "features":
        if len(parts) != 4:
            return None
        feature = "features/" + parts[2]
        folder = "lib/" + feature
        if DATAPATH_HALF.match(parts[3]):
            return ("feature-datapath", feature + "/datapath", folder)
        return ("feature", feature, folder)
    if top in RANK and len(parts) == 3:
        return (top, top, "lib/" + top)
    return None


def resolve(including_rel, target):
    """The repository-relative path `#include "target"` finds, or None."""
    here = os.path.dirname(including_rel)
    for base in [here] + INCLUDE_DIRS:
        candidate = os.path.normpath(os.path.join(base, target))
        if os.path.isfile(os.path.join(ROOT, candidate)):
            return candidate
    return None


def allowed(src, dst):
    """Whether a file of layer `src` may include one of layer `dst` (both from layer_of)."""
    s_kind, s_name, s_folder = src
    d_kind, d_name, d_folder = dst
    if s_kind == "feature-datapath":
        if d_kind == "feature-datapath":
            return d_folder == s_folder  # its own feature's datapath half only
        return RANK[d_kind] < RANK[s_kind]  # common, config, fdb, offload, port
    if s_folder == d_folder:
        return True
    if d_kind == "feature" and s_kind in ("feature", "datapath", "feature-datapath"):
        return False  # another feature's (or, from datapath, any feature's) other files
    if d_kind == "feature-datapath" and s_kind == "feature":
        return True  # any feature's datapath half
    if s_kind in ("fdb", "offload") and d_kind in ("fdb", "offload"):
        return False  # siblings (same folder was allowed above)
    return RANK[d_kind] < RANK[s_kind]


def main():
    errors = []
    checked = 0
    for top in ("lib", "app"):
        for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, top)):
            dirnames.sort()
            for name in sorted(filenames):
                if not name.endswith(SOURCES):
                    continue
                rel = os.path.relpath(os.path.join(dirpath, name), ROOT)
                src = layer_of(rel)
                if src is None:
                    errors.append(f"{rel}:1: is in no layer (add its folder to tests/lint/layers.py)")
                    continue
                checked += 1
                with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        target = m.group(1)
                        found = resolve(rel, target)
                        if found is None:
                            errors.append(f"{rel}:{number}: includes {target}, which is not "
                                          "found under lib/ or app/")
                            continue
                        dst = layer_of(found)
                        if dst is None:
                            errors.append(f"{rel}:{number}: includes {target} ({found}), "
                                          "which is in no layer")
                        elif not allowed(src, dst):
                            errors.append(f"{rel}:{number}: includes {target} (layer {src[1]} "
                                          f"must not include layer {dst[1]})")
    if errors:
        print("FAIL: includes that run back up the layers:")
        for e in errors:
            print(e)
        return 1
    print(f"PASS: the includes of {checked} files in lib/ and app/ go down the layers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
