//! Every read is bounded: devices, named pipes and endless standard input end the
//! run quickly with a defined exit code and the skip counted. Each run is killed
//! (and the test failed) after [`TIME_LIMIT`].

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::assert_no_key;
use crate::util::{openai_key, Dir};

/// How long a run that reads hostile input may take before the test fails.
pub const TIME_LIMIT: Duration = Duration::from_secs(20);

/// What a bounded run produced.
pub struct Bounded {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Display for Bounded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n----- stdout -----\n{}\n----- stderr -----\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Waits for `child` at most [`TIME_LIMIT`]; kills it and fails the test if it runs
/// longer. Output goes to files, so a full pipe cannot stall the child.
#[track_caller]
pub fn wait_bounded(mut child: Child, what: &str, out: &std::path::Path) -> Bounded {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait for keyhook") {
            let read = |name: &str| std::fs::read_to_string(out.join(name)).unwrap_or_default();
            return Bounded {
                code: status.code().unwrap_or(-1),
                stdout: read("stdout"),
                stderr: read("stderr"),
            };
        }
        if start.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {TIME_LIMIT:?}, killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `keyhook ARGS` in `dir` (clean environment) with stdout and stderr sent to files
/// in `out`, and `stdin` as given.
pub fn spawn_keyhook(
    dir: &crate::util::Dir,
    out: &std::path::Path,
    args: &[&str],
    stdin: Stdio,
) -> Child {
    let mut cmd = Command::new(crate::util::KEYHOOK);
    crate::util::clean_env(&mut cmd, dir.home());
    cmd.current_dir(dir.path())
        .args(args)
        .stdin(stdin)
        .stdout(std::fs::File::create(out.join("stdout")).unwrap())
        .stderr(std::fs::File::create(out.join("stderr")).unwrap());
    cmd.spawn().expect("spawn keyhook")
}

/// Runs `keyhook ARGS` in `dir` with `stdin`, bounded by [`TIME_LIMIT`].
#[track_caller]
fn run(dir: &Dir, args: &[&str], stdin: Stdio) -> Bounded {
    let out = tempfile::tempdir().unwrap();
    let child = spawn_keyhook(dir, out.path(), args, stdin);
    wait_bounded(child, &format!("keyhook {}", args.join(" ")), out.path())
}

/// The JSON report of a bounded run that ended with `code`.
#[track_caller]
fn report(out: &Bounded, code: i32) -> serde_json::Value {
    assert_eq!(out.code, code, "{out}");
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON: {e}\n{out}"))
}

fn mkfifo(path: &Path) -> PathBuf {
    let status = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(status.success(), "mkfifo {}", path.display());
    path.to_path_buf()
}

/// A shell that writes `script`'s output into `fifo` (it blocks until a reader
/// opens the pipe); its whole process group is killed when dropped.
struct Writer(#[allow(dead_code)] crate::util::ProcessGroup);

impl Writer {
    fn start(fifo: &Path, script: &str) -> Writer {
        let child = crate::util::ProcessGroup::spawn(
            Command::new("sh")
                .arg("-c")
                .arg(format!("{script} > \"$0\""))
                .arg(fifo)
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        )
        .expect("spawn sh");
        Writer(child)
    }
}

/// Runs keyhook on a FIFO that a [`Writer`] writes to. The writer may not have
/// reached its open(2) yet when keyhook opens the pipe (keyhook then reads an empty
/// pipe, by design); it is still waiting for a reader then, so the run is repeated.
#[track_caller]
fn read_written_fifo(dir: &Dir, args: &[&str], code: i32) -> (Bounded, serde_json::Value) {
    for _ in 0..50 {
        std::thread::sleep(Duration::from_millis(100));
        let out = run(dir, args, Stdio::null());
        let r = report(&out, out.code);
        if r["summary"]["bytes"] != 0 || r["summary"]["skipped"]["too-large"] == 1 {
            assert_eq!(out.code, code, "{out}");
            return (out, r);
        }
    }
    panic!("keyhook never read what the writer wrote to the FIFO");
}

const SMALL_LIMIT: &str = "max_file_size = 1048576\n";

#[test]
fn dev_zero_is_read_to_the_limit_then_counted_too_large() {
    let dir = Dir::new();
    // The default limit (64 MiB).
    let out = run(
        &dir,
        &["scan", "--format", "json", "/dev/zero"],
        Stdio::null(),
    );
    let r = report(&out, 0);
    assert_eq!(r["summary"]["skipped"]["too-large"], 1, "{out}");
    assert_eq!(r["summary"]["scanned"], 0, "{out}");
}

#[test]
fn dev_urandom_is_read_to_the_limit_then_counted_too_large() {
    let dir = Dir::new();
    dir.write("keyhook.toml", SMALL_LIMIT);
    let out = run(
        &dir,
        &[
            "scan",
            "--config",
            "keyhook.toml",
            "--format",
            "json",
            "/dev/urandom",
        ],
        Stdio::null(),
    );
    let r = report(&out, 0);
    assert_eq!(r["summary"]["skipped"]["too-large"], 1, "{out}");
}

#[test]
fn a_fifo_in_a_scanned_folder_is_skipped_as_not_a_file() {
    let key = openai_key(1300);
    let dir = Dir::new();
    dir.write("src/app.py", format!("K = '{key}'\n"));
    mkfifo(&dir.join("src/pipe"));
    let out = run(&dir, &["scan", "--format", "json", "src"], Stdio::null());
    let r = report(&out, 1);
    assert_eq!(r["summary"]["skipped"]["not-a-file"], 1, "{out}");
    assert_eq!(r["summary"]["scanned"], 1, "{out}");
    assert_no_key(&out.stdout, &[&key]);
    // The text summary says so too.
    let out = run(&dir, &["scan", "src"], Stdio::null());
    assert_eq!(out.code, 1, "{out}");
    assert!(out.stdout.contains("not-a-file 1"), "{out}");
}

#[test]
fn a_fifo_named_explicitly_with_no_writer_reads_as_empty() {
    let dir = Dir::new();
    let fifo = mkfifo(&dir.join("pipe"));
    let out = run(
        &dir,
        &["scan", "--format", "json", fifo.to_str().unwrap()],
        Stdio::null(),
    );
    let r = report(&out, 0);
    assert_eq!(r["summary"]["scanned"], 1, "{out}");
    assert_eq!(r["summary"]["bytes"], 0, "{out}");
}

#[test]
fn a_fifo_named_explicitly_is_still_scanned_when_written() {
    let key = openai_key(1301);
    let dir = Dir::new();
    let fifo = mkfifo(&dir.join("pipe"));
    let _writer = Writer::start(&fifo, &format!("printf \"K = '{key}'\\n\""));
    let (out, r) = read_written_fifo(
        &dir,
        &["scan", "--format", "json", fifo.to_str().unwrap()],
        1,
    );
    assert_eq!(r["findings"].as_array().unwrap().len(), 1, "{out}");
    assert_no_key(&out.stdout, &[&key]);
}

#[test]
fn a_fifo_with_an_endless_writer_is_counted_too_large() {
    let dir = Dir::new();
    dir.write("keyhook.toml", SMALL_LIMIT);
    let fifo = mkfifo(&dir.join("pipe"));
    let _writer = Writer::start(&fifo, "exec yes");
    let args = [
        "scan",
        "--config",
        "keyhook.toml",
        "--format",
        "json",
        fifo.to_str().unwrap(),
    ];
    let (out, r) = read_written_fifo(&dir, &args, 0);
    assert_eq!(r["summary"]["skipped"]["too-large"], 1, "{out}");
}

#[test]
fn endless_stdin_is_counted_too_large() {
    let dir = Dir::new();
    dir.write("keyhook.toml", SMALL_LIMIT);
    let mut yes = Command::new("yes")
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn yes");
    let stdin = Stdio::from(yes.stdout.take().unwrap());
    let out = run(
        &dir,
        &["scan", "--config", "keyhook.toml", "--format", "json", "-"],
        stdin,
    );
    let _ = yes.kill();
    let _ = yes.wait();
    let r = report(&out, 0);
    assert_eq!(r["summary"]["skipped"]["too-large"], 1, "{out}");
}

#[test]
fn a_config_that_is_a_device_or_a_fifo_is_a_config_error() {
    let dir = Dir::new();
    dir.write("app.py", "x = 1\n");
    let out = run(&dir, &["scan", "--config", "/dev/zero", "."], Stdio::null());
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("not a regular file"), "{out}");
    let fifo = mkfifo(&dir.join("keyhook.fifo"));
    let out = run(
        &dir,
        &["scan", "--config", fifo.to_str().unwrap(), "app.py"],
        Stdio::null(),
    );
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("not a regular file"), "{out}");
}

#[test]
fn a_baseline_that_is_a_device_or_a_fifo_is_an_error() {
    let dir = Dir::new();
    dir.write("app.py", "x = 1\n");
    let fifo = mkfifo(&dir.join("baseline.fifo"));
    for baseline in ["/dev/zero", fifo.to_str().unwrap()] {
        let out = run(
            &dir,
            &["scan", "--baseline", baseline, "app.py"],
            Stdio::null(),
        );
        assert_eq!(out.code, 2, "{out}");
        assert!(out.stderr.contains("not a regular file"), "{out}");
    }
}
