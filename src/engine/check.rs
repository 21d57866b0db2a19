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

    #[test]
    fn every_builtin_example_behaves() {
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
