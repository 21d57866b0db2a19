//! The pre-commit door: what is staged (the index, never the work tree), added lines
//! only; forbidden files refused; `.gitignore` checked.

use std::path::Path;
use std::sync::Arc;

use crate::config::Config;
use crate::engine::Scanner;
use crate::policy::{GitignoreMode, Policy, Verdict};
use crate::report::Mode;
use crate::source::gitignore::missing_ignore_lines;
use crate::source::repo::GitError;
use crate::source::staged::{staged_changes, StagedOptions};
use crate::source::Origin;
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
    let repo = cx.repo.gix();
    let root = repo.workdir().ok_or_else(|| {
        Error::Usage("pre-commit needs a work tree; this repository is bare".into())
    })?;
    let scanner = Scanner::new(Arc::clone(&cx.config.rules), cx.config.scan.clone());
    let secrets = Secrets::new(options.verify);

    let only = (!cx.files.is_empty()).then(|| {
        let prefix = cx.cwd.strip_prefix(root).unwrap_or(Path::new(""));
        cx.files
            .iter()
            .map(|f| crate::source::paths::display_path(&prefix.join(f)))
            .collect()
    });
    let staged = staged_changes(repo, &StagedOptions { only })?;

    let objects = repo.objects.clone();
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
    super::redact_verdict(&mut verdict, &scanner);
    Ok(Outcome {
        mode: Mode::PreCommit,
        verdict,
        rules: Arc::clone(&cx.config.rules),
    })
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
