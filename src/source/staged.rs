//! What `git commit` would record: the index compared with `HEAD`'s tree.
//!
//! The index is read, never the work tree, so partial staging (`git add -p`) is judged
//! on what will be committed. The index is compared with `HEAD`'s tree one folder at a
//! time, skipping the folders its cache-tree says are unchanged (see `IndexDiff`);
//! an unborn `HEAD` is the empty tree.

use std::collections::HashMap;
use std::ops::Range;

use gix::bstr::{BStr, BString, ByteSlice};
use gix::index::entry::{Mode, Stage};
use gix::index::extension::Tree;
use gix::objs::tree::EntryMode;
use gix::ObjectId;

use super::commits::tree_entries;
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
    /// True when the staged blob is `HEAD`'s (a listed file with no staged change,
    /// as `pre-commit run --all-files` lists them): its content is already committed.
    pub committed: bool,
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
    /// Folders outside a sparse checkout (one sparse-index entry each) whose tree
    /// differs from `HEAD`'s: their files cannot be listed from the index.
    pub sparse: Vec<String>,
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
    let only: Option<Vec<BString>> = options
        .only
        .as_ref()
        .map(|paths| paths.iter().map(|p| BString::from(normalize(p))).collect());
    let paths: Vec<&BStr> = index.entries().iter().map(|e| e.path(&index)).collect();
    let mut diff = IndexDiff {
        repo,
        entries: index.entries(),
        paths: &paths,
        only: only.as_deref(),
        out: StagedChanges::default(),
    };
    // With listed paths, unchanged files are returned too: no folder is skipped.
    let cache = index.tree().filter(|_| only.is_none());
    let head = (!head_tree.is_empty_tree()).then_some(head_tree);
    diff.folder(b"", 0..paths.len(), cache, head)?;
    let mut out = diff.out;
    if let Some(only) = &only {
        for path in only {
            if !paths.contains(&path.as_bstr()) {
                out.not_staged.push(display(path.as_bstr()));
            }
        }
    }
    Ok(out)
}

/// The index compared with `HEAD`, one folder at a time.
///
/// Index entries are sorted by path, so a folder's entries are one contiguous range.
/// A folder whose cache-tree entry (the index's `TREE` extension, which `git commit`
/// itself writes its trees from) is valid and names `HEAD`'s tree for that folder is
/// unchanged and skipped whole; the others read `HEAD`'s tree for that folder only.
/// So the cost follows the folders that changed, not the repository's size (what
/// `git diff-index --cached` does).
struct IndexDiff<'a> {
    repo: &'a gix::Repository,
    entries: &'a [gix::index::Entry],
    paths: &'a [&'a BStr],
    only: Option<&'a [BString]>,
    out: StagedChanges,
}

impl IndexDiff<'_> {
    /// Compares the index entries in `range` (all under `prefix`, which ends in `/`
    /// unless it is the root) with `HEAD`'s tree `head` for that folder.
    fn folder(
        &mut self,
        prefix: &[u8],
        range: Range<usize>,
        cache: Option<&Tree>,
        head: Option<ObjectId>,
    ) -> Result<(), GitError> {
        if let (Some(cache), Some(head)) = (cache, head) {
            if cache.num_entries.is_some() && cache.id == head {
                return Ok(());
            }
        }
        let mut buf = Vec::new();
        let head_tree = tree_entries(&self.repo.objects, head, &mut buf)?;
        let head_entries: HashMap<&[u8], (EntryMode, ObjectId)> = head_tree
            .iter()
            .map(|e| (e.filename.as_bytes(), (e.mode, e.oid.to_owned())))
            .collect();
        let mut i = range.start;
        while i < range.end {
            let path = self.paths[i];
            let rest = &path[prefix.len()..];
            if self.entries[i].mode.is_sparse() {
                // A sparse index keeps a folder outside the sparse checkout as one
                // entry naming its tree.
                let name = rest.strip_suffix(b"/").unwrap_or(rest);
                let same = head_entries
                    .get(name)
                    .is_some_and(|(mode, id)| mode.is_tree() && *id == self.entries[i].id);
                if !same {
                    self.out.sparse.push(display(path));
                }
                i += 1;
                continue;
            }
            if let Some(slash) = rest.find_byte(b'/') {
                let name = &rest[..slash];
                let sub = &path[..prefix.len() + slash + 1];
                let end = i + self.paths[i..range.end].partition_point(|p| p.starts_with(sub));
                let child_cache =
                    cache.and_then(|c| c.children.iter().find(|t| t.name.as_slice() == name));
                let child_head = head_entries
                    .get(name.as_bytes())
                    .filter(|(mode, _)| mode.is_tree())
                    .map(|(_, id)| *id);
                self.folder(sub, i..end, child_cache, child_head)?;
                i = end;
                continue;
            }
            let in_head = head_entries
                .get(rest.as_bytes())
                .filter(|(mode, _)| !mode.is_tree())
                .copied();
            self.file(i, in_head);
            i += 1;
        }
        Ok(())
    }

    /// Judges index entry `i` against `HEAD`'s entry at the same path.
    fn file(&mut self, i: usize, in_head: Option<(EntryMode, ObjectId)>) {
        let (path, entry) = (self.paths[i], &self.entries[i]);
        if self
            .only
            .is_some_and(|only| !only.iter().any(|p| p == path))
        {
            return;
        }
        let out = &mut self.out;
        if entry.stage() != Stage::Unconflicted {
            let shown = display(path);
            if !out.unmerged.contains(&shown) {
                out.unmerged.push(shown);
            }
            return;
        }
        let listed = self.only.is_some();
        let unchanged = in_head.is_some_and(|(_, id)| id == entry.id);
        if unchanged && !listed {
            return; // same blob (a mode-only change scans nothing)
        }
        if entry.mode == Mode::COMMIT {
            out.submodules.push(display(path));
            return;
        }
        let head_id = in_head
            .filter(|(mode, _)| !mode.is_commit() && !unchanged)
            .map(|(_, id)| id);
        out.changes.push(StagedChange {
            path: display(path),
            id: entry.id,
            head_id,
            symlink: entry.mode == Mode::SYMLINK,
            committed: unchanged,
        });
    }
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
