//! From [`RuleSyntax`] to [`Rule`]: validate fields, compile the regex, and build the
//! one keyword automaton shared by every rule.

use aho_corasick::{AhoCorasickBuilder, MatchKind};
use regex_automata::{meta::Regex, util::syntax};
use regex_syntax::hir::{Hir, HirKind};

use super::syntax::{Spans, DEFAULT_WINDOW_AFTER, DEFAULT_WINDOW_BEFORE};

/// Widest window derived from a config rule's regex (its longest match).
const MAX_DERIVED_WINDOW: usize = 4096;
use super::keywords::{KeywordSearcher, Matcher};
use super::shift_or::ShiftOr;
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
    if (syntax.keywords.is_empty() && syntax.context.is_empty())
        || syntax.keywords.iter().any(|k| k.len() < 2)
    {
        return Err(invalid(
            "`keywords` must list at least one literal of 2 or more bytes (or `context` a word); the regex only runs near them"
                .into(),
        ));
    }
    if let Some(word) = syntax.context.iter().find(|w| !is_context_name(w)) {
        return Err(invalid(format!(
            "`context` word `{word}` must be 3 or more lower-case letters and digits, starting with a letter, parts split by `-`, `_` or `.`"
        )));
    }
    if !(0.0..=8.0).contains(&syntax.min_entropy) {
        return Err(invalid(
            "`min_entropy` must be between 0 and 8 bits per byte".into(),
        ));
    }
    // A config rule's regex is parsed (syntax, the `secret` group, its longest
    // match) and compiled now, so a bad or too-big pattern is a config error naming
    // its file, line and column, not a failure mid-scan. A built-in's is neither
    // parsed nor compiled here: the test suite checks every built-in regex
    // (`builtin_regexes_parse_with_a_secret_group`), parsing all 171 took ~30 % of a
    // hook's start-up, and compiling waits for the rule's first keyword hit.
    let compiled = std::sync::OnceLock::new();
    let longest = if eager {
        let hir =
            syntax_config_parse(&syntax.regex).map_err(|e| invalid(format!("bad `regex`: {e}")))?;
        if !has_named_group(&hir, "secret") {
            return Err(invalid(
                "`regex` needs a named group `(?P<secret>…)`".into(),
            ));
        }
        let built = compile_regex_with_secret(&syntax.regex)
            .map_err(|e| invalid(format!("bad `regex`: {e}")))?;
        let _ = compiled.set(built);
        hir.properties().maximum_len()
    } else {
        None
    };
    let documentation_keys = syntax
        .known_examples
        .iter()
        .map(|k| k.as_bytes().to_vec())
        .collect();
    let mut window_before = syntax.window_before.unwrap_or(DEFAULT_WINDOW_BEFORE);
    let mut window_after = syntax.window_after.unwrap_or(DEFAULT_WINDOW_AFTER);
    // A config rule: whatever windows it says, a match that holds a keyword is never
    // longer than the regex's longest match, so windows that wide always contain it.
    // Built-ins keep their measured windows (the examples test them).
    if let Some(longest) = longest {
        let longest = longest.min(MAX_DERIVED_WINDOW);
        window_before = window_before.max(longest);
        window_after = window_after.max(longest);
    }
    let context_words = syntax
        .context
        .iter()
        .map(|w| normalized_name(w.as_bytes()))
        .collect();
    Ok(Rule {
        syntax,
        compiled,
        documentation_keys,
        window_before,
        window_after,
        inherited_examples: false,
        context_words,
    })
}

/// A `context` word: lower-case letters and digits, starting with a letter, parts
/// split by `-` `_` `.`, 3 or more letters and digits in all.
fn is_context_name(word: &str) -> bool {
    word.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && word
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-.".contains(&b))
        && !word.ends_with(['_', '-', '.'])
        && normalized_name(word.as_bytes()).len() >= 3
}

