#!/usr/bin/env python3
"""The documentation's links resolve (ctest lint.doc_links).

    check_links.py [REPO_ROOT]

For every *.md file in the repository (build trees, .git and the DPDK source
meson_wrap/ unpacks are left out):

- every relative link, [text](path) or [text](path#anchor) (images and
  reference definitions too), names a file or folder that exists inside the
  repository; an anchor must be a heading of the target (GitHub's slugs:
  lower case, punctuation dropped, spaces to '-', '-1', '-2' for repeats);
  [text](#anchor) is a heading of the same file;
- every `path:line` (or `path:first-last`) in backticks names a file with at
  least that many lines: relative to the page, to the repository root, or,
  for a bare file name, any file of that name in the repository;
- nothing mentions ../shared (the project refers to nothing outside itself);
- README.md, docs/ and bench/results/NOTES.md link to nothing outside the
  repository (no http:, https:, mailto: links).

Code blocks and code spans are not links. Prints FILE:LINE: problem for each
failure and exits 1, or prints what it checked and exits 0.
"""
import os
import re
import sys
import urllib.parse

SKIP_DIRS = {".git", "node_modules", "__pycache__"}
# Pages that must stay inside the repository (the issue's "no reference to
# anything outside the repository").
SELF_CONTAINED = re.compile(r"^(README\.md|docs/.*\.md|bench/results/NOTES\.md)$")

FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'(].*?[\"')])?\s*\)")
REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
AUTOLINK = re.compile(r"<((?:https?|mailto|ftp):[^>\s]+)>")
HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"", re.I)
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
# path:line inside a code span: a file name with an extension of letters
# (so 127.0.0.1:9417 is no path), optional folders, then :N or :N-M.
PATH_LINE = re.compile(
    r"(?<![\w./:@-])((?:\.{1,2}/)*(?:[\w+-][\w.+-]*/)*[\w+-][\w.+-]*\.[A-Za-z][A-Za-z0-9]*)"
    r":(\d+)(?:-(\d+))?(?![\w.])")


def repo_files(root):
    """Every file under root, as paths relative to it, build trees left out."""
    found = []
    for top, dirs, files in os.walk(root):
        rel_top = os.path.relpath(top, root)
        keep = []
        for d in dirs:
            rel = os.path.normpath(os.path.join(rel_top, d))
            if d in SKIP_DIRS or (rel_top == "." and d.startswith("build")):
                continue
            if os.path.exists(os.path.join(top, d, "CMakeCache.txt")):
                continue  # a build tree wherever it is
            if rel.startswith(os.path.join("meson_wrap", "subprojects") + os.sep) and \
                    d != "packagecache":
                continue  # DPDK's own sources, unpacked by the wrap build
            keep.append(d)
        dirs[:] = sorted(keep)
        for f in files:
            found.append(os.path.normpath(os.path.join(rel_top, f)))
    return found


def slug(text):
    """GitHub's anchor for a heading's text."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links: their text
    text = re.sub(r"<[^>]+>", "", text)                       # HTML tags
    text = text.replace("`", "").replace("*", "")
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def prose_lines(lines):
    """(line number, text) of lines outside fenced code blocks."""
    fence = None
    for number, line in enumerate(lines, 1):
        m = FENCE.match(line)
        if fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            continue
        if m:
            fence = m.group(1)
            continue
        yield number, line


def anchors(lines):
    """The anchors a page's headings (and <a name=...>) make."""
    seen = {}
    result = set()
    previous = None

    def add(text):
        base = slug(text)
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")

    for number, line in prose_lines(lines):
        for name in HTML_ANCHOR.findall(line):
            result.add(name)
        m = ATX.match(line)
        if m:
            add(m.group(2))
            previous = None
            continue
        if previous is not None and previous[0] == number - 1 and previous[1].strip() and \
                SETEXT.match(line) and not previous[1].lstrip().startswith(("|", "-", "*", ">")):
            add(previous[1].strip())
            previous = None
            continue
        previous = (number, line)
    return result


