//! Commits new to a remote or server, and the blobs each one adds or changes.
//!
//! Everything here is generic over an object finder, so the pre-receive hook can pass
//! one that sees git's quarantined objects (see `quarantine.rs`).

use std::collections::{HashMap, HashSet};

use gix::bstr::{BString, ByteSlice};
use gix::objs::FindExt;
use gix::ObjectId;

use super::repo::GitError;
use super::CommitInfo;

pub use super::reach::{new_commits, NewCommitWalk};

/// A blob a commit adds or changes at a path.
#[derive(Debug, Clone)]
pub struct BlobChange {
    /// Repository-relative path.
    pub path: BString,
    /// The new blob.
    pub id: ObjectId,
    /// The blob at this path in each parent that has one (empty for a new path).
    pub parent_ids: Vec<ObjectId>,
}

/// What one commit introduces.
#[derive(Debug, Clone)]
pub struct CommitChanges {
    /// The commit.
    pub commit: CommitInfo,
    /// Added or changed blobs (for a merge: those that differ from every parent).
    pub blobs: Vec<BlobChange>,
    /// Added or changed submodule entries (gitlinks): not scanned, named.
    pub submodules: Vec<BString>,
}

/// Reads a commit's metadata and the blobs it introduces (those `interest` wants).
/// `None` when `interest` knows the commit's tree and wants nothing under it: the
/// commit is not even read.
pub fn commit_changes<F>(
    objects: &F,
    id: ObjectId,
    interest: &mut dyn Interest,
) -> Result<Option<CommitChanges>, GitError>
where
    F: gix::objs::Find,
{
    if interest
        .commit_tree(&id)
        .is_some_and(|tree| !interest.tree(&tree))
    {
        return Ok(None);
    }
    let mut buf = Vec::new();
    let commit = objects
        .find_commit(&id, &mut buf)
        .map_err(|e| GitError::read(format!("commit {id}"), e))?;
    let tree = commit.tree();
    let parents: Vec<ObjectId> = commit.parents().collect();
    let info = commit_info(id, &commit);

    let mut per_parent = Vec::with_capacity(parents.len().max(1));
    if parents.is_empty() {
        per_parent.push(diff_trees(objects, None, tree, interest)?);
    }
    for parent in &parents {
        let mut pbuf = Vec::new();
        let parent_tree = objects
            .find_commit(parent, &mut pbuf)
            .map_err(|e| GitError::read(format!("commit {parent}"), e))?
            .tree();
        per_parent.push(diff_trees(objects, Some(parent_tree), tree, interest)?);
    }
    // A merge introduces what differs from every parent: keep the (path, blob) pairs
    // present in every parent's diff.
    let (first, rest) = per_parent.split_first().expect("at least one diff");
    let mut blobs = Vec::new();
    let mut submodules = Vec::new();
    for change in &first.changes {
        let in_all = rest.iter().all(|d| {
            d.changes
                .iter()
                .any(|c| c.path == change.path && c.id == change.id)
        });
        if !in_all {
            continue;
        }
        if change.submodule {
            submodules.push(change.path.clone());
            continue;
        }
        // A pure rename or copy of a blob that was already in the parent adds nothing.
        if first.removed.contains(&change.id) && change.old.is_none() {
            continue;
        }
        let parent_ids = per_parent
            .iter()
            .filter_map(|d| {
                d.changes
                    .iter()
                    .find(|c| c.path == change.path)
                    .and_then(|c| c.old)
            })
            .collect();
        blobs.push(BlobChange {
            path: change.path.clone(),
            id: change.id,
            parent_ids,
        });
    }
    Ok(Some(CommitChanges {
        commit: info,
        blobs,
        submodules,
    }))
}

/// Author, time and subject of the commit whose object bytes are `bytes`, if they
/// decode.
pub fn commit_info_from_bytes(id: ObjectId, bytes: &[u8]) -> Option<CommitInfo> {
    gix::objs::CommitRef::from_bytes(bytes, id.kind())
        .ok()
        .map(|commit| commit_info(id, &commit))
}

