//! The pre-receive door: the server's own check of a push. Reads every
//! `<old> <new> <ref>` line, scans the commits new to the server (quarantined objects
//! included) once for the whole push, and decides per ref. Policy comes from the
//! server, never from the pushed content; a time budget and a failure policy decide
//! what happens when the scan cannot finish.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use gix::ObjectId;

use crate::config::{Config, OnError};
use crate::engine::{Fingerprint, Scanner};
use crate::policy::{InlineAllow, InlineMarker, Reported};
use crate::report::Mode;
use crate::source::commits::{ref_commits, tree_blobs, NewCommitWalk};
use crate::source::quarantine::QuarantineObjects;
use crate::source::repo::display;
use crate::source::{CommitInfo, Location, Origin};
use crate::verify::Secrets;
use crate::Error;

use super::pack_pass::{PackPass, PassSource};
use super::push::{peel_to_commit, NewCommits, Peeled};
use super::{Outcome, Repo};

/// The push option that lets one finding through (when the server allows it).
pub const BYPASS_OPTION: &str = "keyhook.allow=";

/// One ref update.
#[derive(Debug, Clone)]
pub struct RefUpdate {
    /// The ref's old value (null: created).
    pub old: ObjectId,
    /// The ref's new value (null: deleted).
    pub new: ObjectId,
    /// The ref's full name.
    pub name: String,
}

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

/// Parses git's pre-receive stdin. Ids must be full hex of the repository's hash.
pub fn parse_updates(input: impl BufRead, repo: &Repo) -> Result<Vec<RefUpdate>, Error> {
    parse_updates_of(input, repo.gix().object_hash())
}

fn parse_updates_of(input: impl BufRead, hash: gix::hash::Kind) -> Result<Vec<RefUpdate>, Error> {
    let mut updates = Vec::new();
    for line in super::input_lines(input) {
        let (n, line) = line?;
        let parse = |hex: &str| {
            ObjectId::from_hex(hex.as_bytes())
                .ok()
                .filter(|id| id.kind() == hash)
        };
        let fields: Vec<&str> = line.split_whitespace().collect();
        let update = match fields.as_slice() {
            [old, new, name] => parse(old).zip(parse(new)).map(|(old, new)| RefUpdate {
                old,
                new,
                name: name.to_string(),
            }),
            _ => None,
        };
        match update {
            Some(u) => updates.push(u),
            None => {
                return Err(Error::Usage(format!(
                    "malformed pre-receive input on line {}: expected `<old-oid> <new-oid> <ref>` with {} ids",
                    n,
                    hash
                )))
            }
        }
    }
    Ok(updates)
}

