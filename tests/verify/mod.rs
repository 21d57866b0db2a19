//! `--verify` (issue 6): live key validation against a loopback mock provider.
//! Each status comes out right, a hook still blocks whatever the status, a
//! repository config cannot say where keys go, plain http goes to loopback only,
//! every key goes only to its own provider, and no output holds a key.

mod mock;

use std::collections::HashMap;

use serde_json::Value;

use crate::util::{self, findings, openai_key, Dir, Output, Rng, TestCommand};
use mock::{refused_base_url, Answer, Mock};

/// The keys of one fixture and what each should come out as.
struct Keys {
    live: String,
    invalid: String,
    restricted: String,
    rate_limited: String,
    slow: String,
    groq_live: String,
    anthropic: String,
    stripe: String,
}

impl Keys {
    fn new() -> Keys {
        let mut rng = Rng::new(0x7665_7269_6679);
        Keys {
            live: openai_key(101),
            invalid: openai_key(102),
            restricted: openai_key(103),
            rate_limited: openai_key(104),
            slow: openai_key(105),
            groq_live: format!("gsk_{}", rng.alnum(52)),
            anthropic: format!("sk-ant-api03-{}AA", rng.alnum(93)),
            stripe: format!("sk_live_{}", rng.alnum(99)),
        }
    }

    fn all(&self) -> [&str; 8] {
        [
            &self.live,
            &self.invalid,
            &self.restricted,
            &self.rate_limited,
            &self.slow,
            &self.groq_live,
            &self.anthropic,
            &self.stripe,
        ]
    }

    /// The keys the mock (OpenAI and Groq pointed at it) may ever receive.
    fn for_mock(&self) -> [&str; 6] {
        [
            &self.live,
            &self.invalid,
            &self.restricted,
            &self.rate_limited,
            &self.slow,
            &self.groq_live,
        ]
    }

    fn mock(&self) -> Mock {
        Mock::start(HashMap::from([
            (self.live.clone(), Answer::Live),
            (self.restricted.clone(), Answer::Restricted),
            (self.rate_limited.clone(), Answer::RateLimited),
            (self.slow.clone(), Answer::Slow),
            (self.groq_live.clone(), Answer::Live),
        ]))
    }

    /// A file holding every key; the live one twice (verified once).
    fn file(&self) -> String {
        let mut text = format!("LIVE_AGAIN = \"{}\"\n", self.live);
        for (i, key) in self.all().iter().enumerate() {
            text.push_str(&format!("KEY_{i} = \"{key}\"\n"));
        }
        text
    }
}

/// OpenAI and Groq at the mock, Anthropic at a port where nothing listens, and a
/// short timeout so the slow answer times out.
fn with_env(cmd: TestCommand, mock: &Mock) -> TestCommand {
    cmd.env("KEYHOOK_OPENAI_BASE_URL", mock.base_url())
        .env("KEYHOOK_GROQ_BASE_URL", mock.base_url())
        .env("KEYHOOK_ANTHROPIC_BASE_URL", refused_base_url())
        .env("KEYHOOK_VERIFY_TIMEOUT_MS", "700")
}

/// The JSON finding whose redacted form is that of `key`.
fn finding<'a>(report: &'a Value, key: &str, prefix: &str) -> &'a Value {
    let shown = util::redacted(key, prefix);
    findings(report)
        .iter()
        .find(|f| f["redacted"] == shown.as_str())
        .unwrap_or_else(|| panic!("no finding for {shown}\n{report:#}"))
}

/// Panics if any key of `keys` is in stdout or stderr.
#[track_caller]
fn no_key_in(out: &Output, keys: &Keys) {
    for key in keys.all() {
        out.check(
            !out.stdout.contains(key) && !out.stderr.contains(key),
            "a raw key is in the output",
        );
    }
}

/// Every request the mock saw carried one of its own providers' keys, to that
/// provider's check path, each key once.
#[track_caller]
fn mock_saw_only_its_keys(mock: &Mock, keys: &Keys) {
    let seen = mock.seen();
    let mut counts: HashMap<String, usize> = HashMap::new();
    for s in &seen {
        let key = s.key.clone().unwrap_or_default();
        assert!(
            keys.for_mock().contains(&key.as_str()),
            "the mock received a key that is not OpenAI's or Groq's: {:?} {}",
            s.method,
            s.target
        );
        let path = if key == keys.groq_live {
            "/openai/v1/models"
        } else {
            "/v1/models"
        };
        assert_eq!((s.method.as_str(), s.target.as_str()), ("GET", path));
        *counts.entry(key).or_default() += 1;
    }
    assert_eq!(counts.len(), 6, "each OpenAI/Groq key is checked: {seen:?}");
    assert!(
        counts.values().all(|&n| n == 1),
        "one request per key: {seen:?}"
    );
}

