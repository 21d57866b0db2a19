//! Commits new to a remote or server, and the blobs each one adds or changes.
//!
//! Everything here is generic over an object finder, so the pre-receive hook can pass
//! one that sees git's quarantined objects (see `quarantine.rs`).

use std::collections::HashSet;

use gix::bstr::{BString, ByteSlice};
use gix::objs::tree::EntryKind;
use gix::objs::FindExt;
use gix::ObjectId;

use super::repo::GitError;
use super::CommitInfo;

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

/// Commits reachable from `tips` and from none of `hidden` (git's
/// `rev-list TIPS --not HIDDEN`). `hidden` must hold commits only (peel refs first:
/// a tag may point at a blob or tree).
pub fn new_commits<F>(
    objects: F,
    tips: &[ObjectId],
    hidden: &[ObjectId],
) -> Result<Vec<ObjectId>, GitError>
where
    F: gix::objs::Find,
{
    if tips.is_empty() {
        return Ok(Vec::new());
    }
    let walk = gix::traverse::commit::Simple::new(tips.iter().copied(), objects)
        .hide(hidden.iter().copied())
        .map_err(|e| GitError::read("commit graph", e))?;
    let mut out = Vec::new();
    for info in walk {
        let info = info.map_err(|e| GitError::read("commit graph", e))?;
        out.push(info.id);
    }
    Ok(out)
}

/// Reads a commit's metadata and the blobs it introduces.
pub fn commit_changes<F>(objects: &F, id: ObjectId) -> Result<CommitChanges, GitError>
where
    F: gix::objs::Find,
{
    let mut buf = Vec::new();
    let commit = objects
        .find_commit(&id, &mut buf)
        .map_err(|e| GitError::read(format!("commit {id}"), e))?;
    let tree = commit.tree();
    let parents: Vec<ObjectId> = commit.parents().collect();
    let info = commit_info(id, &commit);

    let mut per_parent = Vec::with_capacity(parents.len().max(1));
    if parents.is_empty() {
        per_parent.push(diff_trees(objects, None, tree)?);
    }
    for parent in &parents {
        let mut pbuf = Vec::new();
        let parent_tree = objects
            .find_commit(parent, &mut pbuf)
            .map_err(|e| GitError::read(format!("commit {parent}"), e))?
            .tree();
        per_parent.push(diff_trees(objects, Some(parent_tree), tree)?);
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
    Ok(CommitChanges {
        commit: info,
        blobs,
        submodules,
    })
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

fn diff_trees<F>(objects: &F, old: Option<ObjectId>, new: ObjectId) -> Result<TreeDiff, GitError>
where
    F: gix::objs::Find,
{
    use gix::diff::tree::recorder::Change;
    let mut old_buf = Vec::new();
    let mut new_buf = Vec::new();
    let old_iter = match old {
        Some(id) => objects
            .find_tree_iter(&id, &mut old_buf)
            .map_err(|e| GitError::read(format!("tree {id}"), e))?,
        None => gix::objs::TreeRefIter::from_bytes(&[], new.kind()),
    };
    let new_iter = objects
        .find_tree_iter(&new, &mut new_buf)
        .map_err(|e| GitError::read(format!("tree {new}"), e))?;
    let mut recorder = gix::diff::tree::Recorder::default();
    gix::diff::tree(
        old_iter,
        new_iter,
        gix::diff::tree::State::default(),
        objects,
        &mut recorder,
    )
    .map_err(|e| GitError::read(format!("diff of tree {new}"), e))?;
    let mut diff = TreeDiff {
        changes: Vec::new(),
        removed: HashSet::new(),
    };
    for change in recorder.records {
        match change {
            Change::Addition {
                entry_mode,
                oid,
                path,
                ..
            } => push(&mut diff, entry_mode.kind(), path, oid, None),
            Change::Modification {
                previous_entry_mode,
                previous_oid,
                entry_mode,
                oid,
                path,
                ..
            } => {
                let old = previous_entry_mode
                    .is_blob_or_symlink()
                    .then_some(previous_oid);
                if oid != previous_oid {
                    push(&mut diff, entry_mode.kind(), path, oid, old);
                }
            }
            Change::Deletion {
                entry_mode, oid, ..
            } => {
                if entry_mode.is_blob_or_symlink() {
                    diff.removed.insert(oid);
                }
            }
        }
    }
    Ok(diff)
}

fn push(diff: &mut TreeDiff, kind: EntryKind, path: BString, id: ObjectId, old: Option<ObjectId>) {
    match kind {
        EntryKind::Blob | EntryKind::BlobExecutable | EntryKind::Link => {
            diff.changes.push(Changed {
                path,
                id,
                old,
                submodule: false,
            })
        }
        EntryKind::Commit => diff.changes.push(Changed {
            path,
            id,
            old: None,
            submodule: true,
        }),
        EntryKind::Tree => {}
    }
}

/// The commits that refs point at (tags peeled), for use as hidden tips. Refs that
/// do not lead to a commit (a tag of a blob, as in git.git) are left out. `prefix`
/// narrows to e.g. `refs/remotes/origin/`.
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
        if let Ok(commit) = reference.peel_to_commit() {
            out.push(commit.id);
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
    let diff = diff_trees(objects, None, tree)?;
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
