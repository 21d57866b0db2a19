//! Shared helpers of the integration tests: a temporary directory to write fixtures
//! in ([`Dir`]), the real `keyhook` binary run with a clean environment
//! ([`TestCommand`], [`Output`]), the `git` CLI with a fixed identity ([`git`]), and
//! generated keys of the right shape ([`fake_keys`]).
//!
//! Every failure message prints the command, its exit code, and its stdout and stderr
//! in full.

#![allow(dead_code)] // Each door's module uses a different part of this file.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

/// The binary under test (built by cargo for this test target).
pub const KEYHOOK: &str = env!("CARGO_BIN_EXE_keyhook");

/// A Git LFS pointer file, as `git lfs` commits it in place of the real content.
pub const LFS_POINTER: &str = "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n";

/// A temporary work directory plus a separate, empty `HOME`. Both are removed on drop.
pub struct Dir {
    root: tempfile::TempDir,
    home: tempfile::TempDir,
}

impl Default for Dir {
    fn default() -> Self {
        Dir::new()
    }
}

impl Dir {
    /// A new, empty directory.
    pub fn new() -> Dir {
        Dir {
            root: tempfile::Builder::new()
                .prefix("keyhook-test-")
                .tempdir()
                .expect("create temp dir"),
            home: tempfile::Builder::new()
                .prefix("keyhook-home-")
                .tempdir()
                .expect("create temp home"),
        }
    }

    /// The directory's absolute path.
    pub fn path(&self) -> &Path {
        self.root.path()
    }

    /// The empty directory used as `HOME` for every command run from this `Dir`.
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// `rel` under the directory.
    pub fn join(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.path().join(rel)
    }

