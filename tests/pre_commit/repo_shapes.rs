//! Repository shapes: unborn branch, detached HEAD, linked worktree, core.hooksPath,
//! SHA-256, submodules, binary and non-UTF-8 files, LFS pointers and symlinks.

use super::support::{self, fake_key, key_line, Env};

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
        run.all().contains("1 binary (read as text runs"),
        "the binary blob is read through its views and counted\n{run}"
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

#[test]
fn staged_lfs_pointer_is_counted_as_skipped_and_a_symlink_is_scanned() {
    let env = Env::new();
    let repo = env.repo_with_hook("repo");
    repo.write("model.bin", crate::util::LFS_POINTER);
    std::os::unix::fs::symlink("README.md", repo.root.join("readme-link")).expect("symlink");
    repo.git(&["add", "model.bin", "readme-link"]);

    let run = repo.commit("pointer and link");

    assert!(run.success(), "{run}");
    assert!(
        run.all()
            .contains("in 1 staged files scanned · 1 skipped (lfs-pointer 1)"),
        "{run}"
    );
}

#[test]
fn staged_file_over_max_file_size_is_counted_as_skipped() {
    let env = Env::new();
    let repo = env.repo_with_hook("repo");
    repo.write("keyhook.toml", "max_file_size = 200\n");
    repo.write("data/big.csv", "a,b,c\n".repeat(100));
    repo.git(&["add", "-A"]);

    let run = repo.commit("big file");

    assert!(run.success(), "{run}");
    assert!(
        run.all()
            .contains("in 1 staged files scanned · 1 skipped (too-large 1)"),
        "keyhook.toml scanned, big.csv skipped and counted: {run}"
    );
}

#[test]
fn staged_blobs_are_found_loose_and_after_a_repack() {
    // keyhook reads staged loose objects itself and asks gix for the rest: a staged
    // blob that `git repack` moved into a pack (and removed) is read from the pack.
    let env = Env::new();
    let repo = env.repo_with_hook("repo");
    let key = fake_key(31);
    repo.write("loose.py", key_line(&key));
    repo.write("packed.py", key_line(&fake_key(32)));
    repo.git(&["add", "packed.py"]);
    repo.git(&["repack", "-q", "-a", "-d"]);
    repo.git(&["prune-packed"]);
    let packed = repo.git(&["rev-parse", ":packed.py"]).stdout;
    let packed = packed.trim();
    let loose_file = crate::util::loose_object_path(&repo.root, packed);
    assert!(!loose_file.exists(), "the staged blob is packed only");
    repo.git(&["add", "loose.py"]);

    let run = repo.keyhook(&["pre-commit"]);

    assert_eq!(run.code, Some(1), "{run}");
    let out = run.all();
    assert!(
        out.contains("loose.py") && out.contains("packed.py"),
        "{run}"
    );
    support::assert_not_leaked(&out, &key);
}

#[test]
fn corrupt_staged_loose_object_is_an_error_naming_it_never_a_pass() {
    let env = Env::new();
    let repo = env.repo_with_hook("repo");
    repo.write("app.py", key_line(&fake_key(33)));
    repo.git(&["add", "app.py"]);
    let id = repo.git(&["rev-parse", ":app.py"]).stdout;
    let id = id.trim();
    crate::util::corrupt_loose_object(&repo.root, id);

    let run = repo.keyhook(&["pre-commit"]);

    assert_eq!(
        run.code,
        Some(3),
        "an unreadable staged blob is an error\n{run}"
    );
    assert!(run.all().contains(&format!("app.py (blob {id})")), "{run}");
}