/// A name in lower case with its separators (`_` `-` `.`) removed: how `context`
/// words are compared (`Mistral-Api.KEY` → `mistralapikey`).
pub(crate) fn normalized_name(name: &[u8]) -> Vec<u8> {
    name.iter()
        .filter(|b| !b"_-.".contains(b))
        .map(u8::to_ascii_lowercase)
        .collect()
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
///
/// Without the one-pass DFA: a rule's regex is compiled at its first keyword hit,
/// inside the hook's time budget, and building that DFA was ~40 % of compiling the
/// catalog (28 → 17 ms for all 171 rules). It only speeds up reading the capture
/// groups of a match already found, which the bounded backtracker does as well on
/// a match a few dozen bytes long; finding matches is unchanged.
pub(crate) fn build_regex(pattern: &str) -> Result<Regex, Box<regex_automata::meta::BuildError>> {
    Regex::builder()
        .configure(Regex::config().onepass(false))
        .syntax(syntax_options())
        .build(pattern)
        .map_err(Box::new)
}

/// Builds the keyword searchers and returns the finished set.
///
/// Keywords go into two automata, each small enough for aho-corasick's SIMD packed
/// searcher (Teddy), because one case-insensitive automaton over all of them
/// measured ~330 MB/s on source text where the pair runs at ~900 MB/s:
/// - *tokens* (`gsk_`, `AKIA`, `T3BlbkFJ`, `PRIVATE KEY-----`…) match exactly as
///   written: provider prefixes have one spelling;
/// - *context words* (`mistral`, `aws`, `service_account`: lower-case letters and
///   `_` `-` `.`, not ending in `_` `-` `.`) and `context` words are searched in a
///   lower-cased copy of the text, so `MISTRAL`, `Mistral` and `mIsTrAl` all trigger;
///   a compound `context` word (`eleven-labs`) is searched joined by nothing, `_` and
///   `-` (`ElevenLabs`, `ELEVEN_LABS`, `eleven-labs`).
///
/// A set too large for two packed automata (the built-in catalog) becomes one
/// bucketed shift-or filter over every trigger in any case (see [`ShiftOr`] and
/// [`PACKED_TRIGGERS`]): case-insensitive for tokens too, which only adds hits the
/// rule regexes then reject.
///
/// Each searcher holds a substring-free set of triggers: a keyword that contains
/// another (`sk-ant-api03-` ⊃ a shorter one) is triggered by the shorter one, its
/// window widened by the length difference. With no trigger inside another, a
/// leftmost search that restarts one byte after each match start finds every
/// occurrence, and leftmost search can use the prefilters that overlapping search
/// cannot.
pub(crate) fn assemble(rules: Vec<Rule>) -> Result<RuleSet, RuleError> {
    let mut tokens: Vec<(String, usize)> = Vec::new();
    let mut words: Vec<(String, usize)> = Vec::new();
    for (index, rule) in rules.iter().enumerate() {
        for keyword in &rule.syntax.keywords {
            if is_context_word(keyword) {
                words.push((keyword.to_ascii_lowercase(), index));
            } else {
                tokens.push((keyword.clone(), index));
            }
        }
        for word in &rule.syntax.context {
            for form in spellings(word) {
                words.push((form, index));
            }
        }
    }
    // A set has no more triggers than keywords: only a large one needs counting.
    let fits = |keywords: &[(String, usize)]| -> Result<bool, RuleError> {
        Ok(keywords.len() <= PACKED_TRIGGERS || triggers_of(keywords)?.len() <= PACKED_TRIGGERS)
    };
    let searchers = if fits(&tokens)? && fits(&words)? {
        [(tokens, Search::Exact), (words, Search::Lowercase)]
            .into_iter()
            .filter(|(keywords, _)| !keywords.is_empty())
            .map(|(keywords, search)| keyword_searcher(&keywords, search))
            .collect::<Result<Vec<_>, _>>()?
    } else {
        let mut all: Vec<(String, usize)> = tokens
            .into_iter()
            .map(|(k, r)| (k.to_ascii_lowercase(), r))
            .collect();
        all.extend(words);
        vec![keyword_searcher(&all, Search::ShiftOr)?]
    };
    Ok(RuleSet { rules, searchers })
}

/// A context word: lower-case letters with `_` `-` `.` inside, no trailing delimiter.
fn is_context_word(keyword: &str) -> bool {
    keyword
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b"_-.".contains(&b))
        && !keyword.ends_with(['_', '-', '.'])
}

/// The lower-case forms a `context` word is searched in: as written, and a compound
/// word (`eleven-labs`, `xi-api-key`) also joined by nothing, `_` and `-`
/// (`elevenlabs`, `eleven_labs`, `eleven-labs`).
fn spellings(word: &str) -> Vec<String> {
    let word = word.to_ascii_lowercase();
    let parts: Vec<&str> = word
        .split(['_', '-', '.'])
        .filter(|p| !p.is_empty())
        .collect();
    let mut forms = vec![word.clone()];
    if parts.len() > 1 {
        for joiner in ["", "_", "-"] {
            forms.push(parts.join(joiner));
        }
    }
    forms.sort();
    forms.dedup();
    forms
}

