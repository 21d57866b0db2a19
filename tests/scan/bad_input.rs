//! Input that is not a tidy text file: binary, invalid UTF-8, empty, huge, unreadable,
//! missing; and broken baselines. (Broken `keyhook.toml` is in `config`.)

use std::path::{Path, PathBuf};

use crate::util::{findings, openai_key, openai_redacted, Dir};

#[test]
fn a_key_among_nul_bytes_in_a_binary_file_is_found_in_its_printable_runs() {
    let key = openai_key(30);
    let dir = Dir::new();
    let mut blob = b"\x7fELF\x02\x01\x01\0\0\0".to_vec();
    blob.extend_from_slice(key.as_bytes());
    blob.extend_from_slice(b"\0\0\x03\x04");
    dir.write("bin/tool", &blob).write("ok.txt", "fine\n");
    let out = dir.keyhook(&["scan", "--format", "json"]);
    out.code(1);
    let report = out.json();
    assert_eq!(report["summary"]["binary"], 1, "{out}");
    assert_eq!(report["summary"]["scanned"], 2, "{out}");
    let found = findings(&report);
    assert_eq!(found.len(), 1, "{out}");
    assert_eq!(found[0]["encoding"], "strings", "{out}");
    assert_eq!(found[0]["path"], "bin/tool", "{out}");
    assert!(!out.stdout.contains(&key), "{out}");
    // A binary file without a key is read and counted, not dropped silently.
    dir.write("bin/tool", b"\x7fELF\x02\0\0\0 nothing here at all\0");
    let out = dir.keyhook(&["scan"]);
    out.code(0).stdout_has("1 binary (read as text runs");
}

#[test]
fn invalid_utf8_does_not_hide_a_key() {
    let key = openai_key(31);
    let dir = Dir::new();
    let mut bytes = b"caf\xe9 = 1\n\xff\xfe\xc3(".to_vec();
    bytes.extend_from_slice(format!(" KEY='{key}'\n").as_bytes());
    dir.write("latin1.py", &bytes);
    let out = dir.keyhook(&["scan", "--format", "json"]);
    out.code(1).stdout_lacks(&key);
    let report = out.json();
    let f = &findings(&report)[0];
    assert_eq!(f["line"], 2, "{out}");
    assert_eq!(f["redacted"], openai_redacted(&key));
}

#[test]
fn empty_file_is_scanned_and_clean() {
    let dir = Dir::new();
    dir.write("empty.py", "");
    let out = dir.keyhook(&["scan", "--format", "json", "empty.py"]);
    out.code(0);
    let report = out.json();
    assert_eq!(report["summary"]["scanned"], 1, "{out}");
    assert_eq!(report["summary"]["bytes"], 0, "{out}");
    assert!(report["errors"].as_array().unwrap().is_empty(), "{out}");
}

#[test]
fn key_at_the_end_of_a_50_mb_single_line_file_is_found() {
    let key = openai_key(32);
    let dir = Dir::new();
    let filler = "var a=b+c;".repeat(5_000_000); // 50,000,000 bytes, no newline
    let content = format!("{filler}k=\"{key}\"");
    dir.write("bundle.min.js", &content);
    let out = dir.keyhook(&["scan", "--format", "json"]);
    out.code(1).stdout_lacks(&key);
    let report = out.json();
    let f = &findings(&report)[0];
    assert_eq!(
        (&f["line"], &f["column"]),
        (&1.into(), &(filler.len() + 4).into()),
        "{out}"
    );
    assert_eq!(report["summary"]["bytes"], content.len(), "{out}");
}

/// A path that exists but cannot be read by this process.
///
/// A `chmod 000` file does that for a normal user, but not for root (tests often run
/// as root in containers), where it reads fine. There the fallback is Linux's
/// `/proc/self/mem`: a regular file whose `read` at offset 0 fails with EIO for
/// every user, root included, because page 0 of any process is unmapped. (A FIFO or a
/// dangling symlink would test something else: not-a-file and missing.)
fn unreadable_path(dir: &Dir) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let locked = dir.join("locked.py");
    std::fs::write(&locked, "x = 1\n").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&locked).is_err() {
        return locked;
    }
    let mem = Path::new("/proc/self/mem");
    assert!(
        std::fs::read(mem).is_err(),
        "running privileged and /proc/self/mem is readable: no unreadable file to test with"
    );
    mem.to_path_buf()
}

