//! The `.gitignore` check and `keyhook init`.

use super::support::{self, fake_key, key_line, Env};

/// The six lines `keyhook init` adds to an empty `.gitignore`, in its order.
const ALL_IGNORE_LINES: &str =
    ".env, .env.local, .env.production, *.pem, *credentials*.json, *service-account*.json";

#[test]
fn gitignore_without_secret_patterns_warns_naming_the_missing_lines() {
    let env = Env::new();
    let repo = env.repo_with_hook("repo");
    repo.write("app.py", "print('hi')\n");
    repo.git(&["add", "app.py"]);

    let run = repo.commit("app");

    assert!(run.success(), "a warning does not block\n{run}");
    assert!(
        run.all().contains(&format!(
            "warning: .gitignore does not cover: {ALL_IGNORE_LINES}"
        )),
        "the warning names every missing line\n{run}"
    );
}

#[test]
fn gitignore_enforce_blocks_the_commit() {
    let env = Env::new();
    let repo = env.repo_with_hook("repo");
    repo.write("keyhook.toml", "gitignore = \"enforce\"\n");
    repo.write("app.py", "print('hi')\n");
    repo.git(&["add", "app.py", "keyhook.toml"]);

    let run = repo.commit("app");

    assert!(!run.success(), "enforce blocks\n{run}");
    assert!(
        run.all().contains(&format!(
            "error: .gitignore does not cover: {ALL_IGNORE_LINES}"
        )),
        "the error names every missing line\n{run}"
    );
}

#[test]
fn init_twice_adds_missing_lines_once_and_keeps_user_lines() {
    let env = Env::new();
    let repo = env.repo("repo");
    let user = b"target\r\n# mine\n*.pem\nnode_modules".to_vec();
    repo.write(".gitignore", &user);

    let first = repo.keyhook_ok(&["init"]);
    let after_first = repo.read(".gitignore");
    let config = repo.read("keyhook.toml");
    let second = repo.keyhook_ok(&["init"]);
    let after_second = repo.read(".gitignore");

    let text = String::from_utf8_lossy(&after_first).into_owned();
    assert!(
        after_first.starts_with(&user),
        "the user's bytes are kept as they were\n{first}\n.gitignore:\n{text}"
    );
    let appended = String::from_utf8_lossy(&after_first[user.len()..]).into_owned();
    let added: Vec<&str> = appended
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert_eq!(
        added,
        [
            ".env",
            ".env.local",
            ".env.production",
            "*credentials*.json",
            "*service-account*.json"
        ],
        "exactly the missing lines (*.pem was already there)\n{first}\n.gitignore:\n{text}"
    );
    assert_eq!(
        after_first, after_second,
        "a second run changes nothing\n{second}"
    );
    assert_eq!(
        config,
        include_bytes!("../../examples/keyhook.toml"),
        "the starter config is written\n{first}"
    );
    assert_eq!(
        repo.read("keyhook.toml"),
        config,
        "and written once\n{second}"
    );
    let check = repo.keyhook(&["pre-commit"]);
    assert!(
        check.success() && !check.all().contains(".gitignore does not cover"),
        "nothing is missing any more\n{check}"
    );
    let key = fake_key(11);
    repo.write("app.py", key_line(&key));
    repo.git(&["add", "app.py"]);
    let run = repo.commit("app");
    support::assert_blocked(&run, &key);
}

#[test]
fn init_right_after_git_init_succeeds() {
    let env = Env::new();
    let repo = env.init("repo", &[]);

    let run = repo.keyhook(&["init"]);

    assert!(
        run.success(),
        "keyhook init is the first thing run in a new repo\n{run}"
    );
    let gitignore = String::from_utf8_lossy(&repo.read(".gitignore")).into_owned();
    assert!(gitignore.lines().any(|l| l == ".env"), "{run}\n{gitignore}");
    assert!(repo.root.join(".git/hooks/pre-commit").is_file(), "{run}");
}

#[test]
fn gitignore_negation_makes_dot_env_missing_again() {
    let env = Env::new();
    let repo = env.repo_with_hook("repo");
    repo.write(
        ".gitignore",
        ".env\n.env.local\n.env.production\n*.pem\n*credentials*.json\n*service-account*.json\n!.env\n",
    );
    repo.git(&["add", ".gitignore"]);

    let run = repo.commit("gitignore");

    assert!(run.success(), "{run}");
    assert!(
        run.all()
            .contains("warning: .gitignore does not cover: .env\n"),
        "git's negation semantics: !.env un-ignores it\n{run}"
    );
}
