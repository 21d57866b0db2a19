#!/usr/bin/env bash
# Times each git door of keyhook on a real repository, each beside its floor measured
# in the same run (issue 12): figures, not assertions. Not run in CI (CI has no
# network to fetch a repository; its benches use synthetic ones).
#
# Usage: benches/real.sh REPO.git [RUNS]
#   REPO.git  a bare repository (e.g. a `git clone --bare` of git/git or rust-lang/cargo);
#             it is cloned into a temp dir and never written to.
#   RUNS      repetitions of each measurement (default 5); min and median are printed.
# Environment: KEYHOOK (binary; default: cargo build --release), PEERS=1 to also time
# peers found on PATH (betterleaks, gitleaks, kingfisher) on the audit, DOORS to pick
# doors (default "pre-receive pre-commit audit").
#
# Doors and floors:
#   pre-receive   a push of 5 new commits (each editing one file) into a bare clone with
#                 the hook installed (`keyhook install --server`), timed by a wrapper
#                 around the hook process | a hook that runs
#                 `git rev-list --objects NEW --not --all` for the same kind of push (both
#                 through the same timing wrapper);
#                 without and then with a commit-graph file (`git commit-graph write`)
#   pre-commit    200 edited files + 1 new file staged in a settled work tree, twice: the
#                 first 200 files in index order, then the first 200 text files |
#                 `git diff --cached --stat`
#   audit-history every object of the repository | `git cat-file --batch-all-objects --batch --unordered`
set -euo pipefail

