//! An audit driven from Rust: every blob of a repository's history scanned once,
//! each key placed at the oldest commit and path that introduced it, with a count of
//! the blobs read drawn from the door's progress counters.
//!
//! Run with `cargo run --example audit -- REPO`.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use keyhook::check::{self, history, Repo};
use keyhook::source::history::Counters;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    let repo = Repo::discover(&dir)?;
    let config = check::load_config(None, repo.root())?;
    let policy = check::policy_for(None, &config)?;
    let cx = history::Context {
        repo: &repo,
        config: &config,
        policy: &policy,
        refs: &[],
        since: None,
        include_unreachable: false,
        all_occurrences: false,
        baseline_out: None,
    };
    let counters = Arc::new(Counters::default());
    let options = check::Options {
        progress: Some(Arc::clone(&counters)),
        ..Default::default()
    };
    let outcome = history::check(&cx, &options)?;
    for r in &outcome.verdict.findings {
        let rule = outcome.rules.rule(r.finding.rule);
        let commit = r.origin.commit().map(|c| &c.id[..12]).unwrap_or("-");
        println!(
            "{commit} {}:{}: {} {}",
            r.path,
            r.finding.line,
            rule.id(),
            r.finding.redacted
        );
    }
    println!(
        "{} blob(s) read, {} finding(s), status {:?}",
        counters.blobs_done.load(Ordering::Relaxed),
        outcome.verdict.findings.len(),
        outcome.status()
    );
    Ok(())
}
