//! `keyhook pre-commit [FILE…]`: scan what is staged (the index, never the work
//! tree), added lines only; refuse forbidden files; check `.gitignore`.

use std::path::Path;
use std::sync::Arc;

use keyhook::config::Config;
use keyhook::engine::Scanner;
use keyhook::policy::{GitignoreMode, Verdict};
use keyhook::report::Mode;
use keyhook::source::gitignore::missing_ignore_lines;
use keyhook::source::repo::{discover, GitError};
use keyhook::source::staged::{staged_changes, StagedOptions};
use keyhook::source::Origin;
use keyhook::verify::Secrets;
use keyhook::Error;

use super::blobs::{note_submodule, BlobItem, BlobScanner};
use super::{Globals, Run};

/// Arguments of `keyhook pre-commit`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scan the staged versions of exactly these files (as the pre-commit framework
    /// passes them); a listed file identical to HEAD is scanned whole.
    #[arg(value_name = "FILE")]
    pub files: Vec<String>,
    /// Ask each provider whether the keys found are live (sends each key to its
    /// own provider's read-only endpoint; see README). Never changes the exit code.
    #[arg(long)]
    pub verify: bool,
}

/// Scans the staged changes of the repository holding the current folder.
pub fn run(globals: &Globals, args: &Args) -> Result<Run, Error> {
    let cwd = super::current_dir()?;
    let repo = discover(&cwd)?;
    let root = repo
        .workdir()
        .ok_or_else(|| {
            Error::Usage("pre-commit needs a work tree; this repository is bare".into())
        })?
        .to_path_buf();
    let config = super::load_config(globals, &root)?;
    let policy = super::policy(globals, &config)?;
    let scanner = Scanner::new(Arc::clone(&config.rules), config.scan.clone());
    let secrets = Secrets::new(args.verify);

    let only = (!args.files.is_empty()).then(|| {
        let prefix = cwd.strip_prefix(&root).unwrap_or(Path::new(""));
        args.files
            .iter()
            .map(|f| keyhook::source::paths::display_path(&prefix.join(f)))
            .collect()
    });
    let staged = staged_changes(&repo, &StagedOptions { only })?;

    let objects = repo.objects.clone();
    let mut blobs = BlobScanner::new(&objects, &scanner, &policy, &secrets);
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
    check_gitignore(&repo, &config, &mut verdict)?;
    super::verify_findings(&mut verdict, &config.rules, secrets, None)?;
    Ok(Run {
        mode: Mode::PreCommit,
        verdict,
        rules: Arc::clone(&config.rules),
    })
}

/// Fills in the `.gitignore` gaps according to the config's mode.
pub fn check_gitignore(
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