/// Author, time and subject of a commit.
fn commit_info(id: ObjectId, commit: &gix::objs::CommitRef<'_>) -> CommitInfo {
    let (author, time) = match commit.author() {
        Ok(sig) => (
            format!(
                "{} <{}>",
                sig.name.trim().to_str_lossy(),
                sig.email.trim().to_str_lossy()
            ),
            sig.time()
                .map(|t| t.format_or_unix(gix::date::time::format::ISO8601_STRICT))
                .unwrap_or_default(),
        ),
        Err(_) => (String::new(), String::new()),
    };
    let subject = commit
        .message
        .lines()
        .next()
        .map(|l| l.to_str_lossy().trim().to_string())
        .unwrap_or_default();
    CommitInfo {
        id: id.to_string(),
        author,
        time,
        subject,
    }
}

struct TreeDiff {
    changes: Vec<Changed>,
    removed: HashSet<ObjectId>,
}

struct Changed {
    path: BString,
    id: ObjectId,
    old: Option<ObjectId>,
    submodule: bool,
}

/// Which parts of a commit's trees a scan needs.
///
/// A scan that has already read and judged every pushed blob in one pass (the
/// pre-receive hook's pack pass) only needs the trees that lead to blobs it must still
/// place: the tree diff asks before reading a tree, and skips the rest unread.
pub trait Interest {
    /// True when tree `id` must be read: it may hold (at any depth) a blob this scan
    /// wants, a submodule, or a tree the caller knows nothing about.
    fn tree(&mut self, id: &gix::oid) -> bool;
    /// True when blob `id` must be reported as added or changed.
    fn blob(&self, id: &gix::oid) -> bool;
    /// The root tree of commit `id`, when known without reading the commit.
    fn commit_tree(&self, _id: &gix::oid) -> Option<ObjectId> {
        None
    }
}

/// Every tree and blob is wanted: the plain diff.
pub struct Everything;

impl Interest for Everything {
    fn tree(&mut self, _: &gix::oid) -> bool {
        true
    }
    fn blob(&self, _: &gix::oid) -> bool {
        true
    }
}

/// One entry of a tree, borrowed from its buffer.
type Entry<'a> = gix::objs::tree::EntryRef<'a>;

/// The blobs and submodules that differ between `old` and `new` (a missing `old` is
/// the empty tree), and the blobs `old` had that `new` no longer has at their path.
/// A pair of subtrees is read only when `interest` wants one of them; entries are
/// matched by name, so a file that became a folder (or the reverse) is a removal
/// plus an addition.
fn diff_trees<F>(
    objects: &F,
    old: Option<ObjectId>,
    new: ObjectId,
    interest: &mut dyn Interest,
) -> Result<TreeDiff, GitError>
where
    F: gix::objs::Find,
{
    let mut diff = TreeDiff {
        changes: Vec::new(),
        removed: HashSet::new(),
    };
    let mut stack: Vec<(Option<ObjectId>, Option<ObjectId>, BString)> =
        vec![(old, Some(new), BString::default())];
    let (mut old_buf, mut new_buf) = (Vec::new(), Vec::new());
    while let Some((old, new, prefix)) = stack.pop() {
        let old_entries = tree_entries(objects, old, &mut old_buf)?;
        let new_entries = tree_entries(objects, new, &mut new_buf)?;
        let mut unmatched: HashMap<&[u8], &Entry<'_>> = old_entries
            .iter()
            .map(|e| (e.filename.as_bytes(), e))
            .collect();
        for entry in &new_entries {
            let previous = unmatched.remove(entry.filename.as_bytes());
            if previous
                .is_some_and(|p| p.oid == entry.oid && p.mode.is_tree() == entry.mode.is_tree())
            {
                continue;
            }
            let previous_tree = previous
                .filter(|p| p.mode.is_tree())
                .map(|p| p.oid.to_owned());
            let previous_blob = previous
                .filter(|p| p.mode.is_blob_or_symlink())
                .map(|p| p.oid.to_owned());
            let path = join(&prefix, entry.filename);
            if let Some(blob) = previous_blob.filter(|_| !entry.mode.is_blob_or_symlink()) {
                diff.removed.insert(blob);
            }
            if entry.mode.is_tree() {
                let id = entry.oid.to_owned();
                if interest.tree(&id) || previous_tree.is_some_and(|t| interest.tree(&t)) {
                    stack.push((previous_tree, Some(id), path));
                }
                continue;
            }
            if let Some(tree) = previous_tree.filter(|t| interest.tree(t)) {
                stack.push((Some(tree), None, path.clone()));
            }
            if entry.mode.is_commit() {
                diff.changes.push(Changed {
                    path,
                    id: entry.oid.to_owned(),
                    old: None,
                    submodule: true,
                });
            } else if interest.blob(entry.oid) {
                diff.changes.push(Changed {
                    path,
                    id: entry.oid.to_owned(),
                    old: previous_blob,
                    submodule: false,
                });
            }
        }
        // What `new` no longer has at its name: a removed blob, or a removed folder
        // whose blobs are looked for only if it holds something wanted.
        for entry in unmatched.into_values() {
            if entry.mode.is_blob_or_symlink() {
                diff.removed.insert(entry.oid.to_owned());
            } else if entry.mode.is_tree() && interest.tree(entry.oid) {
                stack.push((
                    Some(entry.oid.to_owned()),
                    None,
                    join(&prefix, entry.filename),
                ));
            }
        }
    }
    Ok(diff)
}

