//! The scanning engine: bytes in, findings out. It knows nothing about git, files or
//! output formats, does no I/O, and keeps no secret past the call that found it: a
//! [`Finding`] holds only a redacted form and a fingerprint, and the raw secret
//! leaves only as a [`RawSecret`], only when the caller asks ([`Scanner::scan_with_secrets`],
//! for `--verify`).
//!
//! 1. **Prefilter**: one pass finds every occurrence of every rule keyword (a
//!    bucketed shift-or filter for large rule sets, aho-corasick for small ones: see
//!    `rules::keywords`).
//! 2. **Confirm**: each rule's regex runs only in windows around its keyword hits
//!    (overlapping windows merged), so a 50 MB minified line costs one pass of the
//!    prefilter plus small regex searches, and text without keywords costs nothing more.
//! 3. **Validate**: checksums, documentation keys, placeholders and entropy, judged on
//!    the captured secret only; every rejection is counted.

pub mod check;
mod context;
mod decode;
mod lines;
mod raw;
mod scrub;
mod secret;
mod validate;
mod views;

use std::ops::Range;
use std::sync::Arc;

use regex_automata::{meta::Regex, Input};

use crate::rules::RuleSet;
pub use lines::line_span;
pub use raw::RawSecret;
pub use scrub::{redact_string, redact_text};
pub use secret::{Fingerprint, Redacted};
pub use validate::{github_checksum, shannon_entropy, Suppression};

/// git's own heuristic: a NUL in the first 8,000 bytes makes a blob binary.
const BINARY_SNIFF_LEN: usize = 8000;

/// Knobs of a scan; every field has a default.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Blobs larger than this are skipped (and counted).
    pub max_bytes: u64,
    /// Secrets matching any of these are suppressed as allowlisted.
    pub allow_secrets: Vec<Regex>,
    /// Extra placeholder words (user config), matched case-insensitively in the secret.
    pub stopwords: Vec<String>,
    /// Scan the decoded views too (percent, base64, UTF-16, printable runs of
    /// binaries, archive members). On by default; off only to measure what they
    /// cost (the engine benchmark): then a binary blob's content is not read.
    pub decoded_views: bool,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            max_bytes: 64 * 1024 * 1024,
            allow_secrets: Vec::new(),
            stopwords: Vec::new(),
            decoded_views: true,
        }
    }
}

/// Why a blob was not scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// Larger than [`ScanOptions::max_bytes`].
    TooLarge,
}

/// How an encoded secret was found (which decoded view of the blob held it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// A base64 run (Kubernetes Secret `data:`, an encoded `.env`), one or two
    /// levels deep.
    Base64,
    /// Percent-escapes decoded (`api_key%3D…`, `Bearer%20…`).
    Percent,
    /// UTF-16 text (LE or BE, with or without a BOM) decoded to UTF-8.
    Utf16,
    /// A printable run of a binary blob (as `strings`).
    Strings,
    /// A member of a zip archive (jar, whl, …).
    Zip,
    /// A member of a tar archive (a tar.gz included).
    Tar,
    /// The content of a gzip file.
    Gzip,
}

impl Encoding {
    /// True when a finding's line refers to the raw blob's lines (its span maps
    /// into them); false when it counts lines of the decoded text (UTF-16, printable
    /// runs, archive members), where the raw bytes have none.
    pub fn keeps_raw_lines(self) -> bool {
        matches!(self, Encoding::Base64 | Encoding::Percent)
    }

    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Base64 => "base64",
            Encoding::Percent => "percent",
            Encoding::Utf16 => "utf16",
            Encoding::Strings => "strings",
            Encoding::Zip => "zip",
            Encoding::Tar => "tar",
            Encoding::Gzip => "gzip",
        }
    }
}

