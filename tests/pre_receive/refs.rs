//! Which commits are new: branches, tags, deletions, force pushes.

use super::support::{fake_key, redacted, World};

// ---------------------------------------------------------------------------
// Which commits are new: branches, tags, deletions, force pushes
// ---------------------------------------------------------------------------

#[test]
fn new_branch_scans_only_the_commits_it_adds() {
    let w = World::new();
    w.commit(&[("a.txt", "a\n")], "a");
    w.commit(&[("b.txt", "b\n")], "b");
    w.push(&["origin", "main"]).assert_accepted();
    w.git(&["checkout", "-q", "-b", "feature"]);
    w.commit(&[("c.txt", "c\n")], "c");
    w.commit(&[("d.txt", "d\n")], "d");

    let push = w.push(&["origin", "feature"]);
    push.assert_accepted();
    push.assert_remote_contains("refs/heads/feature: created");
    push.assert_remote_contains("refs/heads/feature: ok — 2 new commit(s) scanned");
    push.assert_remote_contains("0 findings (0 blocking) in 2 blobs scanned");
}

#[test]
fn new_branch_with_a_key_is_rejected() {
    let w = World::new();
    w.commit(&[("a.txt", "a\n")], "a");
    w.push(&["origin", "main"]).assert_accepted();
    w.git(&["checkout", "-q", "-b", "feature"]);
    let key = fake_key(4);
    w.commit(
        &[("feature.py", &format!("KEY = \"{key}\"\n"))],
        "key on a branch",
    );

    let push = w.push(&["origin", "feature"]);
    push.assert_rejected();
    push.assert_remote_contains(
        "refs/heads/feature: rejected — 1 finding(s), 0 forbidden file(s) in 1 new commit(s)",
    );
    push.assert_never_shows(&key);
    assert_eq!(w.server_ref("refs/heads/feature"), None);
}

#[test]
fn branch_pointing_at_existing_commits_scans_nothing() {
    let w = World::new();
    w.commit(&[("a.txt", "a\n")], "a");
    w.commit(&[("b.txt", "b\n")], "b");
    w.commit(&[("c.txt", "c\n")], "c");
    w.push(&["origin", "main"]).assert_accepted();

    let push = w.push(&["origin", "main~1:refs/heads/old"]);
    push.assert_accepted();
    push.assert_remote_contains("refs/heads/old: created");
    push.assert_remote_contains("refs/heads/old: ok — 0 new commit(s) scanned");
    push.assert_remote_contains("0 findings (0 blocking) in 0 blobs scanned");

    // An existing branch moved back to an older commit: nothing new either.
    let push = w.push(&["--force", "origin", "main~2:refs/heads/main"]);
    push.assert_accepted();
    push.assert_remote_contains("refs/heads/main: ok — 0 new commit(s) scanned");
    push.assert_remote_contains("0 findings (0 blocking) in 0 blobs scanned");
}

#[test]
fn lightweight_tag_of_a_pushed_commit_scans_nothing() {
    let w = World::new();
    w.commit(&[("a.txt", "a\n")], "a");
    w.push(&["origin", "main"]).assert_accepted();
    w.git(&["tag", "v1"]);

    let push = w.push(&["origin", "v1"]);
    push.assert_accepted();
    push.assert_remote_contains("refs/tags/v1: created");
    push.assert_remote_contains("refs/tags/v1: ok — 0 new commit(s) scanned");
    push.assert_remote_contains("in 0 blobs scanned");
    assert!(w.server_ref("refs/tags/v1").is_some());
}

#[test]
fn annotated_tag_of_a_pushed_commit_scans_nothing() {
    let w = World::new();
    w.commit(&[("a.txt", "a\n")], "a");
    w.push(&["origin", "main"]).assert_accepted();
    w.git(&["tag", "-a", "v1", "-m", "release 1"]);

    let push = w.push(&["origin", "v1"]);
    push.assert_accepted();
    push.assert_remote_contains("refs/tags/v1: ok — 0 new commit(s) scanned");
    push.assert_remote_contains("in 0 blobs scanned");
    assert!(w.server_ref("refs/tags/v1").is_some());
}

