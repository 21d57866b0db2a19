//! `keyhook pre-commit FILE…`, as the pre-commit framework calls it.

use super::support::{self, fake_key, key_line, Env};

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
