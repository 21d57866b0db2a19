//! Secrets stored encoded: base64 values of Kubernetes `Secret` manifests (`data:`).
//! Only blobs that declare `kind: Secret` pay for this.

use std::ops::Range;
use std::sync::OnceLock;

use base64::Engine as _;
use regex_automata::meta::Regex;

/// A base64 value in a Secret manifest and its decoded bytes.
pub(crate) struct Decoded {
    /// Span of the encoded value in the blob.
    pub span: Range<usize>,
    /// The decoded bytes.
    pub bytes: Vec<u8>,
}

fn value_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        crate::rules::compile_regex(
            r#"(?m)^[ \t]+["']?[A-Za-z0-9._-]+["']?[ \t]*:[ \t]*["']?(?P<v>[A-Za-z0-9+/]{16,}={0,2})["']?,?[ \t]*\r?$"#,
        )
        .expect("static regex compiles")
    })
}

/// Decodes the base64 `data:` values of a Kubernetes Secret, if `bytes` is one.
pub(crate) fn kubernetes_secret_values(bytes: &[u8]) -> Vec<Decoded> {
    // One pass for both spellings (YAML and JSON), built once.
    static SECRET: OnceLock<memchr::memmem::Finder<'static>> = OnceLock::new();
    let finder = SECRET.get_or_init(|| memchr::memmem::Finder::new(b"Secret"));
    let is_secret = finder
        .find_iter(bytes)
        .any(|at| bytes[..at].ends_with(b"kind: ") || bytes[..at].ends_with(b"\"kind\": \""));
    if !is_secret {
        return Vec::new();
    }
    let re = value_regex();
    let group = re
        .group_info()
        .to_index(regex_automata::PatternID::ZERO, "v")
        .expect("group v exists");
    re.captures_iter(bytes)
        .filter_map(|caps| caps.get_group(group))
        .filter_map(|span| {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(&bytes[span.range()])
                .ok()?;
            Some(Decoded {
                span: span.range(),
                bytes: decoded,
            })
        })
        .collect()
}
