//! The installed hook on a plain `git commit`: a key blocks, a clean change passes,
//! and what is scanned is the index, never the work tree.

use super::support::{self, fake_key, key_line, Env};

// ---------------------------------------------------------------------------
// The basics: a key blocks, a clean change passes.

#[test]
fn commit_adding_file_with_key_is_blocked_and_shows_only_the_redacted_key() {
    let env = Env::new();
    let repo = env.repo_with_hook("repo");
    let key = fake_key(1);
    repo.write("app.py", format!("import os\n\n{}", key_line(&key)));
    repo.git(&["add", "app.py"]);

    let run = repo.commit("add app");

    support::assert_blocked(&run, &key);
    assert!(
        run.all().contains("app.py\n  3:"),
        "the file and the key's line are named\n{run}"
    );
    assert_eq!(repo.commit_count(), 1, "no commit was made\n{run}");
}

#[test]
fn commit_of_clean_change_succeeds() {
    let env = Env::new();
    let repo = env.repo_with_hook("repo");
    repo.write("app.py", "import os\nkey = os.environ['OPENAI_API_KEY']\n");
    repo.git(&["add", "app.py"]);

    let run = repo.commit("add app");

    assert!(run.success(), "a clean commit passes\n{run}");
    assert!(
        run.all().contains("keyhook pre-commit: ok"),
        "the hook ran and said so\n{run}"
    );
    assert_eq!(repo.commit_count(), 2, "{run}");
}

// ---------------------------------------------------------------------------
// The index, never the work tree.

#[test]
fn key_only_in_work_tree_passes_when_staged_hunk_is_clean() {
    let env = Env::new();
    let repo = env.repo_with_hook("repo");
    let middle: String = (1..=12).map(|i| format!("x{i} = {i}\n")).collect();
    repo.write("config.py", format!("# config\n{middle}# end\n"));
    repo.git(&["add", "config.py"]);
    repo.commit_no_verify("config");
    let key = fake_key(2);
    // Two hunks, far apart: a clean line at the top, the key at the bottom.
    repo.write(
        "config.py",
        format!("# config\nDEBUG = True\n{middle}# end\n{}", key_line(&key)),
    );
    let add = repo.git_stdin(&["add", "-p", "config.py"], b"y\nn\n");
    let staged = repo.git(&["diff", "--cached"]).stdout;
    assert!(
        staged.contains("DEBUG = True") && !staged.contains(&key),
        "only the clean hunk is staged\n{add}\nstaged diff:\n{staged}"
    );

    let run = repo.commit("debug flag");

    assert!(run.success(), "the staged version is clean\n{run}");
    let committed = repo.git(&["show", "HEAD:config.py"]).stdout;
    assert!(!committed.contains(&key), "{committed}");
    support::assert_not_leaked(&run.all(), &key);
}

#[test]
fn commit_all_and_commit_of_a_path_scan_the_index_git_hands_the_hook() {
    // `git commit -a` and `git commit PATH` build a temporary index (GIT_INDEX_FILE)
    // from the work tree: the key is in no index until then, and must still block.
    let env = Env::new();
    let repo = env.repo_with_hook("repo");
    repo.write("app.py", "import os\n");
    repo.git(&["add", "app.py"]);
    repo.commit_no_verify("app");
    let key = fake_key(9);
    repo.write("app.py", format!("import os\n{}", key_line(&key)));

    for args in [
        &["commit", "-a", "-m", "all"][..],
        &["commit", "-m", "path", "app.py"],
    ] {
        let run = repo.try_git(args);
        support::assert_blocked(&run, &key);
        assert!(run.all().contains("app.py\n  2:"), "{args:?}\n{run}");
    }
    assert_eq!(repo.commit_count(), 2, "neither commit was made");
    let staged = repo.git(&["diff", "--cached", "--name-only"]).stdout;
    assert!(staged.is_empty(), "the real index is untouched: {staged}");
}

#[test]
fn key_staged_then_removed_from_work_tree_is_blocked() {
    let env = Env::new();
    let repo = env.repo_with_hook("repo");
    let key = fake_key(3);
    repo.write("settings.py", key_line(&key));
    repo.git(&["add", "settings.py"]);
    repo.write("settings.py", "OPENAI_API_KEY = None\n");

    let run = repo.commit("settings");

    support::assert_blocked(&run, &key);
}

#[test]
fn key_already_in_head_does_not_block_an_edit_of_another_line() {
    let env = Env::new();
    let repo = env.repo_with_hook("repo");
    let key = fake_key(4);
    repo.write(
        "legacy.py",
        format!("# legacy\n{}VERSION = 1\n", key_line(&key)),
    );
    repo.git(&["add", "legacy.py"]);
    repo.commit_no_verify("legacy (with a key, hook bypassed)");
    repo.write(
        "legacy.py",
        format!("# legacy\n{}VERSION = 2\n", key_line(&key)),
    );
    repo.git(&["add", "legacy.py"]);

    let run = repo.commit("bump version");

    assert!(run.success(), "only added lines count\n{run}");
    assert!(
        run.all().contains("1 on unchanged lines"),
        "the old key was seen and set aside, not missed\n{run}"
    );
    support::assert_not_leaked(&run.all(), &key);
}
