//! The doors, as a library: each turns one git state (or a set of files) into an
//! [`Outcome`] — the verdict plus its counts — and prints nothing, decides no exit
//! code.
//!
//! | door | module | what it checks |
//! |---|---|---|
//! | pre-commit | [`staged`] | the index against HEAD, added lines only |
//! | pre-push | [`push`] | the commits the remote does not have |
//! | pre-receive | [`receive`] | the commits new to the server, under its own policy and budget |
//! | audit | [`history`] | every blob of the history once, each finding placed at its oldest commit |
//! | scan | [`paths`] | files, directories and standard input |
//!
//! Each door takes a `Context` (the repository, the config, the policy, what to scan)
//! and [`Options`] (knobs with defaults); [`install`] writes and removes the hooks.
//! What the doors share lives here once: the blob scanner ([`blobs`]), the one pass
//! over a pack ([`pack_pass`]), config and policy resolution.

pub mod blobs;
mod bypass;
pub mod history;
pub mod install;
pub mod metadata;
pub mod pack_pass;
pub mod paths;
pub mod push;
pub mod receive;
pub mod staged;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use crate::config::Config;
use crate::policy::{Baseline, Policy, Verdict};
use crate::report::Mode;
use crate::rules::RuleSet;
use crate::source::history::Counters;
use crate::source::repo::{self, GitError};
use crate::verify::{self, Secrets};
use crate::Error;

/// An open git repository (work tree, linked worktree or bare), as the doors take it.
pub struct Repo {
    inner: gix::Repository,
}

impl Repo {
    /// Opens the repository holding `dir`, like git's own discovery.
    pub fn discover(dir: &Path) -> Result<Repo, GitError> {
        repo::discover(dir).map(|inner| Repo { inner })
    }

    /// Opens exactly the repository at `path` (a server's bare repository); a folder
    /// that is not one is a usage error.
    pub fn open(path: &Path) -> Result<Repo, Error> {
        gix::open(path)
            .map(|inner| Repo { inner })
            .map_err(|e| Error::Usage(format!("{}: not a git repository: {e}", path.display())))
    }

    /// The work tree root, if the repository has one.
    pub fn work_tree(&self) -> Option<&Path> {
        self.inner.workdir()
    }

    /// The git dir (`.git`, or the bare repository itself).
    pub fn git_dir(&self) -> &Path {
        self.inner.git_dir()
    }

    /// Where a repository's `keyhook.toml` lives: the work tree root, else the git dir.
    pub fn root(&self) -> &Path {
        self.work_tree().unwrap_or(self.git_dir())
    }

    pub(crate) fn gix(&self) -> &gix::Repository {
        &self.inner
    }
}

/// Knobs every door takes; each has a default.
#[derive(Clone, Default)]
pub struct Options {
    /// Ask each provider whether the keys found are live (never changes the verdict).
    pub verify: bool,
    /// Counters a caller may draw progress from (the audit fills them).
    pub progress: Option<Arc<Counters>>,
    /// Set to stop reading early.
    pub interrupt: Option<Arc<AtomicBool>>,
}

/// What a door produced: the verdict, for a mode, with the rules it refers to.
pub struct Outcome {
    /// The door.
    pub mode: Mode,
    /// The verdict (findings, forbidden files, counts, notes, errors).
    pub verdict: Verdict,
    /// The rules the verdict refers to.
    pub rules: Arc<RuleSet>,
}

/// How a verdict classifies a run (the binary maps it to an exit code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Nothing blocking.
    Clean,
    /// Findings or forbidden files block.
    Blocked,
    /// Something could not be read.
    Incomplete,
}

impl Outcome {
    /// A door's outcome: `verdict`, with every string that came from content or
    /// config redacted by `scanner`'s rules (see [`redact_verdict`]).
    pub(crate) fn redacted(
        mode: Mode,
        mut verdict: Verdict,
        scanner: &crate::engine::Scanner,
    ) -> Outcome {
        redact_verdict(&mut verdict, scanner);
        Outcome {
            mode,
            verdict,
            rules: Arc::clone(scanner.rules()),
        }
    }

    /// Blocked when the verdict blocks, incomplete when something could not be read.
    /// An audit that could not read everything is incomplete even when it found keys:
    /// the caller must look at its errors.
    pub fn status(&self) -> Status {
        let incomplete = !self.verdict.errors.is_empty();
        if incomplete && self.mode == Mode::Audit {
            Status::Incomplete
        } else if self.verdict.blocked() {
            Status::Blocked
        } else if incomplete {
            Status::Incomplete
        } else {
            Status::Clean
        }
    }
}

