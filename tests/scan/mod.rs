//! `keyhook scan`: files, directories and stdin; what is walked and what is not;
//! output formats, `--output`, `--color` and `-C`.

mod bad_input;
mod color;
mod conventions;
mod formats;
mod sarif;

use crate::util::{fake_keys, findings, openai_key, openai_redacted, position_of, Dir, FakeKey};

/// A small project with one OpenAI key in a Python file.
fn project_with_key(key: &str) -> Dir {
    let dir = Dir::new();
    dir.write("README.md", "# demo\n")
        .write("app/__init__.py", "")
        .write(
            "app/client.py",
            format!("import openai\n\nclient = openai.OpenAI(api_key=\"{key}\")\n"),
        );
    dir
}

#[test]
fn key_in_python_file_blocks_and_is_redacted_in_every_format() {
    let key = openai_key(1);
    let shown = openai_redacted(&key);
    assert!(shown.ends_with(" (164 chars)"), "{shown}");
    let dir = project_with_key(&key);

    let text = dir.keyhook(&["scan"]);
    text.code(1)
        .stdout_has("app/client.py")
        .stdout_has("  3:33  ")
        .stdout_has("openai-project-key")
        .stdout_has(&shown)
        .stdout_lacks(&key)
        .stdout_has("BLOCKED");

    let json = dir.keyhook(&["scan", "--format", "json"]);
    json.code(1).stdout_lacks(&key);
    let report = json.json();
    assert_eq!(report["version"], 1);
    assert_eq!(report["mode"], "scan");
    assert_eq!(report["blocked"], true);
    let found = findings(&report);
    assert_eq!(found.len(), 1, "{json}");
    let f = &found[0];
    assert_eq!(f["rule"], "openai-project-key", "{json}");
    assert_eq!(f["provider"], "OpenAI");
    assert_eq!(f["severity"], "critical");
    assert_eq!(f["blocking"], true);
    assert_eq!(f["path"], "app/client.py");
    assert_eq!(
        (&f["line"], &f["column"], &f["end_line"]),
        (&3.into(), &33.into(), &3.into())
    );
    assert_eq!(f["redacted"], shown.as_str());
    assert_eq!(
        f["fingerprint"],
        keyhook::engine::Fingerprint::of(key.as_bytes()).as_str()
    );
    assert_eq!(f["commit"], serde_json::Value::Null);
    assert_eq!(f["encoding"], serde_json::Value::Null);
    assert_eq!(report["summary"]["scanned"], 3, "{json}");
    assert_eq!(report["summary"]["findings"], 1);
    assert_eq!(report["summary"]["blocking"], 1);

    let sarif = dir.keyhook(&["scan", "--format", "sarif"]);
    sarif.code(1).stdout_lacks(&key).stdout_has(&shown);
    let log = sarif.json();
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 1, "{sarif}");
    assert_eq!(results[0]["ruleId"], "openai-project-key");
    assert_eq!(results[0]["properties"]["redacted"], shown.as_str());
    let region = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(region["artifactLocation"]["uri"], "app/client.py");
    assert_eq!(region["region"]["startLine"], 3);
    assert_eq!(region["region"]["startColumn"], 33);
}

#[test]
fn same_project_without_the_key_is_clean() {
    let key = openai_key(2);
    let dir = project_with_key(&key);
    dir.write(
        "app/client.py",
        "import os, openai\n\nclient = openai.OpenAI(api_key=os.environ[\"OPENAI_API_KEY\"])\n",
    );
    for format in ["text", "json", "sarif"] {
        let out = dir.keyhook(&["scan", "--format", format]);
        out.code(0);
        if format == "text" {
            out.stdout_has("ok").stdout_has("0 findings");
        } else if format == "json" {
            let report = out.json();
            assert_eq!(report["blocked"], false);
            assert!(findings(&report).is_empty(), "{out}");
            assert_eq!(report["summary"]["scanned"], 3);
        } else {
            assert_eq!(
                out.json()["runs"][0]["results"],
                serde_json::json!([]),
                "{out}"
            );
        }
    }
}

#[test]
fn stdin_is_scanned_with_dash() {
    let key = openai_key(3);
    let dir = Dir::new();
    let out = dir
        .command(&["scan", "--format", "json", "-"])
        .stdin(format!("first line\nOPENAI_API_KEY={key}\n"))
        .run();
    out.code(1).stdout_lacks(&key);
    let report = out.json();
    let f = &findings(&report)[0];
    assert_eq!(f["path"], "<stdin>", "{out}");
    assert_eq!((&f["line"], &f["column"]), (&2.into(), &16.into()), "{out}");

    dir.command(&["scan", "-"])
        .stdin("nothing to see here\n")
        .run()
        .code(0);
}

#[test]
fn output_flag_writes_the_report_to_a_file() {
    let key = openai_key(4);
    let dir = Dir::new();
    dir.write("src/settings.py", format!("KEY = '{key}'\n"));
    let out = dir.keyhook(&["scan", "--format", "json", "--output", "report.json", "src"]);
    out.code(1);
    out.check(
        out.stdout.is_empty(),
        "stdout should be empty with --output",
    );
    let written = dir.read("report.json");
    assert!(!written.contains(&key), "{written}");
    let report: serde_json::Value = serde_json::from_str(&written).expect("report is JSON");
    assert_eq!(findings(&report)[0]["path"], "src/settings.py", "{written}");
    assert_eq!(findings(&report)[0]["redacted"], openai_redacted(&key));

    // Text too, with the short flag; a file is not a terminal, so no colour.
    dir.keyhook(&["scan", "-o", "report.txt", "src"]).code(1);
    let text = dir.read("report.txt");
    assert!(text.contains(&openai_redacted(&key)), "{text}");
    assert!(
        !text.contains(&key) && !crate::util::has_ansi(&text),
        "{text}"
    );
}

