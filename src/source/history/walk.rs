//! The commit walk: commits oldest first, each tree read once per path it appears at,
//! so every (blob, path) pair is met once, at the oldest commit holding it.
//!
//! Memoizing on (tree id, path) rather than tree id alone costs a little on renamed
//! folders (their unchanged tree is read again under the new name) and is what makes
//! "every path a key was ever committed at" exact.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use gix::bstr::{BString, ByteSlice};
use gix::objs::{Find as _, TreeRefIter};
use gix::revision::walk::Sorting;
use gix::traverse::commit::simple::CommitTimeOrder;
use gix::ObjectId;

use super::graph::Reach;
use super::{Counters, Options, ReadError, Since, Tip};
use crate::source::GitError;

/// One place a blob was committed at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// Index into [`History::commits`] of the oldest commit holding the blob at `path`.
    pub commit: u32,
    /// Repository-relative path.
    pub path: BString,
}

/// What the walk found.
#[derive(Debug, Default)]
pub struct History {
    /// The commits, oldest first (commit-time order reversed).
    pub commits: Vec<ObjectId>,
    /// Every blob in the audited range, with each path it was committed at (oldest
    /// place first).
    pub blobs: gix::hashtable::HashMap<ObjectId, Vec<Place>>,
    /// Submodules (gitlink entries) by path, with the first commit and the submodule
    /// commit recorded: not audited here.
    pub gitlinks: BTreeMap<BString, (u32, ObjectId)>,
    /// Commits and trees that could not be read.
    pub errors: Vec<ReadError>,
    /// The repository is a shallow clone: history stops at its shallow boundary.
    pub shallow: bool,
}

/// Walks the commits reachable from `tips` (within `options.since`) and collects
/// every (blob, path) pair they hold. Unreadable commits and trees are recorded in
/// [`History::errors`] and skipped.
///
/// With `reach`, only the trees it [holds](Reach::holds) are read and only the blobs
/// it [wants](Reach::wants_blob) recorded: the same places for those blobs, at a
/// fraction of the reads.
///
/// `order` is [`commit_order`] of the same tips and options (it can be worked out
/// while something else runs).
pub fn walk(
    repo: &gix::Repository,
    order: CommitOrder,
    options: &Options,
    counters: &Counters,
    interrupt: &AtomicBool,
    reach: Option<&mut Reach<'_>>,
) -> Result<History, GitError> {
    let mut history = History {
        shallow: repo.is_shallow().unwrap_or(false),
        errors: order.errors,
        ..History::default()
    };
    let phase = if reach.is_some() {
        Counters::PLACING
    } else {
        Counters::WALKING
    };
    counters.phase.store(phase, Ordering::Relaxed);
    counters.commits.store(0, Ordering::Relaxed);
    let (walked, parents) = (order.walked, order.parents);
    // With --since, the trees of the commits just outside the range are walked first,
    // so that what they already held is not reported as introduced in the range.
    let boundary: Vec<ObjectId> = if options.since.is_some() {
        let inside: gix::hashtable::HashSet<ObjectId> = walked.iter().map(|w| w.0).collect();
        let mut outside: Vec<ObjectId> = parents
            .into_iter()
            .filter(|p| !inside.contains(p))
            .collect();
        outside.sort();
        outside.dedup();
        outside
    } else {
        Vec::new()
    };
    let mut commits: Vec<(ObjectId, Option<ObjectId>)> =
        boundary.iter().map(|id| (*id, None)).collect();
    commits.extend(walked.into_iter().rev());

    // Each commit's trees are compared with its parent's, read just before: an
    // object cache turns those second reads into hits instead of delta-chain decodes.
    let mut cached = repo.clone();
    cached.object_cache_size_if_unset(OBJECT_CACHE_BYTES);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let range = Range {
        repo: &cached,
        commits: &commits,
        boundary: boundary.len(),
        counters,
        interrupt,
    };
    // With --since, what the boundary commits held must be met before the range:
    // that needs one walk in order. Otherwise the commits are split into slices
    // walked on all threads and the oldest place of each (blob, path) kept.
    if boundary.is_empty() && threads > 1 && commits.len() >= PARALLEL_WALK_COMMITS {
        range.walk_parallel(threads, reach.as_deref(), &mut history);
    } else {
        range.walk(0..commits.len(), reach, &mut history);
    }
    history.commits = commits.into_iter().map(|c| c.0).collect();
    if !boundary.is_empty() {
        let first = boundary.len() as u32;
        history.blobs.retain(|_, places| {
            places.retain(|p| p.commit >= first);
            !places.is_empty()
        });
        history.gitlinks.retain(|_, (commit, _)| *commit >= first);
    }
    Ok(history)
}

