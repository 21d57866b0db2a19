//! No report ever shows a secret. Every positive example of every built-in rule is
//! written to a file and scanned in every format; no output may contain a whole
//! secret, nor any 12 characters in a row of its random part (what follows the
//! public prefix). Redaction shows the prefix, `…`, the last 4 characters and the
//! length, and this test reads the examples from the library, so it covers each rule
//! as soon as the rule exists.

use std::collections::HashSet;
use std::sync::Arc;

use base64::Engine as _;
use keyhook::engine::{Fingerprint, ScanOptions, Scanner};
use keyhook::rules::RuleSet;

use crate::util::{findings, openai_key, Dir};

/// Shortest run of a secret's random part that must never appear in output.
const WINDOW: usize = 12;

/// A secret taken from a rule example, and the file it is written to.
#[derive(Debug)]
struct ExampleSecret {
    rule: String,
    file: String,
    text: String,
    secret: Vec<u8>,
    /// Bytes of public prefix (shown by redaction).
    prefix_len: usize,
    /// The base64 text as written in the file, when the example encodes the secret.
    encoded: Option<Vec<u8>>,
}

/// Every positive example of every built-in rule, with its secret: the example's
/// `secret` when it names one, else what the library's own scan captures.
fn example_secrets(rules: &Arc<RuleSet>) -> Vec<ExampleSecret> {
    let scanner = Scanner::new(Arc::clone(rules), ScanOptions::default());
    let mut out = Vec::new();
    for rule in rules.rules() {
        for (i, example) in rule.syntax.examples.iter().enumerate() {
            let text = example.text();
            let file = format!("examples/{}/{i}.txt", rule.id());
            let mut push = |secret: Vec<u8>, encoded: Option<Vec<u8>>| {
                out.push(ExampleSecret {
                    rule: rule.id().to_string(),
                    file: file.clone(),
                    text: text.to_string(),
                    prefix_len: rule.public_prefix_len(&secret),
                    secret,
                    encoded,
                })
            };
            if let Some(secret) = example.expected_secret() {
                push(secret.as_bytes().to_vec(), None);
                continue;
            }
            let outcome = scanner.scan(text.as_bytes());
            let own: Vec<_> = outcome
                .findings
                .iter()
                .filter(|f| rules.rule(f.rule).id() == rule.id())
                .collect();
            assert!(
                !own.is_empty(),
                "rule `{}` examples[{i}] names no secret and its rule does not find one: {text:?}",
                rule.id()
            );
            for f in own {
                let raw = text.as_bytes()[f.span.clone()].to_vec();
                match f.encoding {
                    Some(_) => {
                        let decoded = base64::engine::general_purpose::STANDARD
                            .decode(&raw)
                            .expect("an encoded finding's span is base64");
                        push(decoded, Some(raw));
                    }
                    None => push(raw, None),
                }
            }
        }
    }
    out
}

/// Everything that may legitimately be printed: the rules' public fields. A window
/// of a secret that also occurs here is not evidence of a leak.
fn public_windows(rules: &RuleSet) -> HashSet<Vec<u8>> {
    let mut public = HashSet::new();
    for rule in rules.rules() {
        let s = &rule.syntax;
        let mut fields = vec![
            s.id.clone(),
            s.provider.clone(),
            s.description.clone(),
            s.remediation.clone(),
            s.revoke_url.clone(),
            s.note.clone().unwrap_or_default(),
        ];
        fields.extend(s.env_vars.iter().cloned());
        fields.extend(s.prefixes.iter().cloned());
        for field in fields {
            public.extend(field.as_bytes().windows(WINDOW).map(<[u8]>::to_vec));
        }
    }
    public
}

/// What in `output` gives a secret away: a whole secret (or its encoded form), or
/// `WINDOW` bytes in a row of a random part. One line per leak.
fn leaks(
    output: &str,
    secrets: &[(String, Vec<u8>, usize)],
    public: &HashSet<Vec<u8>>,
) -> Vec<String> {
    let shown: HashSet<&[u8]> = output.as_bytes().windows(WINDOW).collect();
    let mut found = Vec::new();
    for (name, secret, prefix_len) in secrets {
        let text = String::from_utf8_lossy(secret);
        if output.contains(text.as_ref()) {
            found.push(format!("{name}: whole secret {text:?}"));
            continue;
        }
        let random = &secret[(*prefix_len).min(secret.len())..];
        if let Some(window) = random
            .windows(WINDOW)
            .find(|w| shown.contains(w) && !public.contains(*w))
        {
            found.push(format!(
                "{name}: {:?} of the random part of {text:?}",
                String::from_utf8_lossy(window)
            ));
        }
    }
    found
}