#[test]
fn gitignored_file_is_skipped_unless_no_ignore() {
    let key = openai_key(5);
    let dir = Dir::new();
    dir.write(".gitignore", "local_secrets.py\nbuild/\n")
        .write("main.py", "print('hi')\n")
        .write("local_secrets.py", format!("KEY = '{key}'\n"))
        .write("build/out.js", format!("var k='{key}';\n"));

    let out = dir.keyhook(&["scan", "--format", "json"]);
    out.code(0);
    // .gitignore and main.py only.
    assert_eq!(out.json()["summary"]["scanned"], 2, "{out}");

    let out = dir.keyhook(&["scan", "--format", "json", "--no-ignore"]);
    out.code(1);
    let report = out.json();
    let paths: Vec<&str> = findings(&report)
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["build/out.js", "local_secrets.py"], "{out}");
}

#[test]
fn git_directory_is_never_scanned() {
    let key = openai_key(6);
    let dir = Dir::new();
    dir.git(&["init", "-q"]);
    dir.write("main.py", "print('hi')\n");
    dir.git(&["add", "main.py"]);
    dir.git(&["commit", "-q", "-m", "init"]);
    // Keys that only live inside .git (top level and a nested repository).
    dir.write(".git/description", format!("{key}\n"))
        .write(".git/hooks/post-commit", format!("#!/bin/sh\nKEY={key}\n"))
        .write("vendor/lib/.git/config", format!("[x]\n\tk = {key}\n"))
        .write("vendor/lib/lib.py", "x = 1\n");
    for extra in [&[][..], &["--no-ignore"][..]] {
        let mut args = vec!["scan", "--format", "json"];
        args.extend_from_slice(extra);
        let out = dir.keyhook(&args);
        out.code(0);
        // main.py and vendor/lib/lib.py.
        assert_eq!(out.json()["summary"]["scanned"], 2, "{out}");
    }
}

#[test]
fn hidden_files_are_scanned() {
    let key = openai_key(7);
    let other = openai_key(8);
    let dir = Dir::new();
    dir.write(".env", format!("OPENAI_API_KEY={key}\n"))
        .write(".config/app.json", format!("{{\"key\": \"{other}\"}}\n"));
    let out = dir.keyhook(&["scan", "--format", "json"]);
    out.code(1);
    let report = out.json();
    let paths: Vec<&str> = findings(&report)
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, [".config/app.json", ".env"], "{out}");
}

#[test]
fn chdir_flag_runs_in_another_directory() {
    let key = openai_key(9);
    let dir = Dir::new();
    dir.write("project/config.yml", format!("openai:\n  key: {key}\n"))
        .mkdir("elsewhere");
    let out = dir
        .command(&["-C", "../project", "scan", "--format", "json"])
        .current_dir(&dir.join("elsewhere"))
        .run();
    out.code(1);
    assert_eq!(findings(&out.json())[0]["path"], "config.yml", "{out}");
}

#[test]
fn usage_errors_exit_2() {
    let dir = Dir::new();
    for args in [
        &["scan", "--no-such-flag"][..],
        &["scan", "--format", "xml"],
        &["scan", "--color", "sometimes"],
        &["frobnicate"],
        &[],
    ] {
        dir.keyhook(args).code(2);
    }
}

/// Keys of other providers: each is checked once the built-in rules cover its
/// provider (they are written in another worktree), so this test grows with them.
#[test]
fn fake_keys_of_every_covered_provider_are_found() {
    let rules = keyhook::rules::RuleSet::builtin().expect("built-in rules load");
    let covered = |k: &FakeKey| rules.rules().iter().any(|r| r.provider() == k.provider);
    let keys: Vec<FakeKey> = fake_keys().into_iter().filter(covered).collect();
    assert!(
        keys.iter().any(|k| k.provider == "OpenAI"),
        "OpenAI rules must exist"
    );
    let dir = Dir::new();
    let mut text = String::new();
    for k in &keys {
        text.push_str(&format!(
            "{}_KEY = \"{}\"\n",
            k.provider.to_uppercase(),
            k.key
        ));
    }
    dir.write("keys.py", &text);
    let out = dir.keyhook(&["scan", "--format", "json"]);
    out.code(1);
    let report = out.json();
    for k in &keys {
        out.stdout_lacks(&k.key);
        let (line, column) = position_of(&text, &k.key);
        let shown = crate::util::redacted(&k.key, k.prefix);
        let hit = findings(&report).iter().find(|f| f["line"] == line);
        let hit = hit.unwrap_or_else(|| panic!("{} key not found\n{out}", k.provider));
        assert_eq!(hit["provider"], k.provider, "{out}");
        assert_eq!(hit["column"], column, "{out}");
        assert_eq!(hit["redacted"], shown, "{out}");
    }
    assert_eq!(findings(&report).len(), keys.len(), "{out}");
}
