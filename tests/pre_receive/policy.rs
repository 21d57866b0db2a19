//! Policy belongs to the server: its config and baseline, never the pushed tree.

use super::support::{fake_key, fingerprint, redacted, World};

// ---------------------------------------------------------------------------
// Policy belongs to the server
// ---------------------------------------------------------------------------

#[test]
fn pushed_keyhook_toml_that_disables_rules_has_no_effect() {
    let w = World::new();
    let key = fake_key(10);
    w.commit(
        &[
            (
                "keyhook.toml",
                "disable = [\"openai-project-key\"]\n\n[allowlist]\npaths = [\"**\"]\n\n[pre_receive]\non_error = \"accept\"\ntimeout = 0.001\n",
            ),
            ("app.py", &format!("KEY = \"{key}\"\n")),
        ],
        "switch the scan off",
    );
    let push = w.push(&["origin", "main"]);
    push.assert_rejected();
    push.assert_remote_contains(&redacted(&key));
    push.assert_remote_contains("refs/heads/main: rejected — 1 finding(s)");
}

#[test]
fn server_keyhook_toml_in_the_git_dir_is_the_policy() {
    let w = World::new();
    w.write_server_config("[forbidden_files]\nadd = [\"*.secret\"]\n");
    w.commit(&[("db.secret", "password=hunter2\n")], "add db secret");

    let push = w.push(&["origin", "main"]);
    push.assert_rejected();
    push.assert_remote_contains("db.secret");
    push.assert_remote_contains("(matches `*.secret`)");
}

#[test]
fn server_config_named_by_git_config_keyhook_config_is_the_policy() {
    let w = World::new();
    let policy = w.root.join("policy").join("server.toml");
    std::fs::create_dir_all(policy.parent().unwrap()).unwrap();
    std::fs::write(&policy, "disable = [\"openai-project-key\"]\n").unwrap();
    w.server_git(&["config", "keyhook.config", policy.to_str().unwrap()]);
    let key = fake_key(11);
    w.commit(
        &[("app.py", &format!("KEY = \"{key}\"\n"))],
        "key the server tolerates",
    );

    let push = w.push(&["origin", "main"]);
    push.assert_accepted();
    push.assert_remote_contains("0 findings (0 blocking) in 1 blobs scanned");
}

#[test]
fn server_baseline_of_the_fingerprint_is_accepted() {
    let w = World::new();
    let key = fake_key(12);
    std::fs::write(
        w.server.join("baseline.json"),
        format!(
            "{{\"keyhook_baseline\": 1, \"findings\": [{{\"rule\": \"openai-project-key\", \"fingerprint\": \"{}\"}}]}}\n",
            fingerprint(&key)
        ),
    )
    .unwrap();
    w.write_server_config("baseline = \"baseline.json\"\n");
    w.commit(
        &[("app.py", &format!("KEY = \"{key}\"\n"))],
        "known, revoked key",
    );

    let push = w.push(&["origin", "main"]);
    push.assert_accepted();
    push.assert_remote_contains("1 in baseline");
    push.assert_never_shows(&key);
}

// ---------------------------------------------------------------------------