/// Object cache of a walking thread (see [`walk`]).
const OBJECT_CACHE_BYTES: usize = 64 * 1024 * 1024;

/// Fewest commits worth splitting across threads.
const PARALLEL_WALK_COMMITS: usize = 2_000;

/// Slices per thread: work differs from one stretch of history to another, and
/// each slice pays once for its first commit's whole tree.
const SLICES_PER_THREAD: usize = 4;

/// The commits to walk, oldest first, and what each slice of them shares.
struct Range<'a> {
    repo: &'a gix::Repository,
    commits: &'a [(ObjectId, Option<ObjectId>)],
    /// The first `boundary` commits lie just outside `--since`.
    boundary: usize,
    counters: &'a Counters,
    interrupt: &'a AtomicBool,
}

impl Range<'_> {
    /// Walks the commits at `indexes` in order into `history`.
    fn walk(
        &self,
        indexes: std::ops::Range<usize>,
        mut reach: Option<&mut Reach<'_>>,
        history: &mut History,
    ) {
        let repo = self.repo;
        // Root tree of each commit walked so far: a commit's tree is compared with
        // its first parent's, so unchanged entries cost a compare, not a memo lookup.
        let mut roots: gix::hashtable::HashMap<ObjectId, ObjectId> = Default::default();
        let mut trees = TreeWalk::new(repo);
        let mut buf = Vec::new();
        for index in indexes {
            let (id, parent) = self.commits[index];
            if self.interrupt.load(Ordering::Relaxed) {
                history
                    .errors
                    .push(ReadError::new("history", "interrupted"));
                break;
            }
            let outside = index < self.boundary;
            let read = match reach.as_deref().and_then(|r| r.tree_of(&id)) {
                // The pass that built `reach` already read this commit.
                Some(tree) => Ok(Some(Read::Tree(tree))),
                None => repo
                    .objects
                    .try_find(&id, &mut buf)
                    .map(|d| d.map(Read::Object)),
            };
            let tree = match read {
                Ok(Some(Read::Tree(tree))) => Ok(tree),
                Ok(Some(Read::Object(data))) if data.kind == gix::object::Kind::Commit => {
                    gix::objs::CommitRefIter::from_bytes(data.data, repo.object_hash()).tree_id()
                }
                Ok(Some(Read::Object(data))) => {
                    history.errors.push(ReadError::new(
                        id,
                        format!("expected a commit, found a {}", data.kind),
                    ));
                    continue;
                }
                Ok(None) if outside => continue,
                Ok(None) => {
                    history.errors.push(ReadError::new(id, "commit is missing"));
                    continue;
                }
                Err(e) => {
                    history.errors.push(ReadError::new(id, e));
                    continue;
                }
            };
            match tree {
                Ok(tree) => {
                    let old = parent.and_then(|p| roots.get(&p).copied());
                    roots.insert(id, tree);
                    if reach.as_deref_mut().is_none_or(|r| r.holds(&tree)) {
                        trees.walk(index as u32, tree, old, reach.as_deref_mut(), history);
                    }
                }
                Err(e) => history.errors.push(ReadError::new(id, e)),
            }
            if !outside {
                self.counters.commits.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Walks slices of the commits on `threads` threads, each with its own object
    /// cache, memo and copy of `reach`, and merges what they found into `history`:
    /// for each (blob, path) and each submodule path, the oldest commit any slice
    /// met it at, which is the commit a walk in order records.
    fn walk_parallel(&self, threads: usize, reach: Option<&Reach<'_>>, history: &mut History) {
        let slices = threads * SLICES_PER_THREAD;
        let per_slice = self.commits.len().div_ceil(slices);
        let next = std::sync::atomic::AtomicUsize::new(0);
        let (commits, boundary, counters, interrupt) =
            (self.commits, self.boundary, self.counters, self.interrupt);
        let found: Vec<History> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    let mut repo = self.repo.clone();
                    repo.object_cache_size(OBJECT_CACHE_BYTES / threads);
                    let mut reach = reach.cloned();
                    let next = &next;
                    scope.spawn(move || {
                        let range = Range {
                            repo: &repo,
                            commits,
                            boundary,
                            counters,
                            interrupt,
                        };
                        let mut found = History::default();
                        loop {
                            let slice = next.fetch_add(1, Ordering::Relaxed);
                            let start = slice * per_slice;
                            if start >= range.commits.len() {
                                break found;
                            }
                            let end = (start + per_slice).min(range.commits.len());
                            range.walk(start..end, reach.as_mut(), &mut found);
                        }
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().expect("walk threads do not panic"))
                .collect()
        });
        for part in found {
            for (blob, places) in part.blobs {
                let all = history.blobs.entry(blob).or_default();
                for place in places {
                    match all.iter_mut().find(|p| p.path == place.path) {
                        Some(p) => p.commit = p.commit.min(place.commit),
                        None => all.push(place),
                    }
                }
            }
            for (path, (commit, id)) in part.gitlinks {
                let entry = history.gitlinks.entry(path).or_insert((commit, id));
                if commit < entry.0 {
                    *entry = (commit, id);
                }
            }
            for error in part.errors {
                if !history.errors.contains(&error) {
                    history.errors.push(error);
                }
            }
        }
        for places in history.blobs.values_mut() {
            places.sort_by_key(|p| p.commit);
        }
    }
}

/// The commits [`walk`] visits: newest first by commit time, each with its first
/// parent; with `--since`, every parent they name; and what could not be read.
pub struct CommitOrder {
    walked: Vec<(ObjectId, Option<ObjectId>)>,
    parents: Vec<ObjectId>,
    errors: Vec<ReadError>,
}

/// The commits reachable from `tips` within `options.since`, newest first by commit
/// time (one rev walk; no tree is read).
pub fn commit_order(
    repo: &gix::Repository,
    tips: &[Tip],
    options: &Options,
) -> Result<CommitOrder, GitError> {
    let mut starts: Vec<ObjectId> = tips.iter().map(|t| t.commit).collect();
    starts.sort();
    starts.dedup();
    let order = CommitTimeOrder::NewestFirst;
    let mut platform = repo.rev_walk(starts).sorting(Sorting::ByCommitTime(order));
    match options.since {
        Some(Since::Date(seconds)) => {
            platform = platform.sorting(Sorting::ByCommitTimeCutoff { order, seconds });
        }
        Some(Since::Commit(id)) => platform = platform.with_hidden([id]),
        None => {}
    }
    let iter = platform
        .all()
        .map_err(|e| GitError::read("the commit graph", e))?;
    let mut found = CommitOrder {
        walked: Vec::new(),
        parents: Vec::new(),
        errors: Vec::new(),
    };
    for info in iter {
        match info {
            Ok(info) => {
                if options.since.is_some() {
                    found.parents.extend(info.parent_ids.iter().copied());
                }
                found
                    .walked
                    .push((info.id, info.parent_ids.first().copied()));
            }
            Err(e) => {
                // The walk cannot go past a commit it cannot read.
                found.errors.push(ReadError::new("the commit graph", e));
                break;
            }
        }
    }
    Ok(found)
}

/// How many commits [`walk`] would visit from `tips` within `options.since` (one rev
/// walk; no tree is read).
pub fn count_commits(
    repo: &gix::Repository,
    tips: &[Tip],
    options: &Options,
) -> Result<usize, GitError> {
    Ok(commit_order(repo, tips, options)?.walked.len())
}

/// A commit's tree as known from the pass, or the commit as read now.
enum Read<'a> {
    Tree(ObjectId),
    Object(gix::objs::Data<'a>),
}

/// The memoized tree walk.
struct TreeWalk<'a> {
    repo: &'a gix::Repository,
    /// Trees already walked, with the paths they were walked at.
    seen: gix::hashtable::HashMap<ObjectId, Vec<BString>>,
    stack: Vec<(ObjectId, BString, Option<ObjectId>)>,
    buf: Vec<u8>,
    old_buf: Vec<u8>,
    path: Vec<u8>,
}

