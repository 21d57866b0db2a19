//! Bypass with a push option, and its audit log.

use super::support::{fake_key, fingerprint, redacted, World};

// ---------------------------------------------------------------------------
// Bypass with a trail
// ---------------------------------------------------------------------------

#[test]
fn install_leaves_push_options_off_when_bypass_is_disabled() {
    let w = World::new();
    let advertised = w.server_git_output(&["config", "--get", "receive.advertisePushOptions"]);
    assert!(
        !advertised.status.success(),
        "receive.advertisePushOptions must stay unset by default: {}",
        String::from_utf8_lossy(&advertised.stdout)
    );
}

#[test]
fn bypass_option_is_ignored_when_disabled() {
    let w = World::new();
    // Push options on for some other reason; keyhook's bypass still off (default).
    w.server_git(&["config", "receive.advertisePushOptions", "true"]);
    let key = fake_key(13);
    w.commit(&[("app.py", &format!("KEY = \"{key}\"\n"))], "key");
    let option = format!("keyhook.allow={}", fingerprint(&key));

    let push = w.push(&["-o", &option, "origin", "main"]);
    push.assert_rejected();
    push.assert_remote_contains(
        "push option keyhook.allow ignored: bypass is disabled on this server (pre_receive.allow_push_option_bypass)",
    );
    push.assert_remote_contains("refs/heads/main: rejected — 1 finding(s)");
    assert!(!w.server.join("keyhook-audit.jsonl").exists());
}

#[test]
fn bypass_option_lets_the_finding_through_and_writes_the_audit_log() {
    let w = World::new();
    w.write_server_config(
        "[pre_receive]\nallow_push_option_bypass = true\naudit_log = \"audit.jsonl\"\n",
    );
    let install = w.install();
    assert!(
        install.contains("receive.advertisePushOptions"),
        "install should say it enabled push options:\n{install}"
    );
    assert_eq!(
        w.server_git(&["config", "--get", "receive.advertisePushOptions"]),
        "true"
    );

    let key = fake_key(14);
    let commit = w.commit(
        &[("app.py", &format!("KEY = \"{key}\"\n"))],
        "key, revoked already",
    );
    let fp = fingerprint(&key);
    let option = format!("keyhook.allow={fp}");
    let push = w.push_env(
        &["-o", &option, "origin", "main"],
        &[("USER", "unix-alice"), ("GL_USERNAME", "alice")],
    );
    push.assert_accepted();
    push.assert_remote_contains(&format!(
        "BYPASS: openai-project-key {} in {} allowed by push option keyhook.allow (written to the audit log when the push is accepted)",
        redacted(&key),
        &commit[..12]
    ));
    push.assert_never_shows(&key);

    let log = std::fs::read_to_string(w.server.join("audit.jsonl")).expect("audit log written");
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 1, "one bypass, one line:\n{log}");
    let entry: serde_json::Value = serde_json::from_str(lines[0]).expect("audit line is JSON");
    assert_eq!(entry["ref"], "refs/heads/main", "{log}");
    assert_eq!(entry["commit"], commit.as_str(), "{log}");
    assert_eq!(entry["fingerprint"], fp.as_str(), "{log}");
    assert_eq!(entry["rule"], "openai-project-key", "{log}");
    assert_eq!(
        entry["pusher"], "alice",
        "GL_USERNAME wins over USER: {log}"
    );
    let time = entry["time"].as_str().unwrap_or_default();
    assert!(
        time.len() >= 20 && time.as_bytes()[10] == b'T',
        "ISO 8601 time: {log}"
    );
    assert!(
        !log.contains(&key),
        "the audit log must not hold the key:\n{log}"
    );
}

#[test]
fn bypass_option_lets_only_the_named_finding_through() {
    let w = World::new();
    w.write_server_config(
        "[pre_receive]\nallow_push_option_bypass = true\naudit_log = \"audit.jsonl\"\n",
    );
    w.install();
    let allowed = fake_key(15);
    let other = fake_key(16);
    w.commit(
        &[("app.py", &format!("A = \"{allowed}\"\nB = \"{other}\"\n"))],
        "two keys",
    );
    let option = format!("keyhook.allow={}", fingerprint(&allowed));
    let push = w.push_env(&["-o", &option, "origin", "main"], &[("USER", "bob")]);
    push.assert_rejected();
    push.assert_remote_contains(&format!(
        "BYPASS: openai-project-key {}",
        redacted(&allowed)
    ));
    push.assert_remote_contains(&format!("key      {}", redacted(&other)));
    push.assert_remote_contains("refs/heads/main: rejected — 1 finding(s)");
}

// ---------------------------------------------------------------------------

/// Issue 13: the short fingerprint the rejection prints is what `-o keyhook.allow=`
/// takes, and a bypass enabled after `keyhook install --server` works without
/// installing again (the hook turns on receive.advertisePushOptions).
#[test]
fn bypass_enabled_after_install_takes_the_short_fingerprint() {
    let w = World::new();
    w.install();
    w.write_server_config(
        "[pre_receive]\nallow_push_option_bypass = true\naudit_log = \"audit.jsonl\"\n",
    );
    let key = fake_key(17);
    w.commit(&[("app.py", &format!("KEY = \"{key}\"\n"))], "key");
    let short = &fingerprint(&key)[..12];

    let push = w.push(&["origin", "main"]);
    push.assert_rejected();
    push.assert_remote_contains(&format!("fingerprint {short}"));
    push.assert_remote_contains(&format!(
        "git push -o keyhook.allow={short} <remote> <branch>"
    ));
    push.assert_remote_contains("keyhook turned it on");
    assert_eq!(
        w.server_git(&["config", "--get", "receive.advertisePushOptions"]),
        "true"
    );

    let option = format!("keyhook.allow={short}");
    let push = w.push_env(&["-o", &option, "origin", "main"], &[("USER", "carol")]);
    push.assert_accepted();
    push.assert_remote_contains("BYPASS: openai-project-key");
    push.assert_never_shows(&key);
    let log = std::fs::read_to_string(w.server.join("audit.jsonl")).expect("audit log");
    assert!(
        log.contains(&fingerprint(&key)),
        "the log keeps the full fingerprint: {log}"
    );
}

#[test]
fn bypass_with_a_too_short_fingerprint_is_refused_with_a_message() {
    let w = World::new();
    w.write_server_config("[pre_receive]\nallow_push_option_bypass = true\n");
    w.install();
    let key = fake_key(18);
    w.commit(&[("app.py", &format!("KEY = \"{key}\"\n"))], "key");
    let option = format!("keyhook.allow={}", &fingerprint(&key)[..8]);

    let push = w.push(&["-o", &option, "origin", "main"]);

    push.assert_rejected();
    push.assert_remote_contains("too short: give at least the 12 hex digits the report prints");
}
