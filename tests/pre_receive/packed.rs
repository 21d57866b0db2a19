//! Pushes git keeps as a pack (`receive.unpackLimit` objects or more): the hook reads
//! the pack in one pass, settles the clean blobs there, and walks only the trees that
//! lead to what is left. Each test sets `receive.unpackLimit = 1` on the server so
//! even a small push takes that path, and checks what the full walk would report.

use super::support::{fake_key, World};

/// A world whose server keeps every push as a pack in the quarantine.
fn packed_world() -> World {
    let w = World::new();
    w.server_git(&["config", "receive.unpackLimit", "1"]);
    w
}

/// Ten clean commits, each touching its own file in a folder of its own; `round`
/// makes the contents differ from an earlier round's.
fn clean_history(w: &World, round: usize) {
    for i in 0..10 {
        w.commit(
            &[(
                &format!("pkg{i}/mod{i}/code.py"),
                &format!("value = {}\n", round * 100 + i),
            )],
            &format!("clean {round}.{i}"),
        );
    }
}

#[test]
fn clean_packed_push_counts_every_blob_once() {
    let w = packed_world();
    clean_history(&w, 1);
    w.commit(&[("pkg0/mod0/code.py", "value = 999\n")], "edit");

    let push = w.push(&["origin", "main"]);
    push.assert_accepted();
    push.assert_remote_contains("refs/heads/main: ok — 11 new commit(s) scanned");
    push.assert_remote_contains("0 findings (0 blocking) in 11 blobs scanned");
}

#[test]
fn key_deep_in_a_folder_of_a_packed_push_is_rejected_at_its_commit() {
    let w = packed_world();
    clean_history(&w, 1);
    let key = fake_key(31);
    let commit = w.commit(
        &[(
            "a/b/c/settings.py",
            &format!("OPENAI_API_KEY = \"{key}\"\n"),
        )],
        "settings",
    );
    clean_history(&w, 2);

    let push = w.push(&["origin", "main"]);
    push.assert_rejected();
    push.assert_remote_contains(&format!(
        "a/b/c/settings.py @ {} \"settings\"",
        &commit[..10]
    ));
    push.assert_remote_contains("1 finding (1 blocking)");
    push.assert_never_shows(&key);
}

#[test]
fn key_file_moved_to_another_folder_is_reported_once_where_it_was_added() {
    let w = packed_world();
    w.commit(&[("README.md", "# app\n")], "first");
    w.push(&["origin", "main"]).assert_accepted();
    let key = fake_key(32);
    let added = w.commit(
        &[("old/keys.py", &format!("KEY = \"{key}\"\n"))],
        "add keys",
    );
    std::fs::create_dir_all(w.client.join("new")).unwrap();
    w.git(&["mv", "old/keys.py", "new/keys.py"]);
    w.git(&["commit", "-q", "-m", "move keys"]);

    let push = w.push(&["origin", "main"]);
    push.assert_rejected();
    push.assert_remote_contains(&format!("old/keys.py @ {} \"add keys\"", &added[..10]));
    push.assert_remote_contains("1 finding (1 blocking)");
}

#[test]
fn key_already_on_the_server_copied_to_a_new_path_is_rejected() {
    // The blob is on the server (accepted while the rule was off), so it is not in
    // the pushed pack: the pass cannot settle it, and the walk must find it.
    let w = packed_world();
    let key = fake_key(33);
    w.write_server_config("disable = [\"openai-project-key\"]\n");
    w.commit(
        &[("legacy/keys.py", &format!("KEY = \"{key}\"\n"))],
        "legacy",
    );
    w.push(&["origin", "main"]).assert_accepted();
    w.write_server_config("");

    clean_history(&w, 1);
    std::fs::create_dir_all(w.client.join("app")).unwrap();
    std::fs::copy(
        w.client.join("legacy/keys.py"),
        w.client.join("app/keys.py"),
    )
    .unwrap();
    let copied = w.commit(&[], "copy keys");

    let push = w.push(&["origin", "main"]);
    push.assert_rejected();
    push.assert_remote_contains(&format!("app/keys.py @ {} \"copy keys\"", &copied[..10]));
    push.assert_never_shows(&key);
}

#[test]
fn forbidden_file_in_a_subfolder_of_a_packed_push_is_rejected() {
    let w = packed_world();
    clean_history(&w, 1);
    let commit = w.commit(&[("deploy/prod/.env", "DEBUG=true\n")], "add env");
    clean_history(&w, 2);

    let push = w.push(&["origin", "main"]);
    push.assert_rejected();
    push.assert_remote_contains(&format!(
        "deploy/prod/.env in {} \"add env\"  (matches `.env`)",
        &commit[..10]
    ));
}

#[test]
fn forbidden_pattern_naming_a_folder_still_applies_to_a_packed_push() {
    // A pattern with `/` cannot be judged on file names in the pass: every tree is
    // walked instead.
    let w = packed_world();
    w.write_server_config("[forbidden_files]\nadd = [\"config/secrets.yml\"]\n");
    clean_history(&w, 1);
    w.commit(&[("config/secrets.yml", "password: x\n")], "secrets");
    w.commit(&[("other/secrets.yml", "password: y\n")], "not forbidden");

    let push = w.push(&["origin", "main"]);
    push.assert_rejected();
    push.assert_remote_contains("config/secrets.yml in");
    push.assert_remote_contains("1 forbidden file");
}

#[test]
fn binary_blob_of_a_packed_push_is_read_through_its_views_and_counted() {
    let w = packed_world();
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend(std::iter::repeat_n(0u8, 64));
    std::fs::create_dir_all(w.client.join("img")).unwrap();
    std::fs::write(w.client.join("img/logo.png"), &png).unwrap();
    w.commit(&[("src/app.py", "x = 1\n")], "logo and app");

    let push = w.push(&["origin", "main"]);
    push.assert_accepted();
    push.assert_remote_contains("0 findings (0 blocking) in 2 blobs scanned");
    push.assert_remote_contains("1 binary (read as text runs");
}

#[test]
fn submodule_in_a_packed_push_is_named_and_counted() {
    let w = packed_world();
    w.commit(&[("README.md", "# app\n")], "first");
    let pinned = w.git(&["rev-parse", "HEAD"]);
    w.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{pinned},vendor/lib"),
    ]);
    w.git(&["commit", "-q", "-m", "vendor lib"]);

    let push = w.push(&["origin", "main"]);
    push.assert_accepted();
    push.assert_remote_contains("submodule vendor/lib in");
    push.assert_remote_contains("skipped (submodule 1)");
}

#[test]
fn lfs_pointer_of_a_packed_push_is_counted_as_skipped_and_a_symlink_is_scanned() {
    super::content::lfs_pointer_is_skipped_and_symlink_scanned(&packed_world());
}

#[test]
fn blob_over_max_file_size_of_a_packed_push_is_counted_as_skipped() {
    super::content::blob_over_max_file_size_is_skipped(&packed_world());
}
