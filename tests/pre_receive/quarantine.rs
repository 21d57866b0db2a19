//! The push quarantine: the hook sees objects that are not yet in the repository.

use super::support::{fake_key, redacted, World};

// ---------------------------------------------------------------------------
// Quarantine
// ---------------------------------------------------------------------------

/// Proves the scan reads git's quarantine: the key is found (its redacted form is
/// printed, which needs the blob's bytes) although the blob is never in the
/// repository's own object store, before or after the push.
#[test]
fn scan_reads_quarantined_objects_that_never_reach_the_repository() {
    let w = World::new();
    w.commit(&[("a.txt", "a\n")], "a");
    w.push(&["origin", "main"]).assert_accepted();
    let key = fake_key(17);
    let commit = w.commit(&[("secret.py", &format!("KEY = \"{key}\"\n"))], "key");
    let blob = w.git(&["rev-parse", "HEAD:secret.py"]);

    let push = w.push(&["origin", "main"]);
    push.assert_rejected();
    push.assert_remote_contains(&format!("key      {}", redacted(&key)));
    assert!(
        !w.server_has_object(&blob),
        "the rejected blob must not be in the repository"
    );
    assert!(
        !w.server_has_object(&commit),
        "the rejected commit must not be in the repository"
    );
}

#[test]
fn hook_run_without_the_quarantine_cannot_read_the_push_and_fails_closed() {
    let w = World::new();
    let old = w.commit(&[("a.txt", "a\n")], "a");
    w.push(&["origin", "main"]).assert_accepted();
    let key = fake_key(18);
    let new = w.commit(&[("secret.py", &format!("KEY = \"{key}\"\n"))], "key");
    w.push(&["origin", "main"]).assert_rejected();

    // Same stdin as git gave the hook, but no GIT_QUARANTINE_PATH: the objects are
    // not in the repository, so the scan cannot run and the push is refused
    // whatever on_error says (objects keyhook cannot read select no accept path).
    let out = w.keyhook_in_server(
        &["pre-receive"],
        &format!("{old} {new} refs/heads/main\n"),
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && stderr.contains("push rejected: ")
            && stderr.contains("on_error does not apply")
            && stderr.contains(&new),
        "expected a fail-closed error naming {new}\nstatus: {}\nstdout:\n{}\nstderr:\n{stderr}",
        out.status,
        String::from_utf8_lossy(&out.stdout)
    );
}

// ---------------------------------------------------------------------------