/// A secret the engine found. Holds no secret: only its redacted form and fingerprint.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Index of the rule in the [`RuleSet`].
    pub rule: usize,
    /// Byte span of the secret (of the encoded value, if [`Finding::encoding`] is set).
    pub span: Range<usize>,
    /// 1-based line of the first byte of the secret.
    pub line: usize,
    /// 1-based column (characters) of the first byte of the secret.
    pub column: usize,
    /// 1-based line of the last byte of the secret (multi-line keys).
    pub end_line: usize,
    /// What may be shown of the secret.
    pub redacted: Redacted,
    /// SHA-256 of the secret.
    pub fingerprint: Fingerprint,
    /// Set when the secret was found decoded.
    pub encoding: Option<Encoding>,
    /// The archive member it was found in (`lib.jar!config/app.properties`); taken
    /// from the blob's content, so printed only redacted.
    pub member: Option<String>,
}

/// Candidates the validators rejected, by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Suppressed {
    /// Placeholders (`your-key-here`, `xxxx`…).
    pub placeholder: u64,
    /// Documented sample keys.
    pub documentation: u64,
    /// Too little entropy.
    pub low_entropy: u64,
    /// Failed an offline checksum.
    pub checksum: u64,
    /// Matched a user allowlist.
    pub allowlisted: u64,
}

impl Suppressed {
    /// Total of all reasons.
    pub fn total(&self) -> u64 {
        self.placeholder + self.documentation + self.low_entropy + self.checksum + self.allowlisted
    }

    fn count(&mut self, why: Suppression) {
        match why {
            Suppression::Placeholder => self.placeholder += 1,
            Suppression::Documentation => self.documentation += 1,
            Suppression::LowEntropy => self.low_entropy += 1,
            Suppression::Checksum => self.checksum += 1,
            Suppression::Allowlisted => self.allowlisted += 1,
        }
    }

    /// Adds another tally to this one.
    pub fn add(&mut self, other: &Suppressed) {
        self.placeholder += other.placeholder;
        self.documentation += other.documentation;
        self.low_entropy += other.low_entropy;
        self.checksum += other.checksum;
        self.allowlisted += other.allowlisted;
    }
}

/// What one scan returns.
#[derive(Debug, Clone, Default)]
pub struct ScanOutcome {
    /// Findings, ordered by position.
    pub findings: Vec<Finding>,
    /// Candidates rejected by the validators.
    pub suppressed: Suppressed,
    /// Set when the blob was not scanned at all.
    pub skipped: Option<SkipReason>,
    /// The blob is binary: it was read through its decoded views only.
    pub binary: bool,
    /// Parts of the blob its views did not decode, by reason (`archive-limit`: an
    /// archive over the size, member or nesting cap, or unreadable).
    pub view_skips: Vec<&'static str>,
}

/// The scanner: a compiled rule set and options. Immutable, `Send + Sync`.
#[derive(Debug, Clone)]
pub struct Scanner {
    rules: Arc<RuleSet>,
    options: ScanOptions,
}

/// A candidate before validation: rule and secret span (in the scanned bytes).
struct Candidate {
    rule: usize,
    span: Range<usize>,
}

impl Scanner {
    /// Builds a scanner over `rules`.
    pub fn new(rules: Arc<RuleSet>, options: ScanOptions) -> Scanner {
        Scanner { rules, options }
    }

    /// The rule set this scanner uses.
    pub fn rules(&self) -> &Arc<RuleSet> {
        &self.rules
    }

    /// The options this scanner uses.
    pub fn options(&self) -> &ScanOptions {
        &self.options
    }

    /// Scans one blob: skips it if binary or too large, otherwise finds and validates
    /// every secret, base64 values of Kubernetes Secrets included.
    pub fn scan(&self, bytes: &[u8]) -> ScanOutcome {
        self.scan_inner(bytes, None)
    }

    /// Like [`Scanner::scan`], and also appends to `secrets` the raw secret of each
    /// finding, for live verification (`--verify`). The findings themselves still
    /// hold only redacted forms and fingerprints.
    pub fn scan_with_secrets(&self, bytes: &[u8], secrets: &mut Vec<RawSecret>) -> ScanOutcome {
        self.scan_inner(bytes, Some(secrets))
    }

