//! Issue 13, audits across an organisation: three real repositories audited with
//! `keyhook audit-history --format json`, then `keyhook merge-reports` groups them by
//! key — one key leaked in three repositories is one key to revoke, with every place.

use super::support::{openai_key, Repo};
use crate::util::{assert_not_leaked, fingerprint, openai_redacted};

#[test]
fn merge_reports_groups_three_real_audits_by_key() {
    let shared = openai_key();
    let only_b = openai_key();
    let (a, b, c) = (Repo::new(), Repo::new(), Repo::new());
    a.write("app.py", &format!("KEY = \"{shared}\"\n"));
    a.commit("a: key");
    b.write("deploy/env.py", &format!("OPENAI_API_KEY = \"{shared}\"\n"));
    b.write("other.py", &format!("K = \"{only_b}\"\n"));
    b.commit("b: keys");
    // c: the key only in history (removed at the tip).
    c.write("notebook.py", &format!("openai.api_key = \"{shared}\"\n"));
    c.commit("c: key");
    c.remove("notebook.py");
    c.commit("c: removed");
    let clean = Repo::new();
    clean.write("README.md", "# nothing here\n");
    clean.commit("clean");

    let reports = tempfile::tempdir().unwrap();
    for (name, repo) in [
        ("acme__api", &a),
        ("acme__deploy", &b),
        ("acme__ml", &c),
        ("acme__docs", &clean),
    ] {
        let path = reports.path().join(format!("{name}.json"));
        let out = repo.keyhook(&[
            "audit-history",
            "--format",
            "json",
            "-o",
            path.to_str().unwrap(),
        ]);
        assert!(out.code == 0 || out.code == 1, "{out}");
    }
    let files: Vec<String> = ["acme__api", "acme__deploy", "acme__ml", "acme__docs"]
        .iter()
        .map(|n| {
            reports
                .path()
                .join(format!("{n}.json"))
                .display()
                .to_string()
        })
        .collect();
    let args = |format: &str| {
        let mut v = vec![
            "merge-reports".to_string(),
            "--format".into(),
            format.into(),
        ];
        v.extend(files.iter().cloned());
        v
    };
    let run = |format: &str| {
        let a = args(format);
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        clean.keyhook(&refs)
    };

    let json = run("json");
    assert_eq!(json.code, 1, "keys found: exit 1\n{json}");
    let merged = json.json();
    assert_eq!(merged["mode"], "merge-reports");
    assert_eq!(merged["summary"]["repositories"], 4, "{merged:#}");
    let keys = merged["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2, "two distinct keys: {merged:#}");
    let first = &keys[0];
    assert_eq!(
        first["fingerprint"],
        fingerprint(&shared),
        "the widest-spread key first"
    );
    assert_eq!(
        first["repositories"],
        serde_json::json!(["acme__api", "acme__deploy", "acme__ml"]),
        "{merged:#}"
    );
    let places = first["places"].as_array().unwrap();
    assert_eq!(places.len(), 3, "{merged:#}");
    let ml = places
        .iter()
        .find(|p| p["repository"] == "acme__ml")
        .unwrap();
    assert_eq!(ml["path"], "notebook.py");
    assert_eq!(
        ml["still_in"],
        serde_json::json!([]),
        "history only: {merged:#}"
    );
    let deploy = places
        .iter()
        .find(|p| p["repository"] == "acme__deploy")
        .unwrap();
    assert_eq!(deploy["path"], "deploy/env.py");
    assert_eq!(keys[1]["fingerprint"], fingerprint(&only_b));
    assert_eq!(keys[1]["repositories"], serde_json::json!(["acme__deploy"]));

    let text = run("text");
    assert_eq!(text.code, 1, "{text}");
    assert!(text.stdout.contains(&openai_redacted(&shared)), "{text}");
    assert!(text.stdout.contains("3 repositories, 3 place(s)"), "{text}");
    assert!(text.stdout.contains("acme__ml: notebook.py:1"), "{text}");
    assert!(
        text.stdout
            .contains("2 key(s) to revoke in 4 place(s), in 3 of 4 repositories"),
        "{text}"
    );

    let sarif = run("sarif");
    let log: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../data/sarif-schema-2.1.0.json")).unwrap();
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "one result per key");
    assert_eq!(results[0]["locations"].as_array().unwrap().len(), 3);

    for out in [&json, &text, &sarif] {
        assert_not_leaked(&format!("{}{}", out.stdout, out.stderr), &shared);
        assert_not_leaked(&format!("{}{}", out.stdout, out.stderr), &only_b);
    }
}

#[test]
fn merge_reports_refuses_a_file_that_is_not_a_report() {
    let repo = Repo::new();
    repo.write("bad.json", "{\"hello\": 1}");
    let out = repo.keyhook(&["merge-reports", "bad.json"]);
    assert_eq!(out.code, 2, "{out}");
    assert!(
        out.stderr.contains("bad: not a keyhook JSON report"),
        "{out}"
    );
}