/// Most triggers a packed (Teddy) automaton is given. aho-corasick's packed
/// searcher takes at most 128 patterns, but measured on source text it slows down
/// sharply past 64, and so does running several of them: with the 171-rule catalog
/// (~190 triggers) packed automata of 16 ran at 630 MiB/s in all, one aho-corasick
/// DFA over the lower-cased text at 530 MiB/s, the shift-or filter at ~1.2 GiB/s.
const PACKED_TRIGGERS: usize = 64;

/// A substring-free set of triggers for `keywords`, sorted: the keywords that hold
/// no shorter keyword.
fn triggers_of(keywords: &[(String, usize)]) -> Result<Vec<&str>, RuleError> {
    let mut unique: Vec<&str> = keywords.iter().map(|(k, _)| k.as_str()).collect();
    unique.sort();
    unique.dedup();
    // Each keyword searched once for every keyword it contains (start-up cost: the
    // pairwise `contains` over the catalog's ~600 keywords showed in the hooks'
    // profiles).
    let within = contained(&unique)?;
    Ok(unique
        .iter()
        .filter(|k| !within(k).any(|other| other.len() < k.len()))
        .copied()
        .collect())
}

/// A function listing, for a text, every one of `patterns` it contains.
fn contained<'p>(
    patterns: &'p [&'p str],
) -> Result<impl Fn(&str) -> std::vec::IntoIter<&'p str> + 'p, RuleError> {
    let automaton = AhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        .build(patterns)
        .map_err(|e| RuleError::Automaton(e.to_string()))?;
    Ok(move |text: &str| {
        automaton
            .find_overlapping_iter(text)
            .map(|m| patterns[m.pattern().as_usize()])
            .collect::<Vec<_>>()
            .into_iter()
    })
}

/// How a [`keyword_searcher`] searches its triggers (see [`Matcher`]).
#[derive(Clone, Copy)]
enum Search {
    /// aho-corasick, triggers as written.
    Exact,
    /// aho-corasick, lower-case triggers over lower-cased text.
    Lowercase,
    /// The shift-or filter, any case (large sets).
    ShiftOr,
}

/// One searcher over a substring-free set of triggers for `keywords`.
fn keyword_searcher(
    keywords: &[(String, usize)],
    search: Search,
) -> Result<KeywordSearcher, RuleError> {
    let triggers = triggers_of(keywords)?;
    let within = contained(&triggers)?;
    let mut rules: Vec<Vec<(usize, usize)>> = vec![Vec::new(); triggers.len()];
    for (keyword, rule) in keywords {
        // The trigger inside this keyword that widens the window least (triggers
        // are sorted and unique).
        let longest = within(keyword)
            .min_by_key(|t| (std::cmp::Reverse(t.len()), *t))
            .expect("every keyword contains a trigger, if only itself");
        let trigger = triggers
            .binary_search(&longest)
            .expect("a found trigger is in the list");
        let extra = keyword.len() - longest.len();
        let entry = &mut rules[trigger];
        match entry.iter_mut().find(|(r, _)| r == rule) {
            Some((_, e)) => *e = (*e).max(extra),
            None => entry.push((*rule, extra)),
        }
    }
    let automaton = || {
        AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&triggers)
            .map_err(|e| RuleError::Automaton(e.to_string()))
    };
    let matcher = match search {
        Search::Exact => Matcher::Exact(automaton()?),
        Search::Lowercase => Matcher::Lowercase {
            automaton: automaton()?,
            longest: triggers.iter().map(|t| t.len()).max().unwrap_or(0),
        },
        Search::ShiftOr => Matcher::ShiftOr(ShiftOr::new(&triggers)),
    };
    Ok(KeywordSearcher { matcher, rules })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_words_and_tokens() {
        for word in [
            "mistral",
            "aws",
            "service_account",
            "xi-api-key",
            "openai.azure.com",
        ] {
            assert!(is_context_word(word), "{word}");
        }
        for token in [
            "gsk_",
            "xai-",
            "AIza",
            "T3BlbkFJ",
            "lsv2_",
            "PRIVATE KEY-----",
            "DeepSeek",
        ] {
            assert!(!is_context_word(token), "{token}");
        }
        assert_eq!(spellings("aws"), ["aws"]);
        assert_eq!(
            spellings("eleven-labs"),
            ["eleven-labs", "eleven_labs", "elevenlabs"]
        );
    }
}
