//! Validators run on the captured secret only (never the whole line): checksums,
//! documentation keys, placeholders and entropy. Each rejection has a reason, so the
//! summary can count suppressed candidates instead of dropping them silently.

use crate::rules::{ChecksumKind, Rule};

/// Why a candidate was not reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suppression {
    /// Looks like a placeholder (`your-key-here`, `xxxx`, `${VAR}`…).
    Placeholder,
    /// A publicly documented sample key (`AKIAIOSFODNN7EXAMPLE`).
    Documentation,
    /// Too little entropy to be a generated key.
    LowEntropy,
    /// Fails the format's offline checksum (a hand-made fake).
    Checksum,
    /// Matches a user allowlist entry.
    Allowlisted,
}

/// Words that mark a placeholder anywhere in a secret (long enough never to occur by
/// chance in a random key).
const LONG_STOPWORDS: &[&str] = &[
    "example",
    "dummy",
    "placeholder",
    "changeme",
    "redacted",
    "sample",
    "insert",
    "replace",
    "password",
    "passwd",
];
/// Short words that mark a placeholder only when delimited (`your-key-here`), since
/// 4 random characters spell them too often.
const SHORT_STOPWORDS: &[&str] = &[
    "your", "here", "key", "fake", "test", "xxxx", "todo", "token", "pass", "word",
];
/// Fragments no generated key contains.
const FRAGMENTS: &[&str] = &["...", "***", "…", "123456", "abcdef", "${", "{{", "<", ">"];
/// Secrets longer than this (PEM and OpenSSH bodies) skip the shape checks: 1,600
/// random base64 characters spell a stopword too often, and key encodings hold runs
/// of `A` (zero bytes) by construction. Entropy still applies to them.
const DICTIONARY_MAX_LEN: usize = 256;
/// Characters people fill placeholders with (`xxxx`, `****`, `0000`, `....`).
const FILLER: &[u8] = b"xX*.0#_-";
/// A run this long of a filler character marks a placeholder…
const FILLER_RUN: usize = 5;
/// …and a run this long of any character (`AAAAA` is real base64 of zero bytes, as in
/// Azure keys' `AAAAACOG`; eight in a row is not).
const ANY_RUN: usize = 8;

