//! Temp repositories driven by the `git` CLI and the real keyhook binary, in a
//! clean environment: fixed identity, no system config, `HOME` inside the temp
//! dir so the user's global config cannot leak in.

pub use crate::util::{assert_not_leaked, openai_key as fake_key, openai_redacted as redacted};
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The binary under test.
pub const KEYHOOK: &str = env!("CARGO_BIN_EXE_keyhook");

/// A finished process: exit code and both streams.
pub struct Run {
    /// The command line, for failure messages.
    pub what: String,
    /// Exit code (`None` if killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// Both streams (git prints hook output on stderr).
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "$ {}\nexit code: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}\n--------------",
            self.what, self.code, self.stdout, self.stderr
        )
    }
}

/// One temp dir holding `home/` and any repositories of a test.
pub struct Env {
    dir: tempfile::TempDir,
    home: PathBuf,
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().expect("create a temp dir");
        let home = dir.path().join("home");
        std::fs::create_dir(&home).expect("create HOME");
        std::fs::write(
            home.join(".gitconfig"),
            "[commit]\n\tgpgsign = false\n[tag]\n\tgpgsign = false\n[advice]\n\tdetachedHead = false\n",
        )
        .expect("write .gitconfig");
        Env { dir, home }
    }

    /// A path inside the temp dir.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A command with the clean environment, run in `cwd`.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>, cwd: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(cwd).env_clear();
        if let Some(path) = std::env::var_os("PATH") {
            cmd.env("PATH", path);
        }
        if let Some(tmp) = std::env::var_os("TMPDIR") {
            cmd.env("TMPDIR", tmp);
        }
        cmd.env("HOME", &self.home)
            .env("LC_ALL", "C")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Keyhook Test")
            .env("GIT_AUTHOR_EMAIL", "test@keyhook.invalid")
            .env("GIT_COMMITTER_NAME", "Keyhook Test")
            .env("GIT_COMMITTER_EMAIL", "test@keyhook.invalid")
            .env("GIT_TERMINAL_PROMPT", "0");
        cmd
    }

    /// Runs `cmd`, feeding it `stdin`.
    pub fn run(&self, mut cmd: Command, stdin: &[u8]) -> Run {
        let what = format!(
            "(cd {} && {} {})",
            cmd.get_current_dir().unwrap_or(Path::new(".")).display(),
            cmd.get_program().to_string_lossy(),
            cmd.get_args()
                .map(|a| a.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        );
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
        let mut input = child.stdin.take().expect("stdin is piped");
        // A child that exits without reading gives EPIPE here; its output says why.
        let _ = input.write_all(stdin);
        drop(input);
        let out = child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("cannot wait for {what}: {e}"));
        Run {
            what,
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `git init [args] NAME` on branch `main`.
    pub fn init(&self, name: &str, args: &[&str]) -> Repo<'_> {
        let mut cmd = self.command("git", self.dir.path());
        cmd.args(["-c", "init.defaultBranch=main", "init", "-q"])
            .args(args)
            .arg(name);
        let run = self.run(cmd, b"");
        assert!(run.success(), "{run}");
        self.open(self.path(name))
    }

    /// A repository with one commit (`README.md`) on `main`, no hook.
    pub fn repo(&self, name: &str) -> Repo<'_> {
        let repo = self.init(name, &[]);
        repo.write("README.md", "# test\n");
        repo.git(&["add", "README.md"]);
        repo.commit_no_verify("initial");
        repo
    }

    /// [`Env::repo`] with keyhook's pre-commit hook installed.
    pub fn repo_with_hook(&self, name: &str) -> Repo<'_> {
        let repo = self.repo(name);
        repo.keyhook_ok(&["install"]);
        repo
    }

    /// An existing repository or worktree at `root`.
    pub fn open(&self, root: PathBuf) -> Repo<'_> {
        Repo { env: self, root }
    }
}

/// A work tree (or bare repository) in an [`Env`].
pub struct Repo<'e> {
    pub env: &'e Env,
    pub root: PathBuf,
}