impl<'a> TreeWalk<'a> {
    fn new(repo: &'a gix::Repository) -> Self {
        TreeWalk {
            repo,
            seen: Default::default(),
            stack: Vec::new(),
            buf: Vec::new(),
            old_buf: Vec::new(),
            path: Vec::new(),
        }
    }

    /// Records every (blob, path) pair under `root` not met before. `old` is the
    /// first parent's root tree: entries it holds unchanged at the same path were
    /// recorded with it, and are skipped with a compare.
    fn walk(
        &mut self,
        commit: u32,
        root: ObjectId,
        old: Option<ObjectId>,
        mut reach: Option<&mut Reach<'_>>,
        history: &mut History,
    ) {
        if !self.first_visit(root, b"") {
            return;
        }
        self.stack.push((root, BString::default(), old));
        let mut old_buf = std::mem::take(&mut self.old_buf);
        while let Some((tree, prefix, old)) = self.stack.pop() {
            // A tree the pass learnt, none of whose own blobs is wanted, is walked
            // from the graph: its folders and submodules, no read.
            if let Some(known) = reach.as_deref().and_then(|r| r.known(&tree)) {
                for (name, child) in known.subtrees() {
                    join_into(&mut self.path, &prefix, name);
                    if reach.as_deref_mut().is_some_and(|r| r.holds(child))
                        && remember(&mut self.seen, *child, &self.path)
                    {
                        self.stack
                            .push((*child, self.path.as_bstr().to_owned(), None));
                    }
                }
                for (name, link) in known.gitlinks() {
                    join_into(&mut self.path, &prefix, name);
                    history
                        .gitlinks
                        .entry(self.path.as_bstr().to_owned())
                        .or_insert((commit, *link));
                }
                continue;
            }
            let old_entries = old
                .and_then(|old| {
                    self.repo
                        .objects
                        .try_find(&old, &mut old_buf)
                        .ok()
                        .flatten()
                })
                .filter(|data| data.kind == gix::object::Kind::Tree)
                .and_then(|data| {
                    gix::objs::TreeRef::from_bytes(data.data, self.repo.object_hash()).ok()
                })
                .map(|t| t.entries)
                .unwrap_or_default();
            let mut j = 0;
            let data = match self.repo.objects.try_find(&tree, &mut self.buf) {
                Ok(Some(data)) if data.kind == gix::object::Kind::Tree => data.data,
                Ok(Some(data)) => {
                    history.errors.push(ReadError::new(
                        tree,
                        format!("expected a tree, found a {}", data.kind),
                    ));
                    continue;
                }
                Ok(None) => {
                    history.errors.push(ReadError::new(tree, "tree is missing"));
                    continue;
                }
                Err(e) => {
                    history.errors.push(ReadError::new(tree, e));
                    continue;
                }
            };
            for entry in TreeRefIter::from_bytes(data, self.repo.object_hash()) {
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(e) => {
                        history.errors.push(ReadError::new(tree, e));
                        break;
                    }
                };
                // Both trees are sorted; a byte-order walk finds the same name when
                // it is there (a miss only costs the memo lookup below).
                while j < old_entries.len() && old_entries[j].filename < entry.filename {
                    j += 1;
                }
                let previous = old_entries.get(j).filter(|o| o.filename == entry.filename);
                if previous.is_some_and(|o| o.oid == entry.oid && o.mode == entry.mode) {
                    continue;
                }
                let previous_tree = previous
                    .filter(|o| o.mode.is_tree())
                    .map(|o| o.oid.to_owned());
                join_into(&mut self.path, &prefix, entry.filename);
                let id = entry.oid.to_owned();
                if entry.mode.is_tree() {
                    if reach.as_deref_mut().is_none_or(|r| r.holds(&id))
                        && remember(&mut self.seen, id, &self.path)
                    {
                        self.stack
                            .push((id, self.path.as_bstr().to_owned(), previous_tree));
                    }
                } else if entry.mode.is_commit() {
                    history
                        .gitlinks
                        .entry(self.path.as_bstr().to_owned())
                        .or_insert((commit, id));
                } else if reach.as_deref().is_none_or(|r| r.wants_blob(&id)) {
                    let places = history.blobs.entry(id).or_default();
                    if !places.iter().any(|p| p.path == self.path) {
                        places.push(Place {
                            commit,
                            path: self.path.as_bstr().to_owned(),
                        });
                    }
                }
            }
        }
        self.old_buf = old_buf;
    }

    fn first_visit(&mut self, tree: ObjectId, path: &[u8]) -> bool {
        remember(&mut self.seen, tree, path)
    }
}

/// Sets `path` to `prefix/name` (`name` at the root).
fn join_into(path: &mut Vec<u8>, prefix: &[u8], name: &[u8]) {
    path.clear();
    if !prefix.is_empty() {
        path.extend_from_slice(prefix);
        path.push(b'/');
    }
    path.extend_from_slice(name);
}

/// Records (tree, path); false when it was already there.
fn remember(
    seen: &mut gix::hashtable::HashMap<ObjectId, Vec<BString>>,
    tree: ObjectId,
    path: &[u8],
) -> bool {
    let paths = seen.entry(tree).or_default();
    if paths.iter().any(|p| p == path) {
        false
    } else {
        paths.push(path.into());
        true
    }
}
