#!/usr/bin/env bash
# Times `keyhook audit-history` against the floor of reading every object once
# (`git cat-file --batch-all-objects --batch --unordered`) on the same repository,
# in the same run, and reports keyhook's peak RSS (DESIGN.md targets: <= 1.5x, <= 500 MiB).
#
# The repository is built from real source text: the crate sources under
# ~/.cargo/registry/src, imported over the first commits and then edited a few files
# per commit (lines inserted, changed and deleted), written with `git fast-import` and
# packed with `git gc --aggressive`-like settings, so it has the delta chains of a real
# history. python3 generates the fast-import stream.
#
# Usage: benches/history.sh [COMMITS] [DIR]
#   COMMITS  commits to create (default 20000)
#   DIR      where to build the repository (default: $TMPDIR/keyhook-history-bench);
#            an existing repository built with the same COMMITS is reused.
# Environment: SRC (source tree, default ~/.cargo/registry/src), KEYHOOK (binary,
# default: cargo build --release), EDITS (files edited per commit, default 3).
set -euo pipefail

COMMITS=${1:-20000}
DIR=${2:-${TMPDIR:-/tmp}/keyhook-history-bench}
SRC=${SRC:-$HOME/.cargo/registry/src}
EDITS=${EDITS:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)

. "$ROOT/benches/common.sh"
need_time
keyhook_binary

build_repo() {
    rm -rf "$DIR"
    git -c init.defaultBranch=main init -q --bare "$DIR"
    python3 - "$SRC" "$COMMITS" "$EDITS" <<'PY' | git -C "$DIR" fast-import --quiet
import os, random, sys
src, commits, edits = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(42)
files = []
for root, dirs, names in os.walk(src):
    dirs.sort()
    for name in sorted(names):
        if name.endswith((".rs", ".toml", ".md")):
            path = os.path.join(root, name)
            if os.path.getsize(path) <= 2_000_000:
                files.append(path)
out = sys.stdout.buffer
def data(b):
    out.write(b"data %d\n" % len(b)); out.write(b); out.write(b"\n")
import_commits = max(1, min(commits // 10, 400))
per_import = -(-len(files) // import_commits)
live = []          # repository paths present
content = {}       # repository path -> lines (only for files edited so far)
words = b"let mut value = config.get(key).unwrap_or_default(); // keep in sync".split()
t = 1_500_000_000
for n in range(commits):
    t += rng.randint(60, 7200)
    ops = []
    if n < import_commits:
        for path in files[n * per_import:(n + 1) * per_import]:
            rel = os.path.relpath(path, src)
            with open(path, "rb") as f:
                ops.append((rel, f.read()))
            live.append(rel)
        msg = b"import %d" % n
    else:
        for _ in range(edits):
            rel = rng.choice(live)
            if rel not in content:
                with open(os.path.join(src, rel), "rb") as f:
                    content[rel] = f.read().split(b"\n")
            lines = content[rel]
            for _ in range(rng.randint(1, 4)):
                i = rng.randrange(len(lines) + 1)
                op = rng.random()
                if op < 0.5 or not lines:
                    lines.insert(i, b"    " + b" ".join(rng.choice(words) for _ in range(rng.randint(3, 10))))
                elif op < 0.8:
                    j = min(i, len(lines) - 1)
                    lines[j] = lines[j] + b" // edited %d" % n
                else:
                    del lines[min(i, len(lines) - 1)]
            ops.append((rel, b"\n".join(lines)))
        msg = b"edit %d" % n
    out.write(b"commit refs/heads/main\n")
    out.write(b"committer Bench <bench@example.com> %d +0000\n" % t)
    data(msg)
    for rel, body in ops:
        out.write(b"M 100644 inline " + rel.encode() + b"\n")
        data(body)
    if n % 5000 == 4999:
        out.write(b"reset refs/tags/v%d\nfrom refs/heads/main\n\n" % (n // 5000))
PY
    git -C "$DIR" repack -a -d -f -q --depth=50 --window=50
    git -C "$DIR" config keyhook.bench.commits "$COMMITS"
}

if [[ "$(git -C "$DIR" config keyhook.bench.commits 2>/dev/null || true)" != "$COMMITS" ]]; then
    echo "building a $COMMITS-commit repository in $DIR (once)…" >&2
    time build_repo >&2
fi

commits=$(git -C "$DIR" rev-list --all | wc -l)
blobs=$(git -C "$DIR" cat-file --batch-all-objects --batch-check='%(objecttype) %(objectsize)' | awk '$1=="blob"{n++; s+=$2} END{print n, s}')
pack=$(du -sb "$DIR/objects/pack" | cut -f1)
echo "repository: $commits commits, ${blobs% *} blobs, ${blobs#* } bytes of blobs, ${pack} bytes packed"

# Warm the page cache so both runs read from memory.
cat "$DIR"/objects/pack/* > /dev/null

now() { date +%s.%N; }
t0=$(now)
git -C "$DIR" cat-file --batch-all-objects --batch --unordered > /dev/null
t1=$(now)
rss_file=$(mktemp)
/usr/bin/time -v -o "$rss_file" "$KEYHOOK" audit-history "$DIR" --format json -o /dev/null || status=$?
t2=$(now)
status=${status:-0}
floor=$(echo "$t1 - $t0" | bc -l)
ours=$(echo "$t2 - $t1" | bc -l)
rss_kib=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$rss_file")
rm -f "$rss_file"
printf 'git cat-file --batch-all-objects: %.2f s\n' "$floor"
printf 'keyhook audit-history:            %.2f s (exit %s)\n' "$ours" "$status"
printf 'ratio:                            %.2fx (target <= 1.5x)\n' "$(echo "$ours / $floor" | bc -l)"
printf 'keyhook peak RSS:                 %.0f MiB (target <= 500 MiB)\n' "$(echo "$rss_kib / 1024" | bc -l)"
