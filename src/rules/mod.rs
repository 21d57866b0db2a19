//! Rules are data: the TOML schema ([`RuleSyntax`]), the compiled [`Rule`] and the
//! [`RuleSet`] (one keyword automaton over every rule plus one regex per rule).
//!
//! This module knows nothing about git, files or reports. The same schema serves the
//! built-in rules (`builtin/*.toml`, embedded in the binary) and users' `keyhook.toml`.

mod builtin;
mod compile;
mod keywords;
mod shift_or;
mod syntax;

use std::sync::Arc;

use regex_automata::meta::Regex;

pub use builtin::builtin_rule_files;
pub(crate) use compile::build_regex as compile_regex;
#[cfg(test)]
pub(crate) use compile::normalized_name;
pub(crate) use keywords::KeywordSearcher;
pub(crate) use syntax::{line_column, toml_error};
pub use syntax::{
    ChecksumKind, Example, RuleFile, RuleSyntax, Severity, VerifyAuth, VerifyMethod, VerifySyntax,
};

/// Why a rule or a rule file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// The TOML text itself is malformed or has an unknown key.
    #[error("{origin}:{line}:{column}: {message}")]
    Parse {
        /// File (or built-in name) that holds the rule.
        origin: String,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What is wrong, from the TOML parser.
        message: String,
    },
    /// A rule parsed but is not valid (bad regex, no `secret` group, no keywords…).
    #[error("{origin}:{line}:{column}: rule `{rule}`: {message}")]
    Invalid {
        /// File (or built-in name) that holds the rule.
        origin: String,
        /// 1-based line of the offending field.
        line: usize,
        /// 1-based column of the offending field.
        column: usize,
        /// The rule id.
        rule: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// The same rule id appears twice in one rule set.
    #[error("{origin}: rule id `{rule}` is defined twice; ids must be unique")]
    Duplicate {
        /// File (or built-in name) that holds the second definition.
        origin: String,
        /// The duplicated id.
        rule: String,
    },
    /// The keyword automaton could not be built.
    #[error("cannot build the keyword automaton: {0}")]
    Automaton(String),
}

impl RuleError {
    /// This error with every key-shaped substring of its text redacted (a key pasted
    /// into a rule's `regex` or `id` is echoed by the message).
    pub fn redacted(self) -> RuleError {
        use crate::engine::redact_string as r;
        match self {
            RuleError::Parse {
                mut origin,
                line,
                column,
                mut message,
            } => {
                r(&mut origin);
                r(&mut message);
                RuleError::Parse {
                    origin,
                    line,
                    column,
                    message,
                }
            }
            RuleError::Invalid {
                mut origin,
                line,
                column,
                mut rule,
                mut message,
            } => {
                r(&mut origin);
                r(&mut rule);
                r(&mut message);
                RuleError::Invalid {
                    origin,
                    line,
                    column,
                    rule,
                    message,
                }
            }
            RuleError::Duplicate {
                mut origin,
                mut rule,
            } => {
                r(&mut origin);
                r(&mut rule);
                RuleError::Duplicate { origin, rule }
            }
            RuleError::Automaton(mut message) => {
                r(&mut message);
                RuleError::Automaton(message)
            }
        }
    }
}

/// Origin prefix of the embedded rule files.
const BUILTIN_ORIGIN: &str = "builtin/";

/// A compiled rule: the TOML fields plus the regex and derived data.
#[derive(Debug)]
pub struct Rule {
    /// Everything the rule file said.
    pub syntax: RuleSyntax,
    /// Compiled `regex` and the index of its `secret` group, built on first use:
    /// a rule whose keywords never occur costs no compilation (start-up time is
    /// most of a pre-commit hook's budget).
    pub(crate) compiled: std::sync::OnceLock<(Regex, usize)>,
    /// Compiled `known_examples` (documentation keys), kept sorted for lookup.
    pub(crate) documentation_keys: Vec<Vec<u8>>,
    /// Bytes before a keyword hit the regex looks at (resolved; see `compile`).
    pub(crate) window_before: usize,
    /// Bytes after a keyword hit the regex looks at (resolved).
    pub(crate) window_after: usize,
    /// The rule overrides a built-in and gave no examples of its own: its
    /// `examples` and `negative_examples` are the built-in's, so `keyhook rules
    /// --check` shows whether the override still finds what the built-in found.
    pub(crate) inherited_examples: bool,
    /// `context` words, lower case with separators removed (`elevenlabs`).
    pub(crate) context_words: Vec<Vec<u8>>,
}

