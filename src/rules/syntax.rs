//! The serde mirror of a rule file: what the TOML says, with a default for every
//! optional field and an error for every unknown key (a typo must not silently
//! disable a filter).

use serde::{Deserialize, Serialize};

use super::RuleError;

/// A rule file: one provider, one `[[rules]]` table per key generation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// The rules of this file.
    #[serde(default)]
    pub rules: Vec<toml::Spanned<RuleSyntax>>,
}

/// One rule exactly as written in TOML.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSyntax {
    /// Stable id, never reused: lower-case letters, digits and `-`.
    pub id: String,
    /// Who issues the secret (`OpenAI`, `GitHub`…).
    pub provider: String,
    /// One line saying what the secret is.
    pub description: String,
    /// ASCII-only regex (`(?x)` allowed) with a named group `secret`.
    pub regex: String,
    /// Literals that must occur near a match. Tokens (`gsk_`, `AKIA`) match exactly;
    /// context words (lower-case letters and `_` `-` `.`, not ending in `_` or `-`,
    /// like `mistral`) also match in UPPER and Capitalized form; list other
    /// spellings (`DeepSeek`) as keywords of their own. May be empty when `context`
    /// lists words (they are keywords too).
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Words one of which must stand near a match, compared case- and
    /// separator-insensitively (`mistral` is found in `MISTRAL_API_KEY`,
    /// `mistralApiKey`, `MistralApiKey`, `mistral-api-key`, `mistral.api_key`), on the
    /// match's own line (before or after the key) or on an enclosing section header up
    /// to `context_lines` lines above (`mistral:` / `[mistral]` / `"mistral": {`).
    /// Written in lower case, parts of a compound name split by `-` (`eleven-labs`
    /// also finds `ElevenLabs`, `elevenLabs`, `ELEVEN_LABS`). Each word is also a
    /// keyword of the prefilter.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<String>,
    /// How many lines above a match are searched for an enclosing section that names
    /// a `context` word.
    #[serde(default = "default_context_lines")]
    pub context_lines: usize,
    /// Public prefixes of the secret, shown in redacted output (`sk-proj-`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prefixes: Vec<String>,
    /// Bytes before a keyword hit that the regex may look at. When not given: the
    /// overridden built-in's, else 64; a config rule's window also covers its regex's
    /// longest match (see [`super::Rule::window_before`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_before: Option<usize>,
    /// Bytes after a keyword hit that the regex may look at (when not given: the
    /// overridden built-in's, else 512; widened like `window_before`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_after: Option<usize>,
    /// Minimum Shannon entropy (bits per byte) of the secret's random part.
    #[serde(default = "default_min_entropy")]
    pub min_entropy: f64,
    /// An offline checksum the secret must satisfy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<ChecksumKind>,
    /// How bad a leak is; `low` findings warn but do not block by default.
    #[serde(default)]
    pub severity: Severity,
    /// Where the user revokes or rotates the secret.
    pub revoke_url: String,
    /// One line telling the user what to do.
    pub remediation: String,
    /// Environment variables people commonly keep this secret in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env_vars: Vec<String>,
    /// Extra context shown with every finding of this rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Publicly documented sample secrets: reported as examples, never as leaks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub known_examples: Vec<String>,
    /// Texts the rule must find (checked by `keyhook rules --check` and the tests).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<Example>,
    /// Texts no rule may report.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub negative_examples: Vec<String>,
    /// How `--verify` asks the provider whether a key is live. Built-in rules only:
    /// a rule from a config file that has one is rejected (it could send keys anywhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify: Option<VerifySyntax>,
}

/// `[rules.verify]`: one read-only HTTPS request that spends nothing and changes
/// nothing, and how to read its answer.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VerifySyntax {
    /// `GET` (default) or `POST` (with an empty body).
    #[serde(default)]
    pub method: VerifyMethod,
    /// Full `https://` URL of the check; its scheme, host and port may be replaced
    /// only by `KEYHOOK_<PROVIDER>_BASE_URL` in the environment.
    pub url: String,
    /// How the key is sent.
    pub auth: VerifyAuth,
    /// Extra request headers (`anthropic-version`, `user-agent`…).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub headers: std::collections::BTreeMap<String, String>,
    /// HTTP statuses that mean the key works.
    #[serde(default = "default_live")]
    pub live: Vec<u16>,
    /// HTTP statuses that mean the key is revoked or wrong.
    #[serde(default = "default_invalid")]
    pub invalid: Vec<u16>,
    /// HTTP statuses that mean the key exists but may not do this (still a leak).
    #[serde(default = "default_restricted")]
    pub restricted: Vec<u16>,
    /// For APIs that answer 200 to every token (Slack): a top-level JSON field of
    /// the body that must be `true` for a live key; `false` means invalid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json_ok_field: Option<String>,
}

fn default_live() -> Vec<u16> {
    vec![200]
}
fn default_invalid() -> Vec<u16> {
    vec![401]
}
fn default_restricted() -> Vec<u16> {
    vec![403]
}

/// The HTTP method of a check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum VerifyMethod {
    /// `GET`.
    #[default]
    Get,
    /// `POST` with an empty body.
    Post,
}

