//! Opening a repository, and the error every git source returns.

use std::path::{Path, PathBuf};

/// Why git state could not be read.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// No repository at or above the folder.
    #[error("{path}: not a git repository (or any parent folder)")]
    NotARepository {
        /// Where keyhook looked.
        path: PathBuf,
    },
    /// The repository could not be opened.
    #[error("cannot open repository {path}: {message}")]
    Open {
        /// The repository.
        path: PathBuf,
        /// The library's message.
        message: String,
    },
    /// An object, ref or index could not be read.
    #[error("cannot read {what}: {message}")]
    Read {
        /// What was being read (an object id, `the index`, a ref name).
        what: String,
        /// The library's message.
        message: String,
    },
    /// The repository is not in a state this command supports.
    #[error("{0}")]
    Unsupported(String),
}

impl GitError {
    /// A [`GitError::Read`] for `what`.
    pub fn read(what: impl Into<String>, err: impl std::fmt::Display) -> GitError {
        GitError::Read {
            what: what.into(),
            message: err.to_string(),
        }
    }
}

/// Opens the repository holding `dir` (work tree, linked worktree or bare), like
/// git's own discovery.
pub fn discover(dir: &Path) -> Result<gix::Repository, GitError> {
    gix::discover(dir).map_err(|e| {
        // gix's errors are opaque; tell "no repository here" apart by looking.
        let looks_like_repo = dir.ancestors().any(|d| {
            d.join(".git").exists() || (d.join("HEAD").is_file() && d.join("objects").is_dir())
        });
        if looks_like_repo {
            GitError::Open {
                path: dir.to_path_buf(),
                message: e.to_string(),
            }
        } else {
            GitError::NotARepository {
                path: dir.to_path_buf(),
            }
        }
    })
}

/// Repository-relative path of an index or tree entry, as shown to users.
pub fn display(path: &gix::bstr::BStr) -> String {
    String::from_utf8_lossy(path).into_owned()
}

/// The folder git runs hooks from: `core.hooksPath` (relative to the work tree root,
/// as git resolves it) or `hooks/` in the common git dir, which linked worktrees share.
pub fn hooks_dir(repo: &gix::Repository) -> PathBuf {
    let configured = repo
        .config_snapshot()
        .string("core.hooksPath")
        .map(|p| PathBuf::from(p.to_string()));
    match configured {
        Some(path) if path.is_absolute() => path,
        Some(path) => repo.workdir().unwrap_or(repo.git_dir()).join(path),
        None => repo.common_dir().join("hooks"),
    }
}

/// A value of the repository's git config (`keyhook.config`, …).
pub fn config_string(repo: &gix::Repository, key: &str) -> Option<String> {
    repo.config_snapshot().string(key).map(|v| v.to_string())
}