impl Rule {
    /// The stable rule id, e.g. `openai-project-key`.
    pub fn id(&self) -> &str {
        &self.syntax.id
    }

    /// The provider that issues this secret, e.g. `OpenAI`.
    pub fn provider(&self) -> &str {
        &self.syntax.provider
    }

    /// The compiled regex and the index of its `secret` group.
    pub(crate) fn regex(&self) -> &(Regex, usize) {
        self.compiled.get_or_init(|| {
            compile::compile_regex_with_secret(&self.syntax.regex)
                .expect("a config rule's regex is compiled when the set is built, every built-in's by the test suite")
        })
    }

    /// Bytes before a keyword hit that the regex looks at: the rule's
    /// `window_before`, or the overridden built-in's, or 64; for a config rule at
    /// least its regex's longest match (up to 4 KiB), so that a match holding the
    /// keyword is always inside the window (an override of `openai-project-key`
    /// with default windows found nothing: its keyword sits 60+ bytes into the key).
    pub fn window_before(&self) -> usize {
        self.window_before
    }

    /// Bytes after a keyword hit that the regex looks at (resolved like
    /// [`Rule::window_before`], default 512).
    pub fn window_after(&self) -> usize {
        self.window_after
    }

    /// True when the rule overrides a built-in without examples of its own and
    /// carries the built-in's examples instead.
    pub fn inherited_examples(&self) -> bool {
        self.inherited_examples
    }

    /// Number of public-prefix bytes of `secret` (the longest listed prefix it starts with).
    pub fn public_prefix_len(&self, secret: &[u8]) -> usize {
        self.syntax
            .prefixes
            .iter()
            .filter(|p| secret.starts_with(p.as_bytes()))
            .map(|p| p.len())
            .max()
            .unwrap_or(0)
    }
}

/// An immutable, shareable set of compiled rules and their keyword automaton.
///
/// Built once by [`RuleSet::builder`]; `Send + Sync`, so one set serves all threads.
#[derive(Debug)]
pub struct RuleSet {
    rules: Vec<Rule>,
    /// Keyword searchers: exact tokens, then context words (see `compile::assemble`).
    pub(crate) searchers: Vec<KeywordSearcher>,
}

impl RuleSet {
    /// Starts a builder with no rules.
    pub fn builder() -> RuleSetBuilder {
        RuleSetBuilder::default()
    }

    /// The built-in rules only, compiled once a process: a hook that loads a config
    /// without rules of its own and redacts what it prints shares one compilation
    /// (measured: ~6 ms each, a quarter of a typical pre-receive push on git.git).
    /// Threads that ask while it is being built wait for that one build, so a hook
    /// can start it early on another core (see `cli::run`).
    pub fn builtin() -> Result<Arc<RuleSet>, RuleError> {
        type Built = std::sync::OnceLock<Option<Arc<RuleSet>>>;
        static BUILTIN: [Built; 2] = [Built::new(), Built::new()];
        let build = || {
            let mut builder = RuleSet::builder();
            builder.add_builtin()?;
            builder.build_owned()
        };
        let once = &BUILTIN[usize::from(examples_kept())];
        match once.get_or_init(|| build().ok().map(Arc::new)) {
            Some(rules) => Ok(Arc::clone(rules)),
            None => {
                Err(build()
                    .expect_err("building the built-in rules failed once and is deterministic"))
            }
        }
    }

    /// All rules, in priority order (the first rule wins when two claim one span).
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rule at `index`.
    pub fn rule(&self, index: usize) -> &Rule {
        &self.rules[index]
    }

    /// Looks a rule up by id.
    pub fn find(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id() == id)
    }

    /// The rules `keep` accepts, as a new set (`--rule`, `--skip-rule`): applied after
    /// the config's overrides and `disable`, so it narrows exactly what would run.
    /// Regexes already compiled are kept; the keyword automata are rebuilt.
    pub fn select(&self, keep: impl Fn(&Rule) -> bool) -> Result<RuleSet, RuleError> {
        let rules = self
            .rules
            .iter()
            .filter(|r| keep(r))
            .map(|r| Rule {
                syntax: r.syntax.clone(),
                compiled: r.compiled.clone(),
                documentation_keys: r.documentation_keys.clone(),
                window_before: r.window_before,
                window_after: r.window_after,
                inherited_examples: r.inherited_examples,
                context_words: r.context_words.clone(),
            })
            .collect();
        compile::assemble(rules)
    }
}

