//! The exit code is the verdict's, whatever happens to the output, and every bad
//! argument or input gets its documented code (2), never a panic.

use std::process::Command;

use crate::pre_receive::support::{fake_key, World};
use crate::util::{clean_env, openai_key, Dir, KEYHOOK};

/// Runs `script` under `bash -o pipefail` in `dir`; returns its exit code.
fn pipeline(dir: &Dir, script: &str) -> i32 {
    let mut cmd = Command::new("bash");
    clean_env(&mut cmd, dir.home());
    cmd.current_dir(dir.path())
        .env("KEYHOOK", KEYHOOK)
        .args(["-o", "pipefail", "-c", script]);
    let out = cmd.output().expect("bash runs");
    out.status.code().unwrap_or(-1)
}

#[test]
fn a_closed_stdout_does_not_turn_blocked_into_a_pass() {
    let dir = Dir::new();
    dir.git(&["init", "-q"]);
    let mut text = String::new();
    for i in 0..1000 {
        text.push_str(&format!("K{i} = \"{}\"\n", openai_key(3000 + i)));
    }
    dir.write("keys.py", &text);
    // `head -1` closes the pipe after one line; keyhook's own status is 1, and
    // pipefail reports the first non-zero status of the pipeline.
    assert_eq!(
        pipeline(&dir, "\"$KEYHOOK\" scan . | head -1 >/dev/null"),
        1
    );
    dir.git(&["add", "-A"]);
    assert_eq!(
        pipeline(&dir, "\"$KEYHOOK\" pre-commit | head -1 >/dev/null"),
        1
    );
    assert_eq!(
        pipeline(
            &dir,
            "\"$KEYHOOK\" --format json pre-commit | head -c 100 >/dev/null"
        ),
        1
    );
}

#[test]
fn a_timeout_outside_the_configs_range_is_a_usage_error() {
    let w = World::new();
    for bad in ["-1", "nan", "inf", "1e300", "0", "3601", "soon"] {
        let out = w.keyhook_in_server(&["pre-receive", &format!("--timeout={bad}")], "", &[]);
        assert_eq!(out.status.code(), Some(2), "--timeout={bad}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "--timeout={bad}: {stderr}");
    }
    let ok = w.keyhook_in_server(&["pre-receive", "--timeout=3600"], "", &[]);
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
}

#[test]
fn malformed_hook_input_a_bad_chdir_and_a_missing_baseline_exit_2() {
    let w = World::new();
    let mut cmd = Command::new(KEYHOOK);
    let home = Dir::new();
    clean_env(&mut cmd, home.home());
    let mut child = cmd
        .current_dir(&w.server)
        .arg("pre-receive")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"\xff\xfe not utf-8 \x80\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "invalid UTF-8 on stdin: {out:?}"
    );

    let dir = Dir::new();
    let out = dir.keyhook(&["-C", "/nonexistent-keyhook-dir", "scan", "."]);
    assert_eq!(out.code, 2, "{out}");
    dir.write("a.txt", "a\n");
    let out = dir.keyhook(&["--baseline", "no-such-baseline.json", "scan", "."]);
    assert_eq!(out.code, 2, "{out}");
}

#[test]
fn pre_commit_judges_a_pure_rename_as_pre_push_does() {
    let dir = Dir::new();
    dir.git(&["init", "-q"]);
    let key = fake_key(3100);
    dir.write("old.py", format!("K = \"{key}\"\n"));
    dir.git(&["add", "-A"]);
    dir.git(&["commit", "-q", "-m", "key (already committed)"]);
    dir.git(&["mv", "old.py", "new.py"]);
    let out = dir.keyhook(&["pre-commit"]);
    assert_eq!(out.code, 0, "a rename adds no line\n{out}");
    // An edit after the move is new content again.
    dir.write(
        "new.py",
        format!("K = \"{key}\"\nJ = \"{}\"\n", fake_key(3101)),
    );
    dir.git(&["add", "-A"]);
    let out = dir.keyhook(&["pre-commit"]);
    assert_eq!(out.code, 1, "{out}");
}
