//! `keyhook rules`: the listing (text and JSON) and `--check`.

use keyhook::rules::RuleSet;

use crate::util::Dir;

#[test]
fn rules_lists_every_rule_id() {
    let dir = Dir::new();
    let out = dir.keyhook(&["rules"]);
    out.code(0);
    let listed: Vec<&str> = out
        .stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let builtin = RuleSet::builtin().expect("built-in rules load");
    let ids: Vec<&str> = builtin.rules().iter().map(|r| r.id()).collect();
    assert!(ids.contains(&"openai-project-key"), "{ids:?}");
    assert_eq!(listed, ids, "\n{out}");
}

#[test]
fn rules_json_lists_id_provider_and_description() {
    let dir = Dir::new();
    let out = dir.keyhook(&["rules", "--format", "json"]);
    out.code(0);
    let rows = out.json();
    let rows = rows.as_array().expect("a JSON array of rules");
    let builtin = RuleSet::builtin().expect("built-in rules load");
    assert_eq!(rows.len(), builtin.rules().len(), "{out}");
    for (row, rule) in rows.iter().zip(builtin.rules()) {
        assert_eq!(row["id"], rule.id(), "{row}");
        assert_eq!(row["provider"], rule.provider(), "{row}");
        for field in ["id", "provider", "description", "severity", "revoke_url"] {
            let value = row[field].as_str().unwrap_or_default();
            assert!(
                !value.is_empty(),
                "rule {} has no {field}: {row}",
                rule.id()
            );
        }
    }
}

/// The built-in rule set covers the providers KEY-FORMATS.md lists and the
/// developer-platform catalog (issue 11).
#[test]
fn builtin_rule_set_has_at_least_150_rules() {
    let dir = Dir::new();
    let out = dir.keyhook(&["rules", "--format", "json"]);
    out.code(0);
    let count = out.json().as_array().map_or(0, Vec::len);
    out.check(count >= 150, &format!("only {count} rules"));
}

#[test]
fn rules_check_passes_on_the_builtin_rules() {
    let dir = Dir::new();
    let out = dir.keyhook(&["rules", "--check"]);
    out.code(0).stdout_has(" 0 failures").stdout_lacks("FAIL");
}

#[test]
fn rules_check_fails_on_a_rule_whose_example_does_not_match() {
    let dir = Dir::new();
    dir.write(
        "keyhook.toml",
        r#"
[[rules]]
id = "acme-token"
provider = "Acme"
description = "Acme token"
regex = '''(?P<secret>acme_[A-Za-z0-9]{32})'''
keywords = ["acme_"]
prefixes = ["acme_"]
revoke_url = "https://acme.invalid"
remediation = "Revoke it."
examples = ["token = acme_tooshort"]
"#,
    );
    dir.keyhook(&["rules", "--check"])
        .code(1)
        .stdout_has("FAIL rule `acme-token` examples[0]")
        .stdout_has(" 1 failures");
}
