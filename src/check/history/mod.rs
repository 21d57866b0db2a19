//! The audit door: every blob the history holds, scanned once, each finding
//! attributed to the oldest commit that introduced it, grouped by key.
//!
//! The source walks and reads ([`crate::source::history`]), the engine scans in the
//! reader's threads, policy judges; [`collect`] reads one of two ways and
//! [`assemble`] places each finding in history.

pub mod assemble;
pub mod collect;

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use crate::config::Config;
use crate::engine::Scanner;
use crate::policy::{Baseline, BaselineEntry, Policy, Reported, Verdict};
use crate::report::Mode;
use crate::source::history::{self, Since, Tip};
use crate::source::{GitError, Location, Origin};
use crate::verify::Secrets;
use crate::Error;

use super::metadata::MetadataScanner;
use super::{Options, Outcome, Repo};

/// What the audit door checks.
pub struct Context<'a> {
    /// The repository (work tree or bare).
    pub repo: &'a Repo,
    /// The config in force.
    pub config: &'a Config,
    /// The policy in force.
    pub policy: &'a Policy,
    /// Audit only what these refs or revisions reach; empty: every branch, tag,
    /// remote-tracking branch and the stash.
    pub refs: &'a [String],
    /// Only commits after this date (2024-01-31, "3 months ago") or not reachable
    /// from this commit.
    pub since: Option<&'a str>,
    /// Also scan blobs no ref reaches.
    pub include_unreachable: bool,
    /// List every commit and path that introduced each key, not only the oldest.
    pub all_occurrences: bool,
    /// Write the findings as a baseline to this file.
    pub baseline_out: Option<&'a std::path::Path>,
}

/// Audits the history.
pub fn check(cx: &Context<'_>, options: &Options) -> Result<Outcome, Error> {
    let repo = cx.repo.gix();
    let rules = Arc::clone(&cx.config.rules);
    // A security team must see what the markers allowed: listed, not blocking.
    let mut listing = cx.policy.clone();
    listing.inline_allow = crate::policy::InlineAllow::List;
    let cx = &Context {
        policy: &listing,
        ..*cx
    };
    let scanner = Scanner::new(Arc::clone(&rules), cx.config.scan.clone());
    let secrets = Secrets::new(options.verify);
    let mut verdict = Verdict::default();
    let finish = |verdict: Verdict| Outcome::redacted(Mode::Audit, verdict, &scanner);

    let tips = resolve_tips(repo, cx.refs, &mut verdict)?;
    let since = match cx.since {
        Some(text) => Some(Since::parse(repo, text).map_err(usage)?),
        None => None,
    };
    if tips.is_empty() && !cx.include_unreachable {
        verdict
            .notes
            .push("the repository has no refs (empty repository): nothing to audit".into());
        return Ok(finish(verdict));
    }

    let counters = options.progress.clone().unwrap_or_default();
    let interrupt = options
        .interrupt
        .clone()
        .unwrap_or_else(|| Arc::new(AtomicBool::new(false)));
    let walk_options = history::Options {
        refs: cx.refs.to_vec(),
        since,
    };
    let collect_cx = collect::Context {
        repo,
        tips: &tips,
        options: &walk_options,
        include_unreachable: cx.include_unreachable,
        scanner: &scanner,
        secrets: &secrets,
        policy: cx.policy,
        rules: &rules,
        counters: &counters,
        interrupt: &interrupt,
    };
    let mut counted = Verdict::default();
    let collected = if collect_cx.one_pass_applies() {
        if !walk_options.refs.is_empty() || walk_options.since.is_some() {
            verdict.notes.push(
                "every blob in the repository was read and scanned once (the summary counts them all); findings are reported for the audited range only".into(),
            );
        }
        collect::one_pass(&collect_cx)?
    } else {
        collect::walk_first(&collect_cx, &mut counted)?
    };
    let history = collected.history;
    for e in &history.errors {
        verdict.add_error(&e.what, &e.message);
    }
    verdict.merge(counted);
    verdict.merge(collected.scan.verdict);
    for e in collected.read.errors {
        verdict.add_error(e.what, e.message);
    }
    assemble::missing(repo, &collected.read.missing, &mut verdict);

    let placed = assemble::Placed {
        repo,
        history: &history,
        tips: &tips,
        policy: cx.policy,
        all_occurrences: cx.all_occurrences,
    };
    placed.findings(collected.scan.hits, &mut verdict);
    let metadata = MetadataScanner {
        scanner: &scanner,
        policy: cx.policy,
    };
    let mut found = Verdict::default();
    scan_metadata(
        repo,
        &history,
        &tips,
        collected.scan.metadata,
        cx.include_unreachable,
        metadata,
        &mut found,
    );
    verdict.summary.findings += found.summary.findings;
    verdict.summary.blocking += found.summary.blocking;
    verdict.findings.extend(found.findings);
    verdict.summary.suppressed.add(&found.summary.suppressed);
    placed.forbidden(&mut verdict);
    placed.notes(&mut verdict);
    super::verify_findings(&mut verdict, &rules, secrets, None)?;

    if let Some(path) = cx.baseline_out {
        write_baseline(path, &verdict, cx.config)?;
    }
    Ok(finish(verdict))
}

