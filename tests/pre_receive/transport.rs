//! SHA-256 repositories and the git:// transport.

use super::support::{fake_key, redacted, World};

// ---------------------------------------------------------------------------
// SHA-256 repositories
// ---------------------------------------------------------------------------

#[test]
fn sha256_repository_clean_push_is_accepted() {
    let w = World::sha256();
    let head = w.commit(&[("a.txt", "a\n")], "a");
    assert_eq!(head.len(), 64);
    let push = w.push(&["origin", "main"]);
    push.assert_accepted();
    push.assert_remote_contains("refs/heads/main: ok — 1 new commit(s) scanned");
    push.assert_remote_contains("0 findings (0 blocking) in 1 blobs scanned");
}

#[test]
fn sha256_repository_key_is_rejected() {
    let w = World::sha256();
    w.commit(&[("a.txt", "a\n")], "a");
    w.push(&["origin", "main"]).assert_accepted();
    let key = fake_key(19);
    let commit = w.commit(&[("k.py", &format!("KEY = \"{key}\"\n"))], "key");
    let push = w.push(&["origin", "main"]);
    push.assert_rejected();
    push.assert_remote_contains(&format!("k.py @ {} \"key\"", &commit[..10]));
    push.assert_remote_contains(
        "refs/heads/main: rejected — 1 finding(s), 0 forbidden file(s) in 1 new commit(s)",
    );
    push.assert_never_shows(&key);
}

// ---------------------------------------------------------------------------
// ---------------------------------------------------------------------------
// git daemon (git:// transport)
// ---------------------------------------------------------------------------

#[test]
fn git_daemon_clean_push_is_accepted() {
    let w = World::new();
    let daemon = w.daemon();
    w.commit(&[("a.txt", "a\n")], "a");
    let push = w.push(&[&daemon.url(), "main"]);
    push.assert_accepted();
    push.assert_remote_contains("refs/heads/main: ok — 1 new commit(s) scanned");
    push.assert_remote_contains("keyhook: push accepted");
}

#[test]
fn git_daemon_push_with_a_key_is_rejected() {
    let w = World::new();
    let daemon = w.daemon();
    w.commit(&[("a.txt", "a\n")], "a");
    w.push(&[&daemon.url(), "main"]).assert_accepted();
    let key = fake_key(20);
    w.commit(&[("k.py", &format!("KEY = \"{key}\"\n"))], "key");
    let push = w.push(&[&daemon.url(), "main"]);
    push.assert_rejected();
    push.assert_remote_contains(&format!("key      {}", redacted(&key)));
    push.assert_remote_contains("keyhook: push rejected: refs/heads/main blocked");
    push.assert_never_shows(&key);
}

// ---------------------------------------------------------------------------

/// Issue 13: a test's `git daemon` ends with the test, wrapper and daemon alike
/// (killing only the `git` wrapper left `git-daemon` running after every run).
#[test]
fn git_daemon_leaves_no_process_behind() {
    let w = World::new();
    let mut daemon = w.daemon();
    let pgid = daemon.process_group();
    // SAFETY: kill(2) with signal 0 only asks whether the group has a process.
    let alive = |pgid: i32| unsafe { libc::kill(-pgid, 0) } == 0;
    assert!(alive(pgid), "the daemon runs in its own process group");
    drop(daemon);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while alive(pgid) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        !alive(pgid),
        "a process of the daemon's group outlived the test"
    );
}