#[test]
fn annotated_tag_of_a_new_commit_with_a_key_is_rejected() {
    let w = World::new();
    w.commit(&[("a.txt", "a\n")], "a");
    w.push(&["origin", "main"]).assert_accepted();
    // The key commit is on no branch the server has: only the tag brings it.
    w.git(&["checkout", "-q", "--detach"]);
    let key = fake_key(5);
    let commit = w.commit(
        &[("release.py", &format!("KEY = \"{key}\"\n"))],
        "release build",
    );
    w.git(&["tag", "-a", "v2", "-m", "release 2"]);

    let push = w.push(&["origin", "v2"]);
    push.assert_rejected();
    push.assert_remote_contains(&format!("release.py @ {} \"release build\"", &commit[..10]));
    push.assert_remote_contains(
        "refs/tags/v2: rejected — 1 finding(s), 0 forbidden file(s) in 1 new commit(s)",
    );
    push.assert_output_contains("[remote rejected] v2 -> v2 (pre-receive hook declined)");
    push.assert_never_shows(&key);
    assert!(!w.server_has_object(&commit));
}

#[test]
fn lightweight_tag_of_a_new_commit_with_a_key_is_rejected() {
    let w = World::new();
    w.commit(&[("a.txt", "a\n")], "a");
    w.push(&["origin", "main"]).assert_accepted();
    w.git(&["checkout", "-q", "--detach"]);
    let key = fake_key(6);
    w.commit(
        &[("release.py", &format!("KEY = \"{key}\"\n"))],
        "release build",
    );
    w.git(&["tag", "v2"]);

    let push = w.push(&["origin", "v2"]);
    push.assert_rejected();
    push.assert_remote_contains("refs/tags/v2: rejected — 1 finding(s)");
    push.assert_never_shows(&key);
}

#[test]
fn tag_of_a_tree_with_a_key_is_rejected() {
    let w = World::new();
    w.commit(&[("a.txt", "a\n")], "a");
    w.push(&["origin", "main"]).assert_accepted();
    let key = fake_key(23);
    std::fs::create_dir_all(w.client.join("t")).unwrap();
    std::fs::write(w.client.join("t/secret.py"), format!("KEY = \"{key}\"\n")).unwrap();
    w.git(&["add", "t"]);
    let tree = w.git(&["write-tree"]);
    w.git(&["reset", "-q"]);
    w.git(&["tag", "-a", "annotated-tree", "-m", "a tree", &tree]);

    for refspec in [
        format!("{tree}:refs/tags/tree"),
        "annotated-tree".to_string(),
    ] {
        let push = w.push(&["origin", &refspec]);
        push.assert_rejected();
        push.assert_remote_contains(&redacted(&key));
        push.assert_never_shows(&key);
    }
    let blob = w.git(&["rev-parse", &format!("{tree}:t/secret.py")]);
    assert!(
        !w.server_has_object(&blob),
        "the key's blob reached the server"
    );
}

#[test]
fn branch_deletion_is_accepted_and_scans_nothing() {
    let w = World::new();
    w.commit(&[("a.txt", "a\n")], "a");
    w.git(&["branch", "feature"]);
    w.push(&["origin", "main", "feature"]).assert_accepted();

    let push = w.push(&["origin", "--delete", "feature"]);
    push.assert_accepted();
    push.assert_remote_contains("refs/heads/feature: deleted, nothing to scan");
    push.assert_remote_contains("in 0 blobs scanned");
    assert_eq!(w.server_ref("refs/heads/feature"), None);
}

#[test]
fn force_push_that_drops_the_key_commit_is_accepted() {
    let w = World::new();
    let base = w.commit(&[("a.txt", "a\n")], "a");
    w.commit(&[("b.txt", "b\n")], "b");
    w.push(&["origin", "main"]).assert_accepted();
    let key = fake_key(7);
    w.commit(&[("c.py", &format!("KEY = \"{key}\"\n"))], "oops");
    w.push(&["origin", "main"]).assert_rejected();

    // Rewrite: drop "b" and the key commit, add a clean one, force-push.
    w.git(&["reset", "-q", "--hard", &base]);
    let fixed = w.commit(
        &[("c.py", "import os\nKEY = os.environ['OPENAI_API_KEY']\n")],
        "read key from env",
    );
    let push = w.push(&["--force", "origin", "main"]);
    push.assert_accepted();
    push.assert_remote_contains("refs/heads/main: ok — 1 new commit(s) scanned");
    push.assert_remote_contains("0 findings (0 blocking) in 1 blobs scanned");
    assert_eq!(
        w.server_ref("refs/heads/main").as_deref(),
        Some(fixed.as_str())
    );
}

