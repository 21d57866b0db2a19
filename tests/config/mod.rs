//! `keyhook.toml`, `--config`, `--baseline` and inline `keyhook:allow`: each setting
//! is shown to change the result of the same scan (first without it, then with it).

use serde_json::Value;

use crate::util::{findings, openai_key, openai_redacted, Dir, Rng};

/// A user rule for a made-up token format, `acme_live_` + 32 letters and digits.
fn acme_rule(severity: &str) -> String {
    format!(
        r#"
[[rules]]
id = "acme-live-token"
provider = "Acme"
description = "Acme live API token"
regex = '''(?:^|[^A-Za-z0-9_])(?P<secret>acme_live_[A-Za-z0-9]{{32}})(?:[^A-Za-z0-9_]|$)'''
keywords = ["acme_live_"]
prefixes = ["acme_live_"]
severity = "{severity}"
revoke_url = "https://acme.invalid/settings/tokens"
remediation = "Revoke the token in Acme's settings."
"#
    )
}

fn acme_token(seed: u64) -> String {
    format!("acme_live_{}", Rng::new(seed).alnum(32))
}

/// Scans `dir` as JSON, checks the exit code, returns the report.
#[track_caller]
fn scan_json(dir: &Dir, extra: &[&str], code: i32) -> Value {
    let mut args = vec!["scan", "--format", "json"];
    args.extend_from_slice(extra);
    let out = dir.keyhook(&args);
    out.code(code);
    out.json()
}

#[test]
fn disabled_rule_is_not_reported() {
    let dir = Dir::new();
    dir.write("app.py", format!("K = '{}'\n", openai_key(50)));
    scan_json(&dir, &[], 1);
    dir.write("keyhook.toml", "disable = [\"openai-project-key\"]\n");
    let report = scan_json(&dir, &[], 0);
    assert!(findings(&report).is_empty(), "{report:#}");
    // The rule is gone from `keyhook rules` too.
    let out = dir.keyhook(&["rules"]);
    out.code(0).stdout_lacks("openai-project-key");
}

#[test]
fn disabling_an_unknown_rule_is_a_config_error() {
    let dir = Dir::new();
    dir.write("keyhook.toml", "disable = [\"no-such-rule\"]\n");
    dir.keyhook(&["scan"]).code(2).stderr_has("no-such-rule");
}

#[test]
fn allowlisted_paths_are_skipped_and_counted() {
    let dir = Dir::new();
    dir.write(
        "tests/fixtures/keys.py",
        format!("K = '{}'\n", openai_key(51)),
    )
    .write("app.py", "print('hi')\n");
    scan_json(&dir, &[], 1);
    dir.write(
        "keyhook.toml",
        "[allowlist]\npaths = [\"tests/fixtures/**\"]\n",
    );
    let report = scan_json(&dir, &[], 0);
    assert_eq!(report["summary"]["allowlisted_paths"], 1, "{report:#}");
    // keyhook.toml and app.py.
    assert_eq!(report["summary"]["scanned"], 2, "{report:#}");
}

#[test]
fn allowlisted_secret_regex_suppresses_and_counts() {
    let key = openai_key(52);
    let other = openai_key(53);
    let dir = Dir::new();
    dir.write("app.py", format!("A = '{key}'\nB = '{other}'\n"));
    let report = scan_json(&dir, &[], 1);
    assert_eq!(findings(&report).len(), 2, "{report:#}");
    // Allow only the first key, by its last 10 characters.
    dir.write(
        "keyhook.toml",
        format!("[allowlist]\nsecrets = ['{}$']\n", &key[key.len() - 10..]),
    );
    let report = scan_json(&dir, &[], 1);
    let found = findings(&report);
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["line"], 2, "{report:#}");
    assert_eq!(
        report["summary"]["suppressed"]["allowlisted"], 1,
        "{report:#}"
    );
}

#[test]
fn stopwords_mark_placeholders() {
    let mut rng = Rng::new(54);
    let key = format!(
        "sk-proj-{}acmecorp{}T3BlbkFJ{}",
        rng.alnum(30),
        rng.alnum(36),
        rng.alnum(74)
    );
    let dir = Dir::new();
    dir.write("app.py", format!("K = '{key}'\n"));
    scan_json(&dir, &[], 1);
    dir.write("keyhook.toml", "[allowlist]\nstopwords = [\"ACMECORP\"]\n");
    let report = scan_json(&dir, &[], 0);
    assert_eq!(
        report["summary"]["suppressed"]["placeholder"], 1,
        "{report:#}"
    );
}

