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

/// Appends `n` commits to `main` with `git fast-import` (one pack); commit `i`
/// writes `dir{i % 7}/file{i}.py` with `content(i)`.
fn long_history(repo: &Repo<'_>, n: usize, content: impl Fn(usize) -> String) {
    let parent = repo.head();
    let mut stream = String::new();
    for i in 1..=n {
        let message = format!("commit {i}");
        let text = content(i);
        stream.push_str(&format!(
            "commit refs/heads/main\ncommitter Ada <ada@example.com> {} +0000\ndata {}\n{message}\n",
            1_700_000_000 + i,
            message.len()
        ));
        if i == 1 {
            stream.push_str(&format!("from {parent}\n"));
        }
        stream.push_str(&format!(
            "M 100644 inline dir{}/file{i}.py\ndata {}\n{text}\n",
            i % 7,
            text.len()
        ));
    }
    repo.git_stdin(&["fast-import", "--quiet"], stream.as_bytes());
    repo.git(&["reset", "-q", "--hard", "main"]);
}

#[test]
fn long_first_push_reads_the_store_in_one_pass_and_still_finds_a_deep_key() {
    let env = Env::new();
    let repo = repo_with_remote(&env);
    repo.write("README.md", "# app\n");
    repo.git(&["add", "README.md"]);
    repo.commit_no_verify("readme");
    let key = fake_key(22);
    long_history(&repo, 600, |i| {
        if i == 300 {
            key_line(&key)
        } else {
            format!("value = {i}\n")
        }
    });

    let run = repo.try_git(&["push", "origin", "main"]);

    support::assert_blocked(&run, &key);
    assert!(
        run.all()
            .contains("the whole object store was read in one pass"),
        "{run}"
    );
    assert!(run.all().contains("dir6/file300.py"), "{run}");
    assert!(run.all().contains("\"commit 300\""), "{run}");
}

#[test]
fn long_clean_push_in_one_pass_is_accepted_and_counted() {
    let env = Env::new();
    let repo = repo_with_remote(&env);
    repo.write("README.md", "# app\n");
    repo.git(&["add", "README.md"]);
    repo.commit_no_verify("readme");
    long_history(&repo, 600, |i| format!("value = {i}\n"));

    let run = repo.try_git(&["push", "origin", "main"]);

    assert!(run.success(), "{run}");
    assert!(run.all().contains("602 new commit(s) scanned"), "{run}");
    assert!(run.all().contains("in 602 blobs scanned"), "{run}");
}
