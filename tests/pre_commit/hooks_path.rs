//! Issue 13: `keyhook install` puts the hook where git looks. `core.hooksPath` is
//! read as git reads it (`~/` expanded, relative to the work tree root, from the
//! repository's, the global or a worktree's config), and the install asks git
//! (`git rev-parse --git-path`) whether it would run the hook.

use super::support::{self, fake_key, key_line, Env};

/// The key is blocked by `git commit` through the installed hook.
fn assert_commit_blocked(repo: &support::Repo<'_>, seed: u64) {
    let key = fake_key(seed);
    repo.write("secret.py", key_line(&key));
    repo.git(&["add", "secret.py"]);
    let run = repo.commit("secret");
    support::assert_blocked(&run, &key);
}

#[test]
fn hooks_path_with_tilde_in_repository_config_lands_in_home() {
    let env = Env::new();
    let repo = env.repo("repo");
    repo.git(&["config", "core.hooksPath", "~/.githooks"]);

    let install = repo.keyhook_ok(&["install"]);

    let hook = env.path("home/.githooks/pre-commit");
    assert!(hook.is_file(), "{install}");
    assert!(
        !repo.root.join("~").exists(),
        "no literal ~ folder\n{install}"
    );
    assert!(
        install.stdout.contains("verified: git runs this hook"),
        "{install}"
    );
    assert_commit_blocked(&repo, 141);
}

#[test]
fn hooks_path_in_global_config_is_honoured() {
    let env = Env::new();
    let repo = env.repo("repo");
    let mut global = std::fs::read_to_string(env.path("home/.gitconfig")).unwrap();
    global.push_str("[core]\n\thooksPath = ~/global-hooks\n");
    std::fs::write(env.path("home/.gitconfig"), global).unwrap();

    let install = repo.keyhook_ok(&["install"]);

    assert!(
        env.path("home/global-hooks/pre-commit").is_file(),
        "{install}"
    );
    assert!(install.stdout.contains("verified"), "{install}");
    assert_commit_blocked(&repo, 142);
}

#[test]
fn relative_hooks_path_is_taken_from_the_work_tree_root() {
    let env = Env::new();
    let repo = env.repo("repo");
    repo.git(&["config", "core.hooksPath", ".githooks"]);
    repo.write("src/deep/keep.txt", "x\n");
    let sub = env.open(repo.root.join("src/deep"));

    let install = sub.keyhook_ok(&["install"]);

    assert!(
        repo.root.join(".githooks/pre-commit").is_file(),
        "{install}"
    );
    assert!(!sub.root.join(".githooks").exists(), "{install}");
    assert!(install.stdout.contains("verified"), "{install}");
    assert_commit_blocked(&repo, 143);
}

#[test]
fn per_worktree_hooks_path_is_honoured_in_a_linked_worktree() {
    let env = Env::new();
    let repo = env.repo("repo");
    repo.git(&["config", "extensions.worktreeConfig", "true"]);
    let linked = env.path("linked");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        linked.to_str().unwrap(),
        "-b",
        "side",
    ]);
    let wt = env.open(linked);
    wt.git(&["config", "--worktree", "core.hooksPath", "~/wt-hooks"]);

    let install = wt.keyhook_ok(&["install"]);

    assert!(env.path("home/wt-hooks/pre-commit").is_file(), "{install}");
    assert!(
        !repo.root.join(".git/hooks/pre-commit").exists(),
        "{install}"
    );
    assert!(install.stdout.contains("verified"), "{install}");
    assert_commit_blocked(&wt, 144);
}

#[test]
fn hooks_path_in_system_config_is_honoured() {
    let env = Env::new();
    let repo = env.repo("repo");
    let system = env.path("system.gitconfig");
    let hooks = env.path("system-hooks");
    std::fs::write(
        &system,
        format!("[core]\n\thooksPath = {}\n", hooks.display()),
    )
    .unwrap();
    let with_system = |program: &str, args: &[&str]| {
        let mut cmd = env.command(program, &repo.root);
        cmd.env_remove("GIT_CONFIG_NOSYSTEM")
            .env("GIT_CONFIG_SYSTEM", &system)
            .args(args);
        env.run(cmd, b"")
    };

    let install = with_system(support::KEYHOOK, &["install"]);

    assert!(install.success(), "{install}");
    assert!(hooks.join("pre-commit").is_file(), "{install}");
    assert!(install.stdout.contains("verified"), "{install}");
    let key = fake_key(145);
    repo.write("secret.py", key_line(&key));
    repo.git(&["add", "secret.py"]);
    let commit = with_system("git", &["commit", "-m", "secret"]);
    support::assert_blocked(&commit, &key);
}
