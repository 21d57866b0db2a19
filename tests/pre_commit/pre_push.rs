//! `keyhook pre-push`, installed as git's pre-push hook.

use super::support::{self, fake_key, key_line, Env, Repo};

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