#[test]
fn two_refs_with_the_same_new_commits_are_scanned_once() {
    let w = World::new();
    w.commit(&[("a.txt", "a\n")], "a");
    w.commit(&[("b.txt", "b\n")], "b");
    w.commit(&[("c.txt", "c\n")], "c");
    w.git(&["branch", "feature"]);

    let push = w.push(&["origin", "main", "feature"]);
    push.assert_accepted();
    push.assert_remote_contains("refs/heads/main: ok — 3 new commit(s) scanned");
    push.assert_remote_contains("refs/heads/feature: ok — 3 new commit(s) scanned");
    push.assert_remote_contains("0 findings (0 blocking) in 3 blobs scanned");
}

#[test]
fn key_in_commits_shared_by_two_refs_is_reported_once_and_blocks_both() {
    let w = World::new();
    w.commit(&[("a.txt", "a\n")], "a");
    let key = fake_key(8);
    w.commit(&[("k.py", &format!("KEY = \"{key}\"\n"))], "key");
    w.git(&["branch", "feature"]);

    let push = w.push(&["origin", "main", "feature"]);
    push.assert_rejected();
    push.assert_remote_contains(
        "refs/heads/main: rejected — 1 finding(s), 0 forbidden file(s) in 2 new commit(s)",
    );
    push.assert_remote_contains(
        "refs/heads/feature: rejected — 1 finding(s), 0 forbidden file(s) in 2 new commit(s)",
    );
    push.assert_remote_contains("BLOCKED — 1 finding (1 blocking) in 2 blobs scanned");
    let shown = push.remote().matches(&redacted(&key)).count();
    assert_eq!(shown, 1, "the finding must be listed once\n{push}");
}

#[test]
fn key_added_then_removed_within_one_push_is_rejected() {
    let w = World::new();
    w.commit(&[("a.txt", "a\n")], "a");
    w.push(&["origin", "main"]).assert_accepted();
    let key = fake_key(21);
    let leaked = w.commit(&[("app.py", &format!("KEY = \"{key}\"\n"))], "add key");
    w.commit(
        &[("app.py", "import os\nKEY = os.environ['OPENAI_API_KEY']\n")],
        "remove key",
    );

    // The tip is clean, but the history being pushed holds the key.
    let push = w.push(&["origin", "main"]);
    push.assert_rejected();
    push.assert_remote_contains(&format!("app.py @ {} \"add key\"", &leaked[..10]));
    push.assert_remote_contains(
        "refs/heads/main: rejected — 1 finding(s), 0 forbidden file(s) in 2 new commit(s)",
    );
    push.assert_never_shows(&key);
}

#[test]
fn key_commit_cherry_picked_onto_two_new_branches_names_both_refs() {
    let w = World::new();
    w.commit(&[("a.txt", "a\n")], "a");
    w.push(&["origin", "main"]).assert_accepted();
    let key = fake_key(22);
    w.git(&["checkout", "-q", "-b", "left"]);
    w.commit(&[("left.txt", "l\n")], "left work");
    w.commit(&[("k.py", &format!("KEY = \"{key}\"\n"))], "key");
    w.git(&["checkout", "-q", "-b", "right", "main"]);
    w.commit(&[("right.txt", "r\n")], "right work");
    w.git(&["cherry-pick", "left"]);

    // Two different commits bring the same (blob, path): both refs hold the key.
    let push = w.push(&["origin", "left", "right"]);
    push.assert_rejected();
    push.assert_remote_contains("refs/heads/left: rejected — 1 finding(s)");
    push.assert_remote_contains("refs/heads/right: rejected — 1 finding(s)");
}

// ---------------------------------------------------------------------------