class Checker:
    def __init__(self, root):
        self.root = os.path.realpath(root)
        self.files = repo_files(self.root)
        self.by_name = {}
        for f in self.files:
            self.by_name.setdefault(os.path.basename(f), []).append(f)
        self.problems = []
        self.links = 0
        self.path_lines = 0
        self._lines = {}
        self._anchors = {}

    def lines_of(self, rel):
        if rel not in self._lines:
            with open(os.path.join(self.root, rel), encoding="utf-8", errors="replace") as f:
                self._lines[rel] = f.read().splitlines()
        return self._lines[rel]

    def anchors_of(self, rel):
        if rel not in self._anchors:
            self._anchors[rel] = anchors(self.lines_of(rel))
        return self._anchors[rel]

    def fail(self, page, number, what):
        self.problems.append(f"{page}:{number}: {what}")

    def inside(self, path):
        real = os.path.realpath(path)
        return real == self.root or real.startswith(self.root + os.sep)

    def check_link(self, page, number, target):
        self.links += 1
        if SCHEME.match(target):
            if SELF_CONTAINED.match(page):
                self.fail(page, number, f"link to outside the repository: {target}")
            return
        path, _, anchor = target.partition("#")
        path = urllib.parse.unquote(path)
        anchor = urllib.parse.unquote(anchor)
        if path:
            if path.startswith("/"):
                full = os.path.join(self.root, path.lstrip("/"))
            else:
                full = os.path.join(self.root, os.path.dirname(page), path)
            if not self.inside(full):
                self.fail(page, number, f"link leaves the repository: {target}")
                return
            if not os.path.exists(full):
                self.fail(page, number, f"broken link: {target} (no such file)")
                return
            rel = os.path.relpath(os.path.realpath(full), self.root)
        else:
            rel = page
        if anchor:
            if os.path.isdir(os.path.join(self.root, rel)) or not rel.endswith(".md"):
                self.fail(page, number, f"anchor on a target that is no page: {target}")
            elif anchor.lower() not in self.anchors_of(rel):
                self.fail(page, number, f"broken anchor: {target} (no heading #{anchor} in {rel})")

    def resolve(self, page, path):
        """Candidates for a path named in a page, as repository-relative paths."""
        for base in (os.path.dirname(page), ""):
            full = os.path.normpath(os.path.join(self.root, base, path))
            if self.inside(full) and os.path.isfile(full):
                return [os.path.relpath(full, self.root)]
        if "/" not in path:
            return self.by_name.get(path, [])
        return []

    def check_path_line(self, page, number, path, first, last):
        self.path_lines += 1
        line = max(int(first), int(last or first))
        candidates = self.resolve(page, path)
        if not candidates:
            self.fail(page, number, f"`{path}:{first}`: no such file")
            return
        longest = max(len(self.lines_of(c)) for c in candidates)
        if longest < line:
            self.fail(page, number,
                      f"`{path}:{first}`: {candidates[0]} has only {longest} lines")

    def check_page(self, page):
        lines = self.lines_of(page)
        for number, line in enumerate(lines, 1):
            if re.search(r"\.\./shared\b", line):
                self.fail(page, number, "mentions ../shared, which is outside the repository")
        for number, line in prose_lines(lines):
            for span in CODE_SPAN.finditer(line):
                for m in PATH_LINE.finditer(span.group(2)):
                    before = span.group(2)[:m.start()]
                    if before.endswith("//") or re.search(r"[A-Za-z]+://\S*$", before):
                        continue  # part of a URL
                    self.check_path_line(page, number, m.group(1), m.group(2), m.group(3))
            text = CODE_SPAN.sub("", line)
            m = REF_DEF.match(text)
            if m:
                self.check_link(page, number, m.group(1))
                continue
            for m in LINK.finditer(text):
                self.check_link(page, number, m.group(1))
            for m in AUTOLINK.finditer(text):
                self.check_link(page, number, m.group(1))

    def run(self):
        pages = sorted(f for f in self.files if f.endswith(".md"))
        for page in pages:
            self.check_page(page)
        return pages


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    checker = Checker(root)
    pages = checker.run()
    if not pages:
        print(f"check_links: no *.md files under {root}", file=sys.stderr)
        return 1
    for problem in checker.problems:
        print(problem)
    if checker.problems:
        print(f"check_links: {len(checker.problems)} problem(s) in {len(pages)} pages",
              file=sys.stderr)
        return 1
    print(f"check_links: {len(pages)} pages, {checker.links} links, "
          f"{checker.path_lines} path:line references: all resolve")
    return 0


if __name__ == "__main__":
    sys.exit(main())
