//! The real pre-commit framework in every case it produces (issue 13): real `git
//! push` through the framework's installed hook (an update, a new branch, a first
//! push starting at a root commit), and `pre-commit run` with `--all-files`,
//! `--files` and the pre-push stage typed by hand. The `language: system` hooks run
//! the keyhook under test from PATH, pinned to a commit sha as the README says.

use super::support::{self, fake_key, key_line, Env, Framework, Repo};

/// A repository with the framework's hooks installed and a bare remote `origin`.
fn setup<'e>(env: &'e Env, framework: &Framework, root_commit: Option<&str>) -> Repo<'e> {
    let hooks = Framework::hooks_repo(env);
    let repo = match root_commit {
        // The history starts with the key: the root commit itself is pushed.
        Some(key) => {
            let repo = env.init("repo", &[]);
            repo.write("app.py", key_line(key));
            repo.git(&["add", "app.py"]);
            repo.commit_no_verify("root commit with a key");
            repo
        }
        None => env.repo("repo"),
    };
    Framework::use_system_hooks(&repo, &hooks);
    env.init("remote.git", &["--bare"]);
    repo.git(&["remote", "add", "origin", "../remote.git"]);
    let run = framework.run(
        &repo,
        &[
            "install",
            "--hook-type",
            "pre-commit",
            "--hook-type",
            "pre-push",
        ],
    );
    assert!(run.success(), "{run}");
    repo
}

/// The push was refused, by keyhook, and the remote did not get `branch`.
fn assert_push_blocked(repo: &Repo<'_>, push: &support::Run, key: &str, branch: &str) {
    support::assert_blocked(push, key);
    assert!(push.all().contains("keyhook pre-push: BLOCKED"), "{push}");
    let remote = repo.env.open(repo.env.path("remote.git"));
    let refs = remote.git(&["for-each-ref", "--format=%(refname)"]).stdout;
    assert!(
        !refs.contains(&format!("refs/heads/{branch}")),
        "the remote got {branch}: {refs}\n{push}"
    );
}

#[test]
fn framework_push_of_a_root_commit_is_blocked() {
    let Some(framework) = Framework::find() else {
        return;
    };
    let env = Env::new();
    let key = fake_key(131);
    let repo = setup(&env, &framework, Some(&key));

    // The framework passes no from/to refs here (it runs the hooks as --all-files).
    let push = framework.git(&repo, &["push", "origin", "main"]);

    assert_push_blocked(&repo, &push, &key, "main");
    assert!(push.all().contains("new commit(s) scanned"), "{push}");
    assert!(!push.all().contains(" 0 new commit(s)"), "{push}");
}

#[test]
fn framework_push_of_an_update_is_blocked() {
    let Some(framework) = Framework::find() else {
        return;
    };
    let env = Env::new();
    let repo = setup(&env, &framework, None);
    let clean = framework.git(&repo, &["push", "-q", "origin", "main"]);
    assert!(clean.success(), "a clean first push passes\n{clean}");
    let key = fake_key(132);
    repo.write("deploy.py", key_line(&key));
    repo.git(&["add", "deploy.py"]);
    repo.commit_no_verify("deploy");

    let push = framework.git(&repo, &["push", "origin", "main"]);

    support::assert_blocked(&push, &key);
    let remote = env.open(env.path("remote.git"));
    assert_ne!(
        remote.git(&["rev-parse", "main"]).stdout,
        repo.head() + "\n"
    );
}

#[test]
fn framework_push_of_a_new_branch_is_blocked() {
    let Some(framework) = Framework::find() else {
        return;
    };
    let env = Env::new();
    let repo = setup(&env, &framework, None);
    let clean = framework.git(&repo, &["push", "-q", "origin", "main"]);
    assert!(clean.success(), "{clean}");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    let key = fake_key(133);
    repo.write("feature.py", key_line(&key));
    repo.git(&["add", "feature.py"]);
    repo.commit_no_verify("feature");

    let push = framework.git(&repo, &["push", "origin", "feature"]);

    assert_push_blocked(&repo, &push, &key, "feature");
}

#[test]
fn framework_run_all_files_and_files_block_a_committed_key() {
    let Some(framework) = Framework::find() else {
        return;
    };
    let env = Env::new();
    let repo = setup(&env, &framework, None);
    let key = fake_key(134);
    repo.write("app.py", key_line(&key));
    repo.git(&["add", "app.py"]);
    repo.commit_no_verify("a committed key");

    for args in [
        &["run", "keyhook-system", "--all-files", "--verbose"][..],
        &["run", "keyhook-system", "--files", "app.py", "--verbose"][..],
    ] {
        let run = framework.run(&repo, args);
        support::assert_blocked(&run, &key);
        let all = run.all();
        // Committed content: not "staged", not "has not left this machine".
        assert!(!all.contains("has not left this machine"), "{run}");
        assert!(!all.contains("git restore --staged"), "{run}");
        assert!(all.contains("committed"), "{run}");
        // Framework users have no `keyhook` binary of their own to run.
        assert!(!all.contains("`keyhook init`"), "{run}");
    }
}

#[test]
fn framework_run_of_the_push_stage_by_hand_scans_unpushed_commits() {
    let Some(framework) = Framework::find() else {
        return;
    };
    let env = Env::new();
    let repo = setup(&env, &framework, None);
    let key = fake_key(135);
    repo.write("later.py", key_line(&key));
    repo.git(&["add", "later.py"]);
    repo.commit_no_verify("not pushed yet");

    let run = framework.run(
        &repo,
        &[
            "run",
            "keyhook-push-system",
            "--hook-stage",
            "pre-push",
            "--verbose",
        ],
    );

    support::assert_blocked(&run, &key);
}
