#!/usr/bin/env bash
# Times `keyhook pre-commit` on the change the issue names — 200 edited files plus one
# new file holding a key — staged in a repository of N source files, for two sizes,
# to show the cost follows the staged bytes and not the repository size.
#
# Usage: benches/pre_commit.sh [SMALL_FILES] [LARGE_FILES] [RUNS]   (default 3000 12000 15)
# Source text: the crate sources under ~/.cargo/registry/src (real code).
set -euo pipefail
small=${1:-3000}
large=${2:-12000}
runs=${3:-15}
root=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --locked --manifest-path "$root/Cargo.toml" >&2
keyhook="${CARGO_TARGET_DIR:-$root/target}/release/keyhook"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mapfile -t sources < <(find "$HOME"/.cargo/registry/src -name '*.rs' -size -64k | sort)
if [ "${#sources[@]}" -lt 1000 ]; then
  echo "need source text under ~/.cargo/registry/src, found ${#sources[@]} .rs files (run cargo fetch)" >&2
  exit 2
fi

key="sk-proj-$(head -c 300 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9' | head -c 74)T3BlbkFJ$(head -c 300 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9' | head -c 74)"

build_repo() { # dir files
  local dir=$1 n=$2
  git init -q -b main "$dir"
  # Real files, reused in turn when the repository is larger than the corpus.
  for i in $(seq 0 $((n - 1))); do
    mkdir -p "$dir/src/$((i / 100))"
    cp "${sources[$((i % ${#sources[@]}))]}" "$dir/src/$((i / 100))/f$i.rs"
  done
  git -C "$dir" add -A
  git -C "$dir" -c user.name=b -c user.email=b@b commit -qm base
  # The change: 200 edited files (a line appended to each) and one new file with a key.
  for i in $(seq 0 199); do
    echo "// edited $i" >> "$dir/src/$((i / 100))/f$i.rs"
  done
  printf 'import os\nOPENAI_API_KEY = "%s"\n' "$key" > "$dir/new_client.py"
  git -C "$dir" add -A
}

median_ms() { # dir
  local dir=$1 times=()
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s%N)
    (cd "$dir" && "$keyhook" pre-commit > /dev/null) || true
    t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}'
}

for n in "$small" "$large"; do
  build_repo "$work/repo$n" "$n"
  staged_bytes=$(git -C "$work/repo$n" diff --cached --numstat | wc -l)
  (cd "$work/repo$n" && "$keyhook" pre-commit > /dev/null) && { echo "expected the key to block" >&2; exit 1; } || true
  echo "repo of $n files, $staged_bytes staged files: keyhook pre-commit median $(median_ms "$work/repo$n") ms over $runs runs"
done
