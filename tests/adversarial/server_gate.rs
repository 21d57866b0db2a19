//! Nothing a pusher controls opens the server's gate: inline markers in pushed
//! content, object graphs (deep tag chains), and bypasses whose trail cannot be
//! written. Each is a real `git push` into a bare repository with the hook.

use crate::pre_receive::support::{fake_key, fingerprint, World};

use super::assert_no_key;

#[test]
fn a_marker_in_pushed_content_allows_nothing_and_the_rejection_does_not_advise_it() {
    let w = World::new();
    let key = fake_key(1001);
    w.commit(
        &[("app.py", &format!("K = \"{key}\"  # keyhook:allow\n"))],
        "marked",
    );
    let push = w.push(&["origin", "main"]);
    push.assert_rejected().assert_never_shows(&key);
    let remote = push.remote();
    assert!(
        remote.contains("keyhook:allow not honoured") || remote.contains("not honoured"),
        "the report says the marker is not honoured here\n{remote}"
    );
    assert!(
        !remote.contains("Add `keyhook:allow`"),
        "the server must not advise the inline marker\n{remote}"
    );
}

#[test]
fn a_server_that_opts_in_to_markers_logs_every_key_they_allow() {
    let w = World::new();
    w.write_server_config("[pre_receive]\ninline_allow = true\naudit_log = \"audit.jsonl\"\n");
    let key = fake_key(1002);
    w.commit(
        &[("app.py", &format!("K = \"{key}\"  # keyhook:allow\n"))],
        "marked",
    );
    w.push(&["origin", "main"])
        .assert_accepted()
        .assert_never_shows(&key);
    let log = std::fs::read_to_string(w.server.join("audit.jsonl")).expect("audit log written");
    assert!(
        log.contains("\"inline-allow\"") && log.contains(&fingerprint(&key)),
        "{log}"
    );
    assert_no_key(&log, &[&key]);
}

#[test]
fn a_deep_tag_chain_is_walked_and_cannot_turn_on_error_accept_into_an_accept() {
    let w = World::new();
    w.write_server_config("[pre_receive]\non_error = \"accept\"\n");
    w.commit(&[("a.txt", "a\n")], "base");
    w.git(&["tag", "-a", "-m", "t", "t1"]);
    for i in 2..=40 {
        w.git(&[
            "tag",
            "-a",
            "-m",
            "t",
            &format!("t{i}"),
            &format!("t{}", i - 1),
        ]);
    }
    w.git(&["checkout", "-q", "-b", "leak"]);
    let key = fake_key(1003);
    w.commit(&[("k.py", &format!("K = \"{key}\"\n"))], "key");
    let push = w.push(&["origin", "t40", "leak"]);
    push.assert_rejected()
        .assert_remote_contains("refs/heads/leak: rejected")
        .assert_remote_contains("refs/tags/t40: ok")
        .assert_never_shows(&key);
}

#[test]
fn a_bypass_whose_audit_line_cannot_be_written_is_not_accepted() {
    let w = World::new();
    w.write_server_config(
        "[pre_receive]\nallow_push_option_bypass = true\non_error = \"accept\"\naudit_log = \"/nonexistent-keyhook-dir/audit.jsonl\"\n",
    );
    w.install();
    let key = fake_key(1004);
    w.commit(&[("k.py", &format!("K = \"{key}\"\n"))], "key");
    let option = format!("keyhook.allow={}", fingerprint(&key));
    w.push(&["-o", &option, "origin", "main"])
        .assert_rejected()
        .assert_remote_contains("audit log")
        .assert_never_shows(&key);
}

#[test]
fn a_bypass_line_is_written_only_for_a_push_that_is_accepted() {
    let w = World::new();
    w.write_server_config(
        "[pre_receive]\nallow_push_option_bypass = true\naudit_log = \"audit.jsonl\"\n",
    );
    w.install();
    let (a, b) = (fake_key(1005), fake_key(1006));
    w.commit(
        &[
            ("a.py", &format!("A = \"{a}\"\n")),
            ("b.py", &format!("B = \"{b}\"\n")),
        ],
        "two keys",
    );
    let option = format!("keyhook.allow={}", fingerprint(&a));
    w.push(&["-o", &option, "origin", "main"])
        .assert_rejected()
        .assert_never_shows(&b);
    assert!(
        !w.server.join("audit.jsonl").exists(),
        "no bypass is logged for a rejected push"
    );
}

#[test]
fn a_client_that_disconnects_mid_report_does_not_hang_the_hook() {
    let w = World::new();
    w.write_server_config("[pre_receive]\ntimeout = 3\n");
    // 400 keys: a long rejection. The hook is wrapped to say when keyhook ends.
    let mut text = String::new();
    for i in 0..400 {
        text.push_str(&format!("K{i} = \"{}\"\n", fake_key(5000 + i)));
    }
    w.commit(&[("keys.py", &text)], "many keys");
    let ended = w.root.join("hook-ended");
    let started = w.root.join("hook-started");
    let hook = w.server.join("hooks/pre-receive");
    let installed = std::fs::read_to_string(&hook).unwrap();
    std::fs::rename(&hook, w.server.join("hooks/keyhook-pre-receive")).unwrap();
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\ntouch '{}'\n\"$(dirname \"$0\")/keyhook-pre-receive\"\necho $? > '{}'\n",
            started.display(),
            ended.display()
        ),
    )
    .unwrap();
    assert!(installed.contains("keyhook"));
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    // The client: a real `git push` whose reading end we stop reading, then kill.
    let mut push = std::process::Command::new("git")
        .args(["push", "origin", "main"])
        .current_dir(&w.client)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", &w.root)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !started.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the hook never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    push.kill().unwrap();
    let _ = push.wait();
    // Budget 3 s + 2 s to write the report: well within 20 s.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !ended.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "keyhook pre-receive still runs 20 s after the client went away"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let code = std::fs::read_to_string(&ended).unwrap();
    assert_ne!(code.trim(), "0", "the push is still rejected");
}
