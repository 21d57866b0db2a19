//! The real pre-commit framework, against this checkout's `.pre-commit-hooks.yaml`.

use super::support::{self, fake_key, key_line, Env};

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
