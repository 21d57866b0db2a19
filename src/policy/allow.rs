//! What a user marked as accepted: the inline `keyhook:allow` marker beside a
//! finding, and a baseline file of fingerprints.
//!
//! # The inline marker
//!
//! A marker is honoured only where a person plainly wrote it as a comment about one
//! key, never where it could be part of the data (issue 10, "the trust boundary"):
//!
//! - **It is the exact token** `keyhook:allow`: preceded by whitespace or by a comment
//!   opener, and followed by the end of the line, whitespace, or one of `*` `)` `]`
//!   `,` `;` (or a `.` that ends a sentence). `nokeyhook:allowed`, `xkeyhook:allow`,
//!   `keyhook:allowed`, `keyhook:allow:x` and `&tag=keyhook:allow` do not count.
//! - **It is in a comment**: a comment opener (`#`, `//`, `/*`, `--`, `;`, `<!--`)
//!   stands before it on its line, within [`MAX_MARKER_GAP`] bytes, and that opener is
//!   not glued to a preceding word (`https://`, `page#frag` are not comments).
//! - **It is outside the key**: a marker after the key needs its comment opener after
//!   the key and, when the key is quoted, after the key's closing quote; a marker
//!   before the key needs the key's opening quote between them (when the key is
//!   quoted). A marker inside the matched secret or inside the key's string literal
//!   allows nothing.
//! - **It allows one finding on its own line**: the nearest one, at most
//!   [`MAX_MARKER_GAP`] bytes away (after the key, or before it). Markers and findings
//!   pair one to one, nearest first, so one marker on a 1 MB minified line that holds
//!   three keys allows one of them, and the other two still block. A multi-line key
//!   (a private key) is allowed by a marker on its first line before it, or on its
//!   last line after it.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::engine::{line_span, Finding, Fingerprint};

/// The marker that allows one finding on its own line.
pub const INLINE_MARKER: &[u8] = b"keyhook:allow";

/// The largest baseline file read (64 MiB: about 400,000 fingerprints).
pub const MAX_BASELINE_BYTES: u64 = 64 * 1024 * 1024;

/// Most bytes between a key and the marker that allows it, and between a marker and
/// the comment opener before it.
pub const MAX_MARKER_GAP: usize = 256;

/// Comment openers a marker may follow, longest first.
const COMMENT_OPENERS: &[&[u8]] = &[b"<!--", b"//", b"/*", b"--", b"#", b";"];

/// True when a marker allows `finding` in `bytes` (the finding alone: see
/// [`inline_allowances`] for a whole file, where markers pair one to one).
pub fn inline_allowed(bytes: &[u8], finding: &Finding) -> bool {
    inline_allowances(bytes, std::slice::from_ref(finding))[0]
}

/// For each of `findings` (all found in `bytes`), whether an inline marker allows
/// it. Each marker allows at most one finding, the nearest; see the module docs.
pub fn inline_allowances(bytes: &[u8], findings: &[Finding]) -> Vec<bool> {
    let mut markers_by_line: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut pairs: Vec<(usize, usize, usize)> = Vec::new(); // (gap, marker, finding)
    for (index, finding) in findings.iter().enumerate() {
        let key = finding.span.clone();
        if key.is_empty() || key.end > bytes.len() {
            continue;
        }
        let first = line_span(bytes, key.start);
        let last = line_span(bytes, key.end - 1);
        for &m in markers_on(bytes, &first, &mut markers_by_line) {
            if m + INLINE_MARKER.len() <= key.start {
                if let Some(gap) = allows_before(bytes, &first, m, &key) {
                    pairs.push((gap, m, index));
                }
            }
        }
        for &m in markers_on(bytes, &last, &mut markers_by_line) {
            if m >= key.end {
                if let Some(gap) = allows_after(bytes, &last, m, &key) {
                    pairs.push((gap, m, index));
                }
            }
        }
    }
    pairs.sort_unstable();
    let mut allowed = vec![false; findings.len()];
    let mut used = HashSet::new();
    for (_, marker, index) in pairs {
        if !allowed[index] && !used.contains(&marker) {
            used.insert(marker);
            allowed[index] = true;
        }
    }
    allowed
}

/// The markers on `line` that stand as their own token (cached per line).
fn markers_on<'a>(
    bytes: &[u8],
    line: &Range<usize>,
    cache: &'a mut HashMap<usize, Vec<usize>>,
) -> &'a [usize] {
    cache.entry(line.start).or_insert_with(|| {
        memchr::memmem::find_iter(&bytes[line.clone()], INLINE_MARKER)
            .map(|at| line.start + at)
            .filter(|&m| is_marker_token(bytes, line, m))
            .collect()
    })
}

