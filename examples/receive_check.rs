//! A pre-receive check driven from Rust, as a forge or a CI runner would embed it:
//! open the server's repository, read its own config, parse git's ref updates from
//! standard input, run the door and act on its decision. Nothing is printed by the
//! library; this program prints the redacted findings and exits 1 to reject.
//!
//! Install as `hooks/pre-receive` of a bare repository (built with
//! `cargo build --example receive_check`), or try it by hand:
//! `echo "$OLD $NEW refs/heads/main" | cargo run --example receive_check -- REPO.git`.

use std::path::PathBuf;

use keyhook::check::{self, receive, Repo};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    let repo = Repo::open(&dir)?;
    let config = check::server_config(None, &repo)?;
    let updates = receive::parse_updates(std::io::stdin().lock(), &repo)?;
    let cx = receive::Context {
        repo: &repo,
        config: &config,
        baseline: None,
        updates,
        push_options: receive::push_options(),
    };
    let received = receive::check(cx, &receive::Options::default())?;
    if let Some(outcome) = &received.outcome {
        for r in &outcome.verdict.findings {
            let rule = outcome.rules.rule(r.finding.rule);
            eprintln!(
                "{}:{}: {} ({}) {}",
                r.path,
                r.finding.line,
                rule.id(),
                rule.provider(),
                r.finding.redacted
            );
        }
        for f in &outcome.verdict.forbidden {
            eprintln!("{}: forbidden file", f.path);
        }
    }
    match received.decision {
        receive::Decision::Accept => Ok(()),
        receive::Decision::Reject { refs } => {
            eprintln!("rejected: {refs}");
            std::process::exit(1)
        }
        receive::Decision::Failed { accept, reason, .. } => {
            eprintln!("scan failed: {reason}");
            std::process::exit(if accept { 0 } else { 1 })
        }
    }
}
