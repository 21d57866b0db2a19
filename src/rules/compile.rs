//! From [`RuleSyntax`] to [`Rule`]: validate fields, compile the regex, and build the
//! one keyword automaton shared by every rule.

use aho_corasick::{AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex_automata::{meta::Regex, util::syntax};
use regex_syntax::hir::{Hir, HirKind};

use super::syntax::Spans;
use super::{Rule, RuleError, RuleSet, RuleSyntax};

/// Compiles the regexes of one rule and checks its fields.
pub(crate) fn compile_rule(
    origin: &str,
    syntax: RuleSyntax,
    spans: &Spans,
    eager: bool,
) -> Result<Rule, RuleError> {
    let invalid = |message: String| RuleError::Invalid {
        origin: origin.to_string(),
        line: spans.line,
        column: spans.column,
        rule: syntax.id.clone(),
        message,
    };
    if syntax.id.is_empty()
        || !syntax
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(invalid(
            "`id` must be non-empty lower-case letters, digits and `-`".into(),
        ));
    }
    if syntax.keywords.is_empty() || syntax.keywords.iter().any(|k| k.len() < 2) {
        return Err(invalid(
            "`keywords` must list at least one literal of 2 or more bytes; the regex only runs near them"
                .into(),
        ));
    }
    if !(0.0..=8.0).contains(&syntax.min_entropy) {
        return Err(invalid(
            "`min_entropy` must be between 0 and 8 bits per byte".into(),
        ));
    }
    // Parsing checks syntax and the `secret` group in microseconds; compiling waits
    // for the first keyword hit. Rules from a user's config compile now, so a
    // pattern too big to compile is a config error, not a failure mid-scan.
    let hir =
        syntax_config_parse(&syntax.regex).map_err(|e| invalid(format!("bad `regex`: {e}")))?;
    if !has_named_group(&hir, "secret") {
        return Err(invalid(
            "`regex` needs a named group `(?P<secret>…)`".into(),
        ));
    }
    let compiled = std::sync::OnceLock::new();
    if eager {
        let built = compile_regex_with_secret(&syntax.regex)
            .map_err(|e| invalid(format!("bad `regex`: {e}")))?;
        let _ = compiled.set(built);
    }
    let documentation_keys = syntax
        .known_examples
        .iter()
        .map(|k| k.as_bytes().to_vec())
        .collect();
    Ok(Rule {
        syntax,
        compiled,
        documentation_keys,
    })
}

/// The syntax options every rule regex uses: ASCII-only, on bytes.
fn syntax_options() -> syntax::Config {
    syntax::Config::new().unicode(false).utf8(false)
}

fn syntax_config_parse(pattern: &str) -> Result<Hir, Box<regex_syntax::Error>> {
    syntax::parse_with(pattern, &syntax_options()).map_err(Box::new)
}

/// True when `hir` holds a capture group called `name`.
fn has_named_group(hir: &Hir, name: &str) -> bool {
    match hir.kind() {
        HirKind::Capture(c) => c.name.as_deref() == Some(name) || has_named_group(&c.sub, name),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => {
            subs.iter().any(|h| has_named_group(h, name))
        }
        HirKind::Repetition(r) => has_named_group(&r.sub, name),
        _ => false,
    }
}

/// Compiles a rule regex and finds its `secret` group.
pub(crate) fn compile_regex_with_secret(pattern: &str) -> Result<(Regex, usize), String> {
    let regex = build_regex(pattern).map_err(|e| e.to_string())?;
    let group = regex
        .group_info()
        .to_index(regex_automata::PatternID::ZERO, "secret")
        .ok_or_else(|| "no group named `secret`".to_string())?;
    Ok((regex, group))
}

/// Compiles an ASCII-only, byte-oriented regex (Unicode classes defeat the fast paths).
pub(crate) fn build_regex(pattern: &str) -> Result<Regex, Box<regex_automata::meta::BuildError>> {
    Regex::builder()
        .syntax(syntax_options())
        .build(pattern)
        .map_err(Box::new)
}

/// Builds the keyword automaton and returns the finished set.
///
/// The automaton holds a substring-free set of keywords: a keyword that contains
/// another (`openai.azure.com` ⊃ `azure`) is triggered by the shorter one, its window
/// widened by the length difference. With no keyword inside another, a leftmost
/// search that restarts one byte after each match start finds every occurrence, and
/// leftmost search can use the automaton's prefilters where overlapping search cannot.
pub(crate) fn assemble(rules: Vec<Rule>) -> Result<RuleSet, RuleError> {
    let mut all: Vec<(String, usize)> = Vec::new();
    for (index, rule) in rules.iter().enumerate() {
        for keyword in &rule.syntax.keywords {
            all.push((keyword.to_ascii_lowercase(), index));
        }
    }
    let mut triggers: Vec<String> = all
        .iter()
        .map(|(k, _)| k.clone())
        .filter(|k| {
            !all.iter()
                .any(|(other, _)| other.len() < k.len() && k.contains(other.as_str()))
        })
        .collect();
    triggers.sort();
    triggers.dedup();
    let mut keyword_rules: Vec<Vec<(usize, usize)>> = vec![Vec::new(); triggers.len()];
    for (keyword, rule) in &all {
        // The shortest trigger inside this keyword (itself when it is one).
        let (trigger, extra) = triggers
            .iter()
            .enumerate()
            .filter(|(_, t)| keyword.contains(t.as_str()))
            .map(|(i, t)| (i, keyword.len() - t.len()))
            .min_by_key(|&(_, extra)| std::cmp::Reverse(extra))
            .expect("every keyword contains a trigger, if only itself");
        let entry = &mut keyword_rules[trigger];
        match entry.iter_mut().find(|(r, _)| r == rule) {
            Some((_, e)) => *e = (*e).max(extra),
            None => entry.push((*rule, extra)),
        }
    }
    let automaton = AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostFirst)
        .kind(Some(AhoCorasickKind::DFA))
        .build(&triggers)
        .map_err(|e| RuleError::Automaton(e.to_string()))?;
    Ok(RuleSet {
        rules,
        keywords: automaton,
        keyword_rules,
    })
}