/// Writes the verdict's findings as a baseline (rule ids and fingerprints).
fn write_baseline(path: &std::path::Path, verdict: &Verdict, config: &Config) -> Result<(), Error> {
    let entries = verdict
        .findings
        .iter()
        .map(|r| BaselineEntry {
            rule: config.rules.rule(r.finding.rule).syntax.id.clone(),
            fingerprint: r.finding.fingerprint.clone(),
        })
        .collect();
    Baseline::write(&PathBuf::from(path), entries)?;
    Ok(())
}

/// The audit's metadata: commit and tag objects (commits only where the audit
/// reaches them, unless `include_unreachable`), every path the walk placed (at the
/// oldest commit holding it) and every audited ref's name.
fn scan_metadata(
    repo: &gix::Repository,
    history: &history::History,
    tips: &[Tip],
    objects: Vec<(gix::ObjectId, Reported)>,
    include_unreachable: bool,
    metadata: MetadataScanner<'_>,
    verdict: &mut Verdict,
) {
    let audited: gix::hashtable::HashSet<gix::ObjectId> = history.commits.iter().copied().collect();
    for (id, r) in objects {
        let reached = r.location != Location::CommitMessage || audited.contains(&id);
        if reached || include_unreachable {
            verdict.summary.findings += 1;
            verdict.summary.blocking += u64::from(r.blocking);
            verdict.findings.push(r);
        }
    }
    let mut oldest: std::collections::BTreeMap<String, u32> = Default::default();
    for places in history.blobs.values() {
        for place in places {
            let commit = oldest
                .entry(history::display(&place.path))
                .or_insert(place.commit);
            *commit = (*commit).min(place.commit);
        }
    }
    let mut paths = Verdict::default();
    metadata.scan_paths(
        oldest.keys().map(|p| (p.as_str(), Origin::Unreachable)),
        &mut paths,
    );
    for r in &mut paths.findings {
        if let Some(&commit) = oldest.get(&r.path) {
            if let Ok(info) = history::commit_info(repo, history.commits[commit as usize]) {
                r.origin = Origin::Commit(info);
            }
        }
    }
    verdict.merge(paths);
    for tip in tips {
        metadata.scan(
            Location::Ref,
            &tip.name,
            tip.name.as_bytes(),
            &Origin::Ref,
            verdict,
        );
    }
}

fn usage(e: GitError) -> Error {
    Error::Usage(e.to_string())
}

/// Every ref (or the named ones), noting refs that are not commits.
fn resolve_tips(
    repo: &gix::Repository,
    refs: &[String],
    verdict: &mut Verdict,
) -> Result<Vec<Tip>, Error> {
    if !refs.is_empty() {
        return history::refs::named_tips(repo, refs).map_err(usage);
    }
    let all = history::refs::all_tips(repo)?;
    verdict.notes.extend(all.notes);
    for e in all.errors {
        verdict.add_error(e.what, e.message);
    }
    Ok(all.tips)
}