/// The push options git passes the hook (`GIT_PUSH_OPTION_COUNT`, `GIT_PUSH_OPTION_<i>`).
pub fn push_options() -> Vec<String> {
    let count: usize = std::env::var("GIT_PUSH_OPTION_COUNT")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (0..count)
        .filter_map(|i| std::env::var(format!("GIT_PUSH_OPTION_{i}")).ok())
        .collect()
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

struct PushOutcome {
    outcome: Outcome,
    /// Findings let through by push option, to log if the push is accepted.
    bypasses: Vec<Bypass>,
    refs_summary: String,
    /// Raw secrets of the findings, kept only when the server config enables
    /// `pre_receive.verify`.
    secrets: Secrets,
}

/// Scans every commit new to the server once, then decides per ref.
fn scan_push(
    repo: &gix::Repository,
    config: &Config,
    baseline_override: Option<PathBuf>,
    updates: &[RefUpdate],
    push_options: &[String],
) -> Result<PushOutcome, Error> {
    let quarantine = QuarantineObjects::from_env(repo)?;
    let mut policy = super::policy_for(baseline_override.as_deref(), config)?;
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
    let mut bypassed: HashSet<Fingerprint> = HashSet::new();
    if !bypass_requested.is_empty() {
        if config.pre_receive.allow_push_option_bypass {
            for fp in &bypass_requested {
                match Fingerprint::parse(fp) {
                    Some(fp) => {
                        bypassed.insert(fp);
                    }
                    None => notes.push(format!(
                        "push option keyhook.allow={fp} ignored: not a 64-hex fingerprint"
                    )),
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
        metadata.scan(
            Location::Ref,
            name,
            name.as_bytes(),
            &Origin::Ref,
            &mut blobs.verdict,
        );
        for tag in tags {
            metadata.scan(
                Location::TagMessage,
                name,
                tag,
                &Origin::Ref,
                &mut blobs.verdict,
            );
        }
    }
    let mut tagged_paths: Vec<(String, String)> = Vec::new();
    for (name, peeled) in &tagged {
        let entries = match peeled {
            Peeled::Blob(id) => vec![(format!("{name} (tagged blob)"), *id)],
            Peeled::Tree(id) => tree_blobs(&objects, *id)?
                .into_iter()
                .map(|b| (format!("{name}:{}", display(b.path.as_ref())), b.id))
                .collect(),
            Peeled::Commit(_) => Vec::new(),
        };
        for (path, id) in entries {
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
    super::redact_verdict(&mut verdict, &scanner);
    let refs_summary = if rejected.is_empty() {
        "a forbidden file or finding outside any ref".into()
    } else {
        scanner
            .redact_text(&format!("{} blocked", rejected.join(", ")))
            .into_owned()
    };
    Ok(PushOutcome {
        outcome: Outcome {
            mode: Mode::PreReceive,
            verdict,
            rules: Arc::clone(&config.rules),
        },
        refs_summary,
        secrets,
        bypasses,
    })
}

/// Keeps the first `max` findings, saying how many more there were.
fn limit_findings(verdict: &mut crate::policy::Verdict, max: usize) {
    let total = verdict.findings.len();
    if total > max {
        verdict.findings.truncate(max);
        verdict.notes.push(format!(
            "{} more finding(s) not shown: the first {max} are listed, the summary counts all {total}",
            total - max
        ));
    }
}

/// One finding let through by `-o keyhook.allow=<fingerprint>`.
struct Bypass {
    /// `bypass` (push option) or `inline-allow` (a marker the server honours).
    event: &'static str,
    refs: String,
    commit: String,
    fingerprint: String,
    rule: String,
}

/// Appends one bypass to the audit log (JSON lines).
fn audit_log(config: &Config, bypass: &Bypass) -> Result<(), Error> {
    let path = config
        .pre_receive
        .audit_log
        .clone()
        .unwrap_or_else(|| PathBuf::from("keyhook-audit.jsonl"));
    let pusher = ["GL_USERNAME", "GITHUB_USER_LOGIN", "REMOTE_USER", "USER"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".into());
    let line = serde_json::json!({
        "time": gix::date::Time::now_utc().format_or_unix(gix::date::time::format::ISO8601_STRICT),
        "event": bypass.event,
        "ref": bypass.refs,
        "commit": bypass.commit,
        "fingerprint": bypass.fingerprint,
        "rule": bypass.rule,
        "pusher": pusher,
    });
    let io = |source| Error::Io {
        path: path.clone(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(io)?;
    writeln!(file, "{line}").map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_updates_and_rejects_malformed_lines() {
        let z = "0".repeat(40);
        let a = "a".repeat(40);
        let ok = format!("{z} {a} refs/heads/main\n{a} {z} refs/heads/old\n");
        let updates = parse_updates_of(ok.as_bytes(), gix::hash::Kind::Sha1).unwrap();
        assert_eq!(updates.len(), 2);
        assert!(updates[0].old.is_null() && updates[1].new.is_null());
        for bad in [
            "garbage\n",
            &format!("{a} {a}\n"),
            &format!("{a} xyz refs/heads/x\n"),
        ] {
            let err = parse_updates_of(bad.as_bytes(), gix::hash::Kind::Sha1).unwrap_err();
            assert!(err.to_string().contains("line 1"), "{err}");
        }
        let sha256 = format!("{} {} refs/heads/main\n", "0".repeat(64), "b".repeat(64));
        assert!(parse_updates_of(sha256.as_bytes(), gix::hash::Kind::Sha1).is_err());
    }
}
