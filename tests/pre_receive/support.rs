//! A temp world: a bare "server" repository with keyhook's pre-receive hook, a
//! client repository pushing to it, and the commands that drive both with a
//! fixed, clean environment.

pub use crate::util::{fingerprint, openai_key as fake_key, openai_redacted as redacted};
use std::fmt;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const KEYHOOK: &str = env!("CARGO_BIN_EXE_keyhook");

/// The server, the client and a home directory in one temp dir.
pub struct World {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
    pub server: PathBuf,
    pub client: PathBuf,
    home: PathBuf,
}

impl World {
    /// SHA-1 repositories, hook installed, client remote `origin` over file://.
    pub fn new() -> World {
        World::with_object_format("sha1")
    }

    /// The same with SHA-256 repositories.
    pub fn sha256() -> World {
        World::with_object_format("sha256")
    }

    fn with_object_format(format: &str) -> World {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().canonicalize().unwrap();
        let home = root.join("home");
        std::fs::create_dir_all(&home).unwrap();
        let w = World {
            server: root.join("server.git"),
            client: root.join("client"),
            root,
            home,
            _dir: dir,
        };
        let object_format = format!("--object-format={format}");
        w.run_git(
            &w.root,
            &[
                "-c",
                "init.defaultBranch=main",
                "init",
                "-q",
                "--bare",
                &object_format,
                "server.git",
            ],
            &[],
        );
        w.run_git(
            &w.root,
            &[
                "-c",
                "init.defaultBranch=main",
                "init",
                "-q",
                &object_format,
                "client",
            ],
            &[],
        );
        let url = format!("file://{}", w.server.display());
        w.git(&["remote", "add", "origin", &url]);
        w.install();
        w
    }

    /// `keyhook install --server <bare>`; returns its stdout.
    pub fn install(&self) -> String {
        let out = self.run(
            self.command(KEYHOOK, &self.root)
                .arg("install")
                .arg("--server")
                .arg(&self.server),
            None,
        );
        assert_success("keyhook install --server", &out);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Writes the server's `keyhook.toml` (in the bare repository's git dir).
    pub fn write_server_config(&self, text: &str) {
        std::fs::write(self.server.join("keyhook.toml"), text).unwrap();
    }

    /// A command with the fixed environment: nothing inherited but `PATH`.
    fn command(&self, program: &str, dir: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("LC_ALL", "C")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_AUTHOR_NAME", "Ada Author")
            .env("GIT_AUTHOR_EMAIL", "ada@example.com")
            .env("GIT_COMMITTER_NAME", "Ada Author")
            .env("GIT_COMMITTER_EMAIL", "ada@example.com")
            .stdin(Stdio::null());
        cmd
    }

    fn run(&self, cmd: &mut Command, stdin: Option<&[u8]>) -> Output {
        if stdin.is_some() {
            cmd.stdin(Stdio::piped());
        }
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
        if let Some(input) = stdin {
            child.stdin.take().unwrap().write_all(input).unwrap();
        }
        child.wait_with_output().unwrap()
    }

    fn run_git(&self, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = self.command("git", dir);
        cmd.args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        self.run(&mut cmd, None)
    }

