//! The only forms in which a secret leaves the engine: [`Redacted`] (what a provider's
//! dashboard shows) and [`Fingerprint`] (SHA-256, for baselines and dedup).
//!
//! Redaction lives here rather than in `report/` because a [`super::Finding`] is built
//! with its redacted form: no later stage ever holds the raw secret, so no printer can
//! leak it.

use std::fmt;

use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};

/// Characters of the random part shown at the end.
const SHOWN_TAIL: usize = 4;
/// Random parts shorter than this show no characters at all.
const MIN_RANDOM_FOR_TAIL: usize = 16;

/// A secret as it may be shown: public prefix, last 4 characters, length.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Redacted {
    prefix: String,
    tail: String,
    len: usize,
}

impl Redacted {
    /// Redacts `secret`, of which the first `prefix_len` bytes are a public prefix.
    pub fn new(secret: &[u8], prefix_len: usize) -> Redacted {
        let prefix_len = prefix_len.min(secret.len());
        let random = &secret[prefix_len..];
        let tail = if random.len() >= MIN_RANDOM_FOR_TAIL {
            printable(&random[random.len() - SHOWN_TAIL..])
        } else {
            String::new()
        };
        Redacted {
            prefix: printable(&secret[..prefix_len]),
            tail,
            len: secret.len(),
        }
    }

    /// Length of the whole secret in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True for an empty secret (never produced by the engine).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Keeps visible ASCII; whitespace becomes a space and anything else `?`, so the
/// output stays one clean line.
fn printable(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            b if b.is_ascii_graphic() => b as char,
            b' ' | b'\t' | b'\r' | b'\n' => ' ',
            _ => '?',
        })
        .collect()
}

impl fmt::Display for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}…{} ({} chars)", self.prefix, self.tail, self.len)
    }
}

impl Serialize for Redacted {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// SHA-256 of a secret, hex-encoded. Safe to store: keys carry far more entropy than
/// a hash can be searched for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Fingerprint(String);

impl Fingerprint {
    /// Fingerprints a secret.
    pub fn of(secret: &[u8]) -> Fingerprint {
        let digest = Sha256::digest(secret);
        let mut hex = String::with_capacity(64);
        for byte in digest {
            hex.push_str(&format!("{byte:02x}"));
        }
        Fingerprint(hex)
    }

    /// Parses a 64-hex-digit fingerprint (as written in baselines and push options).
    pub fn parse(text: &str) -> Option<Fingerprint> {
        let text = text.trim().to_ascii_lowercase();
        (text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()))
            .then_some(Fingerprint(text))
    }

    /// The full hex digest.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first 12 hex digits, for text output.
    pub fn short(&self) -> &str {
        &self.0[..12]
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_prefix_tail_and_length() {
        let key = format!("sk-proj-{}x9Qa", "A".repeat(152));
        assert_eq!(
            Redacted::new(key.as_bytes(), 8).to_string(),
            "sk-proj-…x9Qa (164 chars)"
        );
    }

    #[test]
    fn short_random_part_shows_nothing() {
        assert_eq!(
            Redacted::new(b"sk-abcdefghijklmno", 3).to_string(),
            "sk-… (18 chars)"
        );
        assert_eq!(
            Redacted::new(b"abcdefghijklmnop", 0).to_string(),
            "…mnop (16 chars)"
        );
    }

    #[test]
    fn never_more_than_four_random_characters() {
        let key = b"gsk_0123456789abcdefghijKLMNOPQRSTUVWXYZ0123456789abcdef";
        let shown = Redacted::new(key, 4).to_string();
        assert_eq!(shown, "gsk_…cdef (56 chars)");
    }

    #[test]
    fn fingerprint_is_sha256_hex() {
        assert_eq!(
            Fingerprint::of(b"").as_str(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert!(Fingerprint::parse(
            "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"
        )
        .is_some());
        assert!(Fingerprint::parse("e3b0").is_none());
    }
}
