//! `keyhook pre-receive` through real pushes (issue 4): a bare repository with the
//! hook installed by `keyhook install --server`, a client built with the git CLI,
//! `git push` over `file://` and to `git daemon`. Assertions read the pusher's view:
//! the exit status of `git push` and its `remote:` lines.

use support::{fake_key, fingerprint, redacted, World};

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
        "BYPASS: openai-project-key {} in {} allowed by push option keyhook.allow (logged)",
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
// Time budget and failure policy
// ---------------------------------------------------------------------------

#[test]
fn timeout_with_on_error_reject_rejects_and_says_why() {
    let w = World::new();
    w.write_server_config("[pre_receive]\ntimeout = 0.001\non_error = \"reject\"\n");
    w.fast_import(400, |i| {
        (
            format!("f{i:03}.txt"),
            format!("line {i}\n").repeat(200),
            format!("commit {i}"),
        )
    });

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
    let head = w.fast_import(400, |i| {
        (
            format!("f{i:03}.txt"),
            format!("line {i}\n").repeat(200),
            format!("commit {i}"),
        )
    });

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
    w.fast_import(400, |i| {
        (
            format!("f{i:03}.txt"),
            format!("line {i}\n").repeat(200),
            format!("commit {i}"),
        )
    });

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
    // not in the repository, so the scan cannot run and the push is refused.
    let out = w.keyhook_in_server(
        &["pre-receive"],
        &format!("{old} {new} refs/heads/main\n"),
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && stderr.contains("push rejected (on_error = \"reject\")")
            && stderr.contains(&new),
        "expected a fail-closed error naming {new}\nstatus: {}\nstdout:\n{}\nstderr:\n{stderr}",
        out.status,
        String::from_utf8_lossy(&out.stdout)
    );
}

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
// Install
// ---------------------------------------------------------------------------

#[test]
fn install_server_writes_a_hook_that_runs_this_binary() {
    let w = World::new();
    let hook = std::fs::read_to_string(w.server.join("hooks").join("pre-receive")).unwrap();
    assert!(
        hook.contains(env!("CARGO_BIN_EXE_keyhook")) && hook.contains("pre-receive"),
        "hook must exec this keyhook by absolute path:\n{hook}"
    );
}

#[test]
fn install_server_chains_an_existing_hook_which_runs_first_with_the_same_stdin() {
    let w = World::new();
    let hooks = w.server.join("hooks");
    // Replace keyhook's hook by a site hook, then install over it.
    std::fs::write(
        hooks.join("pre-receive"),
        "#!/bin/sh\nwhile read old new ref; do echo \"site hook saw $ref\"; done\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            hooks.join("pre-receive"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
    }
    let install = w.install();
    assert!(
        install.contains("kept as"),
        "install must chain the site hook:\n{install}"
    );

    w.commit(&[("a.txt", "a\n")], "a");
    let push = w.push(&["origin", "main"]);
    push.assert_accepted();
    push.assert_remote_contains("site hook saw refs/heads/main");
    push.assert_remote_contains("refs/heads/main: ok — 1 new commit(s) scanned");

    // A site hook that refuses wins even when keyhook would accept.
    std::fs::write(
        hooks.join("pre-receive.keyhook-chained"),
        "#!/bin/sh\necho 'site policy: no pushes today'\nexit 1\n",
    )
    .unwrap();
    w.commit(&[("b.txt", "b\n")], "b");
    let push = w.push(&["origin", "main"]);
    push.assert_rejected();
    push.assert_remote_contains("site policy: no pushes today");
}

pub(crate) mod support {
    //! A temp world: a bare "server" repository with keyhook's pre-receive hook, a
    //! client repository pushing to it, and the commands that drive both with a
    //! fixed, clean environment.

