//! Pushes accepted and rejected, every ref of a push scanned.

use super::support::{fake_key, fingerprint, redacted, World};

// ---------------------------------------------------------------------------
// Accept and reject
// ---------------------------------------------------------------------------

#[test]
fn clean_push_is_accepted() {
    let w = World::new();
    let head = w.commit(&[("src/app.py", "print('hello')\n")], "first");
    let push = w.push(&["origin", "main"]);
    push.assert_accepted();
    push.assert_remote_contains("refs/heads/main: created");
    push.assert_remote_contains("refs/heads/main: ok — 1 new commit(s) scanned");
    push.assert_remote_contains(
        "keyhook pre-receive: ok — 0 findings (0 blocking) in 1 blobs scanned",
    );
    push.assert_remote_contains("keyhook: push accepted");
    assert_eq!(
        w.server_ref("refs/heads/main").as_deref(),
        Some(head.as_str())
    );
}

#[test]
fn key_in_newest_commit_is_rejected_and_shown_redacted() {
    let w = World::new();
    w.commit(&[("README.md", "# app\n")], "first");
    w.push(&["origin", "main"]).assert_accepted();
    let before = w.server_ref("refs/heads/main");

    let key = fake_key(1);
    let head = w.commit(
        &[("config.py", &format!("import os\n\nkey = \"{key}\"\n"))],
        "add OpenAI client",
    );
    let push = w.push(&["origin", "main"]);
    push.assert_rejected();
    push.assert_output_contains("[remote rejected] main -> main (pre-receive hook declined)");
    // What, where, which commit, the redacted key and its fingerprint, the fix.
    for needle in [
        &format!("config.py @ {} \"add OpenAI client\"", &head[..10]),
        "3:8  openai-project-key  OpenAI",
        &format!(
            "key      {}  fingerprint {}",
            redacted(&key),
            &fingerprint(&key)[..12]
        ),
        &format!("commit   {} \"add OpenAI client\"", &head[..10]),
        "revoke   https://platform.openai.com/api-keys",
        "The key has left your machine: revoke it at the provider now",
        "git commit --amend, git rebase -i, or git filter-repo",
        "refs/heads/main: rejected — 1 finding(s), 0 forbidden file(s) in 1 new commit(s)",
        "keyhook pre-receive: BLOCKED — 1 finding (1 blocking) in 1 blobs scanned",
        "keyhook: push rejected: refs/heads/main blocked",
    ] {
        push.assert_remote_contains(needle);
    }
    push.assert_never_shows(&key);
    assert_eq!(
        w.server_ref("refs/heads/main"),
        before,
        "the ref must not move"
    );
}

#[test]
fn key_in_commit_25_of_a_50_commit_push_is_rejected() {
    let w = World::new();
    let key = fake_key(2);
    w.fast_import(50, |i| {
        let content = if i == 25 {
            format!("OPENAI_API_KEY = \"{key}\"\n")
        } else {
            format!("value = {i}\n")
        };
        (
            format!("mod{i:02}/settings.py"),
            content,
            format!("commit {i}"),
        )
    });
    let commit25 = w.git(&["rev-parse", "main~25"]);
    let push = w.push(&["origin", "main"]);
    push.assert_rejected();
    push.assert_remote_contains(&format!(
        "mod25/settings.py @ {} \"commit 25\"",
        &commit25[..10]
    ));
    push.assert_remote_contains(&redacted(&key));
    push.assert_remote_contains(
        "refs/heads/main: rejected — 1 finding(s), 0 forbidden file(s) in 50 new commit(s)",
    );
    push.assert_remote_contains("1 finding (1 blocking) in 50 blobs scanned");
    push.assert_never_shows(&key);
    assert_eq!(w.server_ref("refs/heads/main"), None);
}

#[test]
fn every_ref_of_a_push_is_scanned_not_only_the_first() {
    let w = World::new();
    w.commit(&[("README.md", "# app\n")], "first");
    w.push(&["origin", "main"]).assert_accepted();
    w.git(&["checkout", "-q", "-b", "feature"]);
    let key = fake_key(3);
    w.commit(
        &[("feature.py", &format!("k = '{key}'\n"))],
        "feature with key",
    );
    w.git(&["checkout", "-q", "main"]);
    w.commit(&[("main.py", "x = 1\n")], "clean main");

    let push = w.push(&["origin", "main", "feature"]);
    push.assert_rejected();
    push.assert_remote_contains("refs/heads/main: ok — 1 new commit(s) scanned");
    push.assert_remote_contains("refs/heads/feature: rejected — 1 finding(s)");
    push.assert_output_contains("[remote rejected] feature -> feature (pre-receive hook declined)");
}

// ---------------------------------------------------------------------------