impl Repo<'_> {
    /// Runs git here, whatever its exit code.
    pub fn try_git(&self, args: &[&str]) -> Run {
        self.git_stdin_any(args, b"")
    }

    /// Runs git here; it must succeed.
    pub fn git(&self, args: &[&str]) -> Run {
        let run = self.try_git(args);
        assert!(run.success(), "{run}");
        run
    }

    /// Runs git here with `stdin`; it must succeed.
    pub fn git_stdin(&self, args: &[&str], stdin: &[u8]) -> Run {
        let run = self.git_stdin_any(args, stdin);
        assert!(run.success(), "{run}");
        run
    }

    fn git_stdin_any(&self, args: &[&str], stdin: &[u8]) -> Run {
        let mut cmd = self.env.command("git", &self.root);
        cmd.args(args);
        self.env.run(cmd, stdin)
    }

    /// Runs keyhook here, whatever its exit code.
    pub fn keyhook(&self, args: &[&str]) -> Run {
        self.keyhook_stdin(args, b"")
    }

    /// Runs keyhook here with `stdin`.
    pub fn keyhook_stdin(&self, args: &[&str], stdin: &[u8]) -> Run {
        let mut cmd = self.env.command(KEYHOOK, &self.root);
        cmd.args(args);
        self.env.run(cmd, stdin)
    }

    /// Runs keyhook here; it must exit 0.
    pub fn keyhook_ok(&self, args: &[&str]) -> Run {
        let run = self.keyhook(args);
        assert!(run.success(), "{run}");
        run
    }

    /// `git commit -m MSG` through the hooks, whatever its exit code.
    pub fn commit(&self, message: &str) -> Run {
        self.try_git(&["commit", "-m", message])
    }

    /// `git commit --no-verify`; it must succeed.
    pub fn commit_no_verify(&self, message: &str) {
        self.git(&["commit", "-q", "--no-verify", "-m", message]);
    }

    /// Commits reachable from HEAD.
    pub fn commit_count(&self) -> usize {
        self.git(&["rev-list", "--count", "HEAD"])
            .stdout
            .trim()
            .parse()
            .expect("a count")
    }

    /// HEAD's object id.
    pub fn head(&self) -> String {
        self.git(&["rev-parse", "HEAD"]).stdout.trim().to_string()
    }

    /// Writes a work-tree file, creating its folders.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) {
        let path = self.root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create folders");
        }
        std::fs::write(&path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }

    /// Reads a work-tree file.
    pub fn read(&self, rel: &str) -> Vec<u8> {
        let path = self.root.join(rel);
        std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }
}

#[cfg(unix)]
pub fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod +x");
}

/// The run failed with a report that shows `key` redacted, and only redacted.
pub fn assert_blocked(run: &Run, key: &str) {
    assert!(!run.success(), "expected a block\n{run}");
    let all = run.all();
    assert!(
        all.contains(&redacted(key)),
        "the redacted key {} is shown\n{run}",
        redacted(key)
    );
    assert_not_leaked(&all, key);
}

/// The pre-commit framework (https://pre-commit.com), as `.ci/run` installs it.
pub struct Framework {
    exe: PathBuf,
    /// `target/` of this build: stable homes for the framework's caches.
    target: PathBuf,
}

impl Framework {
    /// Finds `pre-commit` on PATH or in `target/ci-venv`. Missing: the test is
    /// skipped locally, and fails in CI (`CI` set), where `.ci/run` installs it.
    pub fn find() -> Option<Framework> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let on_path = std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join("pre-commit"))
                .find(|p| p.is_file())
        });
        let exe = on_path
            .or_else(|| Some(root.join("target/ci-venv/bin/pre-commit")).filter(|p| p.is_file()));
        let target = Path::new(KEYHOOK)
            .parent()
            .and_then(Path::parent)
            .expect("the binary lives in <target>/<profile>/")
            .to_path_buf();
        match exe {
            Some(exe) => Some(Framework { exe, target }),
            // Any non-empty CI (`CI=true` on GitHub Actions and GitLab, `CI=1`
            // elsewhere) means the tool must be there: a skip would pass silently.
            None if std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false") => {
                panic!("pre-commit is not installed: .ci/run installs it into target/ci-venv")
            }
            None => {
                eprintln!(
                    "SKIPPED: pre-commit not found on PATH or in target/ci-venv \
                     (python3 -m venv target/ci-venv && target/ci-venv/bin/pip install pre-commit)"
                );
                None
            }
        }
    }

    /// `pre-commit try-repo <this checkout> ARGS --verbose` in `repo`.
    pub fn try_repo(&self, repo: &Repo<'_>, args: &[&str]) -> Run {
        let checkout = env!("CARGO_MANIFEST_DIR");
        let mut cmd = repo.env.command(&self.exe, &repo.root);
        cmd.arg("try-repo")
            .arg(checkout)
            .args(args)
            .arg("--verbose");
        // The framework builds keyhook with `cargo install --path`: it needs
        // cargo and rustc (the toolchain running this test first), the real
        // cargo and rustup homes (HOME is a temp dir here), and stable cache
        // folders so that only the first run compiles the dependencies.
        let mut path = Vec::new();
        if let Some(cargo) = std::env::var_os("CARGO") {
            path.extend(Path::new(&cargo).parent().map(Path::to_path_buf));
        }
        path.extend(self.exe.parent().map(Path::to_path_buf));
        path.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        cmd.env("PATH", std::env::join_paths(path).expect("a valid PATH"));
        let real_home = std::env::var_os("HOME").map(PathBuf::from);
        for (var, default) in [("CARGO_HOME", ".cargo"), ("RUSTUP_HOME", ".rustup")] {
            let value = std::env::var_os(var)
                .map(PathBuf::from)
                .or_else(|| real_home.as_ref().map(|h| h.join(default)));
            if let Some(value) = value {
                cmd.env(var, value);
            }
        }
        if let Some(toolchain) = std::env::var_os("RUSTUP_TOOLCHAIN") {
            cmd.env("RUSTUP_TOOLCHAIN", toolchain);
        }
        // try-repo installs into a temporary store (PRE_COMMIT_HOME is not used
        // for the hook environment), so every call runs `cargo install` again:
        // with the cargo target dir kept, only keyhook itself is recompiled, and
        // an unoptimised build makes that ~5x faster. It tests the wiring of
        // .pre-commit-hooks.yaml, not the release profile.
        cmd.env("PRE_COMMIT_HOME", self.target.join("pre-commit-home"))
            .env("CARGO_TARGET_DIR", self.target.join("pre-commit-cargo"))
            .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
            .env("CARGO_PROFILE_RELEASE_LTO", "false")
            .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
            .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
            .env("PRE_COMMIT_COLOR", "never")
            // `cargo install` ignores Cargo.lock; offline, it resolves from the
            // crates `cargo test` already fetched: no network, no surprise
            // upgrades.
            .env("CARGO_NET_OFFLINE", "true");
        repo.env.run(cmd, b"")
    }
}

