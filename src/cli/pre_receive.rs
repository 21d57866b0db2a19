//! `keyhook pre-receive`: the server-side hook. Reads git's ref updates on stdin,
//! calls the [`receive`] door under the server's own config, prints the redacted
//! report and the decision on stderr.

use keyhook::check::{self, receive, Repo, Status};
use keyhook::source::GitError;
use keyhook::Error;

use super::Globals;

/// Arguments of `keyhook pre-receive` (git passes none; input is on stdin).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Override the configured time budget, in seconds.
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
}

/// Runs the hook: scan under the time budget, then print the decision.
pub fn run(globals: &Globals, args: &Args) -> Result<Status, Error> {
    let repo = Repo::discover(&super::current_dir()?)?;
    let config = check::server_config(globals.config.as_deref(), &repo)?;
    let updates = match receive::parse_updates(std::io::stdin().lock(), &repo) {
        Ok(u) => u,
        Err(e) => {
            eprintln!("keyhook: push rejected: {e}");
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
    let options = receive::Options {
        timeout: args.timeout.map(std::time::Duration::from_secs_f64),
    };
    let received = receive::check(cx, &options)?;
    if let Some(outcome) = &received.outcome {
        super::print(globals, outcome)?;
    }
    match received.decision {
        receive::Decision::Accept => {
            eprintln!(
                "keyhook: push accepted ({:.0} ms)",
                received.elapsed.as_secs_f64() * 1000.0
            );
            Ok(Status::Clean)
        }
        receive::Decision::Reject { refs } => {
            eprintln!("keyhook: push rejected: {refs}");
            Ok(Status::Blocked)
        }
        receive::Decision::Failed {
            accept: true,
            reason,
        } => {
            eprintln!(
                "keyhook: push accepted WITHOUT a complete scan (on_error = \"accept\"): {reason}"
            );
            Ok(Status::Clean)
        }
        receive::Decision::Failed {
            accept: false,
            reason,
        } => Err(Error::Git(GitError::Unsupported(format!(
            "push rejected (on_error = \"reject\"): {reason}"
        )))),
    }
}