/// The built-in rule files parsed once a process, as `(origin, rule, where it was
/// written)` in priority order: [`RuleSet::builtin`] and every config with rules of
/// its own start from the same parse.
fn builtin_syntax() -> Result<&'static [(String, RuleSyntax, syntax::Spans)], RuleError> {
    type Parsed = std::sync::OnceLock<Option<Vec<(String, RuleSyntax, syntax::Spans)>>>;
    static PARSED: [Parsed; 2] = [Parsed::new(), Parsed::new()];
    let examples = examples_kept();
    match PARSED[usize::from(examples)].get_or_init(|| parse_builtin_files(examples).ok()) {
        Some(parsed) => Ok(parsed),
        None => Err(parse_builtin_files(examples)
            .expect_err("parsing the built-in rules failed once and is deterministic")),
    }
}

/// Set by [`keep_examples`].
static KEEP_EXAMPLES: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Makes the built-in rules carry their `examples` and `negative_examples` from now
/// on in this process (`keyhook rules --check`, the test suite). Otherwise they are
/// left out of the parse: they are 60% of the catalog's TOML, and a scan never reads
/// them (documentation keys are `known_examples`, always kept).
pub fn keep_examples() {
    KEEP_EXAMPLES.store(true, std::sync::atomic::Ordering::Relaxed);
}

fn examples_kept() -> bool {
    KEEP_EXAMPLES.load(std::sync::atomic::Ordering::Relaxed)
}