#[test]
fn user_rule_finds_a_custom_token() {
    let token = acme_token(55);
    let dir = Dir::new();
    dir.write("deploy.sh", format!("export ACME_TOKEN={token}\n"));
    scan_json(&dir, &[], 0);
    dir.write("keyhook.toml", acme_rule("high"));
    let out = dir.keyhook(&["scan", "--format", "json"]);
    out.code(1).stdout_lacks(&token);
    let report = out.json();
    let f = &findings(&report)[0];
    assert_eq!(f["rule"], "acme-live-token", "{out}");
    assert_eq!(f["provider"], "Acme");
    assert_eq!(f["severity"], "high");
    assert_eq!((&f["line"], &f["column"]), (&1.into(), &19.into()), "{out}");
    assert_eq!(
        f["redacted"],
        crate::util::redacted(&token, "acme_live_"),
        "{out}"
    );
    // The rule is listed with the built-ins.
    dir.keyhook(&["rules"])
        .code(0)
        .stdout_has("acme-live-token");
}

#[test]
fn config_flag_names_a_config_file_elsewhere() {
    let token = acme_token(56);
    let dir = Dir::new();
    dir.write("src/deploy.sh", format!("ACME_TOKEN={token}\n"))
        .write("conf/keyhook-ci.toml", acme_rule("high"));
    dir.keyhook(&["scan", "src"]).code(0);
    let out = dir.keyhook(&[
        "scan",
        "--config",
        "conf/keyhook-ci.toml",
        "--format",
        "json",
        "src",
    ]);
    out.code(1);
    assert_eq!(findings(&out.json())[0]["rule"], "acme-live-token", "{out}");
}

#[test]
fn max_file_size_skips_and_counts_large_files() {
    let dir = Dir::new();
    dir.write(
        "big.py",
        format!("# {}\nK = '{}'\n", "x".repeat(300), openai_key(57)),
    )
    .write("small.py", "a = 1\n");
    scan_json(&dir, &[], 1);
    dir.write("keyhook.toml", "max_file_size = 200\n");
    let report = scan_json(&dir, &[], 0);
    assert_eq!(report["summary"]["skipped"]["too-large"], 1, "{report:#}");
    // keyhook.toml and small.py.
    assert_eq!(report["summary"]["scanned"], 2, "{report:#}");
}

#[test]
fn inline_allow_marker_suppresses_its_line_only() {
    let allowed = openai_key(58);
    let other = openai_key(59);
    let dir = Dir::new();
    dir.write(
        "app.py",
        format!("A = '{allowed}'  # keyhook:allow (test fixture)\nB = '{other}'\n"),
    );
    let report = scan_json(&dir, &[], 1);
    let found = findings(&report);
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["line"], 2);
    assert_eq!(found[0]["redacted"], openai_redacted(&other));
    assert_eq!(report["summary"]["inline_allowed"], 1, "{report:#}");

    dir.write("app.py", format!("A = '{allowed}'  # keyhook:allow\n"));
    let report = scan_json(&dir, &[], 0);
    assert_eq!(report["summary"]["inline_allowed"], 1, "{report:#}");
}

#[test]
fn baseline_accepts_known_fingerprints() {
    let key = openai_key(60);
    let dir = Dir::new();
    dir.write("src/app.py", format!("K = '{key}'\n"));
    let first = scan_json(&dir, &["src"], 1);
    let f = &findings(&first)[0];
    let baseline = serde_json::json!({
        "keyhook_baseline": 1,
        "findings": [{ "rule": f["rule"], "fingerprint": f["fingerprint"] }],
    });
    dir.write(
        "baseline.json",
        serde_json::to_string_pretty(&baseline).unwrap(),
    );

    // --baseline on the command line.
    let report = scan_json(&dir, &["--baseline", "baseline.json", "src"], 0);
    assert!(findings(&report).is_empty(), "{report:#}");
    assert_eq!(report["summary"]["baselined"], 1, "{report:#}");

    // `baseline` in keyhook.toml, relative to the config file.
    dir.write("keyhook.toml", "baseline = \"baseline.json\"\n");
    let report = scan_json(&dir, &[], 0);
    assert_eq!(report["summary"]["baselined"], 1, "{report:#}");

    // A new key is still reported.
    dir.write("src/other.py", format!("K = '{}'\n", openai_key(61)));
    let report = scan_json(&dir, &[], 1);
    assert_eq!(findings(&report)[0]["path"], "src/other.py", "{report:#}");
    assert_eq!(report["summary"]["baselined"], 1, "{report:#}");
}