    /// `git ARGS` in the client; must succeed; trimmed stdout.
    pub fn git(&self, args: &[&str]) -> String {
        let out = self.git_output(args);
        assert_success(&format!("git {}", args.join(" ")), &out);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// `git ARGS` in the client, whatever its outcome.
    pub fn git_output(&self, args: &[&str]) -> Output {
        self.run_git(&self.client, args, &[])
    }

    /// `git ARGS` in the bare server repository; must succeed; trimmed stdout.
    pub fn server_git(&self, args: &[&str]) -> String {
        let out = self.server_git_output(args);
        assert_success(&format!("git {} (server)", args.join(" ")), &out);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// `git ARGS` in the bare server repository, whatever its outcome.
    pub fn server_git_output(&self, args: &[&str]) -> Output {
        self.run_git(&self.server, args, &[])
    }

    /// Where `name` points on the server, if it exists.
    pub fn server_ref(&self, name: &str) -> Option<String> {
        let out = self.server_git_output(&["rev-parse", "--verify", "-q", name]);
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// True when the server's object store (quarantine excluded) has `id`.
    pub fn server_has_object(&self, id: &str) -> bool {
        self.server_git_output(&["cat-file", "-e", id])
            .status
            .success()
    }

    /// Writes `files` in the client, stages everything, commits; returns the id.
    pub fn commit(&self, files: &[(&str, &str)], message: &str) -> String {
        for (path, content) in files {
            let path = self.client.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, content).unwrap();
        }
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    /// Appends `n` commits to `main` with `git fast-import`; commit `i` (1-based)
    /// writes `(path, content)` with `message`. Checks `main` out; returns its id.
    pub fn fast_import(
        &self,
        n: usize,
        commit: impl Fn(usize) -> (String, String, String),
    ) -> String {
        let parent = self.git_output(&["rev-parse", "--verify", "-q", "refs/heads/main"]);
        let parent = String::from_utf8_lossy(&parent.stdout).trim().to_string();
        let mut stream = Vec::new();
        for i in 1..=n {
            let (path, content, message) = commit(i);
            let time = 1_700_000_000 + i;
            write!(
                stream,
                "commit refs/heads/main\ncommitter Ada Author <ada@example.com> {time} +0000\ndata {}\n{message}\n",
                message.len()
            )
            .unwrap();
            if i == 1 && !parent.is_empty() {
                writeln!(stream, "from {parent}").unwrap();
            }
            write!(
                stream,
                "M 100644 inline {path}\ndata {}\n{content}\n",
                content.len()
            )
            .unwrap();
        }
        let mut cmd = self.command("git", &self.client);
        cmd.args(["fast-import", "--quiet"]);
        let out = self.run(&mut cmd, Some(&stream));
        assert_success("git fast-import", &out);
        self.git(&["checkout", "-q", "-f", "main"]);
        self.git(&["rev-parse", "HEAD"])
    }

    /// `git push ARGS` from the client.
    pub fn push(&self, args: &[&str]) -> Push {
        self.push_env(args, &[])
    }

    /// `git push ARGS` from the client with extra environment (seen by the hook
    /// over file://).
    pub fn push_env(&self, args: &[&str], env: &[(&str, &str)]) -> Push {
        let mut full = vec!["push"];
        full.extend_from_slice(args);
        let output = self.run_git(&self.client, &full, env);
        Push {
            command: format!("git {}", full.join(" ")),
            output,
        }
    }

    /// `keyhook ARGS` run directly in the bare repository, with `stdin`.
    pub fn keyhook_in_server(&self, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
        let mut cmd = self.command(KEYHOOK, &self.server);
        cmd.args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        self.run(&mut cmd, Some(stdin.as_bytes()))
    }

    /// Starts `git daemon` serving this world's server on a free local port.
    pub fn daemon(&self) -> Daemon {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let log_path = self.root.join("daemon.log");
        let log = std::fs::File::create(&log_path).unwrap();
        let mut cmd = self.command("git", &self.root);
        cmd.args([
            "daemon",
            "--reuseaddr",
            "--export-all",
            "--enable=receive-pack",
            "--informative-errors",
            "--listen=127.0.0.1",
            &format!("--port={port}"),
            &format!("--base-path={}", self.root.display()),
            &self.root.display().to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(log);
        let child = crate::util::ProcessGroup::spawn(&mut cmd).expect("spawn git daemon");
        let mut daemon = Daemon {
            child,
            port,
            log: log_path,
        };
        for _ in 0..200 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return daemon;
            }
            if let Ok(Some(status)) = daemon.child.child().try_wait() {
                panic!("git daemon exited ({status}):\n{}", daemon.log());
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!(
            "git daemon did not listen on port {port} within 5 s:\n{}",
            daemon.log()
        );
    }
}

/// A running `git daemon`, its whole process group killed on drop.
pub struct Daemon {
    child: crate::util::ProcessGroup,
    port: u16,
    log: PathBuf,
}

impl Daemon {
    /// The URL of the world's server through this daemon.
    pub fn url(&self) -> String {
        format!("git://127.0.0.1:{}/server.git", self.port)
    }

    /// The process group the daemon runs in (`git`, `git-daemon`, its children).
    pub fn process_group(&mut self) -> i32 {
        self.child.child().id() as i32
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// The outcome of one `git push`.
pub struct Push {
    command: String,
    output: Output,
}

impl Push {
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// The hook's output as the pusher sees it: the `remote:` lines, prefix and
    /// git's trailing padding removed.
    pub fn remote(&self) -> String {
        self.stderr()
            .lines()
            .filter_map(|l| l.strip_prefix("remote:"))
            .map(|l| l.strip_prefix(' ').unwrap_or(l).trim_end())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[track_caller]
    pub fn assert_accepted(&self) -> &Self {
        assert!(
            self.output.status.success(),
            "expected the push to be accepted\n{self}"
        );
        self
    }

    #[track_caller]
    pub fn assert_rejected(&self) -> &Self {
        assert!(
            !self.output.status.success() && self.stderr().contains("pre-receive hook declined"),
            "expected the pre-receive hook to reject the push\n{self}"
        );
        self
    }

    #[track_caller]
    pub fn assert_remote_contains(&self, needle: &str) -> &Self {
        assert!(
            self.remote().contains(needle),
            "expected the remote: lines to contain\n    {needle}\n{self}"
        );
        self
    }

    #[track_caller]
    pub fn assert_output_contains(&self, needle: &str) -> &Self {
        assert!(
            self.stderr().contains(needle)
                || String::from_utf8_lossy(&self.output.stdout).contains(needle),
            "expected the push output to contain\n    {needle}\n{self}"
        );
        self
    }

    /// Neither the key nor any 20-character piece of its random parts appears.
    #[track_caller]
    pub fn assert_never_shows(&self, key: &str) -> &Self {
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&self.output.stdout),
            self.stderr()
        );
        let leaked = key
            .as_bytes()
            .windows(20)
            .map(|w| std::str::from_utf8(w).unwrap())
            .find(|piece| all.contains(piece));
        assert!(
            leaked.is_none(),
            "the output shows part of the key ({leaked:?})\n{self}"
        );
        self
    }
}

impl fmt::Display for Push {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "--- {} ({})\n--- stdout:\n{}\n--- stderr:\n{}",
            self.command,
            self.output.status,
            String::from_utf8_lossy(&self.output.stdout),
            String::from_utf8_lossy(&self.output.stderr)
        )
    }
}

#[track_caller]
fn assert_success(what: &str, out: &Output) {
    assert!(
        out.status.success(),
        "{what} failed ({})\n--- stdout:\n{}\n--- stderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
