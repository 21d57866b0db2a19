//! Index states that the folder-by-folder comparison with `HEAD` must read right: a
//! cache-tree that is valid but names another commit's trees, files turned into
//! folders and back, and a sparse index.

use super::support::{self, fake_key, key_line, Env, Repo};

/// A repository with a few folders committed, so the index has a cache-tree.
fn repo_with_folders(env: &Env) -> Repo<'_> {
    let repo = env.repo_with_hook("repo");
    for dir in ["api", "web", "lib/deep/er"] {
        repo.write(&format!("{dir}/a.py"), "x = 1\n");
        repo.write(&format!("{dir}/b.py"), "y = 2\n");
    }
    repo.git(&["add", "-A"]);
    repo.commit_no_verify("folders");
    repo
}

#[test]
fn key_in_index_after_reset_soft_is_blocked() {
    // After `git reset --soft`, the index (and its valid cache-tree) is the undone
    // commit's; only the folders that differ from the new HEAD are compared.
    let env = Env::new();
    let repo = repo_with_folders(&env);
    let key = fake_key(41);
    repo.write("lib/deep/er/keys.py", key_line(&key));
    repo.git(&["add", "-A"]);
    repo.commit_no_verify("key, hook skipped");
    repo.git(&["reset", "-q", "--soft", "HEAD~1"]);

    let run = repo.commit("again, through the hook");

    support::assert_blocked(&run, &key);
    assert!(run.all().contains("lib/deep/er/keys.py"), "{run}");
}

#[test]
fn unchanged_folders_are_skipped_but_a_sibling_change_is_found() {
    let env = Env::new();
    let repo = repo_with_folders(&env);
    let key = fake_key(42);
    repo.write("web/b.py", format!("y = 2\n{}", key_line(&key)));
    repo.git(&["add", "web/b.py"]);

    let run = repo.commit("edit web");

    support::assert_blocked(&run, &key);
    assert!(run.all().contains("in 1 staged files scanned"), "{run}");
}

#[test]
fn file_replaced_by_a_folder_holding_a_key_is_blocked() {
    let env = Env::new();
    let repo = repo_with_folders(&env);
    repo.git(&["rm", "-q", "api/a.py"]);
    let key = fake_key(43);
    repo.write("api/a.py/settings.py", key_line(&key));
    repo.git(&["add", "-A"]);

    let run = repo.commit("a.py becomes a folder");

    support::assert_blocked(&run, &key);
    assert!(run.all().contains("api/a.py/settings.py"), "{run}");
}

#[test]
fn folder_replaced_by_a_file_holding_a_key_is_blocked() {
    let env = Env::new();
    let repo = repo_with_folders(&env);
    repo.git(&["rm", "-q", "-r", "web"]);
    let key = fake_key(44);
    repo.write("web", key_line(&key));
    repo.git(&["add", "-A"]);

    let run = repo.commit("web becomes a file");

    support::assert_blocked(&run, &key);
}

#[test]
fn sparse_index_commit_inside_the_cone_is_scanned_and_folders_outside_are_not_misread() {
    let env = Env::new();
    let repo = repo_with_folders(&env);
    repo.git(&["sparse-checkout", "init", "--cone", "--sparse-index"]);
    repo.git(&["sparse-checkout", "set", "api"]);
    // The index now holds `web/` and `lib/` as single folder entries.
    let listing = repo.git(&["ls-files", "--sparse"]).stdout;
    assert!(
        listing.contains("web/\n"),
        "expected a sparse index:\n{listing}"
    );

    repo.write("api/c.py", "z = 3\n");
    repo.git(&["add", "api/c.py"]);
    let clean = repo.commit("clean change in the cone");
    assert!(clean.success(), "{clean}");
    assert!(clean.all().contains("keyhook pre-commit: ok"), "{clean}");

    let key = fake_key(45);
    repo.write("api/keys.py", key_line(&key));
    repo.git(&["add", "api/keys.py"]);
    let run = repo.commit("key in the cone");
    support::assert_blocked(&run, &key);
}

#[test]
fn sparse_folder_that_differs_from_head_is_reported_not_skipped() {
    // After `git reset --soft` over a commit that changed a folder outside the cone,
    // the index's sparse entry names a tree HEAD does not have: its files cannot be
    // listed from the index, so the hook says so and stops (exit 3).
    let env = Env::new();
    let repo = repo_with_folders(&env);
    repo.write("web/c.py", "z = 3\n");
    repo.git(&["add", "-A"]);
    repo.commit_no_verify("change web");
    repo.git(&["sparse-checkout", "init", "--cone", "--sparse-index"]);
    repo.git(&["sparse-checkout", "set", "api"]);
    repo.git(&["reset", "-q", "--soft", "HEAD~1"]);

    let run = repo.commit("web again");

    assert!(!run.success(), "{run}");
    assert!(
        run.all().contains("web/") && run.all().contains("outside the sparse checkout"),
        "{run}"
    );
    let direct = repo.keyhook(&["pre-commit"]);
    assert_eq!(direct.code, Some(3), "{direct}");
}
