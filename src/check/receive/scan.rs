//! The scan of one push: every new commit once, then a decision per ref.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use gix::ObjectId;

use crate::config::Config;
use crate::engine::Scanner;
use crate::policy::{InlineAllow, InlineMarker, Reported};
use crate::report::Mode;
use crate::source::commits::{ref_commits, NewCommitWalk};
use crate::source::quarantine::QuarantineObjects;
use crate::source::repo::display;
use crate::source::{CommitInfo, Location, Origin};
use crate::verify::Secrets;
use crate::Error;

use super::super::bypass;
use super::super::pack_pass::{PackPass, PassSource};
use super::super::push::{peel_to_commit, tagged_blobs, NewCommits, Peeled};
use super::super::Outcome;
use super::audit_log::Bypass;
use super::{RefUpdate, BYPASS_OPTION};

pub(super) struct PushOutcome {
    pub(super) outcome: Outcome,
    /// Findings let through by push option, to log if the push is accepted.
    pub(super) bypasses: Vec<Bypass>,
    pub(super) refs_summary: String,
    /// Raw secrets of the findings, kept only when the server config enables
    /// `pre_receive.verify`.
    pub(super) secrets: Secrets,
}

/// Scans every commit new to the server once, then decides per ref.
pub(super) fn scan_push(
    repo: &gix::Repository,
    config: &Config,
    baseline_override: Option<PathBuf>,
    updates: &[RefUpdate],
    push_options: &[String],
) -> Result<PushOutcome, Error> {
    let quarantine = QuarantineObjects::from_env(repo)?;
    let mut policy = super::super::policy_for(baseline_override.as_deref(), config)?;
    // The server owns its gate: a marker in pushed content allows nothing unless the
    // server opts in, and then each allowed key is listed and written to the audit log.
    policy.inline_allow = if config.pre_receive.inline_allow {
        InlineAllow::List
    } else {
        InlineAllow::Ignore
    };
    let bypass_requested: Vec<&str> = push_options
        .iter()
        .filter_map(|o| o.strip_prefix(BYPASS_OPTION))
        .collect();
    let mut notes = Vec::new();
    // Fingerprint prefixes asked for; matched against this push's findings below.
    let mut prefixes: Vec<String> = Vec::new();
    if let Some(note) = bypass::push_options_note(repo, config) {
        notes.push(note);
    }
    if !bypass_requested.is_empty() {
        if config.pre_receive.allow_push_option_bypass {
            for fp in &bypass_requested {
                match bypass::FingerprintPrefix::parse(fp) {
                    Ok(prefix) => prefixes.push(prefix),
                    Err(why) => {
                        notes.push(format!("push option keyhook.allow={fp} ignored: {why}"))
                    }
                }
            }
        } else {
            notes.push(
                "push option keyhook.allow ignored: bypass is disabled on this server (pre_receive.allow_push_option_bypass)".into(),
            );
        }
    }
    let scanner = Scanner::new(Arc::clone(&config.rules), config.scan.clone());
    let hidden = ref_commits(repo, None)?;
    // A push git kept as a pack is read in one pass first (see `PackPass`).
    let source = quarantine
        .quarantine_path
        .as_deref()
        .map_or(PassSource::Nothing, PassSource::Packs);
    let pass = PackPass::read(source, repo.object_hash(), &scanner, &policy);
    let objects = pass.objects(quarantine);
    // One walk state for every pushed ref: each commit is read once.
    let graph = crate::source::reach::commit_graph(repo);
    let mut walk = NewCommitWalk::new(&objects, graph.as_ref(), &hidden);

    // Which new commits each ref brings; the union is scanned once.
    let mut ref_commits_map: Vec<(String, HashSet<ObjectId>)> = Vec::new();
    let mut all: Vec<ObjectId> = Vec::new();
    let mut seen = HashSet::new();
    let mut tagged = Vec::new();
    // Tag objects and ref names are the pusher's text too: scanned like content.
    let mut ref_texts: Vec<(String, Vec<Vec<u8>>)> = Vec::new();
    for update in updates.iter().filter(|u| !u.new.is_null()) {
        if update.old.is_null() {
            notes.push(format!("{}: created", update.name));
        }
        let mut tags = Vec::new();
        let peeled = peel_to_commit(&objects, update.new, &mut tags)?;
        ref_texts.push((update.name.clone(), tags));
        let tip = match peeled {
            Peeled::Commit(id) => id,
            peeled @ (Peeled::Blob(_) | Peeled::Tree(_)) => {
                tagged.push((update.name.clone(), peeled));
                continue;
            }
        };
        let commits = walk.new_commits(&[tip])?;
        for id in &commits {
            if seen.insert(*id) {
                all.push(*id);
            }
        }
        ref_commits_map.push((update.name.clone(), commits.into_iter().collect()));
    }
    let secrets = Secrets::new(config.pre_receive.verify);
    let new = NewCommits {
        pass: &pass,
        scanner: &scanner,
        policy: &policy,
        secrets: &secrets,
    };
    // Each (blob, path) is scanned once, under the oldest commit that brings it; a
    // ref is judged by every commit that brings it (a cherry-pick onto another
    // branch brings the same blob again).
    let mut introducers: HashMap<(String, String), Vec<ObjectId>> = HashMap::new();
    let mut first_introducer: HashMap<(String, String), ObjectId> = HashMap::new();
    let mut blobs = new.scan(&objects, &all, |id, blob| {
        let path = display(blob.path.as_ref());
        introducers
            .entry((blob.id.to_string(), path.clone()))
            .or_default()
            .push(id);
        first_introducer
            .entry((id.to_string(), path))
            .or_insert(blob.id);
    })?;
    let metadata = blobs.metadata();
    for (name, tags) in &ref_texts {
        metadata.scan_ref(name, tags, &mut blobs.verdict);
    }
    let mut tagged_paths: Vec<(String, String)> = Vec::new();
    for (name, peeled) in &tagged {
        for (path, id) in tagged_blobs(&objects, name, peeled)? {
            blobs.scan(&path, id, &[], Origin::File);
            tagged_paths.push((name.clone(), path));
        }
    }
    // The commits that bring what a finding was attributed to.
    let brought_by = |commit: Option<&CommitInfo>, path: &str| -> Vec<ObjectId> {
        commit
            .and_then(|c| first_introducer.get(&(c.id.clone(), path.to_string())))
            .and_then(|blob| introducers.get(&(blob.to_string(), path.to_string())))
            .cloned()
            .unwrap_or_default()
    };
    let mut verdict = blobs.verdict;
    verdict.push_option_bypass = config.pre_receive.allow_push_option_bypass;

    // Each requested prefix names one key of this push, or nothing is bypassed for it.
    let bypassed = bypass::resolve_bypass(
        &prefixes,
        verdict.findings.iter().map(|r| &r.finding.fingerprint),
        &mut notes,
    );

    // Bypasses: drop the allowed findings; each is logged if the push is accepted.
    let mut bypasses = Vec::new();
    if !bypassed.is_empty() {
        let (allowed, kept): (Vec<_>, Vec<_>) = verdict
            .findings
            .drain(..)
            .partition(|r| bypassed.contains(&r.finding.fingerprint));
        verdict.findings = kept;
        for r in &allowed {
            let rule = scanner.rules().rule(r.finding.rule).id().to_string();
            let commit = r.origin.commit().map(|c| c.id.clone()).unwrap_or_default();
            let commits = brought_by(r.origin.commit(), &r.path);
            let refs: Vec<&str> = ref_commits_map
                .iter()
                .filter(|(_, set)| commits.iter().any(|c| set.contains(c)))
                .map(|(n, _)| n.as_str())
                .collect();
            bypasses.push(Bypass {
                event: "bypass",
                refs: refs.join(","),
                commit: commit.clone(),
                fingerprint: r.finding.fingerprint.as_str().to_string(),
                rule: rule.clone(),
            });
            notes.push(format!(
                "BYPASS: {} {} in {} allowed by push option keyhook.allow (written to the audit log when the push is accepted)",
                rule,
                r.finding.redacted,
                &commit[..commit.len().min(12)]
            ));
            if r.blocking {
                verdict.summary.blocking -= 1;
            }
            verdict.summary.findings -= 1;
        }
    }

    // Keys a marker allowed (only when the server opts in): logged like bypasses.
    for r in verdict
        .findings
        .iter()
        .filter(|r| r.inline == Some(InlineMarker::Allowed))
    {
        bypasses.push(Bypass {
            event: "inline-allow",
            refs: String::new(),
            commit: r.origin.commit().map(|c| c.id.clone()).unwrap_or_default(),
            fingerprint: r.finding.fingerprint.as_str().to_string(),
            rule: scanner.rules().rule(r.finding.rule).id().to_string(),
        });
    }

    // Per-ref decision.
    let mut rejected = Vec::new();
    for (name, commits) in &ref_commits_map {
        let in_ref = |commit: Option<&CommitInfo>, path: &str| {
            brought_by(commit, path).iter().any(|c| commits.contains(c))
        };
        let finding_in_ref = |r: &Reported| match r.location {
            Location::Content | Location::Path => in_ref(r.origin.commit(), &r.path),
            Location::CommitMessage => r
                .origin
                .commit()
                .and_then(|c| ObjectId::from_hex(c.id.as_bytes()).ok())
                .is_some_and(|id| commits.contains(&id)),
            Location::Ref | Location::TagMessage => r.path == *name,
        };
        let count = verdict
            .findings
            .iter()
            .filter(|r| r.blocking && finding_in_ref(r))
            .count();
        let forbidden = verdict
            .forbidden
            .iter()
            .filter(|f| in_ref(f.origin.commit(), &f.path))
            .count();
        if count + forbidden > 0 {
            rejected.push(name.clone());
            notes.push(format!(
                "{name}: rejected — {count} finding(s), {forbidden} forbidden file(s) in {} new commit(s)",
                commits.len()
            ));
        } else {
            notes.push(format!(
                "{name}: ok — {} new commit(s) scanned",
                commits.len()
            ));
        }
    }
    for (name, _) in &tagged {
        let paths: Vec<&str> = tagged_paths
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, p)| p.as_str())
            .collect();
        let count = verdict
            .findings
            .iter()
            .filter(|r| r.blocking && (paths.contains(&r.path.as_str()) || r.path == *name))
            .count()
            + verdict
                .forbidden
                .iter()
                .filter(|f| paths.contains(&f.path.as_str()))
                .count();
        if count > 0 {
            rejected.push(name.clone());
            notes.push(format!(
                "{name}: rejected — {count} finding(s) in the tagged object"
            ));
        } else {
            notes.push(format!(
                "{name}: ok — tagged object scanned ({} blob(s))",
                paths.len()
            ));
        }
    }
    for update in updates.iter().filter(|u| u.new.is_null()) {
        notes.push(format!("{}: deleted, nothing to scan", update.name));
    }
    verdict.notes.extend(notes);
    let refs_summary = if rejected.is_empty() {
        "a forbidden file or finding outside any ref".into()
    } else {
        scanner
            .redact_text(&format!("{} blocked", rejected.join(", ")))
            .into_owned()
    };
    Ok(PushOutcome {
        outcome: Outcome::redacted(Mode::PreReceive, verdict, &scanner),
        refs_summary,
        secrets,
        bypasses,
    })
}