    pub use crate::util::{fingerprint, openai_key as fake_key, openai_redacted as redacted};
    use std::fmt;
    use std::io::Write;
    use std::net::{TcpListener, TcpStream};
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, Output, Stdio};
    use std::time::Duration;

    const KEYHOOK: &str = env!("CARGO_BIN_EXE_keyhook");

    /// The server, the client and a home directory in one temp dir.
    pub struct World {
        _dir: tempfile::TempDir,
        pub root: PathBuf,
        pub server: PathBuf,
        pub client: PathBuf,
        home: PathBuf,
    }

    impl World {
        /// SHA-1 repositories, hook installed, client remote `origin` over file://.
        pub fn new() -> World {
            World::with_object_format("sha1")
        }

        /// The same with SHA-256 repositories.
        pub fn sha256() -> World {
            World::with_object_format("sha256")
        }

        fn with_object_format(format: &str) -> World {
            let dir = tempfile::tempdir().expect("temp dir");
            let root = dir.path().canonicalize().unwrap();
            let home = root.join("home");
            std::fs::create_dir_all(&home).unwrap();
            let w = World {
                server: root.join("server.git"),
                client: root.join("client"),
                root,
                home,
                _dir: dir,
            };
            let object_format = format!("--object-format={format}");
            w.run_git(
                &w.root,
                &[
                    "-c",
                    "init.defaultBranch=main",
                    "init",
                    "-q",
                    "--bare",
                    &object_format,
                    "server.git",
                ],
                &[],
            );
            w.run_git(
                &w.root,
                &[
                    "-c",
                    "init.defaultBranch=main",
                    "init",
                    "-q",
                    &object_format,
                    "client",
                ],
                &[],
            );
            let url = format!("file://{}", w.server.display());
            w.git(&["remote", "add", "origin", &url]);
            w.install();
            w
        }

        /// `keyhook install --server <bare>`; returns its stdout.
        pub fn install(&self) -> String {
            let out = self.run(
                self.command(KEYHOOK, &self.root)
                    .arg("install")
                    .arg("--server")
                    .arg(&self.server),
                None,
            );
            assert_success("keyhook install --server", &out);
            String::from_utf8_lossy(&out.stdout).into_owned()
        }

        /// Writes the server's `keyhook.toml` (in the bare repository's git dir).
        pub fn write_server_config(&self, text: &str) {
            std::fs::write(self.server.join("keyhook.toml"), text).unwrap();
        }

        /// A command with the fixed environment: nothing inherited but `PATH`.
        fn command(&self, program: &str, dir: &Path) -> Command {
            let mut cmd = Command::new(program);
            cmd.current_dir(dir)
                .env_clear()
                .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                .env("HOME", &self.home)
                .env("LC_ALL", "C")
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("GIT_TERMINAL_PROMPT", "0")
                .env("GIT_AUTHOR_NAME", "Ada Author")
                .env("GIT_AUTHOR_EMAIL", "ada@example.com")
                .env("GIT_COMMITTER_NAME", "Ada Author")
                .env("GIT_COMMITTER_EMAIL", "ada@example.com")
                .stdin(Stdio::null());
            cmd
        }

        fn run(&self, cmd: &mut Command, stdin: Option<&[u8]>) -> Output {
            if stdin.is_some() {
                cmd.stdin(Stdio::piped());
            }
            cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
            let mut child = cmd.spawn().unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
            if let Some(input) = stdin {
                child.stdin.take().unwrap().write_all(input).unwrap();
            }
            child.wait_with_output().unwrap()
        }

        fn run_git(&self, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
            let mut cmd = self.command("git", dir);
            cmd.args(args);
            for (k, v) in env {
                cmd.env(k, v);
            }
            self.run(&mut cmd, None)
        }

        /// `git ARGS` in the client; must succeed; trimmed stdout.
        pub fn git(&self, args: &[&str]) -> String {
            let out = self.git_output(args);
            assert_success(&format!("git {}", args.join(" ")), &out);
            String::from_utf8_lossy(&out.stdout).trim().to_string()
        }

        /// `git ARGS` in the client, whatever its outcome.
        pub fn git_output(&self, args: &[&str]) -> Output {
            self.run_git(&self.client, args, &[])
        }

        /// `git ARGS` in the bare server repository; must succeed; trimmed stdout.
        pub fn server_git(&self, args: &[&str]) -> String {
            let out = self.server_git_output(args);
            assert_success(&format!("git {} (server)", args.join(" ")), &out);
            String::from_utf8_lossy(&out.stdout).trim().to_string()
        }

        /// `git ARGS` in the bare server repository, whatever its outcome.
        pub fn server_git_output(&self, args: &[&str]) -> Output {
            self.run_git(&self.server, args, &[])
        }

        /// Where `name` points on the server, if it exists.
        pub fn server_ref(&self, name: &str) -> Option<String> {
            let out = self.server_git_output(&["rev-parse", "--verify", "-q", name]);
            out.status
                .success()
                .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        }

        /// True when the server's object store (quarantine excluded) has `id`.
        pub fn server_has_object(&self, id: &str) -> bool {
            self.server_git_output(&["cat-file", "-e", id])
                .status
                .success()
        }

        /// Writes `files` in the client, stages everything, commits; returns the id.
        pub fn commit(&self, files: &[(&str, &str)], message: &str) -> String {
            for (path, content) in files {
                let path = self.client.join(path);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, content).unwrap();
            }
            self.git(&["add", "-A"]);
            self.git(&["commit", "-q", "-m", message]);
            self.git(&["rev-parse", "HEAD"])
        }

        /// Appends `n` commits to `main` with `git fast-import`; commit `i` (1-based)
        /// writes `(path, content)` with `message`. Checks `main` out; returns its id.
        pub fn fast_import(
            &self,
            n: usize,
            commit: impl Fn(usize) -> (String, String, String),
        ) -> String {
            let parent = self.git_output(&["rev-parse", "--verify", "-q", "refs/heads/main"]);
            let parent = String::from_utf8_lossy(&parent.stdout).trim().to_string();
            let mut stream = Vec::new();
            for i in 1..=n {
                let (path, content, message) = commit(i);
                let time = 1_700_000_000 + i;
                write!(
                    stream,
                    "commit refs/heads/main\ncommitter Ada Author <ada@example.com> {time} +0000\ndata {}\n{message}\n",
                    message.len()
                )
                .unwrap();
                if i == 1 && !parent.is_empty() {
                    writeln!(stream, "from {parent}").unwrap();
                }
                write!(
                    stream,
                    "M 100644 inline {path}\ndata {}\n{content}\n",
                    content.len()
                )
                .unwrap();
            }
            let mut cmd = self.command("git", &self.client);
            cmd.args(["fast-import", "--quiet"]);
            let out = self.run(&mut cmd, Some(&stream));
            assert_success("git fast-import", &out);
            self.git(&["checkout", "-q", "-f", "main"]);
            self.git(&["rev-parse", "HEAD"])
        }

        /// `git push ARGS` from the client.
        pub fn push(&self, args: &[&str]) -> Push {
            self.push_env(args, &[])
        }

        /// `git push ARGS` from the client with extra environment (seen by the hook
        /// over file://).
        pub fn push_env(&self, args: &[&str], env: &[(&str, &str)]) -> Push {
            let mut full = vec!["push"];
            full.extend_from_slice(args);
            let output = self.run_git(&self.client, &full, env);
            Push {
                command: format!("git {}", full.join(" ")),
                output,
            }
        }

        /// `keyhook ARGS` run directly in the bare repository, with `stdin`.
        pub fn keyhook_in_server(
            &self,
            args: &[&str],
            stdin: &str,
            env: &[(&str, &str)],
        ) -> Output {
            let mut cmd = self.command(KEYHOOK, &self.server);
            cmd.args(args);
            for (k, v) in env {
                cmd.env(k, v);
            }
            self.run(&mut cmd, Some(stdin.as_bytes()))
        }

        /// Starts `git daemon` serving this world's server on a free local port.
        pub fn daemon(&self) -> Daemon {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("free port")
                .port();
            let log_path = self.root.join("daemon.log");
            let log = std::fs::File::create(&log_path).unwrap();
            let mut cmd = self.command("git", &self.root);
            cmd.args([
                "daemon",
                "--reuseaddr",
                "--export-all",
                "--enable=receive-pack",
                "--informative-errors",
                "--listen=127.0.0.1",
                &format!("--port={port}"),
                &format!("--base-path={}", self.root.display()),
                &self.root.display().to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(log);
            let child = cmd.spawn().expect("spawn git daemon");
            let mut daemon = Daemon {
                child,
                port,
                log: log_path,
            };
            for _ in 0..200 {
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return daemon;
                }
                if let Ok(Some(status)) = daemon.child.try_wait() {
                    panic!("git daemon exited ({status}):\n{}", daemon.log());
                }
                std::thread::sleep(Duration::from_millis(25));
            }
            panic!(
                "git daemon did not listen on port {port} within 5 s:\n{}",
                daemon.log()
            );
        }
    }

    /// A running `git daemon`, killed on drop.
    pub struct Daemon {
        child: Child,
        port: u16,
        log: PathBuf,
    }

    impl Daemon {
        /// The URL of the world's server through this daemon.
        pub fn url(&self) -> String {
            format!("git://127.0.0.1:{}/server.git", self.port)
        }

        fn log(&self) -> String {
            std::fs::read_to_string(&self.log).unwrap_or_default()
        }
    }

    impl Drop for Daemon {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    /// The outcome of one `git push`.
    pub struct Push {
        command: String,
        output: Output,
    }

    impl Push {
        fn stderr(&self) -> String {
            String::from_utf8_lossy(&self.output.stderr).into_owned()
        }

        /// The hook's output as the pusher sees it: the `remote:` lines, prefix and
        /// git's trailing padding removed.
        pub fn remote(&self) -> String {
            self.stderr()
                .lines()
                .filter_map(|l| l.strip_prefix("remote:"))
                .map(|l| l.strip_prefix(' ').unwrap_or(l).trim_end())
                .collect::<Vec<_>>()
                .join("\n")
        }

        #[track_caller]
        pub fn assert_accepted(&self) -> &Self {
            assert!(
                self.output.status.success(),
                "expected the push to be accepted\n{self}"
            );
            self
        }

        #[track_caller]
        pub fn assert_rejected(&self) -> &Self {
            assert!(
                !self.output.status.success()
                    && self.stderr().contains("pre-receive hook declined"),
                "expected the pre-receive hook to reject the push\n{self}"
            );
            self
        }

        #[track_caller]
        pub fn assert_remote_contains(&self, needle: &str) -> &Self {
            assert!(
                self.remote().contains(needle),
                "expected the remote: lines to contain\n    {needle}\n{self}"
            );
            self
        }

        #[track_caller]
        pub fn assert_output_contains(&self, needle: &str) -> &Self {
            assert!(
                self.stderr().contains(needle)
                    || String::from_utf8_lossy(&self.output.stdout).contains(needle),
                "expected the push output to contain\n    {needle}\n{self}"
            );
            self
        }

        /// Neither the key nor any 20-character piece of its random parts appears.
        #[track_caller]
        pub fn assert_never_shows(&self, key: &str) -> &Self {
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&self.output.stdout),
                self.stderr()
            );
            let leaked = key
                .as_bytes()
                .windows(20)
                .map(|w| std::str::from_utf8(w).unwrap())
                .find(|piece| all.contains(piece));
            assert!(
                leaked.is_none(),
                "the output shows part of the key ({leaked:?})\n{self}"
            );
            self
        }
    }

    impl fmt::Display for Push {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(
                f,
                "--- {} ({})\n--- stdout:\n{}\n--- stderr:\n{}",
                self.command,
                self.output.status,
                String::from_utf8_lossy(&self.output.stdout),
                String::from_utf8_lossy(&self.output.stderr)
            )
        }
    }

    #[track_caller]
    fn assert_success(what: &str, out: &Output) {
        assert!(
            out.status.success(),
            "{what} failed ({})\n--- stdout:\n{}\n--- stderr:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
