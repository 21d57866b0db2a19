//! Issue 13, CLI conventions: shell completions, the man page, `-q`/`-v`,
//! `--rule`/`--skip-rule`, and the `jsonl` and `gitlab` formats (the GitLab report
//! validated against the schema's constraints), every output redacted.

use crate::util::{assert_not_leaked, openai_key, Dir};

/// A directory with one OpenAI key in `app.py` and one GitHub-shaped line in `b.py`.
fn with_key(seed: u64) -> (Dir, String) {
    let dir = Dir::new();
    let key = openai_key(seed);
    dir.write("app.py", format!("OPENAI_API_KEY = \"{key}\"\n"));
    (dir, key)
}

#[test]
fn completions_for_every_shell_and_a_man_page() {
    let dir = Dir::new();
    for (shell, marker) in [
        ("bash", "_keyhook()"),
        ("zsh", "#compdef keyhook"),
        ("fish", "complete -c keyhook"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[keyhook]"),
    ] {
        let out = dir.keyhook(&["completions", shell]);
        out.code(0);
        assert!(out.stdout.contains(marker), "{shell}\n{out}");
        assert!(
            out.stdout.contains("merge-reports"),
            "{shell} lists subcommands\n{out}"
        );
        assert!(
            out.stdout.contains("skip-rule"),
            "{shell} lists global flags\n{out}"
        );
    }
    let bad = dir.keyhook(&["completions", "tcsh"]);
    bad.code(2);

    let man = dir.keyhook(&["man"]);
    man.code(0);
    assert!(man.stdout.contains(".TH keyhook 1"), "{man}");
    assert!(man.stdout.contains("audit\\-history"), "{man}");
    let pages = dir.join("man");
    dir.keyhook(&["man", "--dir", pages.to_str().unwrap()])
        .code(0);
    assert!(pages.join("keyhook.1").is_file());
    assert!(pages.join("keyhook-scan.1").is_file());
}

#[test]
fn quiet_prints_the_summary_line_only_and_verbose_the_full_fingerprint() {
    let (dir, key) = with_key(301);
    let quiet = dir.keyhook(&["scan", "-q", "."]);
    quiet.code(1);
    assert_eq!(quiet.stdout.lines().count(), 1, "{quiet}");
    assert!(quiet.stdout.starts_with("keyhook scan: BLOCKED"), "{quiet}");

    let verbose = dir.keyhook(&["scan", "--verbose", "."]);
    verbose.code(1);
    let fingerprint = crate::util::fingerprint(&key);
    assert!(
        verbose
            .stdout
            .contains(&format!("fingerprint {fingerprint}")),
        "{verbose}"
    );
    assert!(verbose.stderr.contains("rule(s) in force"), "{verbose}");
    assert!(verbose.stderr.contains("finished in"), "{verbose}");
    assert_not_leaked(&format!("{}{}", verbose.stdout, verbose.stderr), &key);

    dir.keyhook(&["scan", "-q", "-v", "."]).code(2);
}

#[test]
fn rule_and_skip_rule_narrow_the_run_and_unknown_ids_are_usage_errors() {
    let (dir, _key) = with_key(302);
    dir.keyhook(&["scan", "--skip-rule", "openai-project-key", "."])
        .code(0);
    dir.keyhook(&["scan", "--rule", "groq-api-key", "."])
        .code(0);
    let only = dir.keyhook(&[
        "scan",
        "--rule",
        "openai-project-key",
        "--format",
        "json",
        ".",
    ]);
    only.code(1);
    assert_eq!(
        only.json()["findings"][0]["rule"],
        "openai-project-key",
        "{only}"
    );
    let listed = dir.keyhook(&[
        "rules",
        "--rule",
        "groq-api-key",
        "--rule",
        "openai-project-key",
    ]);
    listed.code(0);
    assert_eq!(listed.stdout.lines().count(), 2, "{listed}");

    let unknown = dir.keyhook(&["scan", "--rule", "no-such-rule", "."]);
    unknown.code(2);
    assert!(
        unknown
            .stderr
            .contains("--rule no-such-rule: no rule has this id"),
        "{unknown}"
    );
    dir.keyhook(&["scan", "--skip-rule", "nope", "."]).code(2);
}

#[test]
fn jsonl_is_one_self_contained_finding_a_line() {
    let (dir, key) = with_key(303);
    let other = openai_key(304);
    dir.write("b.py", format!("KEY = \"{other}\"\n"));
    dir.write(".env", "A=1\n");
    // Staged, so that .env is a forbidden file (pre-commit judges what git adds).
    dir.git(&["init", "-q"]);
    dir.git(&["add", "."]);
    let out = dir.keyhook(&["pre-commit", "--format", "jsonl"]);
    out.code(1);
    let lines: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}\n{out}")))
        .collect();
    let findings: Vec<_> = lines.iter().filter(|l| l["type"] == "finding").collect();
    assert_eq!(findings.len(), 2, "{out}");
    for f in &findings {
        assert_eq!(f["version"], 1);
        assert_eq!(f["mode"], "pre-commit");
        assert_eq!(f["rule"], "openai-project-key");
        assert_eq!(f["fingerprint"].as_str().unwrap().len(), 64);
        assert!(f["path"].is_string() && f["line"].is_u64(), "{f}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l["type"] == "forbidden-file" && l["path"] == ".env"),
        "{out}"
    );
    assert_not_leaked(&out.stdout, &key);
    assert_not_leaked(&out.stdout, &other);
    dir.git(&["rm", "-q", "--cached", "app.py", "b.py", ".env"]);
    let clean = dir.keyhook(&["pre-commit", "--format", "jsonl"]);
    clean.code(0);
    assert_eq!(clean.stdout, "", "a clean run prints no line");
}

#[test]
fn gitlab_report_validates_against_the_secret_detection_schema() {
    let (dir, key) = with_key(305);
    dir.write(".env", "A=1\n");
    dir.git(&["init", "-q"]);
    dir.git(&["add", "."]);
    let out = dir.keyhook(&["pre-commit", "--format", "gitlab"]);
    out.code(1);
    let report = out.json();
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../data/gitlab-secret-detection-schema.json")).unwrap();
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{out}");
    let vulns = report["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns.len(), 2, "{out}");
    let v = vulns
        .iter()
        .find(|v| v["location"]["file"] == "app.py")
        .unwrap();
    assert_eq!(v["severity"], "Critical");
    assert_eq!(v["location"]["start_line"], 1);
    assert_eq!(v["identifiers"][0]["value"], "openai-project-key");
    assert_eq!(v["identifiers"][1]["value"], crate::util::fingerprint(&key));
    assert_not_leaked(&out.stdout, &key);
    // Stable ids: the same finding is the same vulnerability in the next pipeline.
    let again = dir.keyhook(&["pre-commit", "--format", "gitlab"]).json();
    assert_eq!(
        again["vulnerabilities"][0]["id"],
        report["vulnerabilities"][0]["id"]
    );
}
