//! `keyhook pre-receive`: the server-side hook. Reads every `<old> <new> <ref>` line,
//! scans the commits new to the server (quarantined objects included) once for the
//! whole push, and rejects the push with a redacted report. Policy comes from the
//! server, never from the pushed content; a time budget and a failure policy decide
//! what happens when the scan cannot finish.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Instant;

use gix::objs::FindExt;
use gix::ObjectId;

use keyhook::config::{Config, OnError};
use keyhook::engine::{Fingerprint, Scanner};
use keyhook::report::Mode;
use keyhook::source::commits::{new_commits, ref_commits, tree_blobs};
use keyhook::source::quarantine::QuarantineObjects;
use keyhook::source::repo::{config_string, discover, display, GitError};
use keyhook::source::{CommitInfo, Origin};
use keyhook::verify::Secrets;
use keyhook::Error;

use super::blobs::BlobScanner;
use super::pack_pass::{PackPass, PassSource};
use super::{Globals, Run, Status};

/// The push option that lets one finding through (when the server allows it).
const BYPASS_OPTION: &str = "keyhook.allow=";

/// Arguments of `keyhook pre-receive` (git passes none; input is on stdin).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Override the configured time budget, in seconds.
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
}

/// One ref update.
#[derive(Debug, Clone)]
struct RefUpdate {
    old: ObjectId,
    new: ObjectId,
    name: String,
}

/// Parses git's pre-receive stdin. Ids must be full hex of the repository's hash.
fn parse_updates(input: impl BufRead, hash: gix::hash::Kind) -> Result<Vec<RefUpdate>, Error> {
    let mut updates = Vec::new();
    for (n, line) in input.lines().enumerate() {
        let line = line.map_err(|source| Error::Io {
            path: "<stdin>".into(),
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
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
                    n + 1,
                    hash
                )))
            }
        }
    }
    Ok(updates)
}

/// The server's config: `--config`, else `git config keyhook.config`, else
/// `keyhook.toml` in the repository's git dir. Never the pushed tree.
fn server_config(explicit: Option<&Path>, repo: &gix::Repository) -> Result<Config, Error> {
    let path = explicit
        .map(Path::to_path_buf)
        .or_else(|| config_string(repo, "keyhook.config").map(PathBuf::from))
        .or_else(|| keyhook::config::discover(repo.git_dir()));
    Ok(match path {
        Some(path) => Config::load(&path)?,
        None => Config::builtin()?,
    })
}

/// Fingerprints the pusher asked to let through with `-o keyhook.allow=<fp>`.
fn push_option_bypasses() -> Vec<String> {
    let count: usize = std::env::var("GIT_PUSH_OPTION_COUNT")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (0..count)
        .filter_map(|i| std::env::var(format!("GIT_PUSH_OPTION_{i}")).ok())
        .filter_map(|o| o.strip_prefix(BYPASS_OPTION).map(str::to_string))
        .collect()
}

/// Runs the hook: scan under the time budget, then print the decision.
pub fn run(globals: &Globals, args: &Args) -> Result<Status, Error> {
    let started = Instant::now();
    let cwd = super::current_dir()?;
    let repo = discover(&cwd)?;
    let config = server_config(globals.config.as_deref(), &repo)?;
    let timeout = args
        .timeout
        .map(std::time::Duration::from_secs_f64)
        .unwrap_or(config.pre_receive.timeout);
    let on_error = config.pre_receive.on_error;
    let updates = match parse_updates(std::io::stdin().lock(), repo.object_hash()) {
        Ok(u) => u,
        Err(e) => {
            eprintln!("keyhook: push rejected: {e}");
            return Err(e);
        }
    };

    let (tx, rx) = mpsc::channel();
    let job_repo = repo.clone().into_sync();
    let job_config = config.clone();
    let job_baseline = globals.baseline.clone();
    std::thread::spawn(move || {
        let result = scan_push(
            &job_repo.to_thread_local(),
            &job_config,
            job_baseline,
            &updates,
        );
        let _ = tx.send(result);
    });
    let result = rx.recv_timeout(timeout);
    let mut outcome = match result {
        Ok(Ok(run)) => run,
        Ok(Err(err)) => return fail(on_error, &err.to_string()),
        Err(_) => {
            return fail(
                on_error,
                &format!(
                    "the scan did not finish within its {} s budget (pre_receive.timeout)",
                    timeout.as_secs_f64()
                ),
            )
        }
    };
    // Verification runs after the scan, outside its budget's failure policy: a slow
    // provider must never turn into a rejected (or, with on_error = "accept", an
    // accepted) push. It gets what is left of the budget, at most its own timeout.
    if outcome.secrets.enabled() {
        let left = timeout
            .saturating_sub(started.elapsed())
            .max(std::time::Duration::from_millis(1));
        let secrets = std::mem::replace(&mut outcome.secrets, Secrets::new(false));
        super::verify_findings(
            &mut outcome.run.verdict,
            &outcome.run.rules,
            secrets,
            Some(left),
        )?;
    }
    let status = super::print(globals, &outcome.run)?;
    let elapsed = started.elapsed().as_secs_f64();
    let decision = if status == Status::Blocked {
        format!("push rejected: {}", outcome.refs_summary)
    } else {
        format!("push accepted ({:.0} ms)", elapsed * 1000.0)
    };
    eprintln!("keyhook: {decision}");
    if status == Status::Incomplete {
        return fail(on_error, "some objects could not be read (listed above)");
    }
    Ok(status)
}