    fn scan_inner(&self, bytes: &[u8], mut secrets: Option<&mut Vec<RawSecret>>) -> ScanOutcome {
        if bytes.len() as u64 > self.options.max_bytes {
            return ScanOutcome {
                skipped: Some(SkipReason::TooLarge),
                ..ScanOutcome::default()
            };
        }
        let binary = is_binary(bytes);
        let mut outcome = ScanOutcome {
            binary,
            ..ScanOutcome::default()
        };
        // A binary blob is read through its views only (printable runs, UTF-16,
        // archive members); its raw bytes are not text.
        let mut findings = if binary {
            Vec::new()
        } else {
            self.scan_text(bytes, &mut outcome.suppressed, secrets.as_deref_mut())
        };
        if !binary {
            for decoded in decode::kubernetes_secret_values(bytes) {
                let found = self.scan_text(
                    &decoded.bytes,
                    &mut outcome.suppressed,
                    secrets.as_deref_mut(),
                );
                for mut finding in found {
                    finding.span = decoded.span.clone();
                    finding.encoding = Some(Encoding::Base64);
                    findings.push(finding);
                }
            }
        }
        let views = if self.options.decoded_views {
            views::Views::of(bytes, binary)
        } else {
            views::Views::default()
        };
        outcome.view_skips = views.skipped;
        let mut placed = Vec::new();
        for view in views.views {
            let found = self.scan_text(&view.text, &mut outcome.suppressed, secrets.as_deref_mut());
            let mut cursor = lines::LineCursor::new(&view.text);
            for mut finding in found {
                // The same key seen raw (or in another view of the same member) is
                // one finding.
                let known = findings.iter().chain(&placed).any(|f: &Finding| {
                    f.fingerprint == finding.fingerprint && f.member == view.member
                });
                if known {
                    continue;
                }
                if !view.encoding.keeps_raw_lines() {
                    (finding.line, finding.column) = cursor.position(finding.span.start);
                    finding.end_line = finding.line
                        + memchr::memchr_iter(b'\n', &view.text[finding.span.clone()]).count();
                }
                finding.span = view.map.raw(&finding.span);
                finding.encoding = Some(view.encoding);
                finding.member = view.member.clone();
                if finding.line == 0 {
                    findings.push(finding);
                } else {
                    placed.push(finding);
                }
            }
        }
        findings.sort_by_key(|f| (f.span.start, f.rule));
        let mut cursor = lines::LineCursor::new(bytes);
        for f in &mut findings {
            (f.line, f.column) = cursor.position(f.span.start);
        }
        for f in &mut findings {
            f.end_line = f.line + memchr::memchr_iter(b'\n', &bytes[f.span.clone()]).count();
        }
        findings.extend(placed);
        findings.sort_by_key(|f| (f.span.start, f.rule));
        outcome.findings = findings;
        outcome
    }

    /// Prefilter, confirm and validate; positions are filled in by the caller.
    /// Raw secrets go to `secrets` only when the caller asked for them.
    fn scan_text(
        &self,
        bytes: &[u8],
        suppressed: &mut Suppressed,
        mut secrets: Option<&mut Vec<RawSecret>>,
    ) -> Vec<Finding> {
        let candidates = self.candidates(bytes);
        let mut findings = Vec::with_capacity(candidates.len());
        for Candidate { rule, span } in candidates {
            let secret = &bytes[span.clone()];
            let rule_def = self.rules.rule(rule);
            let verdict = if self
                .options
                .allow_secrets
                .iter()
                .any(|re| re.is_match(secret))
            {
                Err(Suppression::Allowlisted)
            } else {
                validate::judge(rule_def, secret, &self.options.stopwords)
            };
            match verdict {
                Ok(()) => {
                    if let Some(secrets) = secrets.as_deref_mut() {
                        secrets.push(RawSecret::new(rule, secret));
                    }
                    findings.push(Finding {
                        rule,
                        redacted: Redacted::new(secret, rule_def.public_prefix_len(secret)),
                        fingerprint: Fingerprint::of(secret),
                        span,
                        line: 0,
                        column: 0,
                        end_line: 0,
                        encoding: None,
                        member: None,
                    })
                }
                Err(why) => suppressed.count(why),
            }
        }
        findings
    }

