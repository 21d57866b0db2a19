//! `keyhook audit-history [REPO]`: every blob the history holds, scanned once, each
//! finding attributed to the oldest commit that introduced it, grouped by key (the
//! [`history`] door), with a progress bar on a terminal.

use std::path::PathBuf;
use std::sync::Arc;

use keyhook::check::{self, history, Outcome, Repo};
use keyhook::source::history::Counters;
use keyhook::Error;

use super::progress::Progress;
use super::{FormatArg, Globals};

/// Arguments of `keyhook audit-history`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The repository to audit (work tree or bare). Default: the current one.
    #[arg(value_name = "REPO")]
    pub repo: Option<PathBuf>,
    /// Audit only what this ref or revision reaches (repeatable). Default: every
    /// branch, tag, remote-tracking branch and the stash.
    #[arg(long = "ref", value_name = "REF")]
    pub refs: Vec<String>,
    /// Only commits after this date (2024-01-31, "3 months ago") or not reachable
    /// from this commit.
    #[arg(long, value_name = "DATE|COMMIT")]
    pub since: Option<String>,
    /// Also scan blobs no ref reaches (dropped work, rewritten history not yet
    /// garbage-collected).
    #[arg(long)]
    pub include_unreachable: bool,
    /// List every commit and path that introduced each key, not only the oldest.
    #[arg(long)]
    pub all_occurrences: bool,
    /// Write the findings as a baseline (rule ids and fingerprints) to FILE.
    #[arg(long, value_name = "FILE")]
    pub baseline_out: Option<PathBuf>,
    /// Ask each provider whether the keys found are live (sends each key to its
    /// own provider's read-only endpoint; see README). Never changes the exit code.
    #[arg(long)]
    pub verify: bool,
}

/// Audits the history and returns the verdict.
pub fn run(globals: &Globals, args: &Args) -> Result<Outcome, Error> {
    let dir = match &args.repo {
        Some(dir) => dir.clone(),
        None => super::current_dir()?,
    };
    let repo = Repo::discover(&dir)?;
    let config = super::load_config(globals, repo.root())?;
    let policy = super::policy(globals, &config)?;
    let counters = Arc::new(Counters::default());
    let show_progress = !globals.quiet
        && globals.format == FormatArg::Text
        && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let progress = Progress::start(show_progress, Arc::clone(&counters));
    let cx = history::Context {
        repo: &repo,
        config: &config,
        policy: &policy,
        refs: &args.refs,
        since: args.since.as_deref(),
        include_unreachable: args.include_unreachable,
        all_occurrences: args.all_occurrences,
        baseline_out: args.baseline_out.as_deref(),
    };
    let options = check::Options {
        verify: args.verify,
        progress: Some(counters),
        interrupt: None,
    };
    let outcome = history::check(&cx, &options);
    progress.finish();
    outcome
}
