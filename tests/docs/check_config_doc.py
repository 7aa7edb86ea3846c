#!/usr/bin/env python3
"""docs/configuration.md and config/example.yaml list the same keys (ctest lint.config_doc).

    check_config_doc.py [REPO_ROOT]

The keys the page lists are the first cells of its tables whose first column
is headed "key", one key path in backticks per row: `fdb.capacity`,
`ports[].offloads.tso` ([] is "every item of the list"). The checks:

1. every key in config/example.yaml (every leaf: a scalar, or a list of
   scalars) has a row;
2. every row names a key example.yaml has, as YAML or, for a key the file
   shows only in a comment (a commented-out example like "# socket: ..."),
   as "KEY:" in a comment of the same top-level section;
3. the rows under the heading "Keys `config/example.yaml` does not show" are
   the exception: each must really be absent from example.yaml (once the
   file gains one, its row moves to its section);
4. every key the parser accepts (the expect_mapping({...}) lists under lib/)
   has a row, and no row names a key the parser refuses.

example.yaml is read with PyYAML when it is installed, otherwise with the
small block-YAML reader below (the file is plain block YAML with comments and
one-line flow collections). Prints each problem and exits 1, or exits 0.
"""
import glob
import os
import re
import sys

EXCEPTIONS_HEADING = re.compile(r"^#+\s+Keys `config/example\.yaml` does not show\s*$")
KEY_CELL = re.compile(r"^`([a-z_][a-z0-9_]*(?:\[\])?(?:\.[a-z_][a-z0-9_]*(?:\[\])?)*)`$")


# --- reading example.yaml -------------------------------------------------

def strip_comment(text):
    """text without a trailing # comment (outside quotes)."""
    quote = None
    for i, c in enumerate(text):
        if quote:
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c == "#" and (i == 0 or text[i - 1] in " \t"):
            return text[:i].rstrip()
    return text.rstrip()


def split_flow(text):
    """The items of a one-line flow collection's inside, split at top-level commas."""
    items, depth, quote, start = [], 0, None, 0
    for i, c in enumerate(text):
        if quote:
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        elif c == "," and depth == 0:
            items.append(text[start:i].strip())
            start = i + 1
    if text[start:].strip():
        items.append(text[start:].strip())
    return items


def scalar_or_flow(text):
    text = text.strip()
    if text.startswith("{") and text.endswith("}"):
        result = {}
        for item in split_flow(text[1:-1]):
            key, _, value = item.partition(":")
            result[key.strip()] = scalar_or_flow(value)
        return result
    if text.startswith("[") and text.endswith("]"):
        return [scalar_or_flow(item) for item in split_flow(text[1:-1])]
    return text


def read_block_yaml(text):
    """A small reader for block YAML: mappings, '- ' lists, one-line flow values."""
    lines = []
    for raw in text.splitlines():
        content = strip_comment(raw)
        if content.strip():
            lines.append((len(content) - len(content.lstrip()), content.strip()))

    def block(i, indent):
        """Reads the collection starting at lines[i]; returns (value, next index)."""
        if lines[i][1].startswith("- ") or lines[i][1] == "-":
            items = []
            while i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("-"):
                rest = lines[i][1][1:].strip()
                if not rest:
                    value, i = block(i + 1, lines[i + 1][0])
                    items.append(value)
                    continue
                # "- key: value" opens a mapping whose keys sit at indent + 2.
                inner = indent + (len(lines[i][1]) - len(lines[i][1][1:].lstrip()))
                if re.match(r"^[\w.-]+:(\s|$)", rest):
                    lines[i] = (inner, rest)
                    value, i = block(i, inner)
                else:
                    value, i = scalar_or_flow(rest), i + 1
                items.append(value)
            return items, i
        mapping = {}
        while i < len(lines) and lines[i][0] == indent and not lines[i][1].startswith("- "):
            key, _, rest = lines[i][1].partition(":")
            rest = rest.strip()
            i += 1
            if rest:
                mapping[key.strip()] = scalar_or_flow(rest)
            elif i < len(lines) and (lines[i][0] > indent or
                                     (lines[i][0] == indent and lines[i][1].startswith("- "))):
                mapping[key.strip()], i = block(i, lines[i][0])
            else:
                mapping[key.strip()] = None
        return mapping, i

    if not lines:
        return {}
    value, _ = block(0, lines[0][0])
    return value