/// The entries of tree `id` (none for `None`).
pub(crate) fn tree_entries<'a, F>(
    objects: &F,
    id: Option<ObjectId>,
    buf: &'a mut Vec<u8>,
) -> Result<Vec<Entry<'a>>, GitError>
where
    F: gix::objs::Find,
{
    let Some(id) = id else {
        return Ok(Vec::new());
    };
    objects
        .find_tree_iter(&id, buf)
        .map_err(|e| GitError::read(format!("tree {id}"), e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| GitError::read(format!("tree {id}"), e))
}

/// `prefix/name` (or `name` at the root).
fn join(prefix: &BString, name: &gix::bstr::BStr) -> BString {
    let mut path = prefix.clone();
    if !path.is_empty() {
        path.push(b'/');
    }
    path.extend_from_slice(name);
    path
}

/// What refs point at, for use as hidden tips of [`NewCommitWalk`], which follows
/// tags and ignores what does not lead to a commit (a tag of a blob, as in git.git).
/// A packed ref's peeled line (`^<id>`) is used when there is one; otherwise the ref's
/// own target, unread, so a thousand refs cost no object reads here. `prefix` narrows
/// to e.g. `refs/remotes/origin/`.
pub fn ref_commits(
    repo: &gix::Repository,
    prefix: Option<&str>,
) -> Result<Vec<ObjectId>, GitError> {
    let platform = repo.references().map_err(|e| GitError::read("refs", e))?;
    let iter = match prefix {
        Some(prefix) => platform.prefixed(prefix),
        None => platform.all(),
    }
    .map_err(|e| GitError::read("refs", e))?;
    let mut out = Vec::new();
    for reference in iter {
        let mut reference = reference.map_err(|e| GitError::read("refs", e))?;
        let direct = reference
            .inner
            .peeled
            .or_else(|| reference.inner.target.try_id().map(ToOwned::to_owned));
        match direct {
            Some(id) => out.push(id),
            // A symbolic ref: followed.
            None => {
                if let Ok(id) = reference.peel_to_id() {
                    out.push(id.detach());
                }
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Every blob in `tree`, recursively (for a ref or tag that points at a tree).
pub fn tree_blobs<F>(objects: &F, tree: ObjectId) -> Result<Vec<BlobChange>, GitError>
where
    F: gix::objs::Find,
{
    let diff = diff_trees(objects, None, tree, &mut Everything)?;
    Ok(diff
        .changes
        .into_iter()
        .filter(|c| !c.submodule)
        .map(|c| BlobChange {
            path: c.path,
            id: c.id,
            parent_ids: Vec::new(),
        })
        .collect())
}