/// The non-blank lines of a hook's standard input, numbered from 1; a read failure
/// (invalid UTF-8 included) is a usage error naming the line, since malformed hook
/// input is the caller's, not keyhook's.
pub(crate) fn input_lines(
    input: impl std::io::BufRead,
) -> impl Iterator<Item = Result<(usize, String), Error>> {
    input
        .lines()
        .enumerate()
        .map(|(n, line)| {
            line.map(|l| (n + 1, l))
                .map_err(|e| Error::Usage(format!("unreadable hook input on line {}: {e}", n + 1)))
        })
        .filter(|line| !matches!(line, Ok((_, l)) if l.trim().is_empty()))
}

/// Redacts every string of `verdict` that came from repository content or config
/// (paths, ref names, commit subjects and authors, notes, errors) with `scanner`'s
/// rules: whatever a door prints passes the redactor, so a key in a path, a commit
/// message or a branch name is shown as redacted as a key in a file.
pub(crate) fn redact_verdict(verdict: &mut Verdict, scanner: &crate::engine::Scanner) {
    let redact = |text: &mut String| {
        if let std::borrow::Cow::Owned(clean) = scanner.redact_text(text) {
            *text = clean;
        }
    };
    let redact_origin = |origin: &mut crate::source::Origin| {
        if let crate::source::Origin::Commit(info) = origin {
            redact(&mut info.subject);
            redact(&mut info.author);
        }
    };
    for r in &mut verdict.findings {
        redact(&mut r.path);
        if let Some(member) = &mut r.finding.member {
            redact(member);
        }
        redact_origin(&mut r.origin);
        if let Some(history) = &mut r.history {
            history.still_in.iter_mut().for_each(redact);
        }
    }
    for f in &mut verdict.forbidden {
        redact(&mut f.path);
        redact_origin(&mut f.origin);
        if let Some(still_in) = &mut f.still_in {
            still_in.iter_mut().for_each(redact);
        }
    }
    verdict.notes.iter_mut().for_each(redact);
    for e in &mut verdict.errors {
        redact(&mut e.path);
        redact(&mut e.message);
    }
}

/// Loads `explicit` (`--config`), else `keyhook.toml` in `root`, else the built-in
/// defaults.
pub fn load_config(explicit: Option<&Path>, root: &Path) -> Result<Config, Error> {
    let path = explicit
        .map(Path::to_path_buf)
        .or_else(|| crate::config::discover(root));
    Ok(match path {
        Some(path) => Config::load(&path)?,
        None => Config::builtin()?,
    })
}

/// A server's config: `explicit`, else `git config keyhook.config`, else
/// `keyhook.toml` in the repository's git dir. Never the pushed tree.
pub fn server_config(explicit: Option<&Path>, repo: &Repo) -> Result<Config, Error> {
    let path = explicit
        .map(Path::to_path_buf)
        .or_else(|| repo::config_string(repo.gix(), "keyhook.config").map(PathBuf::from))
        .or_else(|| crate::config::discover(repo.git_dir()));
    Ok(match path {
        Some(path) => Config::load(&path)?,
        None => Config::builtin()?,
    })
}

/// The policy of a run whose baseline is `baseline` if given, else the config's.
pub fn policy_for(baseline: Option<&Path>, config: &Config) -> Result<Policy, Error> {
    let baseline = match baseline.or(config.baseline.as_deref()) {
        Some(path) => Baseline::load(path)?,
        None => Baseline::default(),
    };
    Ok(Policy {
        block_severity: config.block_severity,
        allow_paths: config.allow_paths.clone(),
        baseline,
        forbidden: config.forbidden.clone(),
        inline_allow: crate::policy::InlineAllow::Honour,
    })
}

/// `--verify`: asks each provider, once per reported key, whether the key is live,
/// and attaches the answers; `cap` bounds each request's timeout. Blocking is left
/// as it was: a revoked key is still a leak.
pub fn verify_findings(
    verdict: &mut Verdict,
    rules: &RuleSet,
    secrets: Secrets,
    cap: Option<std::time::Duration>,
) -> Result<(), Error> {
    if !secrets.enabled() {
        return Ok(());
    }
    let mut options = verify::Options::from_env()?;
    if let Some(cap) = cap {
        options.timeout = options.timeout.min(cap);
    }
    let results = secrets.verify(rules, &verdict.fingerprints(), &options)?;
    verdict.set_validations(&results);
    Ok(())
}
