# What the bench scripts share; POSIX sh. Source it with ROOT set to the checkout.

# Exits unless /usr/bin/time (peak RSS) is installed.
need_time() {
    if [ ! -x /usr/bin/time ]; then
        echo "error: /usr/bin/time is needed for peak RSS (apt-get install time)" >&2
        exit 2
    fi
}

# Sets KEYHOOK: as given, else a release build of the checkout (built now, so never
# a stale binary).
keyhook_binary() {
    if [ -z "${KEYHOOK:-}" ]; then
        (cd "$ROOT" && cargo build --release --quiet)
        KEYHOOK="${CARGO_TARGET_DIR:-$ROOT/target}/release/keyhook"
    fi
}

# Sets WORK to a temp dir removed on exit, with its own HOME and git identity, so no
# user or system config changes what git does.
bench_workdir() {
    WORK=$(mktemp -d)
    trap 'rm -rf "$WORK"' EXIT
    export HOME="$WORK/home" GIT_CONFIG_NOSYSTEM=1 LC_ALL=C
    export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.com
    export GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.com
    mkdir -p "$HOME"
}