#[test]
fn each_status_comes_out_right_in_json() {
    let keys = Keys::new();
    let mock = keys.mock();
    let dir = Dir::new();
    dir.write("config.py", keys.file());
    let out = with_env(
        dir.command(&["scan", "--verify", "--format", "json", "."]),
        &mock,
    )
    .run();
    out.code(1);
    no_key_in(&out, &keys);
    let report = out.json();
    assert_eq!(report["version"], 1);
    let cases = [
        (&keys.live, "sk-proj-", "live", None),
        (&keys.invalid, "sk-proj-", "invalid", Some("HTTP 401")),
        (&keys.restricted, "sk-proj-", "restricted", Some("HTTP 403")),
        (
            &keys.rate_limited,
            "sk-proj-",
            "unknown",
            Some("rate limited (HTTP 429)"),
        ),
        (&keys.slow, "sk-proj-", "unknown", Some("timeout")),
        (&keys.groq_live, "gsk_", "live", None),
        (
            &keys.anthropic,
            "sk-ant-api03-",
            "unknown",
            Some("connection failed"),
        ),
        (&keys.stripe, "sk_live_", "skipped", None),
    ];
    for (key, prefix, status, detail) in cases {
        let f = finding(&report, key, prefix);
        assert_eq!(f["validation"], status, "{f:#}");
        assert_eq!(f["validation_detail"].as_str(), detail, "{f:#}");
        assert_eq!(f["blocking"], true, "validation never unblocks: {f:#}");
    }
    mock_saw_only_its_keys(&mock, &keys);
}

#[test]
fn text_and_sarif_show_the_status() {
    let keys = Keys::new();
    let mock = keys.mock();
    let dir = Dir::new();
    dir.write("config.py", keys.file());
    let text = with_env(dir.command(&["scan", "--verify", "."]), &mock).run();
    text.code(1)
        .stdout_has("LIVE — rotate now")
        .stdout_has("invalid — revoked or wrong")
        .stdout_has("skipped — no check for this rule");
    no_key_in(&text, &keys);
    let sarif = with_env(
        dir.command(&["scan", "--verify", "--format", "sarif", "."]),
        &mock,
    )
    .run();
    sarif.code(1);
    no_key_in(&sarif, &keys);
    let log = sarif.json();
    let statuses: Vec<&str> = log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["properties"]["validation"].as_str())
        .collect();
    for status in ["live", "invalid", "restricted", "unknown", "skipped"] {
        assert!(
            statuses.contains(&status),
            "{status} missing in {statuses:?}"
        );
    }
}

#[test]
fn without_the_flag_nothing_is_sent() {
    let keys = Keys::new();
    let mock = keys.mock();
    let dir = Dir::new();
    dir.write("config.py", keys.file());
    let out = with_env(dir.command(&["scan", "--format", "json", "."]), &mock).run();
    out.code(1);
    assert!(findings(&out.json())
        .iter()
        .all(|f| f.get("validation").is_none()));
    assert!(mock.seen().is_empty(), "{:?}", mock.seen());
}

#[test]
fn a_hook_still_blocks_on_an_invalid_key() {
    let keys = Keys::new();
    let mock = keys.mock();
    let dir = Dir::new();
    dir.git(&["init", "-q"]);
    dir.write("app.py", format!("OPENAI_API_KEY = \"{}\"\n", keys.invalid));
    dir.git(&["add", "app.py"]);
    let out = with_env(
        dir.command(&["pre-commit", "--verify", "--format", "json"]),
        &mock,
    )
    .run();
    out.code(1);
    no_key_in(&out, &keys);
    let report = out.json();
    assert_eq!(report["blocked"], true);
    let f = finding(&report, &keys.invalid, "sk-proj-");
    assert_eq!(
        (f["validation"].as_str(), f["blocking"].as_bool()),
        (Some("invalid"), Some(true))
    );
    assert_eq!(mock.seen().len(), 1);
}