    /// Every rule match inside the windows around its keywords, one per span.
    fn candidates(&self, bytes: &[u8]) -> Vec<Candidate> {
        let rules = self.rules.rules();
        let mut windows: Vec<Vec<Range<usize>>> = vec![Vec::new(); rules.len()];
        // Each searcher reports every occurrence of its triggers (rules::keywords).
        let mut lowered = Vec::new();
        for searcher in &self.rules.searchers {
            searcher.for_each_hit(bytes, &mut lowered, &mut |start, end, pattern| {
                for &(rule, extra) in &searcher.rules[pattern] {
                    let r = &rules[rule];
                    let window = start.saturating_sub(r.window_before + extra)
                        ..(end + r.window_after + extra).min(bytes.len());
                    merge_window(&mut windows[rule], window);
                }
            });
        }
        // Windows from two searchers interleave, and a long trigger's hit can end
        // after a short one's that starts later: order them before merging again.
        for list in &mut windows {
            if list.len() > 1 {
                list.sort_by_key(|w| w.start);
                let mut merged: Vec<Range<usize>> = Vec::with_capacity(list.len());
                for w in list.drain(..) {
                    merge_window(&mut merged, w);
                }
                *list = merged;
            }
        }
        let mut candidates = Vec::new();
        for (rule, rule_windows) in windows.iter().enumerate() {
            if rule_windows.is_empty() {
                continue;
            }
            let (regex, secret_group) = rules[rule].regex();
            let context = &rules[rule].context_words;
            for window in rule_windows {
                let input = Input::new(bytes).range(window.clone());
                for caps in regex.captures_iter(input) {
                    if !context.is_empty() {
                        let whole = caps.get_match().map(|m| m.range());
                        if !whole.is_some_and(|m| {
                            context::names_match(
                                bytes,
                                &m,
                                context,
                                rules[rule].syntax.context_lines,
                            )
                        }) {
                            continue;
                        }
                    }
                    if let Some(secret) = caps.get_group(*secret_group) {
                        if !secret.is_empty() {
                            candidates.push(Candidate {
                                rule,
                                span: secret.range(),
                            });
                        }
                    }
                }
            }
        }
        // One report per span: the earlier rule (priority order) wins, and a span
        // inside another rule's span is the same secret seen twice.
        candidates.sort_by_key(|c| (c.span.start, std::cmp::Reverse(c.span.end), c.rule));
        let mut kept: Vec<Candidate> = Vec::with_capacity(candidates.len());
        for c in candidates {
            match kept.last() {
                Some(last) if c.span.end <= last.span.end => {}
                _ => kept.push(c),
            }
        }
        kept
    }
}

/// Appends `window`, merging it into the last one when they overlap (hits arrive in
/// nearly increasing order, so this keeps the list short on keyword-dense input).
fn merge_window(windows: &mut Vec<Range<usize>>, window: Range<usize>) {
    if let Some(last) = windows.last_mut() {
        if window.start <= last.end && window.end >= last.start {
            last.start = last.start.min(window.start);
            last.end = last.end.max(window.end);
            return;
        }
    }
    windows.push(window);
}