    /// Writes `contents` to `rel`, creating parent folders.
    pub fn write(&self, rel: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> &Dir {
        let path = self.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .unwrap_or_else(|e| panic!("mkdir {}: {e}", parent.display()));
        }
        std::fs::write(&path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        self
    }

    /// Creates folder `rel` (and its parents).
    pub fn mkdir(&self, rel: impl AsRef<Path>) -> &Dir {
        let path = self.join(rel);
        std::fs::create_dir_all(&path).unwrap_or_else(|e| panic!("mkdir {}: {e}", path.display()));
        self
    }

    /// Reads `rel` as text.
    pub fn read(&self, rel: impl AsRef<Path>) -> String {
        let path = self.join(rel);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }

    /// Removes file `rel`.
    pub fn remove(&self, rel: impl AsRef<Path>) -> &Dir {
        let path = self.join(rel);
        std::fs::remove_file(&path).unwrap_or_else(|e| panic!("rm {}: {e}", path.display()));
        self
    }

    /// A `keyhook` command with `args`, run in this directory.
    pub fn command(&self, args: &[&str]) -> TestCommand {
        TestCommand::new(self.path(), self.home(), args)
    }

    /// Runs `keyhook` with `args` in this directory (no stdin).
    pub fn keyhook(&self, args: &[&str]) -> Output {
        self.command(args).run()
    }

    /// Runs `git` with `args` in this directory; see [`git`].
    pub fn git(&self, args: &[&str]) -> String {
        git(self.path(), args)
    }
}

/// Applies the clean environment every test process gets: nothing from the caller
/// but `PATH`; `HOME` is `home`; no colour unless asked for; no user or system git
/// configuration.
pub fn clean_env(cmd: &mut Command, home: &Path) {
    cmd.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    cmd.env("HOME", home)
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("LC_ALL", "C");
}

/// A `keyhook` invocation being set up.
pub struct TestCommand {
    cmd: Command,
    args: Vec<String>,
    cwd: PathBuf,
    stdin: Option<Vec<u8>>,
}

impl TestCommand {
    /// `keyhook ARGS` in `cwd`, with a clean environment whose `HOME` is `home`.
    pub fn new(cwd: &Path, home: &Path, args: &[&str]) -> TestCommand {
        let mut cmd = Command::new(KEYHOOK);
        clean_env(&mut cmd, home);
        cmd.current_dir(cwd).args(args);
        TestCommand {
            cmd,
            args: args.iter().map(|a| a.to_string()).collect(),
            cwd: cwd.to_path_buf(),
            stdin: None,
        }
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> TestCommand {
        self.cmd.env(key, value);
        self
    }

    /// Removes an environment variable (e.g. `NO_COLOR`).
    pub fn env_remove(mut self, key: &str) -> TestCommand {
        self.cmd.env_remove(key);
        self
    }

    /// Runs in `dir` instead.
    pub fn current_dir(mut self, dir: &Path) -> TestCommand {
        self.cmd.current_dir(dir);
        self.cwd = dir.to_path_buf();
        self
    }

    /// Feeds `bytes` on standard input (otherwise stdin is empty).
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> TestCommand {
        self.stdin = Some(bytes.into());
        self
    }

    /// Runs the command to completion.
    pub fn run(mut self) -> Output {
        self.cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self
            .cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {KEYHOOK}: {e}"));
        let input = self.stdin.take().unwrap_or_default();
        let mut pipe = child.stdin.take().expect("stdin is piped");
        // Write from a thread so a large input cannot deadlock against full pipes.
        let writer = std::thread::spawn(move || {
            // keyhook may exit without reading stdin: a broken pipe is fine.
            let _ = pipe.write_all(&input);
        });
        let out = child.wait_with_output().expect("wait for keyhook");
        writer.join().expect("stdin writer");
        Output {
            args: self.args,
            cwd: self.cwd,
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// What a finished `keyhook` run produced.
pub struct Output {
    /// The arguments it ran with.
    pub args: Vec<String>,
    /// Where it ran.
    pub cwd: PathBuf,
    /// Exit code (`-1` when killed by a signal).
    pub code: i32,
    /// Standard output (lossy UTF-8).
    pub stdout: String,
    /// Standard error (lossy UTF-8).
    pub stderr: String,
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "command: keyhook {}", self.args.join(" "))?;
        writeln!(f, "cwd:     {}", self.cwd.display())?;
        writeln!(f, "exit:    {}", self.code)?;
        writeln!(f, "----- stdout -----\n{}", self.stdout)?;
        writeln!(f, "----- stderr -----\n{}", self.stderr)?;
        write!(f, "------------------")
    }
}

impl Output {
    /// Panics, printing everything, unless the exit code is `expected`.
    #[track_caller]
    pub fn code(&self, expected: i32) -> &Output {
        if self.code != expected {
            panic!("expected exit code {expected}, got {}\n{self}", self.code);
        }
        self
    }

    /// Panics, printing everything, unless `cond` holds.
    #[track_caller]
    pub fn check(&self, cond: bool, what: &str) -> &Output {
        if !cond {
            panic!("{what}\n{self}");
        }
        self
    }

    /// Panics unless stdout contains `needle`.
    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Output {
        self.check(
            self.stdout.contains(needle),
            &format!("stdout should contain {needle:?}"),
        )
    }

    /// Panics if stdout contains `needle`.
    #[track_caller]
    pub fn stdout_lacks(&self, needle: &str) -> &Output {
        self.check(
            !self.stdout.contains(needle),
            &format!("stdout should not contain {needle:?}"),
        )
    }

    /// Panics unless stderr contains `needle`.
    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Output {
        self.check(
            self.stderr.contains(needle),
            &format!("stderr should contain {needle:?}"),
        )
    }

    /// Stdout parsed as JSON (panics, printing everything, if it is not).
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON: {e}\n{self}"))
    }
}

/// The loose file of object `id` in the repository whose work tree is `root`.
pub fn loose_object_path(root: &Path, id: &str) -> std::path::PathBuf {
    root.join(".git/objects").join(&id[..2]).join(&id[2..])
}

/// Overwrites loose object `id` (in the repository whose work tree is `root`) with
/// bytes that are not zlib data.
pub fn corrupt_loose_object(root: &Path, id: &str) {
    let object = loose_object_path(root, id);
    let mut perms = std::fs::metadata(&object).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&object, perms).unwrap();
    std::fs::write(&object, b"this is not zlib data").unwrap();
}

/// Runs `git ARGS` in `dir` with a fixed identity and dates, `main` as the default
/// branch, no signing and no user or system configuration; returns stdout. Panics,
/// printing everything, when git fails.
#[track_caller]
pub fn git(dir: &Path, args: &[&str]) -> String {
    let mut cmd = Command::new("git");
    clean_env(&mut cmd, dir);
    cmd.current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Keyhook Test")
        .env("GIT_AUTHOR_EMAIL", "test@keyhook.invalid")
        .env("GIT_AUTHOR_DATE", "2024-01-01T00:00:00Z")
        .env("GIT_COMMITTER_NAME", "Keyhook Test")
        .env("GIT_COMMITTER_EMAIL", "test@keyhook.invalid")
        .env("GIT_COMMITTER_DATE", "2024-01-01T00:00:00Z")
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "tag.gpgsign=false",
            "-c",
            "core.autocrlf=false",
            "-c",
            "advice.detachedHead=false",
        ])
        .args(args);
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run git: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        panic!(
            "git {} failed in {} ({})\n----- stdout -----\n{stdout}\n----- stderr -----\n{}",
            args.join(" "),
            dir.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    stdout
}

