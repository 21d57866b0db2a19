//! Forbidden files (`.env`, `*.pem`, credentials JSON) are blocked whatever their content.

use super::support::Env;

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
