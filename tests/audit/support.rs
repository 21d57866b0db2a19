//! Temp repositories driven by the git CLI, and the keyhook binary run on them.

use std::cell::Cell;
use std::fmt;
use std::path::Path;
use std::process::Command;

/// A generated OpenAI-shaped key, a different one on every call (never real).
pub fn openai_key() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(5_000);
    crate::util::openai_key(NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A repository in a temp dir.
pub struct Repo {
    dir: tempfile::TempDir,
    home: tempfile::TempDir,
    clock: Cell<u32>,
}

/// What a keyhook run printed and returned.
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {self}"))
    }
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

impl Repo {
    pub fn new() -> Repo {
        Repo::with_args(&[])
    }

    pub fn with_args(args: &[&str]) -> Repo {
        let repo = Repo::empty();
        let mut init = vec!["-c", "init.defaultBranch=main", "init", "-q"];
        init.extend_from_slice(args);
        init.push(".");
        repo.git(&init);
        repo
    }

    fn empty() -> Repo {
        Repo {
            dir: tempfile::tempdir().expect("temp dir"),
            home: tempfile::tempdir().expect("temp dir"),
            clock: Cell::new(0),
        }
    }

    /// `git clone --depth 1 file://ORIGIN`.
    pub fn clone_shallow(origin: &Repo) -> Repo {
        let repo = Repo::empty();
        let url = format!("file://{}", origin.path().display());
        repo.git(&["clone", "-q", "--depth", "1", &url, "."]);
        repo
    }

    /// `git clone --mirror ORIGIN` (a bare repository).
    pub fn clone_bare(origin: &Repo) -> Repo {
        let repo = Repo::empty();
        let url = origin.path().display().to_string();
        repo.git(&["clone", "-q", "--mirror", &url, "."]);
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(self.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Alice Example")
            .env("GIT_AUTHOR_EMAIL", "alice@example.com")
            .env("GIT_COMMITTER_NAME", "Alice Example")
            .env("GIT_COMMITTER_EMAIL", "alice@example.com");
        cmd
    }

    /// Runs git and returns its stdout; panics on failure.
    pub fn git(&self, args: &[&str]) -> String {
        // Strictly increasing dates keep commit-time order equal to commit order.
        let tick = self.clock.get() + 1;
        self.clock.set(tick);
        let date = format!("{} +0000", 1_700_000_000 + tick * 60);
        let out = self
            .command("git")
            .args(args)
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn write(&self, path: &str, text: &str) {
        let path = self.path().join(path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("mkdir");
        }
        std::fs::write(path, text).expect("write");
    }

    pub fn remove(&self, path: &str) {
        std::fs::remove_file(self.path().join(path)).expect("remove");
    }

    /// Stages everything and commits; returns the commit id.
    pub fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
        self.git(&["rev-parse", "HEAD"]).trim().to_string()
    }

    /// Runs the keyhook binary in the repository.
    pub fn keyhook(&self, args: &[&str]) -> Output {
        let out = self
            .command(env!("CARGO_BIN_EXE_keyhook"))
            .args(args)
            .output()
            .expect("keyhook runs");
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}