/// A deterministic pseudo-random generator (splitmix64): fixtures are the same on
/// every run, and no test depends on a random crate.
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `len` characters from `alphabet`.
    pub fn string(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| alphabet[(self.next_u64() % alphabet.len() as u64) as usize] as char)
            .collect()
    }

    /// `len` ASCII letters and digits.
    pub fn alnum(&mut self, len: usize) -> String {
        self.string(ALNUM, len)
    }
}

/// ASCII letters and digits. Generated keys use only these, so the placeholder
/// check (delimited words such as `-key-`) can never fire on them.
pub const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// What a report may show of `key`: public `prefix`, `…`, the last 4 characters and
/// the length.
pub fn redacted(key: &str, prefix: &str) -> String {
    assert!(
        key.starts_with(prefix),
        "{key} does not start with {prefix}"
    );
    format!("{prefix}…{} ({} chars)", &key[key.len() - 4..], key.len())
}

/// The redacted form of an [`openai_key`].
pub fn openai_redacted(key: &str) -> String {
    redacted(key, "sk-proj-")
}

/// A generated key of a provider's documented shape.
#[derive(Debug, Clone)]
pub struct FakeKey {
    /// Provider, as the rule files name it.
    pub provider: &'static str,
    /// The public prefix that redaction keeps.
    pub prefix: &'static str,
    /// The whole key.
    pub key: String,
}

/// A few generated keys of the right shape: OpenAI project, Anthropic, Groq, and a
/// GitHub token whose CRC32 checksum is valid (computed by the library itself).
pub fn fake_keys() -> Vec<FakeKey> {
    let mut rng = Rng::new(0x006b_6579_686f_6f6b);
    let github_body = rng.alnum(30);
    let github_checksum = keyhook::engine::github_checksum(github_body.as_bytes());
    vec![
        FakeKey {
            provider: "OpenAI",
            prefix: "sk-proj-",
            key: openai_key(rng.next_u64()),
        },
        FakeKey {
            provider: "Anthropic",
            prefix: "sk-ant-api03-",
            key: format!("sk-ant-api03-{}AA", rng.alnum(93)),
        },
        FakeKey {
            provider: "Groq",
            prefix: "gsk_",
            key: format!("gsk_{}", rng.alnum(52)),
        },
        FakeKey {
            provider: "GitHub",
            prefix: "ghp_",
            key: format!("ghp_{github_body}{github_checksum}"),
        },
    ]
}

/// 1-based line and column (in characters) of the first occurrence of `needle`.
pub fn position_of(text: &str, needle: &str) -> (usize, usize) {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in the text"));
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// The findings array of a JSON report.
#[track_caller]
pub fn findings(report: &Value) -> &Vec<Value> {
    report["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings array in {report:#}"))
}

/// True when `text` holds an ANSI escape sequence.
pub fn has_ansi(text: &str) -> bool {
    text.contains("\u{1b}[")
}

// Fake keys shared by the git-based suites (pre_commit, pre_receive, audit).

