//! The whole history of a repository as blobs to scan once each, and where each blob
//! was first seen.
//!
//! The parts, each its own file:
//! - [`refs`]: which commits to start from (every ref, or `--ref`), and `--since`.
//! - [`blobs`]: objects read once each, packs first with gix-pack's delta-tree
//!   traversal on all cores, then whatever no pack held (loose, alternates, missing)
//!   by id; each object goes to a caller's sink.
//! - [`pack_map`]: a pack mapped for one traversal, its pages released as it goes.
//! - [`graph`]: the trees learnt during that read, so that the walk can skip every
//!   tree that leads to nothing it must place ([`graph::Reach`]).
//! - [`walk`]: the commits oldest first; each commit's tree is read recursing only
//!   into (tree, path) pairs not seen before, so every (blob, path) pair is met once,
//!   at the oldest commit that holds it ([`History`]).
//! - [`tips`]: which blobs and paths are still at the tip of each ref.
//!
//! An audit of every ref reads every object first (scanning blobs, learning trees)
//! and then walks only towards the blobs with findings: a clean repository pays
//! nothing for attribution. With `--ref` or `--since` the walk comes first and lists
//! the blobs in range, which are then read.
//!
//! This module reads; it never scans, judges or prints. Progress is reported through
//! [`Counters`] the caller may watch from another thread.

pub mod blobs;
pub mod graph;
pub mod pack_map;
pub mod refs;
pub mod tips;
pub mod walk;

use std::sync::atomic::AtomicU64;

use gix::bstr::BString;
use gix::ObjectId;

use super::{CommitInfo, GitError};
pub use refs::{Since, Tip};
pub use walk::{History, Place};

/// What part of the history to audit.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Start from these revisions (`--ref`); empty means every ref.
    pub refs: Vec<String>,
    /// Only commits after this date or commit (`--since`).
    pub since: Option<Since>,
}

/// Progress counters, updated by the walk and the blob reader (relaxed atomics: a
/// progress display reads them from another thread).
#[derive(Debug, Default)]
pub struct Counters {
    /// Commits walked.
    pub commits: AtomicU64,
    /// Blobs to read in all.
    pub blobs_total: AtomicU64,
    /// Blobs read so far.
    pub blobs_done: AtomicU64,
    /// Bytes read so far.
    pub bytes: AtomicU64,
    /// What the audit is doing: [`Counters::WALKING`], [`Counters::READING`] or
    /// [`Counters::PLACING`].
    pub phase: std::sync::atomic::AtomicU8,
    /// `blobs_total` and `blobs_done` count every object read (trees, commits and
    /// tags too), as the one pass over the store does; else blobs only.
    pub all_objects: std::sync::atomic::AtomicBool,
}

impl Counters {
    /// Walking commits to list what to read.
    pub const WALKING: u8 = 0;
    /// Reading objects (and scanning blobs).
    pub const READING: u8 = 1;
    /// Walking commits toward the blobs with findings, to place them.
    pub const PLACING: u8 = 2;
}

/// Something that could not be read; the audit went on without it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    /// The object id (or ref name) involved.
    pub what: String,
    /// Why.
    pub message: String,
}

impl ReadError {
    pub(crate) fn new(what: impl ToString, message: impl ToString) -> ReadError {
        ReadError {
            what: what.to_string(),
            message: message.to_string(),
        }
    }
}

/// The author, date and subject of commit `id`, for attribution.
pub fn commit_info(repo: &gix::Repository, id: ObjectId) -> Result<CommitInfo, GitError> {
    let commit = repo
        .find_commit(id)
        .map_err(|e| GitError::read(format!("commit {id}"), e))?;
    let decoded = commit
        .decode()
        .map_err(|e| GitError::read(format!("commit {id}"), e))?;
    let author = decoded
        .author()
        .map_err(|e| GitError::read(format!("author of commit {id}"), e))?;
    let time = author
        .time()
        .map(|t| t.format_or_unix(gix::date::time::format::ISO8601_STRICT))
        .unwrap_or_else(|_| author.time.to_string());
    let author = author.trim();
    Ok(CommitInfo {
        id: id.to_string(),
        author: format!("{} <{}>", author.name, author.email),
        time,
        subject: String::from_utf8_lossy(decoded.message().summary().as_ref()).into_owned(),
    })
}

/// True when the repository is a partial clone (`extensions.partialClone` or a
/// promisor remote): its missing blobs are expected, not corruption.
pub fn is_partial_clone(repo: &gix::Repository) -> bool {
    let config = repo.config_snapshot();
    if config.string("extensions.partialClone").is_some() {
        return true;
    }
    repo.remote_names()
        .iter()
        .any(|name| config.boolean(format!("remote.{name}.promisor").as_str()) == Some(true))
}

/// A path as shown to users.
pub fn display(path: &BString) -> String {
    String::from_utf8_lossy(path).into_owned()
}
