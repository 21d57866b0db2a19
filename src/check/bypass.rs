//! Bypass on a server (`git push -o keyhook.allow=…`, pre-receive): which keys of
//! this push a pusher's option names, and whether git lets options reach the hook
//! at all (`receive.advertisePushOptions`).

use std::collections::HashSet;

use crate::config::Config;
use crate::engine::Fingerprint;

/// When bypass is enabled but git does not advertise push options (bypass enabled
/// after `keyhook install --server`, which sets it): git refuses every `git push -o`
/// before any hook runs. The hook turns the option on for the next push, or says
/// what the administrator must run. `None` when nothing needed doing.
pub(crate) fn push_options_note(repo: &gix::Repository, config: &Config) -> Option<String> {
    if !config.pre_receive.allow_push_option_bypass
        || repo
            .config_snapshot()
            .boolean("receive.advertisePushOptions")
            == Some(true)
    {
        return None;
    }
    Some(match super::install::enable_push_options(repo.git_dir()) {
        Ok(()) => "bypass is enabled (pre_receive.allow_push_option_bypass) but receive.advertisePushOptions was off, so `git push -o` could not reach this hook: keyhook turned it on for the next push".into(),
        Err(e) => format!(
            "bypass is enabled (pre_receive.allow_push_option_bypass) but receive.advertisePushOptions is off, so git refuses `git push -o` before this hook runs, and keyhook could not turn it on ({e}): an administrator must run `git --git-dir={} config receive.advertisePushOptions true`",
            repo.git_dir().display()
        ),
    })
}

/// What `keyhook.allow=` accepts: the 12-hex short fingerprint the text report
/// prints, or any longer prefix up to the whole 64-hex digest.
pub(crate) struct FingerprintPrefix;

impl FingerprintPrefix {
    /// Shortest prefix accepted: what the text report prints.
    const MIN: usize = 12;

    /// The lower-cased prefix, or why it is refused.
    pub(crate) fn parse(text: &str) -> Result<String, String> {
        let text = text.trim().to_ascii_lowercase();
        if text.len() > 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("not a fingerprint (hex digits, as the report prints them)".into());
        }
        if text.len() < Self::MIN {
            return Err(format!(
                "too short: give at least the {} hex digits the report prints",
                Self::MIN
            ));
        }
        Ok(text)
    }
}

/// The fingerprints the requested prefixes name among this push's findings. A
/// prefix that matches no key, or more than one, bypasses nothing and says so.
pub(crate) fn resolve_bypass<'a>(
    prefixes: &[String],
    findings: impl IntoIterator<Item = &'a Fingerprint>,
    notes: &mut Vec<String>,
) -> HashSet<Fingerprint> {
    let keys: std::collections::BTreeSet<&Fingerprint> = findings.into_iter().collect();
    let mut bypassed = HashSet::new();
    for prefix in prefixes {
        let matching: Vec<&&Fingerprint> = keys
            .iter()
            .filter(|fp| fp.as_str().starts_with(prefix.as_str()))
            .collect();
        match matching.as_slice() {
            [one] => {
                bypassed.insert((**one).clone());
            }
            [] => notes.push(format!(
                "push option keyhook.allow={prefix} ignored: no finding of this push has that fingerprint"
            )),
            many => notes.push(format!(
                "push option keyhook.allow={prefix} refused: it is ambiguous, {} keys of this push start with it ({}); give more hex digits",
                many.len(),
                many.iter().map(|fp| &fp.as_str()[..(prefix.len() + 4).min(64)]).collect::<Vec<_>>().join(", ")
            )),
        }
    }
    bypassed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bypass_takes_the_short_fingerprint_and_refuses_ambiguous_or_short_prefixes() {
        let a = Fingerprint::parse(&format!("{}0", "ab".repeat(31) + "c")).unwrap();
        let b = Fingerprint::parse(&format!("{}1", "ab".repeat(31) + "c")).unwrap();
        let c = Fingerprint::of(b"another key");
        let keys = [&a, &b, &c, &c];
        let mut notes = Vec::new();
        let short = FingerprintPrefix::parse(c.short()).unwrap();
        let got = resolve_bypass(&[short], keys, &mut notes);
        assert_eq!(got, HashSet::from([c.clone()]), "{notes:?}");
        assert!(notes.is_empty(), "{notes:?}");

        let ambiguous = FingerprintPrefix::parse(&a.as_str()[..20].to_uppercase()).unwrap();
        let got = resolve_bypass(&[ambiguous, b.as_str().into()], keys, &mut notes);
        assert_eq!(got, HashSet::from([b.clone()]), "the full one still works");
        assert!(notes[0].contains("ambiguous, 2 keys"), "{notes:?}");

        assert!(FingerprintPrefix::parse("abcdef")
            .unwrap_err()
            .contains("too short"));
        assert!(FingerprintPrefix::parse("xyz123456789").is_err());
        let mut notes = Vec::new();
        let none = resolve_bypass(&["0123456789ab".into()], keys, &mut notes);
        assert!(
            none.is_empty() && notes[0].contains("no finding"),
            "{notes:?}"
        );
    }
}