/// Bytes that glue a word together: a marker or comment opener next to one of them
/// is part of that word (a URL, an identifier, `key=value`).
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"_-:./=&?%+@~$".contains(&b)
}

fn is_quote(b: u8) -> bool {
    matches!(b, b'"' | b'\'' | b'`')
}

/// The marker at `m` is a token of its own: whitespace or an opener before it, the
/// end of the line, whitespace or closing punctuation after it.
fn is_marker_token(bytes: &[u8], line: &Range<usize>, m: usize) -> bool {
    let end = m + INLINE_MARKER.len();
    let before_ok = m > line.start
        && (bytes[m - 1].is_ascii_whitespace() || opener_ending_at(bytes, line, m).is_some());
    let after_ok = match bytes.get(end).filter(|_| end < line.end) {
        None => true,
        Some(b) if b.is_ascii_whitespace() => true,
        Some(b'*' | b')' | b']' | b',' | b';') => true,
        Some(b'.') => end + 1 >= line.end || bytes[end + 1].is_ascii_whitespace(),
        Some(_) => false,
    };
    before_ok && after_ok
}

/// The start of a comment opener that ends exactly at `at`, if one does.
fn opener_ending_at(bytes: &[u8], line: &Range<usize>, at: usize) -> Option<usize> {
    COMMENT_OPENERS.iter().find_map(|op| {
        let start = at.checked_sub(op.len())?;
        (start >= line.start && &bytes[start..at] == *op && opener_boundary(bytes, line, start))
            .then_some(start)
    })
}

/// An opener at `start` begins a comment only when not glued to a word before it.
fn opener_boundary(bytes: &[u8], line: &Range<usize>, start: usize) -> bool {
    start == line.start || !is_word_byte(bytes[start - 1])
}

/// The first comment opener in `range` (clipped to `line`), if any.
fn first_opener(bytes: &[u8], line: &Range<usize>, range: Range<usize>) -> Option<usize> {
    let range = range.start.max(line.start)..range.end.min(line.end);
    (range.start..range.end).find(|&p| {
        COMMENT_OPENERS.iter().any(|op| {
            p + op.len() <= range.end
                && bytes[p..].starts_with(op)
                && opener_boundary(bytes, line, p)
        })
    })
}

/// Gap from the key's end to a marker at `m` after it, when that marker allows it.
fn allows_after(bytes: &[u8], line: &Range<usize>, m: usize, key: &Range<usize>) -> Option<usize> {
    let gap = m - key.end;
    if gap > MAX_MARKER_GAP {
        return None;
    }
    let opener = first_opener(bytes, line, key.end..m)?;
    // A quoted key: its closing quote must come before the comment, or the "comment"
    // is inside the key's own string.
    if key.start > line.start && is_quote(bytes[key.start - 1]) {
        let quote = bytes[key.start - 1];
        if !bytes[key.end..opener].contains(&quote) {
            return None;
        }
    }
    Some(gap)
}

/// Gap from a marker at `m` to the key's start after it, when that marker allows it.
fn allows_before(bytes: &[u8], line: &Range<usize>, m: usize, key: &Range<usize>) -> Option<usize> {
    let end = m + INLINE_MARKER.len();
    let gap = key.start - end;
    if gap > MAX_MARKER_GAP {
        return None;
    }
    first_opener(bytes, line, m.saturating_sub(MAX_MARKER_GAP)..m)?;
    // A quoted key: its opening quote must come after the marker.
    let key_line_end = key.end.min(line.end);
    if key_line_end < line.end && is_quote(bytes[key_line_end]) {
        let quote = bytes[key_line_end];
        if !bytes[end..key.start].contains(&quote) {
            return None;
        }
    }
    Some(gap)
}

/// Why a baseline could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// I/O on the baseline file failed.
    #[error("baseline {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The path is not a regular file, or is larger than [`MAX_BASELINE_BYTES`].
    #[error("baseline {path}: {message}")]
    Unusable {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The file is not a keyhook baseline.
    #[error("baseline {path}:{line}:{column}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
}

/// One accepted secret: rule id and fingerprint, no location (so it survives code
/// moving) and no secret.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    /// The rule that found it.
    pub rule: String,
    /// SHA-256 of the secret.
    pub fingerprint: Fingerprint,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    keyhook_baseline: u32,
    findings: Vec<BaselineEntry>,
}

/// A set of accepted fingerprints.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    fingerprints: HashSet<Fingerprint>,
}

