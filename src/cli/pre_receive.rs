//! `keyhook pre-receive`: the server-side hook. Reads git's ref updates on stdin,
//! calls the [`receive`] door under the server's own config, prints the redacted
//! report and the decision on stderr, all within the time budget.

use std::time::Duration;

use keyhook::check::{self, receive, Repo, Status};
use keyhook::source::GitError;
use keyhook::Error;

use super::Globals;

/// The longest budget the config allows (`pre_receive.timeout`).
const MAX_TIMEOUT_SECONDS: f64 = 3600.0;

/// Time the report may take to write once the decision is made, beyond what is left
/// of the budget: enough for any client that is reading, and a bound for one that
/// is not.
const WRITE_GRACE: Duration = Duration::from_secs(2);

/// Arguments of `keyhook pre-receive` (git passes none; input is on stdin).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Override the configured time budget, in seconds (more than 0, at most 3600).
    #[arg(long, value_name = "SECONDS", value_parser = parse_timeout)]
    pub timeout: Option<Duration>,
}

/// `--timeout`: a finite number of seconds in the config's range.
fn parse_timeout(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= MAX_TIMEOUT_SECONDS) {
        return Err(format!(
            "must be more than 0 and at most {MAX_TIMEOUT_SECONDS} seconds, like pre_receive.timeout"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Runs the hook: scan under the time budget, then print the decision.
pub fn run(globals: &Globals, args: &Args) -> Result<Status, Error> {
    let repo = Repo::discover(&super::current_dir()?)?;
    let config = super::narrow(
        globals,
        check::server_config(globals.config.as_deref(), &repo)?,
    )?;
    let updates = match receive::parse_updates(std::io::stdin().lock(), &repo) {
        Ok(u) => u,
        Err(e) => {
            super::say(&format!("keyhook: push rejected: {e}"));
            return Err(e);
        }
    };
    let cx = receive::Context {
        repo: &repo,
        config: &config,
        baseline: globals.baseline.as_deref(),
        updates,
        push_options: receive::push_options(),
    };
    let budget = args.timeout.unwrap_or(config.pre_receive.timeout);
    let options = receive::Options {
        timeout: Some(budget),
        ..Default::default()
    };
    let received = receive::check(cx, &options)?;
    let (line, status) = match &received.decision {
        receive::Decision::Accept => (
            format!(
                "keyhook: push accepted ({:.0} ms)",
                received.elapsed.as_secs_f64() * 1000.0
            ),
            Status::Clean,
        ),
        receive::Decision::Reject { refs } => {
            (format!("keyhook: push rejected: {refs}"), Status::Blocked)
        }
        receive::Decision::Failed {
            accept: true,
            reason,
            ..
        } => (
            format!(
                "keyhook: push accepted WITHOUT a complete scan (on_error = \"accept\"): {reason}"
            ),
            Status::Clean,
        ),
        receive::Decision::Failed {
            accept: false,
            by_policy,
            reason,
        } => {
            let message = if *by_policy {
                format!("push rejected (on_error = \"reject\"): {reason}")
            } else {
                format!(
                    "push rejected: {reason} (the push itself caused this, so on_error does not apply)"
                )
            };
            if let Some(outcome) = &received.outcome {
                super::print_within(globals, outcome, Vec::new(), Some(WRITE_GRACE))?;
            }
            return Err(Error::Git(GitError::Unsupported(message)));
        }
    };
    let deadline = budget.saturating_sub(received.elapsed) + WRITE_GRACE;
    match &received.outcome {
        Some(outcome) => {
            super::print_within(globals, outcome, vec![line], Some(deadline))?;
        }
        None => super::say(&line),
    }
    Ok(status)
}
