//! The pre-commit door (issue 3): real temp repositories built with the `git` CLI,
//! the hook installed by the real `keyhook install`, and `git commit` run for real.
//! Git prints the hook's output on its stderr, so assertions read both streams.

use support::{fake_key, Env, Repo};

/// A Python line that assigns `key`.
fn key_line(key: &str) -> String {
    format!("OPENAI_API_KEY = \"{key}\"\n")
}

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

// ---------------------------------------------------------------------------
// Repository shapes.

#[test]
fn initial_commit_on_unborn_branch_is_scanned() {
    let env = Env::new();
    let repo = env.init("repo", &[]);
    repo.keyhook_ok(&["install"]);
    let key = fake_key(5);
    repo.write("main.py", key_line(&key));
    repo.git(&["add", "main.py"]);

    let run = repo.commit("first");

    support::assert_blocked(&run, &key);
    assert!(
        !repo
            .try_git(&["rev-parse", "--verify", "-q", "HEAD"])
            .success(),
        "HEAD is still unborn\n{run}"
    );
    repo.write("main.py", "print('hello')\n");
    repo.git(&["add", "main.py"]);
    let clean = repo.commit("first");
    assert!(clean.success(), "a clean first commit passes\n{clean}");
}

#[test]
fn empty_initial_commit_right_after_git_init_passes() {
    let env = Env::new();
    let repo = env.init("repo", &[]);
    repo.keyhook_ok(&["install"]);

    let run = repo.try_git(&["commit", "--allow-empty", "-m", "root"]);

    assert!(run.success(), "nothing is staged, nothing can leak\n{run}");
    assert!(run.all().contains("keyhook pre-commit: ok"), "{run}");
}

#[test]
fn commit_on_detached_head_is_scanned() {
    let env = Env::new();
    let repo = env.repo_with_hook("repo");
    repo.git(&["checkout", "--detach"]);
    assert!(!repo.try_git(&["symbolic-ref", "-q", "HEAD"]).success());
    let key = fake_key(6);
    repo.write("detached.py", key_line(&key));
    repo.git(&["add", "detached.py"]);

    let run = repo.commit("on a detached HEAD");

    support::assert_blocked(&run, &key);
}

#[test]
fn linked_worktree_runs_hook_installed_from_main_repository() {
    let env = Env::new();
    let main = env.repo_with_hook("repo");
    let linked = env.path("linked");
    main.git(&[
        "worktree",
        "add",
        "-q",
        linked.to_str().unwrap(),
        "-b",
        "feature",
    ]);
    let wt = env.open(linked);
    let key = fake_key(7);
    wt.write("feature.py", key_line(&key));
    wt.git(&["add", "feature.py"]);

    let run = wt.commit("feature");

    support::assert_blocked(&run, &key);
    assert_eq!(
        wt.commit_count(),
        1,
        "no commit in the linked worktree\n{run}"
    );
}

#[test]
fn install_writes_into_core_hooks_path_set_before_it() {
    let env = Env::new();
    let repo = env.init("repo", &[]);
    repo.git(&["config", "core.hooksPath", ".githooks"]);

    let install = repo.keyhook_ok(&["install"]);

    assert!(
        repo.root.join(".githooks/pre-commit").is_file(),
        "hook written to core.hooksPath\n{install}"
    );
    assert!(
        !repo.root.join(".git/hooks/pre-commit").exists(),
        "and not to .git/hooks, which git ignores here\n{install}"
    );
    let key = fake_key(8);
    repo.write("app.py", key_line(&key));
    repo.git(&["add", "app.py"]);
    let run = repo.commit("app");
    support::assert_blocked(&run, &key);
}

#[test]
fn sha256_repository_is_scanned() {
    let env = Env::new();
    let repo = env.init("repo", &["--object-format=sha256"]);
    repo.keyhook_ok(&["install"]);
    repo.write("README.md", "# sha256\n");
    repo.git(&["add", "README.md"]);
    let first = repo.commit("readme");
    assert!(first.success(), "a clean commit passes\n{first}");
    assert_eq!(repo.git(&["rev-parse", "HEAD"]).stdout.trim().len(), 64);
    let key = fake_key(9);
    repo.write("app.py", format!("# app\n{}", key_line(&key)));
    repo.git(&["add", "app.py"]);

    let run = repo.commit("app");

    support::assert_blocked(&run, &key);
}

