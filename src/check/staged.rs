//! The pre-commit door: what is staged (the index, never the work tree), added lines
//! only; forbidden files refused; `.gitignore` checked.

use std::path::Path;
use std::sync::Arc;

use crate::config::Config;
use crate::engine::Scanner;
use crate::policy::{GitignoreMode, Policy, Verdict};
use crate::report::Mode;
use crate::source::commits::tree_blobs;
use crate::source::gitignore::missing_ignore_lines;
use crate::source::loose::LooseFirst;
use crate::source::repo::GitError;
use crate::source::staged::{staged_changes, StagedChanges, StagedOptions};
use crate::source::{Location, Origin};
use crate::verify::Secrets;
use crate::Error;

use super::blobs::{note_submodule, BlobItem, BlobScanner};
use super::{Options, Outcome, Repo};

/// What the pre-commit door checks.
pub struct Context<'a> {
    /// The repository (it must have a work tree).
    pub repo: &'a Repo,
    /// The config in force.
    pub config: &'a Config,
    /// The policy in force.
    pub policy: &'a Policy,
    /// Only the staged versions of these files (as the pre-commit framework passes
    /// them, relative to `cwd`); empty: everything staged. A listed file identical to
    /// HEAD is scanned whole.
    pub files: &'a [String],
    /// The folder `files` are relative to.
    pub cwd: &'a Path,
}

/// Scans the staged changes.
pub fn check(cx: &Context<'_>, options: &Options) -> Result<Outcome, Error> {
    let staged = read(cx.repo, cx.files, cx.cwd)?;
    check_read(cx, &staged, options)
}

/// Reads what is staged: the index compared with `HEAD` (no config needed, so a
/// caller can load the config meanwhile). `files` and `cwd` as in [`Context`].
pub fn read(repo: &Repo, files: &[String], cwd: &Path) -> Result<StagedChanges, Error> {
    let repo = repo.gix();
    let root = repo.workdir().ok_or_else(|| {
        Error::Usage("pre-commit needs a work tree; this repository is bare".into())
    })?;
    let only = (!files.is_empty()).then(|| {
        let prefix = cwd.strip_prefix(root).unwrap_or(Path::new(""));
        files
            .iter()
            .map(|f| crate::source::paths::display_path(&prefix.join(f)))
            .collect()
    });
    Ok(staged_changes(repo, &StagedOptions { only })?)
}

/// Scans staged changes [`read`] from `cx.repo` with `cx.files` and `cx.cwd`.
pub fn check_read(
    cx: &Context<'_>,
    staged: &StagedChanges,
    options: &Options,
) -> Result<Outcome, Error> {
    let repo = cx.repo.gix();
    let scanner = Scanner::new(Arc::clone(&cx.config.rules), cx.config.scan.clone());
    let secrets = Secrets::new(options.verify);

    let objects = LooseFirst::new(repo.objects.store_ref().path(), repo.objects.clone());
    let mut blobs = BlobScanner::new(&objects, &scanner, cx.policy, &secrets);
    blobs.scan_all(
        staged
            .changes
            .iter()
            .map(|change| BlobItem {
                path: change.path.clone(),
                id: change.id,
                older: change.head_id.into_iter().collect(),
                origin: Origin::Staged,
            })
            .collect(),
    );
    let mut verdict = blobs.verdict;
    verdict.committed_paths = staged
        .changes
        .iter()
        .filter(|c| c.committed)
        .filter(|c| {
            verdict.findings.iter().any(|r| r.path == c.path)
                || verdict.forbidden.iter().any(|f| f.path == c.path)
        })
        .map(|c| c.path.clone())
        .collect();
    if cx.files.is_empty() {
        drop_renamed(repo, &staged.changes, &mut verdict)?;
    }
    for path in &staged.submodules {
        note_submodule(&mut verdict, path);
    }
    for path in &staged.unmerged {
        verdict.notes.push(format!(
            "{path} has merge conflicts: resolve and stage it, then commit"
        ));
    }
    for path in &staged.sparse {
        verdict.add_error(
            path.clone(),
            "this folder is outside the sparse checkout and differs from HEAD, so its files cannot be read from the index: run `git sparse-checkout disable`, then commit again",
        );
    }
    for path in &staged.not_staged {
        verdict.add_error(
            path.clone(),
            "not in the index: stage it (git add) so keyhook can scan what will be committed",
        );
    }
    check_gitignore(repo, cx.config, &mut verdict)?;
    super::verify_findings(&mut verdict, &cx.config.rules, secrets, None)?;
    Ok(Outcome::redacted(Mode::PreCommit, verdict, &scanner))
}

/// Judges a rename or copy as pre-push does: a staged blob at a new path that HEAD
/// already holds (at another path) adds no line, so its findings do not block (the
/// key is already committed: the audit and the push hooks see it there). HEAD's tree
/// is read only when such a blob has findings.
fn drop_renamed(
    repo: &gix::Repository,
    changes: &[crate::source::staged::StagedChange],
    verdict: &mut Verdict,
) -> Result<(), Error> {
    let new_paths: std::collections::HashMap<&str, gix::ObjectId> = changes
        .iter()
        .filter(|c| c.head_id.is_none())
        .map(|c| (c.path.as_str(), c.id))
        .collect();
    let candidate = |r: &crate::policy::Reported| {
        r.location == Location::Content && new_paths.contains_key(r.path.as_str())
    };
    if !verdict.findings.iter().any(candidate) {
        return Ok(());
    }
    let head = repo
        .head_tree_id_or_empty()
        .map_err(|e| GitError::read("HEAD", e))?
        .detach();
    if head.is_empty_tree() {
        return Ok(());
    }
    let in_head: std::collections::HashSet<gix::ObjectId> = tree_blobs(&repo.objects, head)?
        .into_iter()
        .map(|b| b.id)
        .collect();
    let summary = &mut verdict.summary;
    verdict.findings.retain(|r| {
        let moved = candidate(r) && in_head.contains(&new_paths[r.path.as_str()]);
        if moved {
            summary.findings -= 1;
            summary.blocking -= u64::from(r.blocking);
            summary.unchanged_lines += 1;
        }
        !moved
    });
    Ok(())
}

/// Fills in the `.gitignore` gaps according to the config's mode.
fn check_gitignore(
    repo: &gix::Repository,
    config: &Config,
    verdict: &mut Verdict,
) -> Result<(), GitError> {
    if config.gitignore == GitignoreMode::Off {
        return Ok(());
    }
    verdict.gitignore_missing = missing_ignore_lines(repo)?
        .into_iter()
        .map(str::to_string)
        .collect();
    verdict.gitignore_blocks = config.gitignore == GitignoreMode::Enforce;
    Ok(())
}
