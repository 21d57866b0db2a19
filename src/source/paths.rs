//! Files and directories named on the command line, and standard input.
//!
//! Directories are walked like ripgrep (the `ignore` crate): `.gitignore`,
//! `.git/info/exclude` and global excludes are honoured unless `no_ignore` is set,
//! hidden files are scanned (`.env` is hidden), and `.git` folders never are.
//!
//! Every read is bounded (issue 10):
//! - a walk scans regular files only; a named pipe, device or socket met in a walk
//!   is counted as skipped (`not-a-file`), never opened;
//! - a path named on the command line that is not a folder is read whatever it is
//!   (a regular file, a pipe such as `<(git show HEAD:app.py)`, a device), but at
//!   most `max_bytes + 1` bytes: more than `max_bytes` makes it too large (counted),
//!   so `/dev/zero`, `/dev/urandom` or an endless writer end the read; a named pipe
//!   is opened with `O_NONBLOCK` (then set back to blocking), so a FIFO nobody writes
//!   to reads as empty instead of hanging the scan; a socket is skipped (`not-a-file`);
//! - standard input is read the same way, at most `max_bytes + 1` bytes.

use std::fs::File;
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
    /// Not scanned, for the reason given (`not-a-file`: a named pipe, device or
    /// socket in a walk, or a socket named explicitly): counted, not opened.
    Skipped(PathBuf, &'static str),
}

/// Skip reason of a named pipe, device or socket met in a walk.
pub const NOT_A_FILE: &str = "not-a-file";

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
        // regular file, a named pipe (`keyhook scan <(git show HEAD:app.py)`), a device;
        // the read itself is bounded (see `read_file_limited`). A socket cannot be read.
        let metadata = std::fs::metadata(root);
        if let Some(m) = metadata.as_ref().ok().filter(|m| !m.is_dir()) {
            let size = if m.is_file() { m.len() } else { 0 };
            entries.push(if is_socket(m) {
                Entry::Skipped(root.clone(), NOT_A_FILE)
            } else if size > options.max_bytes {
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
                    let Some(file_type) = entry.file_type() else {
                        continue; // stdin: never yielded by a walk of paths
                    };
                    if file_type.is_dir() || file_type.is_symlink() {
                        continue; // folders are walked; symlinks are not followed
                    }
                    if !file_type.is_file() {
                        // A FIFO would block the walk, a device never ends: not opened.
                        entries.push(Entry::Skipped(entry.into_path(), NOT_A_FILE));
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

/// The size limit of [`read_file`] and [`read_stdin`]: the engine's default.
const DEFAULT_LIMIT: u64 = 64 * 1024 * 1024;

/// Reads one file into a target, bounded by the default size limit (64 MiB); prefer
/// [`read_file_limited`] with the run's `max_bytes`.
pub fn read_file(path: &Path) -> std::io::Result<Target> {
    read_file_limited(path, DEFAULT_LIMIT)
}

/// Reads one file into a target, at most `limit + 1` bytes: a target longer than
/// `limit` is one the engine skips as too large (with `ScanOptions::max_bytes` =
/// `limit`), so `/dev/zero` or an endless pipe costs one bounded read.
pub fn read_file_limited(path: &Path, limit: u64) -> std::io::Result<Target> {
    let file = open_for_read(path)?;
    Ok(Target {
        path: display_path(path),
        blob: None,
        bytes: read_at_most(file, limit)?,
        added_lines: None,
        origin: Origin::File,
    })
}

/// Reads standard input into a target named `<stdin>`, bounded by the default
/// size limit; prefer [`read_stdin_limited`].
pub fn read_stdin() -> std::io::Result<Target> {
    read_stdin_limited(DEFAULT_LIMIT)
}

/// Reads standard input into a target named `<stdin>`, at most `limit + 1` bytes
/// (as [`read_file_limited`]): `yes | keyhook scan -` ends.
pub fn read_stdin_limited(limit: u64) -> std::io::Result<Target> {
    Ok(Target {
        path: "<stdin>".to_string(),
        blob: None,
        bytes: read_at_most(std::io::stdin().lock(), limit)?,
        added_lines: None,
        origin: Origin::Stdin,
    })
}

/// Reads at most `limit + 1` bytes of `reader`: a result longer than `limit` means
/// "more than the limit", and the rest is never read.
pub fn read_at_most(reader: impl Read, limit: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Opens `path` for reading without waiting for a writer: a named pipe is opened
/// with `O_NONBLOCK` (open(2) on a FIFO otherwise blocks until someone opens it for
/// writing), then set back to blocking, so reads wait for a writer that is there and
/// see end-of-file at once when there is none (fifo(7)). Regular files and devices
/// are unaffected by the flag.
pub fn open_for_read(path: &Path) -> std::io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        use std::os::unix::io::AsRawFd;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)?;
        let fd = file.as_raw_fd();
        // SAFETY: `fd` is open (owned by `file`) for the duration of both calls, and
        // F_GETFL / F_SETFL only read and set its status flags.
        let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
        if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(file)
    }
    #[cfg(not(unix))]
    {
        File::open(path)
    }
}

#[cfg(unix)]
fn is_socket(metadata: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    metadata.file_type().is_socket()
}

#[cfg(not(unix))]
fn is_socket(_: &std::fs::Metadata) -> bool {
    false
}

/// A path as shown: `./` stripped, `/` separators.
pub fn display_path(path: &Path) -> String {
    let shown = path.strip_prefix(".").unwrap_or(path);
    shown.to_string_lossy().replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stop_one_byte_past_the_limit() {
        let endless = std::io::repeat(b'y');
        assert_eq!(read_at_most(endless, 10).unwrap().len(), 11);
        assert_eq!(read_at_most(&b"abc"[..], 10).unwrap(), b"abc");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn devices_are_read_bounded() {
        let target = read_file_limited(Path::new("/dev/zero"), 1000).unwrap();
        assert_eq!(target.bytes.len(), 1001);
    }
}