#[test]
fn block_severity_critical_makes_high_findings_warn() {
    let token = acme_token(62);
    let dir = Dir::new();
    dir.write("deploy.sh", format!("ACME_TOKEN={token}\n"));
    dir.write("keyhook.toml", acme_rule("high"));
    let report = scan_json(&dir, &[], 1);
    assert_eq!(findings(&report)[0]["blocking"], true, "{report:#}");

    dir.write(
        "keyhook.toml",
        format!("block_severity = \"critical\"\n{}", acme_rule("high")),
    );
    let out = dir.keyhook(&["scan", "--format", "json"]);
    out.code(0);
    let report = out.json();
    let f = &findings(&report)[0];
    assert_eq!(f["severity"], "high", "{out}");
    assert_eq!(f["blocking"], false, "{out}");
    assert_eq!(report["blocked"], false, "{out}");
    assert_eq!(report["summary"]["findings"], 1, "{out}");
    assert_eq!(report["summary"]["blocking"], 0, "{out}");
    dir.keyhook(&["scan"]).code(0).stdout_has("(warning)");

    // A critical key still blocks.
    dir.write("app.py", format!("K = '{}'\n", openai_key(63)));
    scan_json(&dir, &[], 1);
}

/// Broken configs stop the run with exit 2 and point at the spot.
#[test]
fn broken_config_is_a_located_usage_error() {
    let key = openai_key(64);
    let cases = [
        (
            "unknown key",
            "max_file_size = 10\nfrobnicate = 1\n",
            "keyhook.toml:2:1:",
            "frobnicate",
        ),
        (
            "unknown key in a table",
            "[allowlist]\npath = [\"a\"]\n",
            "keyhook.toml:2:1:",
            "path",
        ),
        (
            "bad regex in allowlist.secrets",
            "# comment\n[allowlist]\nsecrets = [\"ok\", \"(unclosed\"]\n",
            "keyhook.toml:3:18:",
            "regex",
        ),
        (
            "TOML syntax error",
            "block_severity = \"high\"\ngitignore = \n",
            "keyhook.toml:2:13:",
            "",
        ),
        (
            "bad value",
            "block_severity = \"severe\"\n",
            "keyhook.toml:1:18:",
            "severe",
        ),
        (
            "bad type",
            "max_file_size = \"big\"\n",
            "keyhook.toml:1:17:",
            "",
        ),
    ];
    for (name, text, spot, word) in cases {
        let dir = Dir::new();
        dir.write("app.py", format!("K = '{key}'\n"));
        dir.write("keyhook.toml", text);
        let out = dir.keyhook(&["scan"]);
        out.code(2);
        out.check(
            out.stderr.contains(spot),
            &format!("{name}: stderr should name {spot}"),
        );
        out.check(
            out.stderr.contains(word),
            &format!("{name}: stderr should say {word}"),
        );
        out.check(
            out.stdout.is_empty(),
            &format!("{name}: no report on a config error"),
        );
    }
}

#[test]
fn broken_user_rule_is_a_located_usage_error() {
    let dir = Dir::new();
    dir.write(
        "keyhook.toml",
        "max_file_size = 1000\n\n[[rules]]\nid = \"mine\"\nprovider = \"Me\"\ndescription = \"d\"\nregex = \"(?P<secret>x\"\nkeywords = [\"xx\"]\nrevoke_url = \"u\"\nremediation = \"r\"\n",
    );
    dir.keyhook(&["scan"])
        .code(2)
        .stderr_has("keyhook.toml:3:1:")
        .stderr_has("mine");
}

/// `keyhook scan project` loads `project/keyhook.toml`, but matches its
/// `[allowlist] paths` against the paths as shown from the current directory
/// (`project/tests/fixtures/keys.py`), so the allowlist silently stops working. Globs
/// in a config must be relative to the folder that holds it, wherever keyhook runs.
#[test]
fn allowlisted_paths_are_relative_to_the_config_root() {
    let dir = Dir::new();
    dir.write(
        "project/tests/fixtures/keys.py",
        format!("K = '{}'\n", openai_key(65)),
    )
    .write(
        "project/keyhook.toml",
        "[allowlist]\npaths = [\"tests/fixtures/**\"]\n",
    );
    // From inside the project, the allowlist applies.
    let out = dir
        .command(&["scan", "--format", "json"])
        .current_dir(&dir.join("project"))
        .run();
    out.code(0);
    assert_eq!(out.json()["summary"]["allowlisted_paths"], 1, "{out}");
    // Named from its parent (or by absolute path), the same config must apply the same way.
    let absolute = dir.join("project").display().to_string();
    for target in ["project", absolute.as_str()] {
        let out = dir.keyhook(&["scan", "--format", "json", target]);
        out.code(0);
        assert_eq!(out.json()["summary"]["allowlisted_paths"], 1, "{out}");
    }
}