impl Baseline {
    /// Reads a baseline file: a regular file of at most [`MAX_BASELINE_BYTES`],
    /// never waiting on a FIFO.
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let io = |source| BaselineError::Io {
            path: path.to_path_buf(),
            source,
        };
        let unusable = |message: String| BaselineError::Unusable {
            path: path.to_path_buf(),
            message,
        };
        let file = crate::source::paths::open_for_read(path).map_err(io)?;
        if !file.metadata().map_err(io)?.is_file() {
            return Err(unusable("not a regular file".into()));
        }
        let bytes = crate::source::paths::read_at_most(file, MAX_BASELINE_BYTES).map_err(io)?;
        if bytes.len() as u64 > MAX_BASELINE_BYTES {
            return Err(unusable(format!("larger than {MAX_BASELINE_BYTES} bytes")));
        }
        let text = String::from_utf8(bytes)
            .map_err(|e| io(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?;
        let file: BaselineFile =
            serde_json::from_str(&text).map_err(|e| BaselineError::Format {
                path: path.to_path_buf(),
                line: e.line(),
                column: e.column(),
                message: e.to_string(),
            })?;
        Ok(Baseline {
            fingerprints: file.findings.into_iter().map(|e| e.fingerprint).collect(),
        })
    }

    /// Writes `entries` (sorted, deduplicated) as a baseline file.
    pub fn write(path: &Path, mut entries: Vec<BaselineEntry>) -> Result<(), BaselineError> {
        entries.sort();
        entries.dedup();
        let file = BaselineFile {
            keyhook_baseline: 1,
            findings: entries,
        };
        let mut text = serde_json::to_string_pretty(&file).expect("baseline serialises");
        text.push('\n');
        std::fs::write(path, text).map_err(|source| BaselineError::Io {
            path: path.to_path_buf(),
            source,
        })
    }

    /// True when `fingerprint` is accepted.
    pub fn contains(&self, fingerprint: &Fingerprint) -> bool {
        self.fingerprints.contains(fingerprint)
    }

    /// Accepts one more fingerprint (server-side bypass).
    pub fn insert(&mut self, fingerprint: Fingerprint) {
        self.fingerprints.insert(fingerprint);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Redacted;

    fn finding(span: std::ops::Range<usize>) -> Finding {
        Finding {
            rule: 0,
            span,
            line: 1,
            column: 1,
            end_line: 1,
            redacted: Redacted::new(b"x", 0),
            fingerprint: Fingerprint::of(b"x"),
            encoding: None,
            member: None,
        }
    }

    #[test]
    fn marker_on_the_same_line_only() {
        let text = b"a = 'SECRET' # keyhook:allow\nb = 'SECRET'\n";
        assert!(inline_allowed(text, &finding(5..11)));
        assert!(!inline_allowed(text, &finding(34..40)));
    }

    /// `SECRET` is the finding in every case; whether the line's marker allows it.
    #[test]
    fn what_counts_as_a_marker() {
        let cases: &[(&str, &str, bool)] = &[
            (
                "python comment after",
                "k = 'SECRET'  # keyhook:allow",
                true,
            ),
            (
                "with a reason",
                "k = 'SECRET'  # keyhook:allow (test fixture)",
                true,
            ),
            (
                "reason before it",
                "k = 'SECRET'  # fixture, keyhook:allow",
                true,
            ),
            ("glued to the opener", "k = 'SECRET' #keyhook:allow", true),
            (
                "js line comment",
                "const k = \"SECRET\"; // keyhook:allow",
                true,
            ),
            (
                "block comment before",
                "/* keyhook:allow */ const k = \"SECRET\";",
                true,
            ),
            (
                "block comment glued",
                "k = \"SECRET\" /*keyhook:allow*/",
                true,
            ),
            ("sql", "SELECT 'SECRET' -- keyhook:allow", true),
            ("ini", "key = SECRET ; keyhook:allow", true),
            ("html", "<k v=\"SECRET\"/> <!-- keyhook:allow -->", true),
            ("unquoted env", "KEY=SECRET # keyhook:allow", true),
            ("ends a sentence", "k = 'SECRET' # keyhook:allow.", true),
            (
                "longer word before",
                "k = 'SECRET' # nokeyhook:allowed",
                false,
            ),
            ("prefix letter", "k = 'SECRET' # xkeyhook:allow", false),
            ("longer word after", "k = 'SECRET' # keyhook:allowed", false),
            (
                "underscore after",
                "k = 'SECRET' # keyhook:allow_all",
                false,
            ),
            ("colon after", "k = 'SECRET' # keyhook:allow:x", false),
            (
                "dot into a word",
                "k = 'SECRET' # keyhook:allow.example",
                false,
            ),
            (
                "url query",
                "u = 'https://x.example/?k=SECRET&tag=keyhook:allow'",
                false,
            ),
            (
                "url query, comment later",
                "u = 'https://x.example/?k=SECRET&tag=keyhook:allow' # no",
                false,
            ),
            (
                "url fragment",
                "see https://x.example/p#keyhook:allow SECRET",
                false,
            ),
            ("not in a comment", "k = 'SECRET' keyhook:allow", false),
            ("start of line, no comment", "keyhook:allow SECRET", false),
            ("in the key's string", "k = 'SECRET # keyhook:allow'", false),
            (
                "in the key's double-quoted string",
                "k = \"SECRET // keyhook:allow\"",
                false,
            ),
            (
                "before, in the key's string",
                "k = \"# keyhook:allow SECRET\"",
                false,
            ),
            ("opener glued to the key", "k = SECRET#keyhook:allow", false),
            (
                "scheme slashes",
                "k = SECRET https://keyhook:allow@host",
                false,
            ),
            (
                "marker on another line",
                "k = 'SECRET'\n# keyhook:allow",
                false,
            ),
        ];
        for (name, text, expected) in cases {
            let at = text.find("SECRET").unwrap();
            let got = inline_allowed(text.as_bytes(), &finding(at..at + 6));
            assert_eq!(got, *expected, "{name}: {text:?}");
        }
    }

    #[test]
    fn a_marker_inside_the_secret_allows_nothing() {
        let text = b"k = 'abc keyhook:allow def'";
        // The whole string content is the matched secret.
        assert!(!inline_allowed(text, &finding(5..26)));
    }

    #[test]
    fn one_marker_allows_one_finding_the_nearest() {
        let filler = "x".repeat(1_000_000);
        let text = format!("var a='SECRET1',b='SECRET2',c='SECRET3';{filler} // keyhook:allow");
        let spans: Vec<_> = ["SECRET1", "SECRET2", "SECRET3"]
            .iter()
            .map(|s| {
                let at = text.find(s).unwrap();
                finding(at..at + s.len())
            })
            .collect();
        // Too far from every key: the marker allows none of them.
        assert_eq!(inline_allowances(text.as_bytes(), &spans), [false; 3]);
        let text = "var a='SECRET1',b='SECRET2',c='SECRET3'; // keyhook:allow";
        let spans: Vec<_> = ["SECRET1", "SECRET2", "SECRET3"]
            .iter()
            .map(|s| {
                let at = text.find(s).unwrap();
                finding(at..at + s.len())
            })
            .collect();
        assert_eq!(
            inline_allowances(text.as_bytes(), &spans),
            [false, false, true]
        );
        // Two markers, two keys.
        let text = "a='SECRET1', b='SECRET2' # keyhook:allow # keyhook:allow";
        let two: Vec<_> = ["SECRET1", "SECRET2"]
            .iter()
            .map(|s| {
                let at = text.find(s).unwrap();
                finding(at..at + s.len())
            })
            .collect();
        assert_eq!(inline_allowances(text.as_bytes(), &two), [true, true]);
    }

    #[test]
    fn multi_line_keys_take_a_marker_on_their_first_or_last_line() {
        let text = "-----BEGIN KEY-----\nabc\n-----END KEY----- # keyhook:allow\n";
        let end = text.find(" #").unwrap();
        assert!(inline_allowed(text.as_bytes(), &finding(0..end)));
        let text = "# keyhook:allow\n-----BEGIN KEY-----\nabc\n-----END KEY-----\n";
        let start = text.find("-----BEGIN").unwrap();
        let end = text.rfind("-----").unwrap() + 5;
        assert!(!inline_allowed(text.as_bytes(), &finding(start..end)));
    }

    #[test]
    fn baseline_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.json");
        let fp = Fingerprint::of(b"k");
        let entry = BaselineEntry {
            rule: "r".into(),
            fingerprint: fp.clone(),
        };
        Baseline::write(&path, vec![entry.clone(), entry]).unwrap();
        let loaded = Baseline::load(&path).unwrap();
        assert!(loaded.contains(&fp));
        assert!(!loaded.contains(&Fingerprint::of(b"other")));
        std::fs::write(&path, "{\"nope\": 1}").unwrap();
        let err = Baseline::load(&path).unwrap_err().to_string();
        assert!(err.contains(":1:"), "{err}");
    }
}