/// Every built-in rule as `(origin, rule, where it was written)`, in priority order:
/// with `examples`, parsed from the embedded TOML (`keyhook rules --check`, the test
/// suite); without, read from the JSON `build.rs` made of the same files (a hook's
/// start-up: parsing the TOML was ~2 ms of CPU, the JSON ~0.3 ms).
fn parse_builtin_files(
    examples: bool,
) -> Result<Vec<(String, RuleSyntax, syntax::Spans)>, RuleError> {
    let origin = |name: &str| format!("{BUILTIN_ORIGIN}{name}");
    let mut rules = Vec::new();
    if examples {
        for (name, text) in builtin_rule_files() {
            let origin = origin(name);
            for (rule, spans) in syntax::parse_rule_file(&origin, text)? {
                rules.push((origin.clone(), rule, spans));
            }
        }
        return Ok(rules);
    }
    /// One rule of `builtin-rules.json`.
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Located {
        line: usize,
        column: usize,
        rule: RuleSyntax,
    }
    const LEAN: &str = include_str!(concat!(env!("OUT_DIR"), "/builtin-rules.json"));
    let mut files: std::collections::HashMap<String, Vec<Located>> = serde_json::from_str(LEAN)
        .map_err(|e| RuleError::Parse {
            origin: format!("{BUILTIN_ORIGIN}(built-in rules as JSON)"),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
    for (name, _) in builtin_rule_files() {
        let located = files.remove(*name).ok_or_else(|| RuleError::Parse {
            origin: origin(name),
            line: 0,
            column: 0,
            message: "missing from the JSON build.rs made: rebuild".into(),
        })?;
        let origin = origin(name);
        for Located { line, column, rule } in located {
            rules.push((origin.clone(), rule, syntax::Spans { line, column }));
        }
    }
    Ok(rules)
}

/// Collects rule files, overrides and disabled ids, then compiles them once.
#[derive(Debug, Default, Clone)]
pub struct RuleSetBuilder {
    /// Origin, rule, where it was written, and whether it is built in (by flag, not
    /// by origin name: a config path may look like anything).
    rules: Vec<(String, RuleSyntax, syntax::Spans, bool)>,
    /// Ids of overrides that took their examples from the rule they replace.
    inherited_examples: Vec<String>,
    disabled: Vec<String>,
}

impl RuleSetBuilder {
    /// Adds every built-in rule.
    pub fn add_builtin(&mut self) -> Result<&mut Self, RuleError> {
        for (origin, rule, spans) in builtin_syntax()? {
            self.add_rule(origin, rule.clone(), *spans, true)?;
        }
        Ok(self)
    }

    /// Parses a rule file (`[[rules]]` tables) and adds its rules. A rule whose id is
    /// already present replaces the earlier one (this is how users override built-ins).
    pub fn add_toml(&mut self, origin: &str, text: &str) -> Result<&mut Self, RuleError> {
        let parsed = syntax::parse_rule_file(origin, text)?;
        for (rule, spans) in parsed {
            self.add_rule(origin, rule, spans, false)?;
        }
        Ok(self)
    }

    /// Adds already-parsed rules (e.g. the `[[rules]]` of a `keyhook.toml`).
    pub fn add_rules(
        &mut self,
        origin: &str,
        text: &str,
        rules: Vec<toml::Spanned<RuleSyntax>>,
    ) -> Result<&mut Self, RuleError> {
        for rule in rules {
            let spans = syntax::Spans::of(text, rule.span());
            self.add_rule(origin, rule.into_inner(), spans, false)?;
        }
        Ok(self)
    }

    fn add_rule(
        &mut self,
        origin: &str,
        mut rule: RuleSyntax,
        spans: syntax::Spans,
        builtin: bool,
    ) -> Result<(), RuleError> {
        if let Some(existing) = self.rules.iter_mut().find(|(_, r, _, _)| r.id == rule.id) {
            if existing.0 == origin {
                return Err(RuleError::Duplicate {
                    origin: origin.to_string(),
                    rule: rule.id,
                });
            }
            // An override that leaves out windows or examples keeps the replaced
            // rule's: it must not stop finding what that rule found without saying so.
            let old = &existing.1;
            rule.window_before = rule.window_before.or(old.window_before);
            rule.window_after = rule.window_after.or(old.window_after);
            if rule.examples.is_empty() && rule.negative_examples.is_empty() {
                rule.examples = old.examples.clone();
                rule.negative_examples = old.negative_examples.clone();
                if !rule.examples.is_empty() && !self.inherited_examples.contains(&rule.id) {
                    self.inherited_examples.push(rule.id.clone());
                }
            } else {
                self.inherited_examples.retain(|id| *id != rule.id);
            }
            *existing = (origin.to_string(), rule, spans, builtin);
        } else {
            self.rules.push((origin.to_string(), rule, spans, builtin));
        }
        Ok(())
    }

    /// True when a rule with `id` has been added (so it can be disabled).
    pub fn has_rule(&self, id: &str) -> bool {
        self.rules.iter().any(|(_, r, _, _)| r.id == id)
    }

    /// Disables rules by id (unknown ids are reported by [`RuleSetBuilder::build`]).
    pub fn disable<I: IntoIterator<Item = String>>(&mut self, ids: I) -> &mut Self {
        self.disabled.extend(ids);
        self
    }

    /// Compiles every rule and the keyword automaton.
    pub fn build(&self) -> Result<RuleSet, RuleError> {
        self.clone().build_owned()
    }

    /// [`RuleSetBuilder::build`], moving the rules instead of copying them.
    fn build_owned(self) -> Result<RuleSet, RuleError> {
        for id in &self.disabled {
            if !self.rules.iter().any(|(_, r, _, _)| &r.id == id) {
                return Err(RuleError::Invalid {
                    origin: "disable".into(),
                    line: 0,
                    column: 0,
                    rule: id.clone(),
                    message: "no rule has this id (see `keyhook rules`)".into(),
                });
            }
        }
        let (disabled, inherited) = (&self.disabled, &self.inherited_examples);
        let rules = self
            .rules
            .into_iter()
            .filter(|(_, r, _, _)| !disabled.contains(&r.id))
            .map(|(origin, r, spans, builtin)| {
                // Built-in regexes are checked by the test suite; users' compile now.
                if !builtin && r.verify.is_some() {
                    // A repository's keyhook.toml is pushed content: if it could say
                    // where a key is sent, one commit could collect every key.
                    return Err(RuleError::Invalid {
                        origin: origin.clone(),
                        line: spans.line,
                        column: spans.column,
                        rule: r.id.clone(),
                        message: "a `verify` table is allowed only in built-in rules: a config file must not decide where keys are sent (override a check's host with KEYHOOK_<PROVIDER>_BASE_URL instead)".into(),
                    });
                }
                let inherited_examples = inherited.contains(&r.id);
                let mut rule = compile::compile_rule(&origin, r, &spans, !builtin)?;
                rule.inherited_examples = inherited_examples;
                Ok(rule)
            })
            .collect::<Result<Vec<_>, _>>()?;
        compile::assemble(rules)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parse_without_examples_has_every_rule_and_field_but_the_examples() {
        let (full, lean) = (parse_builtin_files(true), parse_builtin_files(false));
        let (full, lean) = (full.expect("full parse"), lean.expect("lean parse"));
        assert_eq!(full.len(), lean.len());
        for ((origin, rule, spans), (lean_origin, lean_rule, lean_spans)) in full.iter().zip(&lean)
        {
            assert!(lean_rule.examples.is_empty() && lean_rule.negative_examples.is_empty());
            assert!(!rule.examples.is_empty() && !rule.negative_examples.is_empty());
            let mut stripped = rule.clone();
            stripped.examples.clear();
            stripped.negative_examples.clear();
            assert_eq!(
                format!("{stripped:?}"),
                format!("{lean_rule:?}"),
                "{origin}: {}",
                rule.id
            );
            assert_eq!(
                (origin, format!("{spans:?}")),
                (lean_origin, format!("{lean_spans:?}"))
            );
        }
    }

    #[test]
    fn rule_set_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<RuleSet>();
    }

    #[test]
    fn builtin_rules_compile_with_unique_ids() {
        let set = RuleSet::builtin().expect("built-in rules compile");
        let mut ids: Vec<_> = set.rules().iter().map(Rule::id).collect();
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n);
        assert!(
            n >= 150,
            "expected the full provider catalog, got {n} rules"
        );
    }

    /// Built-in regexes are neither parsed nor compiled when a set is built (start-up
    /// time): this is where each one is checked as a config rule's would be.
    #[test]
    fn builtin_regexes_parse_with_a_secret_group() {
        let mut b = RuleSet::builder();
        b.add_builtin().unwrap();
        assert!(b.rules.len() >= 150);
        for (origin, rule, spans, builtin) in &b.rules {
            assert!(*builtin, "{}", rule.id);
            if let Err(e) = compile::compile_rule(origin, rule.clone(), spans, true) {
                panic!("{e}");
            }
        }
    }

    #[test]
    fn a_config_rule_regex_is_checked_when_the_set_is_built() {
        for (regex, message) in [
            ("(?P<secret>gsk_[a-z", "bad `regex`"),
            ("(gsk_[a-z]{52})", "needs a named group"),
        ] {
            let mut b = RuleSet::builder();
            b.add_toml(
                "user.toml",
                &format!(
                    "[[rules]]\nid = \"x\"\nprovider = \"p\"\ndescription = \"d\"\nregex = '{regex}'\nkeywords = [\"gsk_\"]\nrevoke_url = \"u\"\nremediation = \"r\"\n"
                ),
            )
            .unwrap();
            let err = b.build().unwrap_err().to_string();
            assert!(err.starts_with("user.toml:1:1: rule `x`: "), "{err}");
            assert!(err.contains(message), "{err}");
        }
    }

    #[test]
    fn override_replaces_and_disable_removes() {
        let mut b = RuleSet::builder();
        b.add_builtin().unwrap();
        b.add_toml(
            "user.toml",
            r#"
[[rules]]
id = "groq-api-key"
provider = "Groq"
description = "override"
regex = '(?P<secret>gsk_[A-Za-z0-9]{52})'
keywords = ["gsk_"]
revoke_url = "https://console.groq.com/keys"
remediation = "x"
"#,
        )
        .unwrap();
        b.disable(["openai-legacy-key".to_string()]);
        let set = b.build().unwrap();
        assert_eq!(
            set.find("groq-api-key").unwrap().syntax.description,
            "override"
        );
        assert!(set.find("openai-legacy-key").is_none());
    }

    #[test]
    fn a_config_rule_may_not_say_where_keys_go() {
        let mut b = RuleSet::builder();
        b.add_builtin().unwrap();
        // Even under an origin that looks built-in, and even overriding a built-in id.
        b.add_toml(
            "builtin/evil.toml",
            r#"
[[rules]]
id = "groq-api-key"
provider = "Groq"
description = "d"
regex = '(?P<secret>gsk_[A-Za-z0-9]{52})'
keywords = ["gsk_"]
revoke_url = "u"
remediation = "r"
[rules.verify]
url = "https://collector.example/steal"
auth = "bearer"
"#,
        )
        .unwrap();
        let err = b.build().unwrap_err().to_string();
        assert!(
            err.starts_with("builtin/evil.toml:2:1: rule `groq-api-key`: a `verify` table"),
            "{err}"
        );
    }

    #[test]
    fn disabling_an_unknown_rule_is_an_error() {
        let mut b = RuleSet::builder();
        b.add_builtin().unwrap();
        b.disable(["no-such-rule".to_string()]);
        let err = b.build().unwrap_err().to_string();
        assert!(err.contains("no-such-rule"), "{err}");
    }
}
