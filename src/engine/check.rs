//! Runs every rule's examples through the engine: each positive example is found by
//! its own rule (and only by it) with the expected secret; no negative example is
//! found by any rule. Used by `keyhook rules --check` and by the test suite.

use std::fmt;

use super::{ScanOptions, Scanner};
use crate::rules::RuleSet;
use std::sync::Arc;

/// One example that did not behave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    /// The rule whose example failed.
    pub rule: String,
    /// `examples` or `negative_examples` (`built-in examples` and `built-in
    /// negative_examples` for an override that took the built-in's).
    pub list: &'static str,
    /// 0-based index in that list.
    pub index: usize,
    /// What went wrong.
    pub problem: String,
}

impl fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "rule `{}` {}[{}]: {}",
            self.rule, self.list, self.index, self.problem
        )
    }
}

/// Checks every example of every rule in `rules` against the whole set.
pub fn check_examples(rules: &Arc<RuleSet>) -> Vec<ExampleFailure> {
    let scanner = Scanner::new(Arc::clone(rules), ScanOptions::default());
    let mut failures = Vec::new();
    for rule in rules.rules() {
        let positive = if rule.inherited_examples() {
            "built-in examples"
        } else {
            "examples"
        };
        let fail = |list, index, problem: String| ExampleFailure {
            rule: rule.id().to_string(),
            list,
            index,
            problem,
        };
        for (index, example) in rule.syntax.examples.iter().enumerate() {
            let text = example.text().as_bytes();
            let outcome = scanner.scan(text);
            let ids: Vec<&str> = outcome
                .findings
                .iter()
                .map(|f| rules.rule(f.rule).id())
                .collect();
            let own: Vec<_> = outcome
                .findings
                .iter()
                .filter(|f| rules.rule(f.rule).id() == rule.id())
                .collect();
            if own.is_empty() {
                failures.push(fail(
                    positive,
                    index,
                    format!(
                        "not found by its rule (found by {ids:?}; suppressed {:?})",
                        outcome.suppressed
                    ),
                ));
                continue;
            }
            if let Some(other) = ids.iter().find(|id| **id != rule.id()) {
                failures.push(fail(
                    positive,
                    index,
                    format!("also claimed by rule `{other}`"),
                ));
            }
            if let Some(expected) = example.expected_secret() {
                if !own
                    .iter()
                    .any(|f| &text[f.span.clone()] == expected.as_bytes())
                {
                    failures.push(fail(
                        positive,
                        index,
                        "the `secret` group did not capture the expected secret".to_string(),
                    ));
                }
            }
        }
        for (index, negative) in rule.syntax.negative_examples.iter().enumerate() {
            let outcome = scanner.scan(negative.as_bytes());
            if let Some(f) = outcome.findings.first() {
                failures.push(fail(
                    if rule.inherited_examples() {
                        "built-in negative_examples"
                    } else {
                        "negative_examples"
                    },
                    index,
                    format!("reported by rule `{}`", rules.rule(f.rule).id()),
                ));
            }
        }
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{ScanOptions, Scanner};

    #[test]
    fn every_builtin_example_behaves() {
        crate::rules::keep_examples();
        let rules = RuleSet::builtin().expect("built-in rules compile");
        let failures = check_examples(&rules);
        let report: Vec<String> = failures.iter().map(ToString::to_string).collect();
        assert!(
            report.is_empty(),
            "{} failing examples:\n{}",
            report.len(),
            report.join("\n")
        );
    }

    #[test]
    fn every_builtin_rule_has_three_positive_and_three_negative_examples() {
        crate::rules::keep_examples();
        let rules = RuleSet::builtin().expect("built-in rules compile");
        for rule in rules.rules() {
            assert!(
                rule.syntax.examples.len() >= 3,
                "rule `{}` has < 3 examples",
                rule.id()
            );
            assert!(
                rule.syntax.negative_examples.len() >= 3,
                "rule `{}` has < 3 negative_examples",
                rule.id()
            );
        }
    }

    /// Shapes that look like keys and are not: hashes, UUIDs, ids, digests, integrity
    /// strings, documentation keys and placeholders. No built-in rule may report any.
    #[test]
    fn no_builtin_rule_reports_hashes_ids_or_placeholders() {
        let corpus = r#"
commit 5f3c9a1b7e2d4c6a8b0e1f3d5c7a9b2e4f6a8c0d
Merge: 8f14e45 c9f0f89
checksum = "4f8b9c1d2e3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c"
"integrity": "sha512-Zk3TqW9xLm2PvB7rN4sYcHdJgEaFuKoRb1V4Qw8Er5Ty6Ui7Op9As0Df1Gh2Jk3Lz4Xc5Vb6Nm7Qw8Er5Ty6Ui7Op9A=="
github.com/acme/lib v1.2.3 h1:Zk3TqW9xLm2PvB7rN4sYcHdJgEaFuKoRb1V4Qw8Er5T=
image: nginx@sha256:0f6e8c2a9b1d4e7f3a5c8b2d6e9f1a4c7b3d5e8f0a2c4e6b8d0f2a4c6e8b0d2f4
md5sum: d41d8cd98f00b204e9800998ecf8427e  sha1: da39a3ee5e6b4b0d3255bfef95601890afd80709
request_id = "3f2a9c1e-7b4d-4e8a-9c2f-1a6b3d5e7f90"
tenant_id: 72f988bf-86f1-41af-91ab-2d7cd011db47
heroku_app_id: 01234567-89ab-cdef-0123-456789abcdef
"projectId": "prj_8Hq2Lk5Zt9Wm3Xv7Rn4Py6Jc", "teamId": "team_4Gt7Kw2Nx9Qz5Lm8Rv3Bp6Hy"
color: #a1b2c3; background: url(data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==)
AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
GITLAB_TOKEN=glpat-xxxxxxxxxxxxxxxxxxxx
GITLAB_TOKEN=glpat-your-gitlab-token
NPM_TOKEN=npm_Zk3TqW9xLm2PvB7rN4sYcHdJgEaFuKoRb1V4
//registry.npmjs.org/:_authToken=${NPM_TOKEN}
SENDGRID_API_KEY=SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
TELEGRAM_BOT_TOKEN=123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11
TWILIO_ACCOUNT_SID=ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX
TWILIO_AUTH_TOKEN=your_auth_token
MONGODB_URI=mongodb+srv://<username>:<password>@cluster0.mongodb.net/
DATABASE_URL=postgres://user:password@localhost:5432/app
DATABASE_URL=postgres://postgres:postgres@localhost:5432/postgres
DATABASE_URL=postgres://app:${DB_PASS}@db/app
REDIS_URL=redis://:changeme@localhost:6379
git clone https://username:password@github.com/owner/repo.git
MISTRAL_API_KEY=${MISTRAL_API_KEY}
api_key = os.getenv("MISTRAL_API_KEY")
apiKey: process.env.COHERE_API_KEY,
DD_API_KEY={{ secrets.DD_API_KEY }}
datadog_trace_id: 5f3c9a1b7e2d4c6a8b0e1f3d5c7a9b2e
CLOUDFLARE_ZONE_ID=023e105f4ecef8ad9ca31a8372d0c353
DISCORD_WEBHOOK_URL=https://discord.com/api/webhooks/your-webhook-id/your-webhook-token
PYPI_TOKEN=pypi-your-token-here
VAULT_TOKEN=hvs.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
"#;
        let scanner = Scanner::new(
            RuleSet::builtin().expect("built-in rules compile"),
            ScanOptions::default(),
        );
        let out = scanner.scan(corpus.as_bytes());
        let reported: Vec<String> = out
            .findings
            .iter()
            .map(|f| {
                let line = corpus.lines().nth(f.line - 1).unwrap_or_default();
                format!("{} on {line:?}", scanner.rules().rule(f.rule).id())
            })
            .collect();
        assert!(reported.is_empty(), "{}", reported.join("\n"));
    }

    #[test]
    fn a_broken_example_is_named_by_rule_and_index() {
        let mut builder = RuleSet::builder();
        builder
            .add_toml(
                "t.toml",
                r#"
[[rules]]
id = "demo"
provider = "Demo"
description = "demo"
regex = '(?P<secret>dmo_[a-z0-9]{20})'
keywords = ["dmo_"]
revoke_url = "https://example.invalid"
remediation = "x"
examples = ["dmo_k3j5h7g9f1d3s5a7p9o1", "nothing here"]
negative_examples = ["dmo_q8w6e4r2t0y8u6i4o2p0"]
"#,
            )
            .unwrap();
        let failures = check_examples(&Arc::new(builder.build().unwrap()));
        let text: Vec<String> = failures.iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 2, "{text:?}");
        assert!(
            text[0].starts_with("rule `demo` examples[1]: not found"),
            "{text:?}"
        );
        assert!(
            text[1].starts_with("rule `demo` negative_examples[0]: reported"),
            "{text:?}"
        );
    }
}