#[test]
fn unreadable_file_is_reported_and_the_scan_goes_on() {
    let dir = Dir::new();
    let unreadable = unreadable_path(&dir);
    let shown = unreadable
        .strip_prefix(dir.path())
        .unwrap_or(&unreadable)
        .to_str()
        .unwrap()
        .to_string();
    dir.write("src/a.py", "a = 1\n")
        .write("src/b.py", "b = 2\n");

    // Nothing blocks: exit 3, "incomplete".
    let out = dir.keyhook(&["scan", "--format", "json", "src", &shown]);
    out.code(3);
    let report = out.json();
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{out}");
    assert_eq!(errors[0]["path"], shown.as_str(), "{out}");
    assert!(!errors[0]["message"].as_str().unwrap().is_empty(), "{out}");
    assert_eq!(report["summary"]["errors"], 1, "{out}");
    assert_eq!(report["summary"]["scanned"], 2, "{out}");
    assert_eq!(report["blocked"], false, "{out}");
    dir.keyhook(&["scan", "src", &shown])
        .code(3)
        .stdout_has("error:")
        .stdout_has(&shown)
        .stdout_has("INCOMPLETE");

    // A key elsewhere: findings win, exit 1, and the error is still reported.
    let key = openai_key(33);
    dir.write("src/c.py", format!("KEY = '{key}'\n"));
    let out = dir.keyhook(&["scan", "--format", "json", "src", &shown]);
    out.code(1).stdout_lacks(&key);
    let report = out.json();
    assert_eq!(report["errors"].as_array().unwrap().len(), 1, "{out}");
    assert_eq!(findings(&report)[0]["path"], "src/c.py", "{out}");
    assert_eq!(report["summary"]["scanned"], 3, "{out}");
}

#[test]
fn nonexistent_path_is_a_usage_error() {
    let dir = Dir::new();
    dir.write("a.py", "a = 1\n");
    dir.keyhook(&["scan", "a.py", "no/such/file.py"])
        .code(2)
        .stderr_has("no/such/file.py");
}

#[test]
fn malformed_baseline_is_a_usage_error() {
    let key = openai_key(34);
    let dir = Dir::new();
    dir.write("app.py", format!("KEY = '{key}'\n"));
    for (name, text) in [
        ("truncated", "{\"keyhook_baseline\": 1, \"findings\": ["),
        ("not a baseline", "{\"hello\": 1}"),
        (
            "bad fingerprint",
            "{\"keyhook_baseline\": 1, \"findings\": [{\"rule\": \"x\", \"fingerprint\": 5}]}",
        ),
    ] {
        dir.write("baseline.json", text);
        let out = dir.keyhook(&["scan", "--baseline", "baseline.json"]);
        out.code(2);
        out.check(out.stderr.contains("baseline.json"), name);
        out.stdout_lacks(&key);
    }
}

/// `keyhook scan <(git show HEAD:app.py)` names a pipe (`/dev/fd/63`). Today the pipe
/// is neither read nor reported: 0 files scanned, no error, exit 0, and the key in it
/// goes unseen. A path named on the command line must be scanned or reported.
#[test]
fn named_pipe_on_the_command_line_is_not_dropped_silently() {
    let key = openai_key(35);
    let dir = Dir::new();
    dir.write("app.py", format!("KEY = '{key}'\n"));
    let status = std::process::Command::new("mkfifo")
        .arg(dir.join("pipe.py"))
        .status()
        .expect("mkfifo");
    assert!(status.success());
    // The writer blocks until keyhook opens the pipe; it is killed below either way.
    let mut writer = std::process::Command::new("sh")
        .current_dir(dir.path())
        .args(["-c", "cat app.py > pipe.py"])
        .spawn()
        .expect("spawn sh");
    let out = dir.keyhook(&["scan", "--format", "json", "pipe.py"]);
    let _ = writer.kill();
    let _ = writer.wait();
    let report = out.json();
    let found = !findings(&report).is_empty();
    let reported = !report["errors"].as_array().unwrap().is_empty();
    out.check(
        (found && out.code == 1) || (reported && out.code == 3),
        "the pipe must be scanned (exit 1) or reported as an error (exit 3)",
    );
    out.stdout_lacks(&key);
}