/// Applies `on_error`: reject (fail closed, exit non-zero) or accept (exit 0), and
/// always say which and why.
fn fail(on_error: OnError, reason: &str) -> Result<Status, Error> {
    match on_error {
        OnError::Reject => Err(Error::Git(GitError::Unsupported(format!(
            "push rejected (on_error = \"reject\"): {reason}"
        )))),
        OnError::Accept => {
            eprintln!(
                "keyhook: push accepted WITHOUT a complete scan (on_error = \"accept\"): {reason}"
            );
            Ok(Status::Clean)
        }
    }
}

struct PushOutcome {
    run: Run,
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
) -> Result<PushOutcome, Error> {
    let quarantine = QuarantineObjects::from_env(repo)?;
    let policy = super::policy_for(baseline_override.as_deref(), config)?;
    let bypass_requested = push_option_bypasses();
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

    // Which new commits each ref brings; the union is scanned once.
    let mut ref_commits_map: Vec<(String, HashSet<ObjectId>)> = Vec::new();
    let mut all: Vec<ObjectId> = Vec::new();
    let mut seen = HashSet::new();
    let mut tagged = Vec::new();
    for update in updates.iter().filter(|u| !u.new.is_null()) {
        if update.old.is_null() {
            notes.push(format!("{}: created", update.name));
        }
        let tip = match peel_to_commit(&objects, update.new)? {
            Peeled::Commit(id) => id,
            peeled @ (Peeled::Blob(_) | Peeled::Tree(_)) => {
                tagged.push((update.name.clone(), peeled));
                continue;
            }
        };
        let commits = new_commits(&objects, &[tip], &hidden)?;
        for id in &commits {
            if seen.insert(*id) {
                all.push(*id);
            }
        }
        ref_commits_map.push((update.name.clone(), commits.into_iter().collect()));
    }
    let secrets = Secrets::new(config.pre_receive.verify);
    let mut blobs = BlobScanner::new(&objects, &scanner, &policy, &secrets);
    blobs.settle(&pass);
    let mut interest = pass.interest(&policy);
    // Each (blob, path) is scanned once, under the oldest commit that brings it; a
    // ref is judged by every commit that brings it (a cherry-pick onto another
    // branch brings the same blob again).
    let mut introducers: HashMap<(String, String), Vec<ObjectId>> = HashMap::new();
    let mut first_introducer: HashMap<(String, String), ObjectId> = HashMap::new();
    blobs.scan_commits(&all, interest.as_mut(), |id, blob| {
        let path = display(blob.path.as_ref());
        introducers
            .entry((blob.id.to_string(), path.clone()))
            .or_default()
            .push(id);
        first_introducer
            .entry((id.to_string(), path))
            .or_insert(blob.id);
    })?;
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

    // Bypasses: drop the allowed findings, log each one.
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
            audit_log(
                config,
                &refs.join(","),
                &commit,
                r.finding.fingerprint.as_str(),
                &rule,
            )?;
            notes.push(format!(
                "BYPASS: {} {} in {} allowed by push option keyhook.allow (logged)",
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

    // Per-ref decision.
    let mut rejected = Vec::new();
    for (name, commits) in &ref_commits_map {
        let in_ref = |commit: Option<&CommitInfo>, path: &str| {
            brought_by(commit, path).iter().any(|c| commits.contains(c))
        };
        let count = verdict
            .findings
            .iter()
            .filter(|r| r.blocking && in_ref(r.origin.commit(), &r.path))
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
            .filter(|r| r.blocking && paths.contains(&r.path.as_str()))
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
        format!("{} blocked", rejected.join(", "))
    };
    Ok(PushOutcome {
        run: Run {
            mode: Mode::PreReceive,
            verdict,
            rules: Arc::clone(&config.rules),
        },
        refs_summary,
        secrets,
    })
}

/// What a pushed ref points at, tags followed.
enum Peeled {
    Commit(ObjectId),
    Blob(ObjectId),
    Tree(ObjectId),
}

/// Follows annotated tags to what they point at.
fn peel_to_commit(objects: &impl gix::objs::Find, mut id: ObjectId) -> Result<Peeled, Error> {
    let mut buf = Vec::new();
    for _ in 0..32 {
        let data = objects
            .find(&id, &mut buf)
            .map_err(|e| GitError::read(format!("object {id}"), e))?;
        match data.kind {
            gix::object::Kind::Commit => return Ok(Peeled::Commit(id)),
            gix::object::Kind::Blob => return Ok(Peeled::Blob(id)),
            gix::object::Kind::Tree => return Ok(Peeled::Tree(id)),
            gix::object::Kind::Tag => {
                id = data
                    .decode()
                    .ok()
                    .and_then(|o| o.as_tag().map(|t| t.target()))
                    .ok_or_else(|| GitError::read(format!("tag {id}"), "cannot decode"))?;
            }
        }
    }
    Err(GitError::Unsupported(format!("tag chain at {id} is too deep")).into())
}

/// Appends one bypass to the audit log (JSON lines).
fn audit_log(
    config: &Config,
    refs: &str,
    commit: &str,
    fingerprint: &str,
    rule: &str,
) -> Result<(), Error> {
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
        "event": "bypass",
        "ref": refs,
        "commit": commit,
        "fingerprint": fingerprint,
        "rule": rule,
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

/// After `install --server`: turn on push options when the server allows bypasses.
/// `explicit` is `--config`, as the hook would be given it.
pub fn after_server_install(server: &Path, explicit: Option<&Path>) -> Result<(), Error> {
    let repo = gix::open(server)
        .map_err(|e| Error::Usage(format!("{}: not a git repository: {e}", server.display())))?;
    let config = server_config(explicit, &repo)?;
    if config.pre_receive.allow_push_option_bypass {
        let status = std::process::Command::new("git")
            .arg("--git-dir")
            .arg(repo.git_dir())
            .args(["config", "receive.advertisePushOptions", "true"])
            .status()
            .map_err(|source| Error::Io {
                path: "git".into(),
                source,
            })?;
        if !status.success() {
            return Err(GitError::Unsupported(
                "git config receive.advertisePushOptions true failed".into(),
            )
            .into());
        }
        println!("bypass is enabled: set receive.advertisePushOptions = true");
    }
    println!(
        "server policy: {} (put keyhook.toml in {} or set `git config keyhook.config PATH`)",
        config
            .source
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "built-in defaults".into()),
        repo.git_dir().display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_updates_and_rejects_malformed_lines() {
        let z = "0".repeat(40);
        let a = "a".repeat(40);
        let ok = format!("{z} {a} refs/heads/main\n{a} {z} refs/heads/old\n");
        let updates = parse_updates(ok.as_bytes(), gix::hash::Kind::Sha1).unwrap();
        assert_eq!(updates.len(), 2);
        assert!(updates[0].old.is_null() && updates[1].new.is_null());
        for bad in [
            "garbage\n",
            &format!("{a} {a}\n"),
            &format!("{a} xyz refs/heads/x\n"),
        ] {
            let err = parse_updates(bad.as_bytes(), gix::hash::Kind::Sha1).unwrap_err();
            assert!(err.to_string().contains("line 1"), "{err}");
        }
        let sha256 = format!("{} {} refs/heads/main\n", "0".repeat(64), "b".repeat(64));
        assert!(parse_updates(sha256.as_bytes(), gix::hash::Kind::Sha1).is_err());
    }
}
