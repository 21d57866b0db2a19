//! What a commit brings: merges, forbidden files, LFS pointers and symlinks.

use super::support::{fake_key, World};

// ---------------------------------------------------------------------------
// Merges
// ---------------------------------------------------------------------------

#[test]
fn merge_whose_conflict_resolution_adds_a_key_is_rejected() {
    let w = World::new();
    w.commit(&[("app.py", "value = 1\n")], "base");
    w.git(&["checkout", "-q", "-b", "left"]);
    w.commit(&[("app.py", "value = 2\n")], "left");
    w.git(&["checkout", "-q", "-b", "right", "main"]);
    w.commit(&[("app.py", "value = 3\n")], "right");
    w.push(&["origin", "main", "left", "right"])
        .assert_accepted();

    w.git(&["checkout", "-q", "left"]);
    let merge = w.git_output(&["merge", "right"]);
    assert!(!merge.status.success(), "the merge must conflict");
    let key = fake_key(9);
    let merge = w.commit(
        &[("app.py", &format!("value = 4\nKEY = \"{key}\"\n"))],
        "Merge right into left",
    );
    assert_eq!(
        w.git(&["rev-list", "--parents", "-n1", "HEAD"])
            .split(' ')
            .count(),
        3
    );

    let push = w.push(&["origin", "left"]);
    push.assert_rejected();
    push.assert_remote_contains(&format!(
        "app.py @ {} \"Merge right into left\"",
        &merge[..10]
    ));
    push.assert_remote_contains("2:8  openai-project-key");
    push.assert_remote_contains(
        "refs/heads/left: rejected — 1 finding(s), 0 forbidden file(s) in 1 new commit(s)",
    );
    push.assert_never_shows(&key);
}

#[test]
fn merge_of_an_already_pushed_branch_is_accepted() {
    let w = World::new();
    w.commit(&[("a.txt", "a\n")], "a");
    w.git(&["checkout", "-q", "-b", "feature"]);
    w.commit(&[("b.txt", "b\n")], "b");
    w.push(&["origin", "main", "feature"]).assert_accepted();
    w.git(&["checkout", "-q", "main"]);
    w.git(&["merge", "-q", "--no-ff", "-m", "Merge feature", "feature"]);

    let push = w.push(&["origin", "main"]);
    push.assert_accepted();
    push.assert_remote_contains("refs/heads/main: ok — 1 new commit(s) scanned");
    push.assert_remote_contains("0 findings (0 blocking) in 0 blobs scanned");
}

// ---------------------------------------------------------------------------
// ---------------------------------------------------------------------------
// Forbidden files
// ---------------------------------------------------------------------------

#[test]
fn dot_env_added_by_a_commit_is_rejected() {
    let w = World::new();
    w.commit(&[("a.txt", "a\n")], "a");
    w.push(&["origin", "main"]).assert_accepted();
    let commit = w.commit(&[("deploy/.env", "DEBUG=true\n")], "add env");

    let push = w.push(&["origin", "main"]);
    push.assert_rejected();
    push.assert_remote_contains("Files that must not be committed:");
    push.assert_remote_contains(&format!(
        "deploy/.env in {} \"add env\"  (matches `.env`)",
        &commit[..10]
    ));
    push.assert_remote_contains(
        "refs/heads/main: rejected — 0 finding(s), 1 forbidden file(s) in 1 new commit(s)",
    );
    push.assert_remote_contains("1 forbidden file");
}

// ---------------------------------------------------------------------------
// LFS pointers and symlinks
// ---------------------------------------------------------------------------

#[test]
fn pushed_lfs_pointer_is_counted_as_skipped_and_a_symlink_is_scanned() {
    lfs_pointer_is_skipped_and_symlink_scanned(&World::new());
}

#[test]
fn pushed_blob_over_max_file_size_is_counted_as_skipped() {
    blob_over_max_file_size_is_skipped(&World::new());
}

/// Pushes an LFS pointer and a symlink to it: the pointer is counted as skipped, the
/// link's target text is scanned. Shared with the packed-push tests.
pub(super) fn lfs_pointer_is_skipped_and_symlink_scanned(w: &World) {
    w.commit(&[("model.bin", crate::util::LFS_POINTER)], "pointer");
    std::os::unix::fs::symlink("model.bin", w.client.join("model-link")).unwrap();
    w.commit(&[], "link");

    let push = w.push(&["origin", "main"]);
    push.assert_accepted();
    push.assert_remote_contains("in 1 blobs scanned · 1 skipped (lfs-pointer 1)");
}

/// Pushes a blob over the server's `max_file_size`: skipped and counted. Shared with
/// the packed-push tests.
pub(super) fn blob_over_max_file_size_is_skipped(w: &World) {
    w.write_server_config("max_file_size = 200\n");
    w.commit(
        &[("data/big.csv", &"a,b,c\n".repeat(100)), ("a.txt", "a\n")],
        "big file",
    );

    let push = w.push(&["origin", "main"]);
    push.assert_accepted();
    push.assert_remote_contains("in 1 blobs scanned · 1 skipped (too-large 1)");
}
