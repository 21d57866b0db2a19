//! The time budget, the failure policy and malformed input.

use super::support::World;

/// 400 commits of 200 lines each: more than a 1 ms budget can scan. Returns the tip.
fn long_push(w: &World) -> String {
    w.fast_import(400, |i| {
        (
            format!("f{i:03}.txt"),
            format!("line {i}\n").repeat(200),
            format!("commit {i}"),
        )
    })
}

// ---------------------------------------------------------------------------
// Time budget and failure policy
// ---------------------------------------------------------------------------

#[test]
fn timeout_with_on_error_reject_rejects_and_says_why() {
    let w = World::new();
    w.write_server_config("[pre_receive]\ntimeout = 0.001\non_error = \"reject\"\n");
    long_push(&w);

    let push = w.push(&["origin", "main"]);
    push.assert_rejected();
    push.assert_remote_contains(
        "push rejected (on_error = \"reject\"): the scan did not finish within its",
    );
    push.assert_remote_contains("(pre_receive.timeout)");
    assert_eq!(w.server_ref("refs/heads/main"), None);
}

#[test]
fn timeout_with_on_error_accept_accepts_and_says_the_scan_was_incomplete() {
    let w = World::new();
    w.write_server_config("[pre_receive]\ntimeout = 0.001\non_error = \"accept\"\n");
    let head = long_push(&w);

    let push = w.push(&["origin", "main"]);
    push.assert_accepted();
    push.assert_remote_contains(
        "push accepted WITHOUT a complete scan (on_error = \"accept\"): the scan did not finish within its",
    );
    assert_eq!(
        w.server_ref("refs/heads/main").as_deref(),
        Some(head.as_str())
    );
}

#[test]
fn timeout_reason_names_the_configured_budget() {
    let w = World::new();
    w.write_server_config("[pre_receive]\ntimeout = 0.001\non_error = \"reject\"\n");
    long_push(&w);

    let push = w.push(&["origin", "main"]);
    push.assert_rejected();
    push.assert_remote_contains("the scan did not finish within its 0.001 s budget");
}

#[test]
fn broken_server_config_rejects_the_push_naming_the_spot() {
    let w = World::new();
    w.write_server_config("max_file_size = 10\nfrobnicate = 1\n");
    w.commit(&[("a.txt", "a\n")], "a");

    let push = w.push(&["origin", "main"]);
    push.assert_rejected();
    push.assert_remote_contains("keyhook.toml:2:1:");
    assert_eq!(w.server_ref("refs/heads/main"), None);
}

#[test]
fn malformed_stdin_is_rejected_naming_the_line() {
    let w = World::new();
    let zero = "0".repeat(40);
    let some = "a".repeat(40);
    for (stdin, line) in [
        ("garbage\n".to_string(), "line 1"),
        (
            format!("{zero} {some} refs/heads/main\n{some} not-an-id refs/heads/x\n"),
            "line 2",
        ),
        (format!("{zero} {some}\n"), "line 1"),
    ] {
        let out = w.keyhook_in_server(&["pre-receive"], &stdin, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success()
                && stderr.contains(&format!("malformed pre-receive input on {line}"))
                && stderr.contains("expected `<old-oid> <new-oid> <ref>`"),
            "stdin {stdin:?}: expected a non-zero exit naming {line}\nstatus: {}\nstdout:\n{}\nstderr:\n{stderr}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
        );
    }
}

// ---------------------------------------------------------------------------