/// Judges one candidate secret of `rule`.
pub(crate) fn judge(
    rule: &Rule,
    secret: &[u8],
    extra_stopwords: &[String],
) -> Result<(), Suppression> {
    if rule.documentation_keys.iter().any(|k| k == secret) || contains(secret, b"EXAMPLE") {
        return Err(Suppression::Documentation);
    }
    if let Some(kind) = rule.syntax.checksum {
        if !checksum_ok(kind, rule, secret) {
            return Err(Suppression::Checksum);
        }
    }
    let random = &secret[rule.public_prefix_len(secret)..];
    if is_placeholder(random, extra_stopwords) {
        return Err(Suppression::Placeholder);
    }
    if shannon_entropy(random) < rule.syntax.min_entropy {
        return Err(Suppression::LowEntropy);
    }
    Ok(())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

/// True when the random part of a secret looks made by a person, not a generator.
pub(crate) fn is_placeholder(random: &[u8], extra_stopwords: &[String]) -> bool {
    // URI passwords arrive percent-encoded (`pass%20word`, `p%40ss`): judge them decoded.
    let lower = percent_decoded(random).to_ascii_lowercase();
    if FRAGMENTS.iter().any(|f| contains(&lower, f.as_bytes())) {
        return true;
    }
    if extra_stopwords
        .iter()
        .any(|w| contains(&lower, w.to_ascii_lowercase().as_bytes()))
    {
        return true;
    }
    if lower.len() > DICTIONARY_MAX_LEN {
        return false;
    }
    if LONG_STOPWORDS
        .iter()
        .any(|w| contains(&lower, w.as_bytes()))
    {
        return true;
    }
    if SHORT_STOPWORDS
        .iter()
        .any(|w| contains_delimited(&lower, w.as_bytes()))
    {
        return true;
    }
    lower.len() >= 16 && (has_placeholder_run(random) || distinct_bytes(random) < 6)
}

/// `bytes` with `%XX` escapes decoded (invalid escapes kept as written).
fn percent_decoded(bytes: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if !bytes.contains(&b'%') {
        return std::borrow::Cow::Borrowed(bytes);
    }
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    std::borrow::Cow::Owned(out)
}

/// A run of [`FILLER_RUN`] filler characters or [`ANY_RUN`] of any one character.
fn has_placeholder_run(bytes: &[u8]) -> bool {
    let mut run = 0;
    let mut last = None;
    for &b in bytes {
        if Some(b) == last {
            run += 1;
        } else {
            run = 1;
            last = Some(b);
        }
        if run >= ANY_RUN || (run >= FILLER_RUN && FILLER.contains(&b)) {
            return true;
        }
    }
    false
}

/// `word` occurs with no alphanumeric byte directly before or after it.
fn contains_delimited(haystack: &[u8], word: &[u8]) -> bool {
    memchr::memmem::find_iter(haystack, word).any(|at| {
        let before = at.checked_sub(1).map(|i| haystack[i]);
        let after = haystack.get(at + word.len()).copied();
        !before.is_some_and(|b| b.is_ascii_alphanumeric())
            && !after.is_some_and(|b| b.is_ascii_alphanumeric())
    })
}

fn distinct_bytes(bytes: &[u8]) -> usize {
    let mut seen = [false; 256];
    bytes.iter().for_each(|&b| seen[b as usize] = true);
    seen.iter().filter(|&&s| s).count()
}

/// Shannon entropy in bits per byte.
pub fn shannon_entropy(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0usize; 256];
    bytes.iter().for_each(|&b| counts[b as usize] += 1);
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

fn checksum_ok(kind: ChecksumKind, rule: &Rule, secret: &[u8]) -> bool {
    match kind {
        ChecksumKind::GithubCrc32 => {
            let body = &secret[rule.public_prefix_len(secret)..];
            github_checksum_ok(body)
        }
    }
}

/// GitHub tokens end in base62(CRC32(body)), left-padded with `0` to 6 characters.
pub(crate) fn github_checksum_ok(body_and_checksum: &[u8]) -> bool {
    if body_and_checksum.len() != 36 {
        return false;
    }
    let (body, checksum) = body_and_checksum.split_at(30);
    github_checksum(body).as_bytes() == checksum
}

/// The 6-character base62 CRC32 checksum GitHub appends to a 30-character body.
pub fn github_checksum(body: &[u8]) -> String {
    const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut value = crc32fast::hash(body) as u64;
    let mut out = [b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(value % 62) as usize];
        value /= 62;
    }
    String::from_utf8(out.to_vec()).expect("base62 alphabet is ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        for p in [
            "your-openai-key-here",
            "xxxxxxxxxxxxxxxx",
            "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
            "...",
            "****",
            "${OPENAI_API_KEY}",
            "{{ secrets.KEY }}",
            "<your-api-key>",
            "changeme-changeme",
            "abababababababababab",
            "pass%20word",
            "p%2540ss+word",
        ] {
            assert!(
                is_placeholder(p.as_bytes(), &[]),
                "{p} should be a placeholder"
            );
        }
    }

    #[test]
    fn random_keys_are_not_placeholders() {
        for k in [
            "Qm9vZ3lLZXlIb3VzZTk4NzY1NDMyMTBhYmNkZWZnaGlqa2w",
            "Zk3TqW9xLm2PvB7rN4sYcHAAAAACOGd8Jh5QaXeVt",
            "p3YhereZk2Lw9xQ7",
            "8f14e45fceea167a5a36dedd4bea2543",
        ] {
            assert!(!is_placeholder(k.as_bytes(), &[]), "{k} should be accepted");
        }
    }

    #[test]
    fn long_key_bodies_skip_the_shape_checks() {
        let body = format!(
            "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB{}",
            "Zk3TqW9xLm2PvB7r".repeat(20)
        );
        assert!(!is_placeholder(body.as_bytes(), &[]));
    }

    #[test]
    fn extra_stopwords_apply() {
        assert!(is_placeholder(
            b"Zq8acmecorpW3rT5yU7iO9pA",
            &["acmecorp".into()]
        ));
    }

    #[test]
    fn entropy() {
        assert_eq!(shannon_entropy(b"aaaa"), 0.0);
        assert!((shannon_entropy(b"abcd") - 2.0).abs() < 1e-9);
    }

    #[test]
    fn github_checksum_round_trips() {
        let body = b"a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5";
        let token = format!(
            "{}{}",
            std::str::from_utf8(body).unwrap(),
            github_checksum(body)
        );
        assert!(github_checksum_ok(token.as_bytes()));
        let mut forged = token.into_bytes();
        forged[35] = if forged[35] == b'A' { b'B' } else { b'A' };
        assert!(!github_checksum_ok(&forged));
    }
}