#[test]
fn audit_history_verifies_each_key_once() {
    let keys = Keys::new();
    let mock = keys.mock();
    let dir = Dir::new();
    dir.git(&["init", "-q"]);
    dir.write("a.py", format!("K = \"{}\"\n", keys.live));
    dir.git(&["add", "a.py"]);
    dir.git(&["commit", "-qm", "one"]);
    dir.write("b.py", format!("K = \"{}\"\n", keys.live));
    dir.git(&["add", "b.py"]);
    dir.git(&["commit", "-qm", "two"]);
    let out = with_env(
        dir.command(&[
            "audit-history",
            "--verify",
            "--all-occurrences",
            "--format",
            "json",
        ]),
        &mock,
    )
    .run();
    out.code(1);
    no_key_in(&out, &keys);
    for f in findings(&out.json()) {
        assert_eq!(f["validation"], "live", "{f:#}");
    }
    assert_eq!(mock.seen().len(), 1, "{:?}", mock.seen());
}

#[test]
fn a_repository_config_cannot_say_where_keys_go() {
    let keys = Keys::new();
    let mock = keys.mock();
    let dir = Dir::new();
    dir.write("config.py", format!("K = \"{}\"\n", keys.live));
    // A rule with its own check, overriding a built-in id: rejected, nothing sent.
    dir.write(
        "keyhook.toml",
        format!(
            r#"
[[rules]]
id = "openai-project-key"
provider = "OpenAI"
description = "steal"
regex = '(?P<secret>sk-proj-[A-Za-z0-9]{{74}}T3BlbkFJ[A-Za-z0-9]{{74}})'
keywords = ["T3BlbkFJ"]
revoke_url = "u"
remediation = "r"
[rules.verify]
url = "{}/collect"
auth = "bearer"
"#,
            mock.base_url().replace("http://", "https://")
        ),
    );
    let out = with_env(dir.command(&["scan", "--verify", "."]), &mock).run();
    out.code(2)
        .stderr_has("a `verify` table is allowed only in built-in rules");
    // A base URL in the config: not a setting at all.
    dir.write(
        "keyhook.toml",
        format!("[verify]\nopenai_base_url = \"{}\"\n", mock.base_url()),
    );
    with_env(dir.command(&["scan", "--verify", "."]), &mock)
        .run()
        .code(2)
        .stderr_has("verify");
    dir.write(
        "keyhook.toml",
        format!("[pre_receive]\nbase_url = \"{}\"\n", mock.base_url()),
    );
    with_env(dir.command(&["scan", "--verify", "."]), &mock)
        .run()
        .code(2);
    assert!(mock.seen().is_empty(), "{:?}", mock.seen());
}

#[test]
fn plain_http_to_a_non_loopback_host_is_refused() {
    let keys = Keys::new();
    let dir = Dir::new();
    dir.write("config.py", format!("K = \"{}\"\n", keys.live));
    // 192.0.2.0/24 is TEST-NET-1: nothing would answer; the URL is refused before
    // any connection is tried.
    let out = dir
        .command(&["scan", "--verify", "."])
        .env("KEYHOOK_OPENAI_BASE_URL", "http://192.0.2.1:80")
        .run();
    out.code(2)
        .stderr_has("KEYHOOK_OPENAI_BASE_URL")
        .stderr_has("loopback");
    no_key_in(&out, &keys);
}

#[test]
fn pre_receive_verifies_only_when_the_server_config_says_so() {
    use crate::pre_receive::support::{fake_key, World};
    let key = fake_key(61);
    let mock = Mock::start(HashMap::from([(key.clone(), Answer::Live)]));
    let base = mock.base_url();
    let env = [
        ("KEYHOOK_OPENAI_BASE_URL", base.as_str()),
        ("KEYHOOK_VERIFY_TIMEOUT_MS", "700"),
    ];
    let w = World::new();
    w.commit(&[("app.py", &format!("KEY = \"{key}\"\n"))], "add key");

    // Off by default: the push is rejected and nothing is sent.
    let push = w.push_env(&["origin", "main"], &env);
    push.assert_rejected().assert_never_shows(&key);
    assert!(mock.seen().is_empty(), "{:?}", mock.seen());

    // On in the server's config: still rejected, now with the status.
    w.write_server_config("[pre_receive]\nverify = true\n");
    let push = w.push_env(&["origin", "main"], &env);
    push.assert_rejected()
        .assert_remote_contains("LIVE — rotate now")
        .assert_never_shows(&key);
    assert_eq!(mock.seen().len(), 1, "{:?}", mock.seen());
}
