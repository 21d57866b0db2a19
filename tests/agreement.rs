//! Every door agrees: one fixture — keys of several providers, a placeholder, an
//! inline-allowed line, a base64 Kubernetes secret, a forbidden file, a binary file
//! and a file over `max_file_size` — run through `scan`, `pre-commit` (staged),
//! `pre-push`, `pre-receive` (a real `git push` into a bare repository whose hook
//! writes its JSON report) and `audit-history`. Each must report the same findings
//! (rule, path, line, fingerprint), forbidden files and skip counts; where a door's
//! rules make it differ, the test says so at the assertion.

use std::collections::BTreeSet;
use std::path::Path;

use base64::Engine as _;
use serde_json::Value;

use crate::util::{fake_keys, fingerprint, git, openai_key, Dir, KEYHOOK};

/// (rule, path, line, fingerprint) of each finding in a JSON report.
type Found = BTreeSet<(String, String, u64, String)>;

fn found(report: &Value) -> Found {
    report["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings in {report:#}"))
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["fingerprint"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn forbidden(report: &Value) -> BTreeSet<String> {
    report["forbidden_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect()
}

fn skipped(report: &Value, reason: &str) -> u64 {
    report["summary"]["skipped"][reason].as_u64().unwrap_or(0)
}

/// The fixture: what each file holds, and the findings every door must report.
struct Fixture {
    dir: Dir,
    expected: Found,
    /// The fingerprint of the key on the `keyhook:allow` line.
    inline_allowed: String,
}

const MAX_FILE_SIZE: usize = 4096;

fn fixture() -> Fixture {
    let dir = Dir::new();
    let keys = fake_keys();
    let (openai, anthropic, groq, github) =
        (&keys[0].key, &keys[1].key, &keys[2].key, &keys[3].key);
    let encoded_key = openai_key(77);
    let encoded = base64::engine::general_purpose::STANDARD.encode(&encoded_key);
    dir.git(&["init", "-q", "-b", "main"]);
    dir.write(
        "keyhook.toml",
        format!("max_file_size = {MAX_FILE_SIZE}\ngitignore = \"off\"\n"),
    )
    .write(
        "config/settings.py",
        format!("import os\n\nOPENAI_API_KEY = \"{openai}\"\n"),
    )
    .write(
        "src/client.ts",
        format!("const anthropic = new Anthropic({{\n  apiKey: \"{anthropic}\",\n}});\nconst gh = \"{github}\";\n"),
    )
    .write(
        "docs/setup.md",
        format!(
            "Set `OPENAI_API_KEY=sk-proj-{x}T3BlbkFJ{x}` in your shell.\n",
            x = "x".repeat(74)
        ),
    )
    .write(
        "tools/fixture.py",
        format!("GROQ = \"{groq}\"  # keyhook:allow\n"),
    )
    .write(
        "k8s/secret.yaml",
        format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: openai\ntype: Opaque\ndata:\n  OPENAI_API_KEY: {encoded}\n"),
    )
    .write(".env", "DEBUG=1\n")
    .write("assets/logo.bin", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0")
    .write("data/big.txt", "lorem ipsum dolor sit amet\n".repeat(MAX_FILE_SIZE / 20));
    let row = |rule: &str, path: &str, line: u64, key: &str| {
        (rule.to_string(), path.to_string(), line, fingerprint(key))
    };
    let expected: Found = [
        row("openai-project-key", "config/settings.py", 3, openai),
        row("anthropic-api-key", "src/client.ts", 2, anthropic),
        row("github-classic-token", "src/client.ts", 4, github),
        row("openai-project-key", "k8s/secret.yaml", 7, &encoded_key),
    ]
    .into_iter()
    .collect();
    Fixture {
        dir,
        expected,
        inline_allowed: fingerprint(groq),
    }
}

/// Runs keyhook with `args` in `cwd`, feeding `stdin`; returns the JSON report.
fn report(dir: &Dir, cwd: &Path, args: &[&str], stdin: &str) -> Value {
    let out = dir.command(args).current_dir(cwd).stdin(stdin).run();
    assert_eq!(out.code, 1, "every door blocks this fixture\n{out}");
    out.json()
}

/// What a door does with the key on a `keyhook:allow` line.
#[derive(Clone, Copy, PartialEq)]
enum Marker {
    /// Honoured: counted, not reported (scan, pre-commit, pre-push).
    Honoured,
    /// Not honoured: reported and blocking, marked `ignored` (pre-receive: the
    /// server owns its gate, and the marker is the pusher's text).
    Ignored,
    /// Listed: reported, not blocking, marked `allowed` (audit-history: a security
    /// team must see what markers let through).
    Listed,
}

/// What every door reports alike: the findings, the binary and oversized files
/// counted (read through their views; too large: skipped), the placeholder suppressed; and what it does with the
/// inline-allowed key, by its rules.
#[track_caller]
fn assert_agrees(door: &str, report: &Value, fixture: &Fixture, marker: Marker) {
    let mut findings = found(report);
    let marked: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["fingerprint"] == fixture.inline_allowed.as_str())
        .collect();
    findings.retain(|(_, _, _, fp)| *fp != fixture.inline_allowed);
    assert_eq!(findings, fixture.expected, "{door}: findings\n{report:#}");
    assert_eq!(
        report["summary"]["binary"], 1,
        "{door}: the binary file is read through its views\n{report:#}"
    );
    assert_eq!(
        skipped(report, "too-large"),
        1,
        "{door}: too-large\n{report:#}"
    );
    match marker {
        Marker::Honoured => {
            assert!(
                marked.is_empty(),
                "{door}: the allowed key is not reported\n{report:#}"
            );
            assert_eq!(report["summary"]["inline_allowed"], 1, "{door}\n{report:#}");
        }
        Marker::Ignored => {
            let [f] = marked.as_slice() else {
                panic!("{door}: the marked key is reported once\n{report:#}")
            };
            assert_eq!(f["inline_marker"], "ignored", "{door}\n{f:#}");
            assert_eq!(f["blocking"], true, "{door}\n{f:#}");
            assert_eq!(report["summary"]["inline_ignored"], 1, "{door}\n{report:#}");
        }
        Marker::Listed => {
            let [f] = marked.as_slice() else {
                panic!("{door}: the marked key is listed once\n{report:#}")
            };
            assert_eq!(f["inline_marker"], "allowed", "{door}\n{f:#}");
            assert_eq!(f["blocking"], false, "{door}\n{f:#}");
            assert_eq!(
                (f["rule"].as_str(), f["path"].as_str(), f["line"].as_u64()),
                (Some("groq-api-key"), Some("tools/fixture.py"), Some(1)),
                "{door}\n{f:#}"
            );
        }
    }
    assert!(
        report["summary"]["suppressed"]["placeholder"]
            .as_u64()
            .unwrap()
            + report["summary"]["suppressed"]["documentation"]
                .as_u64()
                .unwrap()
            >= 1,
        "{door}: the placeholder is suppressed, not reported\n{report:#}"
    );
}

#[test]
fn every_door_reports_the_same_findings_forbidden_files_and_skips() {
    let fixture = fixture();
    let dir = &fixture.dir;
    let root = dir.path().to_path_buf();
    let env_file: BTreeSet<String> = [".env".to_string()].into();

    // scan: the work tree, before anything is staged. Its rules judge content only:
    // file names are the git doors' business, so it lists no forbidden file.
    let scan = report(dir, &root, &["--format", "json", "scan", "."], "");
    assert_agrees("scan", &scan, &fixture, Marker::Honoured);
    assert!(forbidden(&scan).is_empty(), "scan judges no file names");

    // pre-commit: the index.
    dir.git(&["add", "-A"]);
    let staged = report(dir, &root, &["--format", "json", "pre-commit"], "");
    assert_agrees("pre-commit", &staged, &fixture, Marker::Honoured);
    assert_eq!(forbidden(&staged), env_file, "pre-commit refuses .env");

    // pre-push: the one commit, to a remote that has nothing.
    dir.git(&[
        "-c",
        "user.name=A",
        "-c",
        "user.email=a@example.com",
        "commit",
        "-qm",
        "all",
    ]);
    let head = dir.git(&["rev-parse", "HEAD"]).trim().to_string();
    let server = root.join("server.git");
    git(
        &root,
        &[
            "init",
            "-q",
            "--bare",
            "-b",
            "main",
            server.to_str().unwrap(),
        ],
    );
    dir.git(&["remote", "add", "origin", server.to_str().unwrap()]);
    let zero = "0".repeat(head.len());
    let push_line = format!("refs/heads/main {head} refs/heads/main {zero}\n");
    let pushed = report(
        dir,
        &root,
        &[
            "--format",
            "json",
            "pre-push",
            "origin",
            server.to_str().unwrap(),
        ],
        &push_line,
    );
    assert_agrees("pre-push", &pushed, &fixture, Marker::Honoured);
    assert_eq!(forbidden(&pushed), env_file, "pre-push refuses .env");

    // pre-receive: a real push; the server's hook writes its JSON report, and the
    // server's config (the same settings) lives in its git dir.
    std::fs::copy(root.join("keyhook.toml"), server.join("keyhook.toml")).unwrap();
    let server_report = root.join("pre-receive.json");
    let hook = server.join("hooks/pre-receive");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\nexec '{KEYHOOK}' --format json --output '{}' pre-receive\n",
            server_report.display()
        ),
    )
    .unwrap();
    make_executable(&hook);
    let push = std::process::Command::new("git")
        .args(["push", "-q", "origin", "main"])
        .current_dir(&root)
        .env("HOME", dir.home())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    assert!(!push.status.success(), "the server rejects the push");
    let received: Value =
        serde_json::from_str(&std::fs::read_to_string(&server_report).unwrap()).unwrap();
    assert_agrees("pre-receive", &received, &fixture, Marker::Ignored);
    assert_eq!(forbidden(&received), env_file, "pre-receive refuses .env");

    // audit-history: the whole history (one commit), each key at the commit.
    let audit = report(dir, &root, &["--format", "json", "audit-history"], "");
    assert_agrees("audit-history", &audit, &fixture, Marker::Listed);
    assert_eq!(forbidden(&audit), env_file, "the audit lists .env");
    for door in [&pushed, &received, &audit] {
        for f in door["findings"].as_array().unwrap() {
            assert_eq!(
                f["commit"]["id"],
                head.as_str(),
                "attributed to the commit\n{f:#}"
            );
        }
    }
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}
