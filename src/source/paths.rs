//! Files and directories named on the command line, and standard input.
//!
//! Directories are walked like ripgrep (the `ignore` crate): `.gitignore`,
//! `.git/info/exclude` and global excludes are honoured unless `no_ignore` is set,
//! hidden files are scanned (`.env` is hidden), and `.git` folders never are.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::{Origin, Target};

/// Why a path could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PathsError {
    /// A path named on the command line does not exist.
    #[error("{path}: no such file or directory")]
    NotFound {
        /// The path as given.
        path: PathBuf,
    },
}

/// A file the walk found but could not read (reported, the scan goes on).
#[derive(Debug)]
pub struct Unreadable {
    /// The file.
    pub path: String,
    /// Why.
    pub message: String,
}

/// Options of a path walk.
#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    /// Scan ignored files too.
    pub no_ignore: bool,
    /// Files larger than this are not read (counted as too large).
    pub max_bytes: u64,
}

/// A file to scan, or one that was found too large to read.
#[derive(Debug)]
pub enum Entry {
    /// A file to read and scan.
    File(PathBuf),
    /// Larger than the size limit: counted, not read.
    TooLarge(PathBuf),
}

/// Lists the files under `roots` (files are taken as given). Missing roots are an
/// error up front; files that vanish or cannot be listed later are `Unreadable`.
pub fn walk(
    roots: &[PathBuf],
    options: &WalkOptions,
) -> Result<(Vec<Entry>, Vec<Unreadable>), PathsError> {
    for root in roots {
        if root.as_os_str() != "-" && std::fs::symlink_metadata(root).is_err() {
            return Err(PathsError::NotFound { path: root.clone() });
        }
    }
    let mut entries = Vec::new();
    let mut unreadable = Vec::new();
    for root in roots.iter().filter(|r| r.as_os_str() != "-") {
        // A path named explicitly that is not a folder is read whatever it is: a
        // regular file, a named pipe (`keyhook scan <(git show HEAD:app.py)`), a device.
        let metadata = std::fs::metadata(root);
        if metadata.as_ref().is_ok_and(|m| !m.is_dir()) {
            let size = metadata
                .map(|m| if m.is_file() { m.len() } else { 0 })
                .unwrap_or(0);
            entries.push(if size > options.max_bytes {
                Entry::TooLarge(root.clone())
            } else {
                Entry::File(root.clone())
            });
            continue;
        }
        let walker = ignore::WalkBuilder::new(root)
            .hidden(false)
            .ignore(!options.no_ignore)
            .git_ignore(!options.no_ignore)
            .git_global(!options.no_ignore)
            .git_exclude(!options.no_ignore)
            .parents(!options.no_ignore)
            .require_git(false)
            .filter_entry(|e| e.file_name() != ".git")
            .build();
        for item in walker {
            match item {
                Ok(entry) => {
                    if !entry.file_type().is_some_and(|t| t.is_file()) {
                        continue;
                    }
                    let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
                    let path = entry.into_path();
                    if size > options.max_bytes {
                        entries.push(Entry::TooLarge(path));
                    } else {
                        entries.push(Entry::File(path));
                    }
                }
                Err(err) => unreadable.push(Unreadable {
                    path: error_path(&err).unwrap_or_else(|| root.display().to_string()),
                    message: err.to_string(),
                }),
            }
        }
    }
    Ok((entries, unreadable))
}

fn error_path(err: &ignore::Error) -> Option<String> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.display().to_string()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        _ => None,
    }
}

/// Reads one file into a target.
pub fn read_file(path: &Path) -> std::io::Result<Target> {
    Ok(Target {
        path: display_path(path),
        blob: None,
        bytes: std::fs::read(path)?,
        added_lines: None,
        origin: Origin::File,
    })
}

/// Reads standard input into a target named `<stdin>`.
pub fn read_stdin() -> std::io::Result<Target> {
    let mut bytes = Vec::new();
    std::io::stdin().lock().read_to_end(&mut bytes)?;
    Ok(Target {
        path: "<stdin>".to_string(),
        blob: None,
        bytes,
        added_lines: None,
        origin: Origin::Stdin,
    })
}

/// A path as shown: `./` stripped, `/` separators.
pub fn display_path(path: &Path) -> String {
    let shown = path.strip_prefix(".").unwrap_or(path);
    shown.to_string_lossy().replace('\\', "/")
}