/// How the key travels in the check request.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum VerifyAuth {
    /// `Authorization: Bearer <key>` (written `auth = "bearer"`).
    Bearer,
    /// `Authorization: Basic base64(<key>:)` (written `auth = "basic"`).
    Basic,
    /// The key as the value of this header (`auth = { header = "x-api-key" }`).
    Header(String),
    /// The key as this query parameter (`auth = { query = "key" }`).
    Query(String),
}

/// Window before a keyword hit when a rule gives none.
pub(crate) const DEFAULT_WINDOW_BEFORE: usize = 64;
/// Window after a keyword hit when a rule gives none.
pub(crate) const DEFAULT_WINDOW_AFTER: usize = 512;
fn default_context_lines() -> usize {
    6
}
fn default_min_entropy() -> f64 {
    3.0
}

/// A positive example: either a text that holds one secret, or a text and the
/// exact secret the rule must capture from it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Example {
    /// Text holding one secret of this rule.
    Text(String),
    /// Text and the secret the `secret` group must capture.
    WithSecret {
        /// The text to scan.
        text: String,
        /// The exact secret expected.
        secret: String,
    },
}

impl Example {
    /// The text to scan.
    pub fn text(&self) -> &str {
        match self {
            Example::Text(t) | Example::WithSecret { text: t, .. } => t,
        }
    }

    /// The secret expected, when the example names one.
    pub fn expected_secret(&self) -> Option<&str> {
        match self {
            Example::Text(_) => None,
            Example::WithSecret { secret, .. } => Some(secret),
        }
    }
}

/// Offline checksums a secret format carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChecksumKind {
    /// GitHub tokens (and npm's, which copy the format): last 6 chars are
    /// base62(CRC32(30-char body)), left-padded with `0`.
    GithubCrc32,
}

/// How bad a leak of this secret is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Test-mode or low-risk credentials: reported, not blocking by default.
    Low,
    /// Credentials that need context to be dangerous.
    Medium,
    /// Live credentials to a paid or private service.
    #[default]
    High,
    /// Keys that grant broad or administrative access.
    Critical,
}

impl Severity {
    /// Lower-case name, as in rule files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// Where a rule was written, for error messages.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Spans {
    pub line: usize,
    pub column: usize,
}

impl Spans {
    /// Line and column (1-based) of byte `span.start` in `text`.
    pub fn of(text: &str, span: std::ops::Range<usize>) -> Spans {
        let (line, column) = line_column(text, span.start);
        Spans { line, column }
    }
}

/// 1-based line and column (in characters) of byte offset `at` in `text`.
pub(crate) fn line_column(text: &str, at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let before = &text.as_bytes()[..at];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// Turns a TOML deserialisation error into a located [`RuleError::Parse`].
pub(crate) fn toml_error(origin: &str, text: &str, err: &toml::de::Error) -> RuleError {
    let (line, column) = err
        .span()
        .map(|s| line_column(text, s.start))
        .unwrap_or((0, 0));
    RuleError::Parse {
        origin: origin.to_string(),
        line,
        column,
        message: err.message().trim().to_string(),
    }
}

/// Parses a rule file into rules and where each was written.
pub(crate) fn parse_rule_file(
    origin: &str,
    text: &str,
) -> Result<Vec<(RuleSyntax, Spans)>, RuleError> {
    let file: RuleFile = toml::from_str(text).map_err(|e| toml_error(origin, text, &e))?;
    // Rules come in file order: their lines are counted in one pass over the text,
    // not once per rule from the top.
    let (mut line, mut line_start, mut counted) = (1, 0, 0);
    Ok(file
        .rules
        .into_iter()
        .map(|r| {
            let at = r.span().start.min(text.len());
            if at < counted {
                let spans = Spans::of(text, r.span());
                return (r.into_inner(), spans);
            }
            for newline in memchr::memchr_iter(b'\n', &text.as_bytes()[counted..at]) {
                line += 1;
                line_start = counted + newline + 1;
            }
            counted = at;
            let column = text[line_start..at].chars().count() + 1;
            (r.into_inner(), Spans { line, column })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_is_a_located_error() {
        let text = "[[rules]]\nid = \"x\"\nprovder = \"typo\"\n";
        let err = parse_rule_file("f.toml", text).unwrap_err().to_string();
        assert!(err.starts_with("f.toml:3:1:"), "{err}");
        assert!(err.contains("provder"), "{err}");
    }

    #[test]
    fn each_rule_is_located_where_its_table_starts() {
        let rule = |id: &str| {
            format!("[[rules]]\nid = \"{id}\"\nprovider = \"p\"\ndescription = \"d\"\nregex = 'r'\nrevoke_url = \"u\"\nremediation = \"r\"\n")
        };
        let text = format!("# é\n{}\n\n{}", rule("a"), rule("b"));
        let rules = parse_rule_file("f.toml", &text).unwrap();
        let found: Vec<_> = rules
            .iter()
            .map(|(r, s)| (r.id.as_str(), s.line, s.column))
            .collect();
        assert_eq!(found, [("a", 2, 1), ("b", 11, 1)]);
        for (_, spans) in &rules {
            let start = text
                .split_inclusive('\n')
                .take(spans.line - 1)
                .map(str::len)
                .sum::<usize>();
            assert_eq!(line_column(&text, start), (spans.line, spans.column));
        }
    }

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("ab\ncé d", 7), (2, 4));
        assert_eq!(line_column("", 0), (1, 1));
    }
}
