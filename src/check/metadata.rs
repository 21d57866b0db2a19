//! What git records beside file content — commit and tag objects (messages, author,
//! committer, tagger), file paths and ref names — scanned like content, each finding
//! marked with its [`Location`]. A pusher controls every byte of it.

use crate::engine::Scanner;
use crate::policy::{Policy, Verdict};
use crate::source::{Location, Origin, Target};

/// Scans metadata text into a verdict.
#[derive(Clone, Copy)]
pub struct MetadataScanner<'a> {
    /// The engine.
    pub scanner: &'a Scanner,
    /// The policy (baseline and severity apply; inline markers do not: a commit
    /// message is not code, and a pusher writes it).
    pub policy: &'a Policy,
}

impl MetadataScanner<'_> {
    /// True when `name` (a file name in a tree) holds something a rule finds: its
    /// blob is then placed in history, and its path scanned there.
    pub fn finds(&self, name: &[u8]) -> bool {
        !self.scanner.scan(&as_text(name)).findings.is_empty()
    }

    /// Scans a ref's name and the annotated tag objects it points at (a chain,
    /// outermost first), each tag's findings under the ref's name.
    pub fn scan_ref(&self, name: &str, tags: &[Vec<u8>], verdict: &mut Verdict) {
        self.scan(Location::Ref, name, name.as_bytes(), &Origin::Ref, verdict);
        for tag in tags {
            self.scan(Location::TagMessage, name, tag, &Origin::Ref, verdict);
        }
    }

    /// Scans many paths at once (one per line, so one engine pass serves them all),
    /// each found key reported at its path, in its origin.
    pub fn scan_paths<'p>(
        &self,
        paths: impl IntoIterator<Item = (&'p str, Origin)>,
        verdict: &mut Verdict,
    ) {
        let mut text = Vec::new();
        let mut lines = Vec::new();
        for (path, origin) in paths {
            if path.contains('\n') {
                // A path with a newline stands alone (its lines would shift the rest).
                self.scan(Location::Path, path, path.as_bytes(), &origin, verdict);
                continue;
            }
            text.extend_from_slice(path.as_bytes());
            text.push(b'\n');
            lines.push((path, origin));
        }
        let mut found = Verdict::default();
        self.scan(Location::Path, "", &text, &Origin::Unreachable, &mut found);
        verdict.summary.suppressed.add(&found.summary.suppressed);
        for mut r in found.findings {
            let Some((path, origin)) = lines.get(r.finding.line.saturating_sub(1)) else {
                continue;
            };
            r.path = path.to_string();
            r.origin = origin.clone();
            r.finding.line = 1;
            r.finding.end_line = 1;
            verdict.summary.findings += 1;
            verdict.summary.blocking += u64::from(r.blocking);
            verdict.findings.push(r);
        }
    }

    /// Scans `text` found at `location` (`path`: the path or ref name it belongs to,
    /// or empty) in `origin`, and records what it holds in `verdict`. Metadata is not
    /// counted as a scanned file; NUL bytes do not make it binary (they are read as
    /// spaces, so a key cannot hide behind one), and an inline marker in it allows
    /// nothing.
    pub fn scan(
        &self,
        location: Location,
        path: &str,
        text: &[u8],
        origin: &Origin,
        verdict: &mut Verdict,
    ) {
        let mut bytes = as_text(text);
        if memchr::memmem::find(&bytes, crate::policy::INLINE_MARKER).is_some() {
            blank_inline_markers(bytes.to_mut());
        }
        let outcome = self.scanner.scan(&bytes);
        if outcome.findings.is_empty() {
            verdict.summary.suppressed.add(&outcome.suppressed);
            return;
        }
        let target = Target {
            path: path.to_string(),
            blob: None,
            bytes: bytes.into_owned(),
            added_lines: None,
            origin: origin.clone(),
        };
        let mut local = Verdict::default();
        self.policy
            .judge(self.scanner.rules(), &target, outcome, &mut local);
        local.summary.scanned = 0;
        local.summary.bytes = 0;
        for r in &mut local.findings {
            r.location = location;
        }
        verdict.merge(local);
    }
}

/// `bytes` as metadata is scanned: NUL bytes read as spaces, so a key cannot hide
/// behind one (the engine would call the text binary). Copied only when it has one.
fn as_text(bytes: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if memchr::memchr(0, bytes).is_none() {
        return std::borrow::Cow::Borrowed(bytes);
    }
    std::borrow::Cow::Owned(
        bytes
            .iter()
            .map(|&b| if b == 0 { b' ' } else { b })
            .collect(),
    )
}

/// Overwrites every `keyhook:allow` with spaces (same length: positions and line
/// numbers stay).
fn blank_inline_markers(bytes: &mut [u8]) {
    let marker = crate::policy::INLINE_MARKER;
    let finder = memchr::memmem::Finder::new(marker);
    let starts: Vec<usize> = finder.find_iter(bytes).collect();
    for start in starts {
        bytes[start..start + marker.len()].fill(b' ');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_blanked_in_place() {
        let mut text = b"fix: rotate\nK = x # keyhook:allow\n".to_vec();
        let len = text.len();
        blank_inline_markers(&mut text);
        assert_eq!(text.len(), len);
        assert!(!String::from_utf8_lossy(&text).contains("keyhook"));
    }
}