/// The secrets (and encoded forms) to look for, named for messages.
fn needles(secrets: &[ExampleSecret]) -> Vec<(String, Vec<u8>, usize)> {
    let mut out = Vec::new();
    for s in secrets {
        out.push((
            format!("{} ({})", s.rule, s.file),
            s.secret.clone(),
            s.prefix_len,
        ));
        if let Some(encoded) = &s.encoded {
            out.push((
                format!("{} ({}, base64)", s.rule, s.file),
                encoded.clone(),
                0,
            ));
        }
    }
    out
}

/// What redaction must show of a secret.
fn expected_redaction(secret: &[u8], prefix_len: usize) -> String {
    let printable = |b: &[u8]| -> String {
        b.iter()
            .map(|&c| match c {
                c if c.is_ascii_graphic() => c as char,
                b' ' | b'\t' | b'\r' | b'\n' => ' ',
                _ => '?',
            })
            .collect()
    };
    let random = &secret[prefix_len..];
    let tail = if random.len() >= 16 {
        printable(&random[random.len() - 4..])
    } else {
        String::new()
    };
    format!(
        "{}…{tail} ({} chars)",
        printable(&secret[..prefix_len]),
        secret.len()
    )
}

#[test]
fn no_output_format_shows_any_example_secret() {
    keyhook::rules::keep_examples();
    let rules = RuleSet::builtin().expect("built-in rules load");
    let secrets = example_secrets(&rules);
    assert!(
        secrets.iter().any(|s| s.rule == "openai-project-key"),
        "the OpenAI examples must be there: {secrets:?}"
    );
    let public = public_windows(&rules);
    let needles = needles(&secrets);

    let dir = Dir::new();
    for s in &secrets {
        dir.write(&s.file, &s.text);
    }
    let mut problems = Vec::new();
    for format in ["text", "json", "sarif"] {
        let out = dir.keyhook(&["scan", "--format", format, "examples"]);
        out.code(1);
        for leak in leaks(&out.stdout, &needles, &public) {
            problems.push(format!("--format {format}: {leak}"));
        }
        for leak in leaks(&out.stderr, &needles, &public) {
            problems.push(format!("--format {format} (stderr): {leak}"));
        }
        if format == "json" {
            // Every example secret was found (so the check above saw it reported),
            // with the documented redaction.
            let report = out.json();
            for s in &secrets {
                let fingerprint = Fingerprint::of(&s.secret);
                let hit = findings(&report)
                    .iter()
                    .find(|f| f["fingerprint"] == fingerprint.as_str());
                match hit {
                    None => problems.push(format!("{} ({}): not reported", s.rule, s.file)),
                    Some(f) => {
                        let expected = expected_redaction(&s.secret, s.prefix_len);
                        if f["redacted"] != expected.as_str() {
                            problems.push(format!(
                                "{} ({}): redacted {}, expected {expected:?}",
                                s.rule, s.file, f["redacted"]
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The leak check itself can fail: it flags a whole secret, a 12-character run of
/// its random part, and an encoded form; and it passes the redacted form.
#[test]
fn leak_check_flags_a_printed_secret() {
    keyhook::rules::keep_examples();
    let rules = RuleSet::builtin().expect("built-in rules load");
    let public = public_windows(&rules);
    let key = openai_key(70);
    let one = vec![("openai".to_string(), key.as_bytes().to_vec(), 8)];

    let redacted = format!("key sk-proj-…{} (164 chars)", &key[160..]);
    assert_eq!(leaks(&redacted, &one, &public), Vec::<String>::new());

    let whole = format!("{{\"secret\": \"{key}\"}}");
    assert_eq!(leaks(&whole, &one, &public).len(), 1);

    let middle = format!("… {} …", &key[50..62]);
    let found = leaks(&middle, &one, &public);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains(&key[50..62]), "{found:?}");

    // 11 characters are not a leak; the 4-character tail never is.
    let eleven = format!("… {} …", &key[50..61]);
    assert!(leaks(&eleven, &one, &public).is_empty());

    // Every example secret the suite knows is flagged when printed whole.
    let secrets = example_secrets(&rules);
    let all = needles(&secrets);
    for (name, secret, _) in &all {
        let output = format!("oops: {}\n", String::from_utf8_lossy(secret));
        assert!(!leaks(&output, &all, &public).is_empty(), "{name}");
    }
}
