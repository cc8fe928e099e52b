#!/usr/bin/env bash
# Lists which folders of a C# tree use which, and the import cycles among them.
#
#   tests/tools/folder-cycles.sh [ROOT]         top-level folders of ROOT (default daemon/UsbPassd.Core),
#                                               one namespace each: A -> B when a file in A has
#                                               `using UsbPassd.B`, names `UsbPassd.B.T` or `B.T` (T a type of B)
#   tests/tools/folder-cycles.sh --within DIR   the subfolders of DIR, which share one namespace:
#                                               A -> B when a file in A names a type declared in B
#                                               (DIR's own files are the folder ".")
#
# One line per edge (with the first place that makes it), then "cycles: none" or one line per cycle
# (the folders of a strongly connected component). Exit status 1 when there is a cycle.
# Comments do not count; strings do (rare, and a false edge is shown with its place).
set -euo pipefail
mode=top
if [ "${1:-}" = "--within" ]; then
    mode=within
    shift
fi
root=${1:-daemon/UsbPassd.Core}
[ -d "$root" ] || { echo "folder-cycles: no folder $root" >&2; exit 2; }
python3 - "$mode" "$root" <<'PY'
import os, re, sys

mode, root = sys.argv[1], sys.argv[2].rstrip("/")
DECLARED = re.compile(r"\b(?:class|struct|record|interface|enum)\s+([A-Z]\w*)")
COMMENT = re.compile(r"//.*$")

def folder_of(path):
    rel = os.path.relpath(path, root).split(os.sep)
    return rel[0] if len(rel) > 1 else "."

files = {}  # folder -> [(path, lines without comments)]
for directory, subdirs, names in os.walk(root):
    subdirs[:] = sorted(d for d in subdirs if d not in ("bin", "obj"))
    for name in sorted(names):
        if name.endswith(".cs"):
            path = os.path.join(directory, name)
            with open(path, encoding="utf-8") as f:
                lines = [COMMENT.sub("", line) for line in f]
            files.setdefault(folder_of(path), []).append((path, lines))
if mode == "top":
    files.pop(".", None)  # the project's own root files belong to no stage

types = {folder: {t for _, lines in fs for line in lines for t in DECLARED.findall(line)} for folder, fs in files.items()}

def pattern(b):
    if mode == "within":
        return re.compile(r"(?<![\w.])(" + "|".join(sorted(types[b])) + r")\b") if types[b] else None
    qualified = "|".join(sorted(types[b])) or "(?!)"
    return re.compile(r"\bUsbPassd\." + b + r"\b|(?<![\w.])" + b + r"\.(?:" + qualified + r")\b")

edges = {}  # (a, b) -> first place
for b in sorted(files):
    p = pattern(b)
    if p is None:
        continue
    for a in sorted(files):
        if a == b:
            continue
        for path, lines in files[a]:
            hit = next((i for i, line in enumerate(lines, 1) if p.search(line)), None)
            if hit is not None:
                edges[(a, b)] = f"{path}:{hit}"
                break

for (a, b), where in sorted(edges.items()):
    print(f"{a} -> {b}  ({where})")

# Strongly connected components with more than one folder (Tarjan).
graph = {f: sorted(b for (a, b) in edges if a == f) for f in files}
index, low, stack, on, cycles = {}, {}, [], set(), []
def visit(v):
    index[v] = low[v] = len(index)
    stack.append(v); on.add(v)
    for w in graph[v]:
        if w not in index:
            visit(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        component = []
        while True:
            w = stack.pop(); on.discard(w); component.append(w)
            if w == v:
                break
        if len(component) > 1:
            cycles.append(sorted(component))
for f in sorted(graph):
    if f not in index:
        visit(f)

print(f"folders: {len(files)}, edges: {len(edges)}")
if not cycles:
    print("cycles: none")
for c in cycles:
    print("cycle: " + " <-> ".join(c))
sys.exit(1 if cycles else 0)
PY
