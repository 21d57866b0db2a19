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

/// The folder git runs hooks from, resolved as git resolves it: `core.hooksPath` from
/// every config git reads (system, global, the repository's, this worktree's
/// `config.worktree`, `GIT_CONFIG_*`), read as a path — `~/` and `~user/` expanded
/// (git's `interpolate_path`; a literal `~` folder in the work tree is what a plain
/// string read creates) — and, when relative, taken from where git runs hooks: the
/// work tree root, or the git dir of a bare repository (githooks(5)). Unset: `hooks/`
/// in the common git dir, which linked worktrees share.
pub fn hooks_dir(repo: &gix::Repository) -> Result<PathBuf, GitError> {
    let configured = repo
        .config_snapshot()
        .trusted_path("core.hooksPath")
        .map_err(|e| GitError::read("core.hooksPath", e))?;
    Ok(match configured {
        Some(path) if path.is_absolute() => path,
        Some(path) => repo.workdir().unwrap_or(repo.git_dir()).join(path),
        None => repo.common_dir().join("hooks"),
    })
}

/// A value of the repository's git config (`keyhook.config`, …).
pub fn config_string(repo: &gix::Repository, key: &str) -> Option<String> {
    repo.config_snapshot().string(key).map(|v| v.to_string())
}
