//! Redacting free text: every key-shaped substring of a text (a config error, a commit
//! message, a path, a ref name) replaced by its [`Redacted`] form, so that text from
//! a repository or a config file can be printed without printing a key.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use super::{ScanOptions, Scanner, Suppressed};
use crate::rules::RuleSet;

impl Scanner {
    /// `text` with every secret this scanner's rules find replaced by its redacted
    /// form (`sk-proj-…x9Qa (164 chars)`). Unlike [`Scanner::scan`], nothing is
    /// skipped: binary-looking or long text is redacted too.
    pub fn redact_text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let bytes = text.as_bytes();
        let mut suppressed = Suppressed::default();
        let mut findings = self.scan_text(bytes, &mut suppressed, None);
        if findings.is_empty() {
            return Cow::Borrowed(text);
        }
        findings.sort_by_key(|f| (f.span.start, std::cmp::Reverse(f.span.end)));
        let mut out = Vec::with_capacity(bytes.len());
        let mut at = 0;
        for f in findings {
            if f.span.start < at {
                continue; // inside a secret already replaced
            }
            out.extend_from_slice(&bytes[at..f.span.start]);
            out.extend_from_slice(f.redacted.to_string().as_bytes());
            at = f.span.end;
        }
        out.extend_from_slice(&bytes[at..]);
        Cow::Owned(String::from_utf8_lossy(&out).into_owned())
    }
}

/// `text` with every key-shaped substring replaced by its redacted form, by the
/// built-in rules (a config being loaded may be the broken thing, so its own rules
/// are not used). The one helper for printing text that may hold a key: config
/// errors, commit messages, paths, ref names.
pub fn redact_text(text: &str) -> Cow<'_, str> {
    static SCANNER: OnceLock<Scanner> = OnceLock::new();
    let scanner = SCANNER.get_or_init(|| {
        let rules = RuleSet::builtin()
            .expect("the built-in rules compile: the test suite compiles every one");
        Scanner::new(Arc::clone(&rules), ScanOptions::default())
    });
    scanner.redact_text(text)
}

/// Redacts `text` in place (see [`redact_text`]).
pub fn redact_string(text: &mut String) {
    if let Cow::Owned(redacted) = redact_text(text) {
        *text = redacted;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> String {
        format!(
            "sk-proj-{}T3BlbkFJ{}",
            "q7Xk2Lm9Pw4Rt6Yb8Nc1Vd3Hf5Jg0Zs2Ua4Ie6Ko8Ql1Mn3Bp5Cr7Dt9Ev2Gw4Hx",
            "A3f9Kp2Lq8Wm4Zr7Ts1Vy6Nc0Bx5Hd2Jg8Ue4Io7Pa3Sk9Ql1Mz6Rw0Tv5Yb8Xc"
        )
    }

    #[test]
    fn every_key_in_a_text_is_redacted() {
        let k = key();
        let groq = concat!(
            "gsk_",
            "Jb4TQxPn7cLwD2mRZk8sWGdyb3FYvH5eN1uA3fK9oB6iMjXzEqYt"
        );
        let text = format!("unknown variant `{k}`, also {groq}\0 and `{k}`.");
        let out = redact_text(&text);
        assert!(!out.contains(&k), "{out}");
        assert!(!out.contains(groq), "{out}");
        let shown = format!("sk-proj-…b8Xc ({} chars)", k.len());
        assert_eq!(
            out,
            format!("unknown variant `{shown}`, also gsk_…EqYt (56 chars)\0 and `{shown}`.")
        );
    }

    #[test]
    fn text_without_keys_is_borrowed() {
        assert!(matches!(redact_text("no keys here"), Cow::Borrowed(_)));
    }
}