def load_example(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        import yaml
    except ImportError:
        return text, read_block_yaml(text), "the built-in block-YAML reader"
    return text, yaml.safe_load(text), "PyYAML"


def key_paths(value, prefix=""):
    """(leaves, every path) of a parsed YAML value; lists of mappings get []."""
    leaves, paths = set(), set()
    if isinstance(value, dict):
        for key, child in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            paths.add(path)
            child_leaves, child_paths = key_paths(child, path)
            if child_leaves or child_paths:
                leaves |= child_leaves
                paths |= child_paths
            else:
                leaves.add(path)
    elif isinstance(value, list) and any(isinstance(item, dict) for item in value):
        paths.add(prefix + "[]")
        for item in value:
            if isinstance(item, dict):
                child_leaves, child_paths = key_paths(item, prefix + "[]")
                leaves |= child_leaves
                paths |= child_paths
    return leaves, paths


def commented_keys(text):
    """{top-level section: the comment lines in it}; a section starts at 'key:'
    or at a commented-out '# key:' in the first column."""
    sections, current = {}, None
    for line in text.splitlines():
        m = re.match(r"^([a-z_]+):", line) or re.match(r"^#\s?([a-z_]+):\s*$", line)
        if m:
            current = m.group(1)
        if current and line.lstrip().startswith("#"):
            sections.setdefault(current, []).append(line)
    return sections


def in_comment(sections, path):
    top = path.split(".")[0].rstrip("[]")
    leaf = path.split(".")[-1].rstrip("[]")
    pattern = re.compile(r"(?<![\w.])" + re.escape(leaf) + r":(\s|$)")
    return any(pattern.search(line) for line in sections.get(top, []))


# --- reading the page and the parser --------------------------------------

def doc_rows(path):
    """[(line, key path, is an exception row)] from the page's key tables."""
    rows = []
    in_key_table = False
    exceptions = False
    exception_level = 0
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            heading = re.match(r"^(#+)\s", line)
            if heading:
                level = len(heading.group(1))
                if EXCEPTIONS_HEADING.match(line):
                    exceptions, exception_level = True, level
                elif exceptions and level <= exception_level:
                    exceptions = False
            if not line.startswith("|"):
                in_key_table = False
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if re.match(r"^:?-+:?$", cells[0]):
                continue
            if cells[0].lower() == "key":
                in_key_table = True
                continue
            if not in_key_table:
                continue
            m = KEY_CELL.match(cells[0])
            if not m:
                rows.append((number, None, cells[0]))
                continue
            rows.append((number, m.group(1), exceptions))
    return rows


def parser_key_sets(root):
    """[(file, {keys})] from every expect_mapping({...}) call under lib/."""
    sets = []
    for source in sorted(glob.glob(os.path.join(root, "lib", "**", "*.[ch]pp"), recursive=True)):
        with open(source, encoding="utf-8") as f:
            text = f.read()
        for m in re.finditer(r"expect_mapping\(\s*\{([^}]*)\}\s*\)", text):
            keys = set(re.findall(r"\"([^\"]+)\"", m.group(1)))
            if keys:
                sets.append((os.path.relpath(source, root), keys))
    return sets


def children(paths):
    """{parent path: {child names}} for documented key paths ('' is the root)."""
    result = {}
    for path in paths:
        parts = path.split(".")
        for i in range(len(parts)):
            parent = ".".join(parts[:i])
            result.setdefault(parent, set()).add(parts[i].rstrip("[]"))
    return result


# --- the checks -------------------------------------------------------------

def main():
    root = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    example_path = os.path.join(root, "config", "example.yaml")
    doc_path = os.path.join(root, "docs", "configuration.md")
    doc = "docs/configuration.md"
    problems = []

    text, data, reader = load_example(example_path)
    leaves, paths = key_paths(data)
    sections = commented_keys(text)
    rows = doc_rows(doc_path)

    documented = {}
    for number, key, exception in rows:
        if key is None:
            problems.append(f"{doc}:{number}: {exception!r} is not one key path in backticks")
            continue
        if key in documented:
            problems.append(f"{doc}:{number}: `{key}` is listed twice "
                            f"(also line {documented[key][0]})")
        documented[key] = (number, exception)

    # 1. every key of example.yaml has a row
    for key in sorted(leaves):
        if key not in documented:
            problems.append(f"config/example.yaml: `{key}` is not in {doc}")

    # 2. and 3. every row is a key of example.yaml, or a listed exception
    for key, (number, exception) in sorted(documented.items(), key=lambda kv: kv[1][0]):
        shown = key in paths or in_comment(sections, key)
        if exception and shown:
            problems.append(f"{doc}:{number}: `{key}` is now in config/example.yaml: "
                            "move its row out of \"Keys `config/example.yaml` does not show\"")
        elif not exception and not shown:
            problems.append(f"{doc}:{number}: `{key}` is not in config/example.yaml "
                            "(neither as a key nor in a comment of its section)")

    # 4. the parser's keys
    sets = parser_key_sets(root)
    if not sets:
        problems.append("lib/: no expect_mapping({...}) key lists found: "
                        "the parser changed, update tests/docs/check_config_doc.py")
    tree = children(documented)
    matched = set()
    for source, keys in sets:
        parent = max(sorted(tree), key=lambda p: (len(keys & tree[p]), -len(tree[p] - keys)))
        matched.add(parent)
        where = f"`{parent}`" if parent else "the top level"
        for key in sorted(keys - tree[parent]):
            full = f"{parent}.{key}" if parent else key
            problems.append(f"{source}: the parser accepts `{full}` "
                            f"({where}), which {doc} does not list")
        for key in sorted(tree[parent] - keys):
            full = f"{parent}.{key}" if parent else key
            problems.append(f"{doc}: `{full}` is listed, but the parser ({source}) "
                            f"accepts only {', '.join(sorted(keys))} in {where}")
    for parent in sorted(set(tree) - matched):
        if tree[parent]:
            problems.append(f"{doc}: `{parent}` has keys, but the parser reads no mapping there")

    for problem in problems:
        print(problem)
    if problems:
        print(f"check_config_doc: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    exceptions = sum(1 for _, e in documented.values() if e)
    print(f"check_config_doc: {len(leaves)} keys in config/example.yaml (read with {reader}), "
          f"{len(documented)} rows in {doc} ({exceptions} not in example.yaml), "
          f"{len(sets)} key lists in the parser: they agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
