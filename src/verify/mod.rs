//! Live verification (`--verify`): is a leaked key still live? Each distinct key
//! (by fingerprint) is sent once to its own rule's check — a read-only HTTPS request
//! described in the built-in rule file — and the answer becomes a [`Status`].
//!
//! This module is the only reader of [`RawSecret`]. It comes after `engine` and
//! before `policy`: policy attaches the [`Validation`]s to the verdict, and a
//! validation never changes what blocks. It prints nothing; its errors never quote
//! a key.

mod check;
mod http;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;

use crate::engine::{Fingerprint, RawSecret, ScanOutcome, Scanner};
use crate::rules::RuleSet;
pub use check::base_url_variable;

/// Default time allowed for one check request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Environment variable that changes the per-request timeout (milliseconds).
pub const TIMEOUT_VARIABLE: &str = "KEYHOOK_VERIFY_TIMEOUT_MS";
/// Checks in flight at once.
pub const DEFAULT_THREADS: usize = 4;

/// What the provider said about a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The key works: rotate it now.
    Live,
    /// Revoked or wrong.
    Invalid,
    /// Authenticated but not allowed to make the check (the key exists).
    Restricted,
    /// No clear answer: network error, timeout, rate limit, unexpected status.
    Unknown,
    /// The rule has no check.
    Skipped,
}

impl Status {
    /// Lower-case name, as in JSON and SARIF.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Live => "live",
            Status::Invalid => "invalid",
            Status::Restricted => "restricted",
            Status::Unknown => "unknown",
            Status::Skipped => "skipped",
        }
    }
}

/// A status and, where useful, a short reason (`HTTP 401`, `timeout`). The reason
/// never holds a key or a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validation {
    /// The status.
    pub status: Status,
    /// Why, in a few words.
    pub detail: Option<String>,
}

impl Validation {
    /// A validation with an optional reason.
    pub fn new(status: Status, detail: Option<String>) -> Validation {
        Validation { status, detail }
    }
}

/// Why verification could not start (nothing has been sent when this is returned).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// A check URL or a base-URL override is not allowed.
    #[error("{what}: {message}")]
    Url {
        /// The rule or environment variable that holds the URL.
        what: String,
        /// What is wrong.
        message: String,
    },
    /// `KEYHOOK_VERIFY_TIMEOUT_MS` is not a positive number of milliseconds.
    #[error("{TIMEOUT_VARIABLE} must be a positive number of milliseconds")]
    Timeout,
}

/// Knobs of a verification run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Time allowed for each request (connect, send, answer).
    pub timeout: Duration,
    /// Requests in flight at once.
    pub threads: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timeout: DEFAULT_TIMEOUT,
            threads: DEFAULT_THREADS,
        }
    }
}

impl Options {
    /// Defaults, with the timeout from [`TIMEOUT_VARIABLE`] when set.
    pub fn from_env() -> Result<Options, VerifyError> {
        let mut options = Options::default();
        if let Ok(ms) = std::env::var(TIMEOUT_VARIABLE) {
            let ms: u64 = ms.trim().parse().map_err(|_| VerifyError::Timeout)?;
            if ms == 0 {
                return Err(VerifyError::Timeout);
            }
            options.timeout = Duration::from_millis(ms);
        }
        Ok(options)
    }
}

/// Collects the raw secrets of a run's findings, once per fingerprint, when
/// verification is on; otherwise it is a plain scan. Shared by scanning threads.
pub struct Secrets {
    enabled: bool,
    found: Mutex<HashMap<Fingerprint, RawSecret>>,
}

impl Secrets {
    /// A collector; `enabled: false` keeps no secret at all.
    pub fn new(enabled: bool) -> Secrets {
        Secrets {
            enabled,
            found: Mutex::new(HashMap::new()),
        }
    }

    /// True when `--verify` is on.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Scans `bytes`, keeping the raw secrets of the findings when enabled.
    pub fn scan(&self, scanner: &Scanner, bytes: &[u8]) -> ScanOutcome {
        if !self.enabled {
            return scanner.scan(bytes);
        }
        let mut secrets = Vec::new();
        let outcome = scanner.scan_with_secrets(bytes, &mut secrets);
        if !secrets.is_empty() {
            let mut found = self.found.lock().unwrap_or_else(|p| p.into_inner());
            for secret in secrets {
                found.entry(secret.fingerprint().clone()).or_insert(secret);
            }
        }
        outcome
    }

    /// Checks each key in `wanted` (the fingerprints of the reported findings) and
    /// drops every secret. Endpoints are resolved before anything is sent, so a bad
    /// override stops the run with nothing sent.
    pub fn verify(
        self,
        rules: &RuleSet,
        wanted: &HashSet<Fingerprint>,
        options: &Options,
    ) -> Result<HashMap<Fingerprint, Validation>, VerifyError> {
        let found = self.found.into_inner().unwrap_or_else(|p| p.into_inner());
        let env = |name: &str| std::env::var(name).ok();
        let mut results = HashMap::new();
        let mut jobs = Vec::new();
        for (fingerprint, secret) in found {
            if !wanted.contains(&fingerprint) {
                continue;
            }
            let rule = rules.rule(secret.rule());
            match &rule.syntax.verify {
                None => {
                    results.insert(fingerprint, Validation::new(Status::Skipped, None));
                }
                Some(c) => {
                    let endpoint = check::endpoint(rule.id(), rule.provider(), c, &env)?;
                    jobs.push((fingerprint, secret, c, endpoint));
                }
            }
        }
        let next = AtomicUsize::new(0);
        let done = Mutex::new(Vec::with_capacity(jobs.len()));
        std::thread::scope(|scope| {
            for _ in 0..options.threads.max(1).min(jobs.len()) {
                scope.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((fingerprint, secret, c, endpoint)) = jobs.get(i) else {
                        break;
                    };
                    let validation = match http::send(endpoint, c, secret.expose(), options.timeout)
                    {
                        Ok(answer) => check::classify(c, answer.status, answer.body.as_deref()),
                        Err(failure) => {
                            Validation::new(Status::Unknown, Some(failure.detail().to_string()))
                        }
                    };
                    done.lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((fingerprint.clone(), validation));
                });
            }
        });
        results.extend(done.into_inner().unwrap_or_else(|p| p.into_inner()));
        Ok(results)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Secrets>();
    }

    #[test]
    fn disabled_keeps_nothing_and_rules_without_checks_are_skipped() {
        let rules = RuleSet::builtin().unwrap();
        let scanner = Scanner::new(rules.clone(), Default::default());
        // A Stripe live key: its rule has no check, so nothing is sent.
        let key = concat!(
            "sk_live_",
            "51Hq3kLmP9xWzR7tYvB2nC4dF6gJ8hK0sA1eU3iO5pQ7rT9wX2yZ"
        );
        let text = format!("STRIPE={key}\n");
        let off = Secrets::new(false);
        assert_eq!(off.scan(&scanner, text.as_bytes()).findings.len(), 1);
        assert!(off.found.lock().unwrap().is_empty());
        let on = Secrets::new(true);
        let out = on.scan(&scanner, text.as_bytes());
        let fp = out.findings[0].fingerprint.clone();
        let wanted = HashSet::from([fp.clone()]);
        let results = on.verify(&rules, &wanted, &Options::default()).unwrap();
        assert_eq!(results[&fp].status, Status::Skipped);
    }
}
