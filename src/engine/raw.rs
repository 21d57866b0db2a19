//! [`RawSecret`]: the one type that holds a secret's bytes, for optional live
//! verification only.
//!
//! It implements no `Debug`, `Display`, `Serialize` or `Clone`, and its bytes are
//! readable only inside this crate (`crate::verify`), so neither a printer nor the
//! command-line porcelain can put a key in any output. It is handed out by
//! [`super::Scanner::scan_with_secrets`] and dropped once the check has run.

use super::Fingerprint;

/// A secret as found, with the rule that found it and its fingerprint.
pub struct RawSecret {
    rule: usize,
    fingerprint: Fingerprint,
    bytes: Vec<u8>,
}

impl RawSecret {
    /// Wraps `bytes` found by rule `rule`.
    pub(crate) fn new(rule: usize, bytes: &[u8]) -> RawSecret {
        RawSecret {
            rule,
            fingerprint: Fingerprint::of(bytes),
            bytes: bytes.to_vec(),
        }
    }

    /// Index of the rule that found the secret (in the scanner's rule set).
    pub fn rule(&self) -> usize {
        self.rule
    }

    /// Fingerprint of the secret (the same as its finding's).
    pub fn fingerprint(&self) -> &Fingerprint {
        &self.fingerprint
    }

    /// The secret itself: crate-private, so only `verify` can read it.
    pub(crate) fn expose(&self) -> &[u8] {
        &self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_matches_the_bytes() {
        let raw = RawSecret::new(3, b"gsk_abc");
        assert_eq!(raw.rule(), 3);
        assert_eq!(raw.fingerprint(), &Fingerprint::of(b"gsk_abc"));
        assert_eq!(raw.expose(), b"gsk_abc");
    }
}
