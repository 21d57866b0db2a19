//! What `git commit` would record: the index compared with `HEAD`'s tree.
//!
//! The index is read, never the work tree, so partial staging (`git add -p`) is judged
//! on what will be committed. `HEAD`'s tree is turned into an index in memory and the
//! two sorted entry lists are merge-joined by path (≈ 5 ms for 3,000 files); an unborn
//! `HEAD` is the empty tree.

use std::cmp::Ordering;

use gix::bstr::{BString, ByteSlice};
use gix::index::entry::{Mode, Stage};
use gix::ObjectId;

use super::repo::{display, GitError};

/// A staged path whose blob differs from `HEAD`'s, or every listed path when
/// [`StagedOptions::only`] names paths.
#[derive(Debug, Clone)]
pub struct StagedChange {
    /// Repository-relative path, for display.
    pub path: String,
    /// The staged blob.
    pub id: ObjectId,
    /// The blob at this path in `HEAD`, if any.
    pub head_id: Option<ObjectId>,
    /// True for a symlink (its blob is the link target's text).
    pub symlink: bool,
}

/// Everything the index says about the next commit.
#[derive(Debug, Default)]
pub struct StagedChanges {
    /// Added or modified blobs.
    pub changes: Vec<StagedChange>,
    /// Added or changed submodule entries (gitlinks): not scanned, named.
    pub submodules: Vec<String>,
    /// Paths with merge conflicts (no stage-0 entry yet).
    pub unmerged: Vec<String>,
    /// Paths named in [`StagedOptions::only`] that are not in the index.
    pub not_staged: Vec<String>,
}

/// Options for reading the staged state.
#[derive(Debug, Clone, Default)]
pub struct StagedOptions {
    /// Restrict to these repository-relative paths (as the pre-commit framework
    /// passes them). Listed paths identical to `HEAD` are still returned, with no
    /// `head_id`, so the whole staged blob is scanned: a listed file never passes
    /// unscanned.
    pub only: Option<Vec<String>>,
}

/// Reads the index and `HEAD` and lists what the next commit adds or changes.
pub fn staged_changes(
    repo: &gix::Repository,
    options: &StagedOptions,
) -> Result<StagedChanges, GitError> {
    let index = repo
        .index_or_empty()
        .map_err(|e| GitError::read("the index", e))?;
    let head_tree = repo
        .head_tree_id_or_empty()
        .map_err(|e| GitError::read("HEAD", e))?
        .detach();
    let head_index = if head_tree.is_empty_tree() {
        None
    } else {
        Some(
            repo.index_from_tree(&head_tree)
                .map_err(|e| GitError::read(format!("HEAD's tree {head_tree}"), e))?,
        )
    };
    let staged: Vec<(&gix::bstr::BStr, &gix::index::Entry)> = index
        .entries()
        .iter()
        .map(|e| (e.path(&index), e))
        .collect();
    let head: Vec<(&gix::bstr::BStr, &gix::index::Entry)> = head_index
        .as_ref()
        .map(|h| h.entries().iter().map(|e| (e.path(h), e)).collect())
        .unwrap_or_default();

    let only: Option<Vec<BString>> = options
        .only
        .as_ref()
        .map(|paths| paths.iter().map(|p| BString::from(normalize(p))).collect());
    let wanted = |path: &gix::bstr::BStr| only.as_ref().is_none_or(|o| o.iter().any(|p| p == path));

    let mut out = StagedChanges::default();
    let (mut i, mut j) = (0, 0);
    while i < staged.len() {
        let (path, entry) = staged[i];
        while j < head.len() && head[j].0.cmp(path) == Ordering::Less {
            j += 1;
        }
        let in_head = (j < head.len() && head[j].0 == path).then(|| head[j].1);
        i += 1;
        if !wanted(path) {
            continue;
        }
        if entry.stage() != Stage::Unconflicted {
            let shown = display(path);
            if !out.unmerged.contains(&shown) {
                out.unmerged.push(shown);
            }
            continue;
        }
        let listed = only.is_some();
        let unchanged = in_head.is_some_and(|h| h.id == entry.id);
        if unchanged && !listed {
            continue; // same blob (a mode-only change scans nothing)
        }
        if entry.mode == Mode::COMMIT {
            out.submodules.push(display(path));
            continue;
        }
        let head_id = in_head
            .filter(|h| h.mode != Mode::COMMIT && !unchanged)
            .map(|h| h.id);
        out.changes.push(StagedChange {
            path: display(path),
            id: entry.id,
            head_id,
            symlink: entry.mode == Mode::SYMLINK,
        });
    }
    if let Some(only) = &only {
        for path in only {
            if !staged.iter().any(|(p, _)| *p == path.as_bstr()) {
                out.not_staged.push(display(path.as_bstr()));
            }
        }
    }
    Ok(out)
}

/// `./a/b` and `a\b` (from a Windows-style caller) become `a/b`.
fn normalize(path: &str) -> String {
    let path = path.replace('\\', "/");
    path.strip_prefix("./").unwrap_or(&path).to_string()
}

/// Reads a blob's bytes.
pub fn read_blob(repo: &gix::Repository, id: ObjectId) -> Result<Vec<u8>, GitError> {
    repo.find_object(id)
        .map(|o| o.detach().data)
        .map_err(|e| GitError::read(format!("blob {id}"), e))
}

/// True for a Git LFS pointer file (the content lives in LFS storage).
pub fn is_lfs_pointer(bytes: &[u8]) -> bool {
    bytes.len() < 1024 && bytes.starts_with(b"version https://git-lfs.github.com/spec/v1")
}
