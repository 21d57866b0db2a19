#!/usr/bin/env bash
# Issue 4, target (b): the first push of a whole history through keyhook's pre-receive
# hook, against `keyhook audit-history` of the same repository, in the same run.
#
# Usage: benches/first_push.sh REPO [REF]
#   REPO  an existing repository (e.g. the one benches/history.sh builds)
#   REF   the branch to push (default: main)
# Prints the hook's own time ("push accepted (N ms)") and peak RSS, then the same for
# `keyhook audit-history` of the repository and for `keyhook pre-push` of REF to a new
# remote (what runs on the laptop before that push). Nothing is asserted.
set -euo pipefail
repo=$(cd "$1" && pwd)
ref=${2:-main}
root=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --locked --quiet --manifest-path "$root/Cargo.toml"
keyhook="${CARGO_TARGET_DIR:-$root/target}/release/keyhook"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

git init -q --bare "$work/server.git"
"$keyhook" install --server "$work/server.git" > /dev/null
# The server scans the whole history: lift the time budget, and let forbidden test
# fixtures of real crates (*.pem, …) and their test private keys through so the push
# completes (the scan itself still reads every blob).
cat > "$work/server.git/keyhook.toml" <<'TOML'
disable = ["private-key-pem"]
[pre_receive]
timeout = 3600.0
[forbidden_files]
allow = ["*"]
TOML
# Measure the hook process itself: wrap it with /usr/bin/time.
mv "$work/server.git/hooks/pre-receive" "$work/server.git/hooks/pre-receive.real"
cat > "$work/server.git/hooks/pre-receive" <<HOOK
#!/bin/sh
exec /usr/bin/time -f "hook: %e s wall, peak RSS %M KiB" "$work/server.git/hooks/pre-receive.real"
HOOK
chmod +x "$work/server.git/hooks/pre-receive"

commits=$(git -C "$repo" rev-list --count "$ref")
echo "first push of $ref ($commits commits) into an empty server repository:"
git -C "$repo" push -q "$work/server.git" "$ref:refs/heads/$ref" 2>&1 | grep -E "hook:|push accepted|push rejected|summary|scanned" || true

echo "keyhook audit-history of the same repository (every ref):"
/usr/bin/time -f "audit: %e s wall, peak RSS %M KiB" "$keyhook" audit-history --quiet --format json -o /dev/null "$repo" || true

echo "keyhook pre-push of the same ref to a new remote (what leaves the laptop):"
tip=$(git -C "$repo" rev-parse "$ref")
zero=$(git -C "$repo" rev-parse "$ref" | tr '0-9a-f' '0')
printf 'refs/heads/%s %s refs/heads/%s %s\n' "$ref" "$tip" "$ref" "$zero" |
  (cd "$repo" && /usr/bin/time -f "pre-push: %e s wall, peak RSS %M KiB" \
    "$keyhook" --config "$work/server.git/keyhook.toml" pre-push origin file:///nowhere 2>&1) |
  grep -E "pre-push|scanned" || true
