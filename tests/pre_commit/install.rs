//! `keyhook install` and `uninstall` next to an existing pre-commit hook.

use super::support::{self, fake_key, key_line, Env, Repo};

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
