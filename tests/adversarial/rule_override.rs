//! A rule in `keyhook.toml` that overrides a built-in cannot silently stop
//! detection: it keeps the built-in's windows (and its examples when it gives none),
//! a config rule's window always covers its regex's longest match, and
//! `keyhook rules --check` fails, naming rule and example, when an override no
//! longer finds its examples.

use super::assert_no_key;
use crate::util::{findings, openai_key, Dir, Rng};

/// The built-in `openai-project-key` regex and keyword, without its windows.
const OPENAI_OVERRIDE: &str = r#"
[[rules]]
id = "openai-project-key"
provider = "OpenAI"
description = "OpenAI key (our override)"
regex = '''(?:^|[^A-Za-z0-9_-])(?P<secret>sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{58,74}T3BlbkFJ[A-Za-z0-9_-]{58,74})(?:[^A-Za-z0-9_-]|$)'''
keywords = ["T3BlbkFJ"]
prefixes = ["sk-proj-"]
revoke_url = "https://platform.openai.com/api-keys"
remediation = "Revoke it."
"#;

/// Issue 10: this override, with default windows, found nothing: the keyword sits
/// 74 bytes into the key, past the default 64-byte window before it.
#[test]
fn an_override_with_default_windows_still_finds_the_key() {
    let key = openai_key(1400);
    let dir = Dir::new();
    dir.write("app.py", format!("K = '{key}'\n"))
        .write("keyhook.toml", OPENAI_OVERRIDE);
    let out = dir.keyhook(&["scan", "--format", "json", "app.py"]);
    out.code(1);
    assert_no_key(&out.stdout, &[&key]);
    let report = out.json();
    assert_eq!(findings(&report).len(), 1, "{out}");
    assert_eq!(
        findings(&report)[0]["description"],
        "OpenAI key (our override)"
    );
    // Its examples are the built-in's, and they pass.
    dir.keyhook(&["rules", "--check"])
        .code(0)
        .stdout_has(" 0 failures");
}

#[test]
fn a_new_rule_whose_keyword_is_deep_in_the_token_is_found() {
    let token = format!(
        "acme_{}LIVE{}",
        Rng::new(1401).alnum(90),
        Rng::new(1402).alnum(90)
    );
    let dir = Dir::new();
    dir.write("deploy.sh", format!("export ACME={token}\n")).write(
        "keyhook.toml",
        r#"
[[rules]]
id = "acme-deep"
provider = "Acme"
description = "Acme token"
regex = '''(?:^|[^A-Za-z0-9])(?P<secret>acme_[A-Za-z0-9]{90}LIVE[A-Za-z0-9]{90})(?:[^A-Za-z0-9]|$)'''
keywords = ["LIVE"]
revoke_url = "https://acme.invalid"
remediation = "Revoke it."
"#,
    );
    let out = dir.keyhook(&["scan", "--format", "json", "deploy.sh"]);
    out.code(1);
    assert_no_key(&out.stdout, &[&token]);
    assert_eq!(findings(&out.json())[0]["rule"], "acme-deep", "{out}");
}

#[test]
fn rules_check_fails_when_an_override_misses_the_builtin_examples() {
    let dir = Dir::new();
    // Narrowed to `sk-admin-` keys only, no examples of its own: the built-in's
    // examples (project and service-account keys) are no longer found.
    dir.write(
        "keyhook.toml",
        OPENAI_OVERRIDE.replace("(?:proj|svcacct|admin)", "admin"),
    );
    let out = dir.keyhook(&["rules", "--check"]);
    out.code(1)
        .stdout_has("FAIL rule `openai-project-key` built-in examples[0]: not found by its rule")
        .stdout_lacks("built-in examples[3]");
}

#[test]
fn rules_check_fails_when_an_override_misses_its_own_examples() {
    let key = openai_key(1403);
    let dir = Dir::new();
    let config = format!(
        "{}\nexamples = ['K = \"{key}\"', 'nothing to see']\n",
        OPENAI_OVERRIDE.trim_end()
    );
    dir.write("keyhook.toml", format!("{config}\n"));
    let out = dir.keyhook(&["rules", "--check"]);
    out.code(1)
        .stdout_has("FAIL rule `openai-project-key` examples[1]: not found by its rule")
        .stdout_lacks("examples[0]");
    assert_no_key(&out.stdout, &[&key]);
}