SRC=${1:?usage: benches/real.sh REPO.git [RUNS]}
RUNS=${2:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/benches/common.sh"
need_time
keyhook_binary
bench_workdir

git clone -q --bare --no-local "$SRC" "$WORK/server.git"
git clone -q "$WORK/server.git" "$WORK/work"
BRANCH=$(git -C "$WORK/work" symbolic-ref --short HEAD)
echo "repository: $SRC — $(git -C "$WORK/server.git" for-each-ref | wc -l) refs," \
    "$(git -C "$WORK/server.git" rev-list --all --count) commits," \
    "$(du -sh "$WORK/server.git" | cut -f1)"

DOORS=${DOORS:-pre-receive pre-commit audit}
want() { [[ " $DOORS " == *" $1 "* ]]; }

# min and median of the numbers on stdin
stats() { sort -n | awk '{a[NR]=$1} END {printf "min %s, median %s", a[1], a[int((NR+1)/2)]}'; }
# wall seconds (ns clock) and peak MiB of a command: "S MIB"
measure() {
    local start end
    start=$(date +%s%N)
    /usr/bin/time -f "%M" -o "$WORK/t" "$@" > /dev/null 2>&1 || true
    end=$(date +%s%N)
    echo "$(( (end - start) / 1000000 )) $(tail -1 "$WORK/t")" \
        | awk '{printf "%.3f %d\n", $1 / 1000, $2 / 1024}'
}

# ---- pre-receive -----------------------------------------------------------------
"$KEYHOOK" install --server "$WORK/server.git" > /dev/null
mv "$WORK/server.git/hooks/pre-receive" "$WORK/hook.keyhook"
cat > "$WORK/hook.timed" <<EOF
#!/bin/sh
s=\$(date +%s%N)
/usr/bin/time -f "%M" -o "$WORK/hook.rss" "$WORK/hook.keyhook"
rc=\$?
echo "\$(( (\$(date +%s%N) - s) / 1000 )) \$(tail -1 "$WORK/hook.rss")" > "$WORK/hook.t"
exit \$rc
EOF
# The floor runs through the same wrapper (date, /usr/bin/time, one shell), so that
# neither side pays a process start the other does not.
cat > "$WORK/hook.revlist" <<EOF
#!/bin/sh
while read old new ref; do git rev-list --objects "\$new" --not --all > /dev/null; done
EOF
sed "s|$WORK/hook.keyhook|$WORK/hook.revlist|" "$WORK/hook.timed" > "$WORK/hook.floor"
chmod +x "$WORK/hook.timed" "$WORK/hook.floor" "$WORK/hook.revlist"
mapfile -t FILES < <(git -C "$WORK/work" ls-files -s | awk '$1 == "100644" && NF == 4 {print $4}' | head -2000)

push_round() { # mode round name -> prints milliseconds (and MiB for keyhook)
    local mode=$1 round=$2 name=$3
    git -C "$WORK/work" reset -q --hard "origin/$BRANCH"
    for c in 1 2 3 4 5; do
        local f=${FILES[$(((round * 97 + c * 131) % ${#FILES[@]}))]}
        echo "// $mode $round $c" >> "$WORK/work/$f"
        git -C "$WORK/work" commit -qam "bench $mode $round $c"
    done
    cp "$WORK/hook.$mode" "$WORK/server.git/hooks/pre-receive"
    git -C "$WORK/work" push -q origin "HEAD:refs/heads/bench-$mode-$name" 2> "$WORK/push.log" \
        || { cat "$WORK/push.log" >&2; exit 1; }
    rm "$WORK/server.git/hooks/pre-receive"
    git -C "$WORK/work" push -q origin --delete "bench-$mode-$name" 2> /dev/null
    if [[ $mode == floor ]]; then
        awk '{printf "%.1f\n", $1 / 1000}' "$WORK/hook.t"
    else
        awk '{printf "%.1f %d\n", $1 / 1000, $2 / 1024}' "$WORK/hook.t"
    fi
}

for graph in without with; do
    want pre-receive || break
    if [[ $graph == with ]]; then
        git -C "$WORK/server.git" commit-graph write --reachable 2> /dev/null
    fi
    : > "$WORK/k" && : > "$WORK/f"
    for round in $(seq 1 "$RUNS"); do
        push_round floor "$round" "$round-$graph" >> "$WORK/f"
        push_round timed "$round" "$round-$graph" >> "$WORK/k"
    done
    echo "pre-receive, 5-commit push, $graph commit-graph: keyhook $(cut -d' ' -f1 "$WORK/k" | stats) ms" \
        "(peak $(cut -d' ' -f2 "$WORK/k" | sort -n | tail -1) MiB) | floor rev-list $(stats < "$WORK/f") ms"
done

# ---- pre-commit ------------------------------------------------------------------
# The work tree as a developer has it: files older than the index. Right after a
# checkout every file is "racily clean" (same second as the index), so `git add -A`
# re-hashes them all and drops most of the cache-tree (all 1,638 folders of cargo's):
# each round waits a second and refreshes the index before editing.
if want pre-commit; then
for selection in listed text; do
    git -C "$WORK/work" reset -q --hard "origin/$BRANCH"
    rm -f "$WORK/work/bench_new_file.rs"
    sleep 1.1
    git -C "$WORK/work" update-index -q --refresh
    if [[ $selection == listed ]]; then
        picks=("${FILES[@]:0:200}")
        label="first 200 files in index order (binaries and archives included)"
    else
        mapfile -t picks < <(git -C "$WORK/work" grep -I -l '' | head -200)
        label="first 200 text files"
    fi
    for f in "${picks[@]}"; do echo "// edited" >> "$WORK/work/$f"; done
    echo "fn main() {}" > "$WORK/work/bench_new_file.rs"
    git -C "$WORK/work" add -A
    : > "$WORK/k" && : > "$WORK/f"
    for _ in $(seq 1 "$RUNS"); do
        (cd "$WORK/work" && measure git diff --cached --stat) | awk '{print $1 * 1000}' >> "$WORK/f"
        (cd "$WORK/work" && measure "$KEYHOOK" pre-commit) | awk '{print $1 * 1000}' >> "$WORK/k"
    done
    echo "pre-commit, $label edited + 1 new file staged: keyhook $(stats < "$WORK/k") ms | floor git diff --cached $(stats < "$WORK/f") ms"
done
fi

# ---- audit-history ---------------------------------------------------------------
want audit || exit 0
: > "$WORK/k" && : > "$WORK/f"
for _ in $(seq 1 "$RUNS"); do
    measure git -C "$WORK/server.git" cat-file --batch-all-objects --batch --unordered >> "$WORK/f"
    measure "$KEYHOOK" audit-history "$WORK/server.git" >> "$WORK/k"
done
echo "audit-history: keyhook $(cut -d' ' -f1 "$WORK/k" | stats) s (peak $(cut -d' ' -f2 "$WORK/k" | sort -n | tail -1) MiB)" \
    "| floor cat-file $(cut -d' ' -f1 "$WORK/f" | stats) s (peak $(cut -d' ' -f2 "$WORK/f" | sort -n | tail -1) MiB)"
if [[ -n "${PEERS:-}" ]]; then
    for peer in betterleaks gitleaks kingfisher; do
        command -v "$peer" > /dev/null || continue
        case $peer in
            kingfisher) args=(scan "$WORK/server.git" --no-validate) ;;
            *) args=(git "$WORK/server.git" --no-banner) ;;
        esac
        read -r s mib < <(measure "$peer" "${args[@]}")
        echo "audit, peer $peer: $s s (peak $mib MiB)"
    done
fi