impl Framework {
    /// A git repository holding this checkout's `.pre-commit-hooks.yaml`, committed,
    /// as a user's `.pre-commit-config.yaml` names it: its path and commit sha (the
    /// pin the README tells users to write).
    pub fn hooks_repo(env: &Env) -> (String, String) {
        let hooks = env.init("keyhook-hooks", &[]);
        let yaml = Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml");
        hooks.write(
            ".pre-commit-hooks.yaml",
            std::fs::read(yaml).expect("read .pre-commit-hooks.yaml"),
        );
        hooks.git(&["add", "."]);
        hooks.commit_no_verify("hooks");
        (hooks.root.display().to_string(), hooks.head())
    }

    /// Writes and commits a `.pre-commit-config.yaml` using the `language: system`
    /// hooks of [`Framework::hooks_repo`], pinned to its sha.
    pub fn use_system_hooks(repo: &Repo<'_>, (url, sha): &(String, String)) {
        repo.write(
            ".pre-commit-config.yaml",
            format!(
                "repos:\n  - repo: {url}\n    rev: {sha}\n    hooks:\n      - id: keyhook-system\n      - id: keyhook-push-system\n"
            ),
        );
        repo.git(&["add", ".pre-commit-config.yaml"]);
        repo.commit_no_verify("pre-commit config");
    }

    /// A command in `repo` whose PATH holds the framework and the keyhook under test
    /// (what `language: system` hooks run), with the framework's store in the temp dir.
    pub fn command(&self, repo: &Repo<'_>, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = repo.env.command(program, &repo.root);
        let mut path: Vec<PathBuf> = Vec::new();
        path.extend(Path::new(KEYHOOK).parent().map(Path::to_path_buf));
        path.extend(self.exe.parent().map(Path::to_path_buf));
        path.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        cmd.env("PATH", std::env::join_paths(path).expect("a valid PATH"))
            .env("PRE_COMMIT_HOME", repo.env.path("pre-commit-home"))
            .env("PRE_COMMIT_COLOR", "never");
        cmd
    }

    /// `pre-commit ARGS` in `repo`.
    pub fn run(&self, repo: &Repo<'_>, args: &[&str]) -> Run {
        let mut cmd = self.command(repo, &self.exe);
        cmd.args(args);
        repo.env.run(cmd, b"")
    }

    /// `git ARGS` in `repo` with the framework's hooks able to run.
    pub fn git(&self, repo: &Repo<'_>, args: &[&str]) -> Run {
        let mut cmd = self.command(repo, "git");
        cmd.args(args);
        repo.env.run(cmd, b"")
    }
}

/// A Python line that assigns `key`.
pub fn key_line(key: &str) -> String {
    format!("OPENAI_API_KEY = \"{key}\"\n")
}
