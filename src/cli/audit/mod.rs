//! `keyhook audit-history [REPO]`: every blob the history holds, scanned once, each
//! finding attributed to the oldest commit that introduced it, grouped by key.
//!
//! The source walks and reads ([`keyhook::source::history`]), the engine scans in the
//! reader's threads, policy judges; this module wires them, draws progress and
//! places each finding in history ([`assemble`]).

mod assemble;
mod collect;
mod progress;

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use keyhook::engine::Scanner;
use keyhook::policy::{Baseline, BaselineEntry, Verdict};
use keyhook::report::Mode;
use keyhook::rules::RuleSet;
use keyhook::source::history::{self, Counters, Since, Tip};
use keyhook::source::{self, GitError};
use keyhook::verify::Secrets;
use keyhook::Error;

use super::{FormatArg, Globals, Run};

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
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Ask each provider whether the keys found are live (sends each key to its
    /// own provider's read-only endpoint; see README). Never changes the exit code.
    #[arg(long)]
    pub verify: bool,
}

/// Audits the history and returns the verdict.
pub fn run(globals: &Globals, args: &Args) -> Result<Run, Error> {
    let dir = match &args.repo {
        Some(dir) => dir.clone(),
        None => std::env::current_dir().map_err(|source| Error::Io {
            path: ".".into(),
            source,
        })?,
    };
    let repo = source::repo::discover(&dir)?;
    let root = repo
        .workdir()
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.git_dir().to_path_buf());
    let config = super::load_config(globals, &root)?;
    let policy = super::policy(globals, &config)?;
    let rules = Arc::clone(&config.rules);
    let scanner = Scanner::new(Arc::clone(&rules), config.scan.clone());
    let secrets = Secrets::new(args.verify);
    let mut verdict = Verdict::default();

    let tips = resolve_tips(&repo, args, &mut verdict)?;
    let since = match &args.since {
        Some(text) => Some(Since::parse(&repo, text).map_err(usage)?),
        None => None,
    };
    if tips.is_empty() && !args.include_unreachable {
        verdict
            .notes
            .push("the repository has no refs (empty repository): nothing to audit".into());
        return Ok(finish(verdict, rules));
    }

    let counters = Arc::new(Counters::default());
    let show_progress = !args.quiet
        && globals.format == FormatArg::Text
        && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let progress = progress::Progress::start(show_progress, Arc::clone(&counters));
    let interrupt = AtomicBool::new(false);
    let options = history::Options {
        refs: args.refs.clone(),
        since,
    };
    let cx = collect::Context {
        repo: &repo,
        tips: &tips,
        options: &options,
        include_unreachable: args.include_unreachable,
        scanner: &scanner,
        secrets: &secrets,
        policy: &policy,
        rules: &rules,
        counters: &counters,
        interrupt: &interrupt,
    };
    let mut counted = Verdict::default();
    let collected = if cx.one_pass_applies() {
        if !options.refs.is_empty() || options.since.is_some() {
            verdict.notes.push(
                "every blob in the repository was read and scanned once (the summary counts them all); findings are reported for the audited range only".into(),
            );
        }
        collect::one_pass(&cx)?
    } else {
        collect::walk_first(&cx, &mut counted)?
    };
    progress.finish();
    let history = collected.history;
    for e in &history.errors {
        verdict.add_error(&e.what, &e.message);
    }
    verdict.merge(counted);
    verdict.merge(collected.scan.verdict);
    for e in collected.read.errors {
        verdict.add_error(e.what, e.message);
    }
    assemble::missing(&repo, &collected.read.missing, &mut verdict);

    let placed = assemble::Placed {
        repo: &repo,
        history: &history,
        tips: &tips,
        policy: &policy,
        all_occurrences: args.all_occurrences,
    };
    placed.findings(collected.scan.hits, &mut verdict);
    placed.forbidden(&mut verdict);
    placed.notes(&mut verdict);
    super::verify_findings(&mut verdict, &rules, secrets, None)?;

    if let Some(path) = &args.baseline_out {
        let entries = verdict
            .findings
            .iter()
            .map(|r| BaselineEntry {
                rule: rules.rule(r.finding.rule).syntax.id.clone(),
                fingerprint: r.finding.fingerprint.clone(),
            })
            .collect();
        Baseline::write(path, entries)?;
    }
    Ok(finish(verdict, rules))
}

fn finish(verdict: Verdict, rules: Arc<RuleSet>) -> Run {
    Run {
        mode: Mode::Audit,
        verdict,
        rules,
    }
}

fn usage(e: GitError) -> Error {
    Error::Usage(e.to_string())
}

/// Every ref (or the `--ref`s), noting refs that are not commits.
fn resolve_tips(
    repo: &gix::Repository,
    args: &Args,
    verdict: &mut Verdict,
) -> Result<Vec<Tip>, Error> {
    if !args.refs.is_empty() {
        return history::refs::named_tips(repo, &args.refs).map_err(usage);
    }
    let all = history::refs::all_tips(repo)?;
    verdict.notes.extend(all.notes);
    for e in all.errors {
        verdict.add_error(e.what, e.message);
    }
    Ok(all.tips)
}