#[test]
fn submodule_is_skipped_and_named() {
    let env = Env::new();
    let sub = env.init("sub-origin", &[]);
    sub.write("lib.py", "def f():\n    return 1\n");
    sub.git(&["add", "lib.py"]);
    sub.commit_no_verify("lib");
    let repo = env.repo_with_hook("repo");
    let origin = sub.root.to_str().unwrap().to_string();
    repo.git(&[
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        &origin,
        "vendor/lib",
    ]);

    let run = repo.commit("add submodule");

    assert!(run.success(), "a submodule does not block\n{run}");
    assert!(
        run.all().contains("submodule vendor/lib skipped"),
        "the submodule is named as skipped\n{run}"
    );
}

#[test]
fn binary_file_with_nul_is_counted_without_false_positive() {
    let env = Env::new();
    let repo = env.repo_with_hook("repo");
    let mut bytes = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR".to_vec();
    bytes.extend((0u32..4096).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    repo.write("logo.png", bytes);
    repo.git(&["add", "logo.png"]);

    let run = repo.commit("logo");

    assert!(run.success(), "a binary file does not block\n{run}");
    assert!(
        run.all().contains("skipped (binary 1)"),
        "the binary blob is counted, not dropped silently\n{run}"
    );
}

#[test]
fn invalid_utf8_file_with_key_is_blocked() {
    let env = Env::new();
    let repo = env.repo_with_hook("repo");
    let key = fake_key(10);
    let mut bytes = b"# caf\xe9 \xff\xfe latin-1 and garbage \xc3\x28\n".to_vec();
    bytes.extend_from_slice(key_line(&key).as_bytes());
    bytes.extend_from_slice(b"# \xe9t\xe9\n");
    repo.write("legacy.cfg", bytes);
    repo.git(&["add", "legacy.cfg"]);

    let run = repo.commit("legacy config");

    support::assert_blocked(&run, &key);
}

// ---------------------------------------------------------------------------
// Forbidden files.

#[test]
fn staged_dot_env_is_blocked_whatever_its_content() {
    let env = Env::new();
    let repo = env.repo_with_hook("repo");
    repo.write(".env", "DEBUG=1\n");
    repo.git(&["add", "-f", ".env"]);

    let run = repo.commit("env");

    assert!(!run.success(), ".env must not be committed\n{run}");
    let all = run.all();
    assert!(
        all.contains("Files that must not be committed") && all.contains("  .env  (matches"),
        "the file is named\n{run}"
    );
    assert_eq!(repo.commit_count(), 1, "{run}");
}

#[test]
fn staged_dot_env_example_passes() {
    let env = Env::new();
    let repo = env.repo_with_hook("repo");
    repo.write(".env.example", "OPENAI_API_KEY=\nDEBUG=1\n");
    repo.git(&["add", ".env.example"]);

    let run = repo.commit("env template");

    assert!(run.success(), "a template is meant to be committed\n{run}");
}

#[test]
fn removing_committed_dot_env_from_index_passes() {
    let env = Env::new();
    let repo = env.repo_with_hook("repo");
    repo.write(".env", "DEBUG=1\n");
    repo.git(&["add", ".env"]);
    repo.commit_no_verify("env (hook bypassed)");
    repo.git(&["rm", "-q", "--cached", ".env"]);

    let run = repo.commit("stop tracking .env");

    assert!(
        run.success(),
        "deleting it from the index is the fix\n{run}"
    );
    assert!(repo.root.join(".env").is_file(), "the file stays on disk");
}

#[test]
fn forbidden_files_in_any_folder_are_blocked() {
    for (name, path, content) in [
        ("nested .env", "config/.env", "DEBUG=1\n"),
        ("PEM file", "key.pem", "not really a key\n"),
        ("credentials JSON", "gcp-credentials.json", "{}\n"),
    ] {
        let env = Env::new();
        let repo = env.repo_with_hook("repo");
        repo.write(path, content);
        repo.git(&["add", "-f", path]);

        let run = repo.commit(name);

        assert!(!run.success(), "{name}: {path} is blocked\n{run}");
        assert!(
            run.all().contains(&format!("  {path}  (matches")),
            "{name}: {path} is named as a forbidden file\n{run}"
        );
    }
}

#[test]
fn public_key_file_passes() {
    let env = Env::new();
    let repo = env.repo_with_hook("repo");
    repo.write(
        "id_rsa.pub",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKpT0yxIKx4Q0wHc2cVn6yq7n2L7Q5mLwq8r user@host\n",
    );
    repo.git(&["add", "id_rsa.pub"]);

    let run = repo.commit("public key");

    assert!(run.success(), "a public key is not a secret\n{run}");
}

// ---------------------------------------------------------------------------
// .gitignore check and `keyhook init`.

/// The six lines `keyhook init` adds to an empty `.gitignore`, in its order.
const ALL_IGNORE_LINES: &str =
    ".env, .env.local, .env.production, *.pem, *credentials*.json, *service-account*.json";

#[test]
fn gitignore_without_secret_patterns_warns_naming_the_missing_lines() {
    let env = Env::new();
    let repo = env.repo_with_hook("repo");
    repo.write("app.py", "print('hi')\n");
    repo.git(&["add", "app.py"]);

    let run = repo.commit("app");

    assert!(run.success(), "a warning does not block\n{run}");
    assert!(
        run.all().contains(&format!(
            "warning: .gitignore does not cover: {ALL_IGNORE_LINES}"
        )),
        "the warning names every missing line\n{run}"
    );
}

#[test]
fn gitignore_enforce_blocks_the_commit() {
    let env = Env::new();
    let repo = env.repo_with_hook("repo");
    repo.write("keyhook.toml", "gitignore = \"enforce\"\n");
    repo.write("app.py", "print('hi')\n");
    repo.git(&["add", "app.py", "keyhook.toml"]);

    let run = repo.commit("app");

    assert!(!run.success(), "enforce blocks\n{run}");
    assert!(
        run.all().contains(&format!(
            "error: .gitignore does not cover: {ALL_IGNORE_LINES}"
        )),
        "the error names every missing line\n{run}"
    );
}

#[test]
fn init_twice_adds_missing_lines_once_and_keeps_user_lines() {
    let env = Env::new();
    let repo = env.repo("repo");
    let user = b"target\r\n# mine\n*.pem\nnode_modules".to_vec();
    repo.write(".gitignore", &user);

    let first = repo.keyhook_ok(&["init"]);
    let after_first = repo.read(".gitignore");
    let config = repo.read("keyhook.toml");
    let second = repo.keyhook_ok(&["init"]);
    let after_second = repo.read(".gitignore");

    let text = String::from_utf8_lossy(&after_first).into_owned();
    assert!(
        after_first.starts_with(&user),
        "the user's bytes are kept as they were\n{first}\n.gitignore:\n{text}"
    );
    let appended = String::from_utf8_lossy(&after_first[user.len()..]).into_owned();
    let added: Vec<&str> = appended
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert_eq!(
        added,
        [
            ".env",
            ".env.local",
            ".env.production",
            "*credentials*.json",
            "*service-account*.json"
        ],
        "exactly the missing lines (*.pem was already there)\n{first}\n.gitignore:\n{text}"
    );
    assert_eq!(
        after_first, after_second,
        "a second run changes nothing\n{second}"
    );
    assert_eq!(
        config,
        include_bytes!("../examples/keyhook.toml"),
        "the starter config is written\n{first}"
    );
    assert_eq!(
        repo.read("keyhook.toml"),
        config,
        "and written once\n{second}"
    );
    let check = repo.keyhook(&["pre-commit"]);
    assert!(
        check.success() && !check.all().contains(".gitignore does not cover"),
        "nothing is missing any more\n{check}"
    );
    let key = fake_key(11);
    repo.write("app.py", key_line(&key));
    repo.git(&["add", "app.py"]);
    let run = repo.commit("app");
    support::assert_blocked(&run, &key);
}

#[test]
fn init_right_after_git_init_succeeds() {
    let env = Env::new();
    let repo = env.init("repo", &[]);

    let run = repo.keyhook(&["init"]);

    assert!(
        run.success(),
        "keyhook init is the first thing run in a new repo\n{run}"
    );
    let gitignore = String::from_utf8_lossy(&repo.read(".gitignore")).into_owned();
    assert!(gitignore.lines().any(|l| l == ".env"), "{run}\n{gitignore}");
    assert!(repo.root.join(".git/hooks/pre-commit").is_file(), "{run}");
}

#[test]
fn gitignore_negation_makes_dot_env_missing_again() {
    let env = Env::new();
    let repo = env.repo_with_hook("repo");
    repo.write(
        ".gitignore",
        ".env\n.env.local\n.env.production\n*.pem\n*credentials*.json\n*service-account*.json\n!.env\n",
    );
    repo.git(&["add", ".gitignore"]);

    let run = repo.commit("gitignore");

    assert!(run.success(), "{run}");
    assert!(
        run.all()
            .contains("warning: .gitignore does not cover: .env\n"),
        "git's negation semantics: !.env un-ignores it\n{run}"
    );
}

// ---------------------------------------------------------------------------
// Installing next to an existing hook.

/// Writes a pre-commit hook that appends a line to `marker`.
fn write_marker_hook(repo: &Repo<'_>, marker: &std::path::Path) -> Vec<u8> {
    let script = format!(
        "#!/bin/sh\necho ran >> '{}'\nexit 0\n",
        marker.to_str().unwrap()
    );
    repo.write(".git/hooks/pre-commit", &script);
    support::make_executable(&repo.root.join(".git/hooks/pre-commit"));
    script.into_bytes()
}

fn marker_runs(marker: &std::path::Path) -> usize {
    std::fs::read_to_string(marker)
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

#[test]
fn existing_pre_commit_hook_still_runs_after_install() {
    let env = Env::new();
    let repo = env.repo("repo");
    let marker = env.path("marker");
    write_marker_hook(&repo, &marker);

    let install = repo.keyhook_ok(&["install"]);
    repo.write("app.py", "print('hi')\n");
    repo.git(&["add", "app.py"]);
    let clean = repo.commit("app");

    assert!(clean.success(), "{install}\n{clean}");
    assert_eq!(
        marker_runs(&marker),
        1,
        "the old hook ran\n{install}\n{clean}"
    );
    let key = fake_key(12);
    repo.write("secret.py", key_line(&key));
    repo.git(&["add", "secret.py"]);
    let run = repo.commit("secret");
    support::assert_blocked(&run, &key);
    assert_eq!(marker_runs(&marker), 2, "the old hook ran again\n{run}");
}

#[test]
fn uninstall_restores_the_existing_hook() {
    let env = Env::new();
    let repo = env.repo("repo");
    let marker = env.path("marker");
    let original = write_marker_hook(&repo, &marker);
    repo.keyhook_ok(&["install"]);

    let uninstall = repo.keyhook_ok(&["uninstall"]);

    assert_eq!(
        repo.read(".git/hooks/pre-commit"),
        original,
        "the old hook is back, byte for byte\n{uninstall}"
    );
    let key = fake_key(13);
    repo.write("secret.py", key_line(&key));
    repo.git(&["add", "secret.py"]);
    let run = repo.commit("secret");
    assert!(run.success(), "keyhook no longer runs\n{uninstall}\n{run}");
    assert_eq!(marker_runs(&marker), 1, "the old hook runs\n{run}");
}

#[test]
fn install_force_replaces_the_existing_hook() {
    let env = Env::new();
    let repo = env.repo("repo");
    let marker = env.path("marker");
    write_marker_hook(&repo, &marker);

    let install = repo.keyhook_ok(&["install", "--force"]);

    let hooks = repo.root.join(".git/hooks");
    assert!(
        !hooks.join("pre-commit.keyhook-chained").exists(),
        "nothing is kept\n{install}"
    );
    let key = fake_key(14);
    repo.write("secret.py", key_line(&key));
    repo.git(&["add", "secret.py"]);
    let run = repo.commit("secret");
    support::assert_blocked(&run, &key);
    assert_eq!(marker_runs(&marker), 0, "the old hook is gone\n{run}");
}

// ---------------------------------------------------------------------------
// `keyhook pre-commit FILE…`, as the pre-commit framework calls it.

#[test]
fn pre_commit_with_files_scans_only_the_listed_files() {
    let env = Env::new();
    let repo = env.repo("repo");
    let key = fake_key(15);
    repo.write("secret.py", key_line(&key));
    repo.write("clean.py", "print('hi')\n");
    repo.git(&["add", "secret.py", "clean.py"]);

    let clean = repo.keyhook(&["pre-commit", "clean.py"]);
    let secret = repo.keyhook(&["pre-commit", "secret.py"]);

    assert!(clean.success(), "secret.py was not listed\n{clean}");
    support::assert_blocked(&secret, &key);
    assert_eq!(secret.code, Some(1), "{secret}");
}

#[test]
fn pre_commit_with_files_scans_the_staged_version_not_the_work_tree() {
    let env = Env::new();
    let repo = env.repo("repo");
    let staged_key = fake_key(16);
    let work_tree_key = fake_key(17);
    repo.write("staged.py", key_line(&staged_key));
    repo.write("worktree.py", "print('hi')\n");
    repo.git(&["add", "staged.py", "worktree.py"]);
    repo.write("staged.py", "print('cleaned')\n");
    repo.write("worktree.py", key_line(&work_tree_key));

    let run = repo.keyhook(&["pre-commit", "staged.py", "worktree.py"]);

    support::assert_blocked(&run, &staged_key);
    support::assert_not_leaked(&run.all(), &work_tree_key);
    assert!(
        !run.all().contains("worktree.py:"),
        "the work-tree key is not reported\n{run}"
    );
}

#[test]
fn pre_commit_with_file_identical_to_head_scans_it_whole() {
    let env = Env::new();
    let repo = env.repo("repo");
    let key = fake_key(18);
    repo.write("old.py", key_line(&key));
    repo.git(&["add", "old.py"]);
    repo.commit_no_verify("old (hook bypassed)");

    let run = repo.keyhook(&["pre-commit", "old.py"]);

    support::assert_blocked(&run, &key);
}

#[test]
fn pre_commit_with_file_not_in_index_is_an_error() {
    let env = Env::new();
    let repo = env.repo("repo");
    let key = fake_key(19);
    repo.write("untracked.py", key_line(&key));

    for file in ["untracked.py", "missing.py"] {
        let run = repo.keyhook(&["pre-commit", file]);

        assert_eq!(run.code, Some(3), "{file}: never a silent pass\n{run}");
        assert!(
            run.all().contains(file) && run.all().contains("not in the index"),
            "{file}: the message names the file and the cause\n{run}"
        );
        support::assert_not_leaked(&run.all(), &key);
    }
}

// ---------------------------------------------------------------------------
// `keyhook pre-push`.

/// A repository with the pre-push hook and a bare `origin` reached over file://.
fn repo_with_remote(env: &Env) -> Repo<'_> {
    let repo = env.repo("repo");
    env.init("remote.git", &["--bare"]);
    let url = format!("file://{}", env.path("remote.git").display());
    repo.git(&["remote", "add", "origin", &url]);
    repo.keyhook_ok(&["install", "--hook", "pre-push"]);
    repo
}

#[test]
fn pre_push_refuses_commit_with_key() {
    let env = Env::new();
    let repo = repo_with_remote(&env);
    let key = fake_key(20);
    repo.write("deploy.py", key_line(&key));
    repo.git(&["add", "deploy.py"]);
    repo.commit_no_verify("deploy (pre-commit bypassed)");

    let run = repo.try_git(&["push", "origin", "main"]);

    support::assert_blocked(&run, &key);
    let remote = env.open(env.path("remote.git"));
    assert!(
        !remote
            .try_git(&["rev-parse", "--verify", "-q", "refs/heads/main"])
            .success(),
        "the remote did not get main\n{run}"
    );
}

#[test]
fn pre_push_does_not_rescan_commits_the_remote_has() {
    let env = Env::new();
    let repo = repo_with_remote(&env);
    let key = fake_key(21);
    repo.write("old.py", key_line(&key));
    repo.git(&["add", "old.py"]);
    repo.commit_no_verify("old key (hooks bypassed)");
    repo.git(&["push", "-q", "--no-verify", "origin", "main"]);
    repo.write("new.py", "print('clean')\n");
    repo.git(&["add", "new.py"]);
    repo.commit_no_verify("clean");

    let run = repo.try_git(&["push", "origin", "main"]);

    assert!(run.success(), "only the new commit is scanned\n{run}");
    assert!(
        run.all().contains("1 new commit(s) scanned"),
        "the hook ran on exactly one commit\n{run}"
    );
    support::assert_not_leaked(&run.all(), &key);
}

#[test]
fn pre_push_with_malformed_stdin_exits_2() {
    let env = Env::new();
    let repo = env.repo("repo");

    let run = repo.keyhook_stdin(
        &["pre-push", "origin", "file:///x"],
        b"this is not a ref update\n",
    );

    assert_eq!(run.code, Some(2), "{run}");
    assert!(
        run.stderr.contains("malformed pre-push input on line 1"),
        "the message says what is wrong and where\n{run}"
    );
}

// ---------------------------------------------------------------------------
// The real pre-commit framework, against this checkout's .pre-commit-hooks.yaml.

#[test]
fn pre_commit_framework_hook_blocks_staged_key() {
    let Some(framework) = support::Framework::find() else {
        return;
    };
    let env = Env::new();
    let repo = env.repo("repo");
    let key = fake_key(22);
    repo.write("app.py", key_line(&key));
    repo.git(&["add", "app.py"]);

    let run = framework.try_repo(&repo, &["keyhook"]);

    support::assert_blocked(&run, &key);
    assert!(run.all().contains("- hook id: keyhook"), "{run}");
}

#[test]
fn pre_commit_framework_hook_passes_clean_change() {
    let Some(framework) = support::Framework::find() else {
        return;
    };
    let env = Env::new();
    let repo = env.repo("repo");
    repo.write("app.py", "print('hi')\n");
    repo.git(&["add", "app.py"]);

    let run = framework.try_repo(&repo, &["keyhook"]);

    assert!(run.success(), "{run}");
    assert!(
        run.all().contains("keyhook pre-commit: ok"),
        "keyhook ran (--verbose shows its output)\n{run}"
    );
}

#[test]
fn pre_commit_framework_push_hook_blocks_key_in_pushed_commits() {
    let Some(framework) = support::Framework::find() else {
        return;
    };
    let env = Env::new();
    let repo = env.repo("repo");
    let from = repo.head();
    let key = fake_key(23);
    repo.write("deploy.py", key_line(&key));
    repo.git(&["add", "deploy.py"]);
    repo.commit_no_verify("deploy");
    let to = repo.head();

    let run = framework.try_repo(
        &repo,
        &[
            "keyhook-push",
            "--hook-stage",
            "pre-push",
            "--from-ref",
            &from,
            "--to-ref",
            &to,
        ],
    );

    support::assert_blocked(&run, &key);
    assert!(run.all().contains("- hook id: keyhook-push"), "{run}");
}

mod support {
    //! Temp repositories driven by the `git` CLI and the real keyhook binary, in a
    //! clean environment: fixed identity, no system config, `HOME` inside the temp
    //! dir so the user's global config cannot leak in.

    pub use crate::util::{assert_not_leaked, openai_key as fake_key, openai_redacted as redacted};
    use std::fmt;
    use std::io::Write as _;
    use std::path::{Path, PathBuf};
    use std::process::{Command, Stdio};

    /// The binary under test.
    pub const KEYHOOK: &str = env!("CARGO_BIN_EXE_keyhook");

    /// A finished process: exit code and both streams.
    pub struct Run {
        /// The command line, for failure messages.
        pub what: String,
        /// Exit code (`None` if killed by a signal).
        pub code: Option<i32>,
        /// Standard output.
        pub stdout: String,
        /// Standard error.
        pub stderr: String,
    }

    impl Run {
        pub fn success(&self) -> bool {
            self.code == Some(0)
        }

        /// Both streams (git prints hook output on stderr).
        pub fn all(&self) -> String {
            format!("{}{}", self.stdout, self.stderr)
        }
    }

    impl fmt::Display for Run {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(
                f,
                "$ {}\nexit code: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}\n--------------",
                self.what, self.code, self.stdout, self.stderr
            )
        }
    }

    /// One temp dir holding `home/` and any repositories of a test.
    pub struct Env {
        dir: tempfile::TempDir,
        home: PathBuf,
    }

    impl Env {
        pub fn new() -> Env {
            let dir = tempfile::tempdir().expect("create a temp dir");
            let home = dir.path().join("home");
            std::fs::create_dir(&home).expect("create HOME");
            std::fs::write(
                home.join(".gitconfig"),
                "[commit]\n\tgpgsign = false\n[tag]\n\tgpgsign = false\n[advice]\n\tdetachedHead = false\n",
            )
            .expect("write .gitconfig");
            Env { dir, home }
        }

        /// A path inside the temp dir.
        pub fn path(&self, name: &str) -> PathBuf {
            self.dir.path().join(name)
        }

        /// A command with the clean environment, run in `cwd`.
        pub fn command(&self, program: impl AsRef<std::ffi::OsStr>, cwd: &Path) -> Command {
            let mut cmd = Command::new(program);
            cmd.current_dir(cwd).env_clear();
            if let Some(path) = std::env::var_os("PATH") {
                cmd.env("PATH", path);
            }
            if let Some(tmp) = std::env::var_os("TMPDIR") {
                cmd.env("TMPDIR", tmp);
            }
            cmd.env("HOME", &self.home)
                .env("LC_ALL", "C")
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("GIT_AUTHOR_NAME", "Keyhook Test")
                .env("GIT_AUTHOR_EMAIL", "test@keyhook.invalid")
                .env("GIT_COMMITTER_NAME", "Keyhook Test")
                .env("GIT_COMMITTER_EMAIL", "test@keyhook.invalid")
                .env("GIT_TERMINAL_PROMPT", "0");
            cmd
        }

        /// Runs `cmd`, feeding it `stdin`.
        pub fn run(&self, mut cmd: Command, stdin: &[u8]) -> Run {
            let what = format!(
                "(cd {} && {} {})",
                cmd.get_current_dir().unwrap_or(Path::new(".")).display(),
                cmd.get_program().to_string_lossy(),
                cmd.get_args()
                    .map(|a| a.to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join(" ")
            );
            cmd.stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            let mut child = cmd
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
            let mut input = child.stdin.take().expect("stdin is piped");
            // A child that exits without reading gives EPIPE here; its output says why.
            let _ = input.write_all(stdin);
            drop(input);
            let out = child
                .wait_with_output()
                .unwrap_or_else(|e| panic!("cannot wait for {what}: {e}"));
            Run {
                what,
                code: out.status.code(),
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            }
        }

        /// `git init [args] NAME` on branch `main`.
        pub fn init(&self, name: &str, args: &[&str]) -> Repo<'_> {
            let mut cmd = self.command("git", self.dir.path());
            cmd.args(["-c", "init.defaultBranch=main", "init", "-q"])
                .args(args)
                .arg(name);
            let run = self.run(cmd, b"");
            assert!(run.success(), "{run}");
            self.open(self.path(name))
        }

        /// A repository with one commit (`README.md`) on `main`, no hook.
        pub fn repo(&self, name: &str) -> Repo<'_> {
            let repo = self.init(name, &[]);
            repo.write("README.md", "# test\n");
            repo.git(&["add", "README.md"]);
            repo.commit_no_verify("initial");
            repo
        }

        /// [`Env::repo`] with keyhook's pre-commit hook installed.
        pub fn repo_with_hook(&self, name: &str) -> Repo<'_> {
            let repo = self.repo(name);
            repo.keyhook_ok(&["install"]);
            repo
        }

        /// An existing repository or worktree at `root`.
        pub fn open(&self, root: PathBuf) -> Repo<'_> {
            Repo { env: self, root }
        }
    }

    /// A work tree (or bare repository) in an [`Env`].
    pub struct Repo<'e> {
        pub env: &'e Env,
        pub root: PathBuf,
    }

    impl Repo<'_> {
        /// Runs git here, whatever its exit code.
        pub fn try_git(&self, args: &[&str]) -> Run {
            self.git_stdin_any(args, b"")
        }

        /// Runs git here; it must succeed.
        pub fn git(&self, args: &[&str]) -> Run {
            let run = self.try_git(args);
            assert!(run.success(), "{run}");
            run
        }

        /// Runs git here with `stdin`; it must succeed.
        pub fn git_stdin(&self, args: &[&str], stdin: &[u8]) -> Run {
            let run = self.git_stdin_any(args, stdin);
            assert!(run.success(), "{run}");
            run
        }

        fn git_stdin_any(&self, args: &[&str], stdin: &[u8]) -> Run {
            let mut cmd = self.env.command("git", &self.root);
            cmd.args(args);
            self.env.run(cmd, stdin)
        }

        /// Runs keyhook here, whatever its exit code.
        pub fn keyhook(&self, args: &[&str]) -> Run {
            self.keyhook_stdin(args, b"")
        }

        /// Runs keyhook here with `stdin`.
        pub fn keyhook_stdin(&self, args: &[&str], stdin: &[u8]) -> Run {
            let mut cmd = self.env.command(KEYHOOK, &self.root);
            cmd.args(args);
            self.env.run(cmd, stdin)
        }

        /// Runs keyhook here; it must exit 0.
        pub fn keyhook_ok(&self, args: &[&str]) -> Run {
            let run = self.keyhook(args);
            assert!(run.success(), "{run}");
            run
        }

        /// `git commit -m MSG` through the hooks, whatever its exit code.
        pub fn commit(&self, message: &str) -> Run {
            self.try_git(&["commit", "-m", message])
        }

        /// `git commit --no-verify`; it must succeed.
        pub fn commit_no_verify(&self, message: &str) {
            self.git(&["commit", "-q", "--no-verify", "-m", message]);
        }

        /// Commits reachable from HEAD.
        pub fn commit_count(&self) -> usize {
            self.git(&["rev-list", "--count", "HEAD"])
                .stdout
                .trim()
                .parse()
                .expect("a count")
        }

        /// HEAD's object id.
        pub fn head(&self) -> String {
            self.git(&["rev-parse", "HEAD"]).stdout.trim().to_string()
        }

        /// Writes a work-tree file, creating its folders.
        pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) {
            let path = self.root.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("create folders");
            }
            std::fs::write(&path, contents)
                .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        }

        /// Reads a work-tree file.
        pub fn read(&self, rel: &str) -> Vec<u8> {
            let path = self.root.join(rel);
            std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
        }
    }

    #[cfg(unix)]
    pub fn make_executable(path: &Path) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod +x");
    }

    /// The run failed with a report that shows `key` redacted, and only redacted.
    pub fn assert_blocked(run: &Run, key: &str) {
        assert!(!run.success(), "expected a block\n{run}");
        let all = run.all();
        assert!(
            all.contains(&redacted(key)),
            "the redacted key {} is shown\n{run}",
            redacted(key)
        );
        assert_not_leaked(&all, key);
    }

    /// The pre-commit framework (https://pre-commit.com), as `.ci/run` installs it.
    pub struct Framework {
        exe: PathBuf,
        /// `target/` of this build: stable homes for the framework's caches.
        target: PathBuf,
    }

    impl Framework {
        /// Finds `pre-commit` on PATH or in `target/ci-venv`. Missing: the test is
        /// skipped locally, and fails in CI (`CI` set), where `.ci/run` installs it.
        pub fn find() -> Option<Framework> {
            let root = Path::new(env!("CARGO_MANIFEST_DIR"));
            let on_path = std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|p| p.join("pre-commit"))
                    .find(|p| p.is_file())
            });
            let exe = on_path.or_else(|| {
                Some(root.join("target/ci-venv/bin/pre-commit")).filter(|p| p.is_file())
            });
            let target = Path::new(KEYHOOK)
                .parent()
                .and_then(Path::parent)
                .expect("the binary lives in <target>/<profile>/")
                .to_path_buf();
            match exe {
                Some(exe) => Some(Framework { exe, target }),
                None if std::env::var_os("CI").is_some() => {
                    panic!("pre-commit is not installed: .ci/run installs it into target/ci-venv")
                }
                None => {
                    eprintln!(
                        "SKIPPED: pre-commit not found on PATH or in target/ci-venv \
                         (python3 -m venv target/ci-venv && target/ci-venv/bin/pip install pre-commit)"
                    );
                    None
                }
            }
        }

        /// `pre-commit try-repo <this checkout> ARGS --verbose` in `repo`.
        pub fn try_repo(&self, repo: &Repo<'_>, args: &[&str]) -> Run {
            let checkout = env!("CARGO_MANIFEST_DIR");
            let mut cmd = repo.env.command(&self.exe, &repo.root);
            cmd.arg("try-repo")
                .arg(checkout)
                .args(args)
                .arg("--verbose");
            // The framework builds keyhook with `cargo install --path`: it needs
            // cargo and rustc (the toolchain running this test first), the real
            // cargo and rustup homes (HOME is a temp dir here), and stable cache
            // folders so that only the first run compiles the dependencies.
            let mut path = Vec::new();
            if let Some(cargo) = std::env::var_os("CARGO") {
                path.extend(Path::new(&cargo).parent().map(Path::to_path_buf));
            }
            path.extend(self.exe.parent().map(Path::to_path_buf));
            path.extend(std::env::split_paths(
                &std::env::var_os("PATH").unwrap_or_default(),
            ));
            cmd.env("PATH", std::env::join_paths(path).expect("a valid PATH"));
            let real_home = std::env::var_os("HOME").map(PathBuf::from);
            for (var, default) in [("CARGO_HOME", ".cargo"), ("RUSTUP_HOME", ".rustup")] {
                let value = std::env::var_os(var)
                    .map(PathBuf::from)
                    .or_else(|| real_home.as_ref().map(|h| h.join(default)));
                if let Some(value) = value {
                    cmd.env(var, value);
                }
            }
            if let Some(toolchain) = std::env::var_os("RUSTUP_TOOLCHAIN") {
                cmd.env("RUSTUP_TOOLCHAIN", toolchain);
            }
            // try-repo installs into a temporary store (PRE_COMMIT_HOME is not used
            // for the hook environment), so every call runs `cargo install` again:
            // with the cargo target dir kept, only keyhook itself is recompiled, and
            // an unoptimised build makes that ~5x faster. It tests the wiring of
            // .pre-commit-hooks.yaml, not the release profile.
            cmd.env("PRE_COMMIT_HOME", self.target.join("pre-commit-home"))
                .env("CARGO_TARGET_DIR", self.target.join("pre-commit-cargo"))
                .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
                .env("CARGO_PROFILE_RELEASE_LTO", "false")
                .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
                .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
                .env("PRE_COMMIT_COLOR", "never")
                // `cargo install` ignores Cargo.lock; offline, it resolves from the
                // crates `cargo test` already fetched: no network, no surprise
                // upgrades.
                .env("CARGO_NET_OFFLINE", "true");
            repo.env.run(cmd, b"")
        }
    }
}
