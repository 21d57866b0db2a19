//! What a user marked as accepted: the inline `keyhook:allow` marker on the line of a
//! finding, and a baseline file of fingerprints.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::engine::{line_span, Finding, Fingerprint};

/// The marker that allows a finding on its own line.
pub const INLINE_MARKER: &[u8] = b"keyhook:allow";

/// True when a line the finding occupies carries `keyhook:allow`.
pub fn inline_allowed(bytes: &[u8], finding: &Finding) -> bool {
    let first = line_span(bytes, finding.span.start);
    let last = line_span(
        bytes,
        finding.span.end.saturating_sub(1).max(finding.span.start),
    );
    [first, last]
        .iter()
        .any(|line| memchr::memmem::find(&bytes[line.clone()], INLINE_MARKER).is_some())
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
    /// Reads a baseline file.
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Io {
            path: path.to_path_buf(),
            source,
        })?;
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
        }
    }

    #[test]
    fn marker_on_the_same_line_only() {
        let text = b"a = 'SECRET' # keyhook:allow\nb = 'SECRET'\n";
        assert!(inline_allowed(text, &finding(5..11)));
        assert!(!inline_allowed(text, &finding(34..40)));
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
