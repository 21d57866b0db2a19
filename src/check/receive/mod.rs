//! The pre-receive door: the server's own check of a push. Reads every
//! `<old> <new> <ref>` line, scans the commits new to the server (quarantined objects
//! included) once for the whole push, and decides per ref. Policy comes from the
//! server, never from the pushed content; a time budget and a failure policy decide
//! what happens when the scan cannot finish.

use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::config::{Config, OnError};
use crate::policy::Verdict;
use crate::verify::Secrets;
use crate::Error;

use super::{Outcome, Repo};
use audit_log::audit_log;
use scan::scan_push;

mod audit_log;
mod input;
mod scan;

pub use input::{parse_updates, push_options, RefUpdate, BYPASS_OPTION};

/// What the pre-receive door checks.
pub struct Context<'a> {
    /// The server's repository.
    pub repo: &'a Repo,
    /// The server's config (see [`super::server_config`]).
    pub config: &'a Config,
    /// A baseline file overriding the config's.
    pub baseline: Option<&'a Path>,
    /// The ref updates (see [`parse_updates`]).
    pub updates: Vec<RefUpdate>,
    /// The push options the pusher sent (`git push -o`); see [`push_options`].
    pub push_options: Vec<String>,
}

/// Knobs of the pre-receive door.
#[derive(Debug, Clone)]
pub struct Options {
    /// The time budget; default: the config's `pre_receive.timeout`.
    pub timeout: Option<Duration>,
    /// At most this many findings are kept in the verdict (the summary still
    /// counts them all): a push of thousands of keys gets a report the client
    /// can take in, written well within the budget.
    pub max_findings: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            timeout: None,
            max_findings: 100,
        }
    }
}

/// What the server does with the push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Nothing blocking: accept.
    Accept,
    /// Findings or forbidden files: reject; `refs` says which refs are blocked.
    Reject {
        /// The blocked refs, or where the findings lie.
        refs: String,
    },
    /// The scan could not finish or read everything.
    Failed {
        /// The push goes through unscanned (`on_error = "accept"`, for the server's
        /// own failures only).
        accept: bool,
        /// `on_error` decided: a server failure (the time budget, I/O). False when
        /// the push itself caused the failure (an object graph that cannot be
        /// walked, unreadable objects, a bypass that cannot be logged): then the
        /// push is rejected whatever `on_error` says.
        by_policy: bool,
        /// Why the scan failed.
        reason: String,
    },
}

/// What the door produced.
pub struct ReceiveOutcome {
    /// The verdict, when the scan finished.
    pub outcome: Option<Outcome>,
    /// What the server does.
    pub decision: Decision,
    /// Time since the door started.
    pub elapsed: Duration,
}

/// Checks the push under the time budget.
pub fn check(cx: Context<'_>, options: &Options) -> Result<ReceiveOutcome, Error> {
    let started = Instant::now();
    let config = cx.config;
    let timeout = options.timeout.unwrap_or(config.pre_receive.timeout);
    let on_error = config.pre_receive.on_error;
    let failed = |reason: String, by_policy: bool| ReceiveOutcome {
        outcome: None,
        decision: Decision::Failed {
            accept: by_policy && on_error == OnError::Accept,
            by_policy,
            reason,
        },
        elapsed: started.elapsed(),
    };

    let (tx, rx) = mpsc::channel();
    let job_repo = cx.repo.gix().clone().into_sync();
    let job_config = config.clone();
    let job_baseline = cx.baseline.map(Path::to_path_buf);
    let (updates, push_options) = (cx.updates, cx.push_options);
    std::thread::spawn(move || {
        let result = scan_push(
            &job_repo.to_thread_local(),
            &job_config,
            job_baseline,
            &updates,
            &push_options,
        );
        let _ = tx.send(result);
    });
    let mut pushed = match rx.recv_timeout(timeout) {
        Ok(Ok(pushed)) => pushed,
        // The server's own I/O goes by `on_error`; anything else (an object graph
        // keyhook cannot walk, a malformed object) the push caused: reject.
        Ok(Err(err)) => {
            let by_policy = matches!(err, Error::Io { .. });
            return Ok(failed(err.to_string(), by_policy));
        }
        Err(_) => {
            return Ok(failed(
                format!(
                    "the scan did not finish within its {} s budget (pre_receive.timeout)",
                    timeout.as_secs_f64()
                ),
                true,
            ))
        }
    };
    // Verification runs after the scan, outside its budget's failure policy: a slow
    // provider must never turn into a rejected (or, with on_error = "accept", an
    // accepted) push. It gets what is left of the budget, at most its own timeout.
    if pushed.secrets.enabled() {
        let left = timeout
            .saturating_sub(started.elapsed())
            .max(Duration::from_millis(1));
        let secrets = std::mem::replace(&mut pushed.secrets, Secrets::new(false));
        super::verify_findings(
            &mut pushed.outcome.verdict,
            &pushed.outcome.rules,
            secrets,
            Some(left),
        )?;
    }
    let mut decision = if pushed.outcome.verdict.blocked() {
        Decision::Reject {
            refs: pushed.refs_summary,
        }
    } else if !pushed.outcome.verdict.errors.is_empty() {
        Decision::Failed {
            accept: false,
            by_policy: false,
            reason: "some pushed objects could not be read (listed above)".into(),
        }
    } else {
        Decision::Accept
    };
    // A bypass is logged only for a push that is accepted, and a push whose bypass
    // cannot be logged is not accepted.
    if decision == Decision::Accept {
        for bypass in &pushed.bypasses {
            if let Err(e) = audit_log(config, bypass) {
                decision = Decision::Failed {
                    accept: false,
                    by_policy: false,
                    reason: format!("a bypass could not be written to the audit log: {e}"),
                };
                break;
            }
        }
    }
    limit_findings(&mut pushed.outcome.verdict, options.max_findings);
    Ok(ReceiveOutcome {
        outcome: Some(pushed.outcome),
        decision,
        elapsed: started.elapsed(),
    })
}

/// Keeps the first `max` findings, saying how many more there were.
fn limit_findings(verdict: &mut Verdict, max: usize) {
    let total = verdict.findings.len();
    if total > max {
        verdict.findings.truncate(max);
        verdict.notes.push(format!(
            "{} more finding(s) not shown: the first {max} are listed, the summary counts all {total}",
            total - max
        ));
    }
}
