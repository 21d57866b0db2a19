#!/bin/sh
# Times keyhook's pre-receive hook through real pushes (issue 4, "Performance").
#
#   benches/pre_receive.sh            # release build, sources of ~/.cargo/registry/src
#   COMMITS=20000 benches/pre_receive.sh
#
# 1. Builds a large history with `git fast-import`: the files under $SRC spread over
#    $COMMITS commits (each commit adds a slice of the files; every 10th also edits
#    an earlier file), so trees and blob counts look like a real project.
# 2. First push of the whole history into a bare repository with the hook installed
#    by `keyhook install --server` (timeout raised so the scan runs to the end):
#    reports the hook's own time (keyhook's "push accepted (N ms)"), the hook
#    process's wall time and peak RSS (/usr/bin/time), and the `git push` wall time.
# 3. A typical push: 5 new commits editing a few files, pushed 5 times; reports the
#    hook's time for each and the median.
# Prints figures only; nothing is asserted.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SRC=${SRC:-$HOME/.cargo/registry/src}
COMMITS=${COMMITS:-3000}
. "$ROOT/benches/common.sh"
keyhook_binary
bench_workdir

git -c init.defaultBranch=main init -q "$WORK/client"
git -c init.defaultBranch=main init -q --bare "$WORK/server.git"

echo "building $COMMITS commits from $SRC ..."
python3 - "$SRC" "$COMMITS" <<'EOF' | git -C "$WORK/client" fast-import --quiet
import os, sys
src, commits = sys.argv[1], int(sys.argv[2])
files = []
for d, _, names in os.walk(src):
    for n in sorted(names):
        p = os.path.join(d, n)
        if os.path.isfile(p) and not os.path.islink(p):
            files.append(p)
files.sort()
out = sys.stdout.buffer
per = max(1, len(files) // commits)
for i in range(commits):
    chunk = files[i * per:(i + 1) * per] if i < commits - 1 else files[i * per:]
    msg = f"commit {i}\n".encode()
    out.write(b"commit refs/heads/main\n")
    out.write(f"committer Bench <bench@example.com> {1600000000 + i} +0000\n".encode())
    out.write(b"data %d\n%s" % (len(msg), msg))
    for p in chunk:
        data = open(p, "rb").read()
        rel = os.path.relpath(p, src).encode()
        out.write(b"M 100644 inline %s\ndata %d\n%s\n" % (rel, len(data), data))
    if i % 10 == 9 and i * per > 0:
        rel = os.path.relpath(files[(i * 7) % (i * per)], src).encode()
        edit = f"// edit {i}\n".encode()
        out.write(b"M 100644 inline %s\ndata %d\n%s\n" % (rel, len(edit), edit))
EOF
git -C "$WORK/client" checkout -q -f main
echo "repository: $(git -C "$WORK/client" rev-list --count main) commits," \
    "$(git -C "$WORK/client" ls-files | wc -l) files," \
    "$(du -sh "$WORK/client/.git" | cut -f1) in .git"

"$KEYHOOK" install --server "$WORK/server.git" > /dev/null
# Measure the first push to the end (the default budget is 4 s). The corpus holds
# test fixtures such as `*.pem`, which the forbidden-file policy would block, and real
# test private keys (ureq's testdata/key.pem) that private-key-pem rightly reports.
printf 'disable = ["private-key-pem"]\n\n[forbidden_files]\nallow = ["**"]\n\n[pre_receive]\ntimeout = 3600\n' > "$WORK/server.git/keyhook.toml"
# Wrap the installed hook to record its peak RSS.
mv "$WORK/server.git/hooks/pre-receive" "$WORK/server.git/hooks/pre-receive.inner"
cat > "$WORK/server.git/hooks/pre-receive" <<EOF
#!/bin/sh
exec /usr/bin/time -f "%e %M" -o "$WORK/rss.txt" "$WORK/server.git/hooks/pre-receive.inner"
EOF
chmod +x "$WORK/server.git/hooks/pre-receive"

rss_mib() { echo $(( $(cut -d" " -f2 "$WORK/rss.txt") / 1024 )); }
proc_s() { cut -d" " -f1 "$WORK/rss.txt"; }
hook_ms() { sed -n 's/.*keyhook: push accepted (\([0-9]*\) ms).*/\1/p' "$1"; }

git -C "$WORK/client" remote add origin "file://$WORK/server.git"
start=$(date +%s%N)
git -C "$WORK/client" push -q origin main 2> "$WORK/first.log" || { cat "$WORK/first.log"; exit 1; }
end=$(date +%s%N)
echo "first push: hook $(hook_ms "$WORK/first.log") ms," \
    "git push $(( (end - start) / 1000000 )) ms wall," \
    "hook process $(proc_s) s, peak RSS $(rss_mib) MiB"
grep 'keyhook pre-receive:' "$WORK/first.log" | sed 's/^remote: */  /; s/ *$//'

# Typical pushes run under the default budget.
printf 'disable = ["private-key-pem"]\n[forbidden_files]\nallow = ["**"]\n' > "$WORK/server.git/keyhook.toml"
times=""
for round in 1 2 3 4 5; do
    for c in 1 2 3 4 5; do
        f=$(git -C "$WORK/client" ls-files | sed -n "$((round * 97 + c * 13))p")
        echo "// round $round commit $c" >> "$WORK/client/$f"
        git -C "$WORK/client" commit -qam "round $round commit $c"
    done
    git -C "$WORK/client" push -q origin main 2> "$WORK/push.log" || { cat "$WORK/push.log"; exit 1; }
    ms=$(hook_ms "$WORK/push.log")
    times="$times $ms"
    echo "5-commit push $round: hook $ms ms, hook process $(proc_s) s, peak RSS $(rss_mib) MiB"
done
median=$(echo $times | tr ' ' '\n' | sort -n | sed -n 3p)
echo "5-commit push: median $median ms (of$times)"