/// True when `bytes` holds a NUL in its first 8,000 bytes (git's rule).
pub fn is_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(BINARY_SNIFF_LEN)]).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scanner() -> Scanner {
        Scanner::new(RuleSet::builtin().unwrap(), ScanOptions::default())
    }

    fn openai_key() -> String {
        format!(
            "sk-proj-{}T3BlbkFJ{}",
            "q7Xk2Lm9Pw4Rt6Yb8Nc1Vd3Hf5Jg0Zs2Ua4Ie6Ko8Ql1Mn3Bp5Cr7Dt9Ev2Gw4Hx",
            "A3f9Kp2Lq8Wm4Zr7Ts1Vy6Nc0Bx5Hd2Jg8Ue4Io7Pa3Sk9Ql1Mz6Rw0Tv5Yb8Xc"
        )
    }

    #[test]
    fn scanner_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Scanner>();
    }

    #[test]
    fn finds_key_with_position_and_redaction() {
        let key = openai_key();
        let text = format!("import os\n\nclient = OpenAI(api_key=\"{key}\")\n");
        let out = scanner().scan(text.as_bytes());
        assert_eq!(out.findings.len(), 1, "{:?}", out.findings);
        let f = &out.findings[0];
        assert_eq!((f.line, f.column, f.end_line), (3, 26, 3));
        assert_eq!(&text.as_bytes()[f.span.clone()], key.as_bytes());
        assert_eq!(
            f.redacted.to_string(),
            format!("sk-proj-…{} ({} chars)", &key[key.len() - 4..], key.len())
        );
        assert_eq!(f.fingerprint, Fingerprint::of(key.as_bytes()));
    }

    #[test]
    fn key_ends_where_its_charset_ends() {
        let key = openai_key();
        for (before, after) in [("?k=", "&x=1"), ("<k>", "</k>"), ("\"", "\","), ("", "\n")] {
            let text = format!("{before}{key}{after}");
            let out = scanner().scan(text.as_bytes());
            assert_eq!(out.findings.len(), 1, "{text}");
            assert_eq!(
                &text.as_bytes()[out.findings[0].span.clone()],
                key.as_bytes()
            );
        }
    }

    #[test]
    fn raw_secrets_only_when_asked() {
        let key = openai_key();
        let text = format!("a = \"{key}\"\nb = \"{key}\"\n");
        let mut secrets = Vec::new();
        let out = scanner().scan_with_secrets(text.as_bytes(), &mut secrets);
        assert_eq!(out.findings.len(), 2);
        assert_eq!(secrets.len(), 2);
        assert_eq!(secrets[0].expose(), key.as_bytes());
        assert_eq!(secrets[0].fingerprint(), &out.findings[0].fingerprint);
        assert_eq!(secrets[0].rule(), out.findings[0].rule);
    }

    #[test]
    fn binary_and_oversized_are_skipped() {
        let s = scanner();
        let binary = s.scan(b"abc\0def");
        assert_eq!((binary.skipped, binary.binary), (None, true));
        let small = Scanner::new(
            RuleSet::builtin().unwrap(),
            ScanOptions {
                max_bytes: 4,
                ..ScanOptions::default()
            },
        );
        assert_eq!(small.scan(b"12345").skipped, Some(SkipReason::TooLarge));
        assert!(s.scan(b"").findings.is_empty());
    }

    #[test]
    fn invalid_utf8_does_not_stop_a_scan() {
        let key = openai_key();
        let mut text = vec![0xff, 0xfe, b'\n', 0xc3];
        text.extend_from_slice(key.as_bytes());
        text.push(0x80);
        let out = scanner().scan(&text);
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].line, 2);
    }

    #[test]
    fn kubernetes_secret_data_is_decoded() {
        use base64::Engine as _;
        let key = openai_key();
        let encoded = base64::engine::general_purpose::STANDARD.encode(&key);
        let text = format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: ai\ndata:\n  OPENAI_API_KEY: {encoded}\n"
        );
        let out = scanner().scan(text.as_bytes());
        assert_eq!(out.findings.len(), 1, "{:?}", out.findings);
        assert_eq!(out.findings[0].encoding, Some(Encoding::Base64));
        assert_eq!(out.findings[0].line, 6);
        assert_eq!(out.findings[0].fingerprint, Fingerprint::of(key.as_bytes()));
    }

    #[test]
    fn placeholders_are_counted_not_reported() {
        let text = format!(
            "OPENAI_API_KEY=sk-proj-{}T3BlbkFJ{}\n",
            "x".repeat(64),
            "x".repeat(64)
        );
        let out = scanner().scan(text.as_bytes());
        assert!(out.findings.is_empty());
        assert_eq!(out.suppressed.placeholder, 1);
    }

    #[test]
    fn keyword_dense_input_stays_linear() {
        // 2 MB of keyword hits: merged windows keep this to one regex pass per rule
        // (speed itself is measured in benches/engine.rs, not here).
        let text = "sk-".repeat(700_000);
        let out = scanner().scan(text.as_bytes());
        assert!(out.findings.is_empty());
        assert_eq!(out.suppressed.total(), 0);
    }
}