/// A fake OpenAI project key, the same for the same seed: `sk-proj-`, 74
/// characters, `T3BlbkFJ`, 74 more. Random enough for the placeholder and
/// entropy filters (no repeated neighbours, no stopwords, no `123456`).
pub fn openai_key(seed: u64) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    const AVOID: &[&str] = &[
        "123456",
        "abcdef",
        "example",
        "dummy",
        "placeholder",
        "changeme",
        "redacted",
        "sample",
        "insert",
        "replace",
        "your",
        "here",
        "key",
        "fake",
        "test",
        "xxxx",
        "todo",
        "token",
    ];
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        ALPHABET[(state >> 58) as usize]
    };
    loop {
        let mut part = |n: usize| {
            let mut s = Vec::with_capacity(n);
            while s.len() < n {
                let c = next();
                if s.last() != Some(&c) {
                    s.push(c);
                }
            }
            String::from_utf8(s).expect("ASCII")
        };
        let (a, b) = (part(74), part(74));
        let random = format!("{a}T3BlbkFJ{b}").to_ascii_lowercase();
        if !AVOID.iter().any(|w| random.contains(w)) {
            return format!("sk-proj-{a}T3BlbkFJ{b}");
        }
    }
}

/// A key's fingerprint as keyhook prints it: SHA-256, lower-case hex.
pub fn fingerprint(key: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// No 12-character piece of the key's random part is in `output`.
pub fn assert_not_leaked(output: &str, key: &str) {
    let random = &key["sk-proj-".len()..];
    for start in 0..=random.len() - 12 {
        let piece = &random[start..start + 12];
        assert!(
            !output.contains(piece),
            "the output leaks part of the key ({piece}):\n{output}"
        );
    }
}

/// A process started in its own process group, and the whole group ended on drop:
/// `git daemon` is the `git` wrapper plus the `git-daemon` it starts, plus one child
/// per connection, and killing only the wrapper left the daemon running after every
/// test run (issue 13).
pub struct ProcessGroup {
    child: std::process::Child,
}

impl ProcessGroup {
    /// Spawns `cmd` as the leader of a new process group.
    pub fn spawn(cmd: &mut Command) -> std::io::Result<ProcessGroup> {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
        cmd.spawn().map(|child| ProcessGroup { child })
    }

    /// The group leader.
    pub fn child(&mut self) -> &mut std::process::Child {
        &mut self.child
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        // The leader's pid is the group id (process_group(0)); SIGKILL reaches every
        // process still in the group, the leader is then reaped.
        let pgid = self.child.id() as libc::pid_t;
        // SAFETY: kill(2) with a negative pid signals that process group; no memory
        // is involved.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_keys_have_their_documented_shapes() {
        let keys = fake_keys();
        let len = |p: &str| keys.iter().find(|k| k.provider == p).unwrap().key.len();
        assert_eq!(len("OpenAI"), 164);
        assert_eq!(len("Anthropic"), 108);
        assert_eq!(len("Groq"), 56);
        assert_eq!(len("GitHub"), 40);
        for k in &keys {
            assert!(k.key.starts_with(k.prefix), "{k:?}");
        }
        let github = &keys.iter().find(|k| k.provider == "GitHub").unwrap().key;
        assert_eq!(
            keyhook::engine::github_checksum(&github.as_bytes()[4..34]),
            github[34..]
        );
        assert_ne!(openai_key(1), openai_key(2));
        assert_eq!(openai_key(1), openai_key(1));
    }

    #[test]
    fn position_counts_characters() {
        assert_eq!(position_of("ab\ncé KEY", "KEY"), (2, 4));
        assert_eq!(position_of("KEY", "KEY"), (1, 1));
    }

    #[test]
    fn git_helper_commits_with_a_fixed_identity() {
        let dir = Dir::new();
        dir.git(&["init", "-q"]);
        dir.write("a.txt", "a\n");
        dir.git(&["add", "a.txt"]);
        dir.git(&["commit", "-q", "-m", "first"]);
        let log = dir.git(&["log", "--format=%an <%ae> %aI %s", "main"]);
        assert_eq!(
            log.trim(),
            "Keyhook Test <test@keyhook.invalid> 2024-01-01T00:00:00Z first"
        );
    }

    #[test]
    fn output_failure_message_shows_everything() {
        let dir = Dir::new();
        let out = dir.keyhook(&["scan", "--definitely-not-a-flag"]);
        let message = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            out.code(0);
        }))
        .expect_err("exit code is 2, not 0");
        let message = message
            .downcast_ref::<String>()
            .expect("panic with a String");
        assert!(message.contains("expected exit code 0, got 2"), "{message}");
        assert!(message.contains("--definitely-not-a-flag"), "{message}");
        assert!(message.contains("----- stderr -----"), "{message}");
    }
}
