//! The one pass over a push git kept as a pack: every pushed blob scanned, every tree
//! and commit learnt, before the commit walk, which then reads only what is left
//! (see [`PackPass`]).

use std::sync::atomic::AtomicBool;
use std::sync::Mutex;

use gix::ObjectId;

use crate::engine::Scanner;
use crate::policy::{Policy, Verdict};
use crate::source::commits::{Everything, Interest};
use crate::source::history::blobs::{self, read_packs};
use crate::source::history::graph::{GraphBuilder, Reach, TreeGraph};
use crate::source::history::Counters;
use crate::source::staged::is_lfs_pointer;

use super::metadata::MetadataScanner;

/// What one pass over a push's packs learnt.
///
/// A push of more than `receive.unpackLimit` objects arrives as a pack in the
/// quarantine, all of it new. Reading it with the audit's delta-tree traversal (all
/// cores, each delta base inflated once) costs what an audit of it costs; reading
/// each tree and blob by id through its delta chain cost ~6× more on a 20,000-commit
/// first push. So every blob is scanned here, and every tree and commit learnt, before
/// the commit walk; the walk then reads only the trees leading to what is left.
pub struct PackPass {
    /// Blobs with nothing left to do: scanned clean, skipped (binary, too large) or
    /// LFS pointers, each already counted in `verdict`.
    pub settled: gix::hashtable::HashSet<ObjectId>,
    /// The counts of the settled blobs (scanned, bytes, suppressed, skipped).
    pub verdict: Verdict,
    /// The packs' trees and commits, and the blobs under forbidden file names.
    pub graph: TreeGraph,
    /// The packs' commits, as read.
    commits: gix::hashtable::HashMap<ObjectId, Vec<u8>>,
    hash: gix::hash::Kind,
}

/// An object finder serving a [`PackPass`]'s commits from memory, the rest from
/// `inner`.
#[derive(Clone)]
pub struct PassObjects<'a, F> {
    commits: &'a gix::hashtable::HashMap<ObjectId, Vec<u8>>,
    hash: gix::hash::Kind,
    inner: F,
}

impl<F: gix::objs::Find> gix::objs::Find for PassObjects<'_, F> {
    fn try_find<'b>(
        &self,
        id: &gix::oid,
        buffer: &'b mut Vec<u8>,
    ) -> gix::Result<Option<gix::objs::Data<'b>>> {
        match self.commits.get(id) {
            Some(bytes) => {
                buffer.clear();
                buffer.extend_from_slice(bytes);
                Ok(Some(gix::objs::Data::new(
                    buffer,
                    gix::object::Kind::Commit,
                    self.hash,
                )))
            }
            None => self.inner.try_find(id, buffer),
        }
    }
}

/// What a [`PackPass`] reads.
#[derive(Clone, Copy)]
pub enum PassSource<'a> {
    /// Nothing: an empty pass, after which the walk reads everything by id.
    Nothing,
    /// The packs in an objects directory (a push's quarantine: every object new).
    Packs(&'a std::path::Path),
    /// Every object of a repository (pre-push of a long history, where most objects
    /// are new).
    Repository(&'a gix::Repository),
}

impl PackPass {
    /// Reads every object of `source` once. Blobs under file names `policy` forbids
    /// stay wanted by the walk; blobs with findings stay unsettled: the walk places
    /// them, and the usual path counts only added lines and verifies them.
    pub fn read(
        source: PassSource<'_>,
        hash: gix::hash::Kind,
        scanner: &Scanner,
        policy: &Policy,
    ) -> PackPass {
        // Blobs under forbidden names, and under names that hold a key, stay wanted:
        // the walk reaches them and judges their paths.
        let metadata = MetadataScanner { scanner, policy };
        let flag_name = |name: &[u8]| policy.forbidden.forbids_name(name) || metadata.finds(name);
        let graph = GraphBuilder::new(hash, &flag_name);
        let settled = Mutex::new((gix::hashtable::HashSet::default(), Verdict::default()));
        let commits = Mutex::new(gix::hashtable::HashMap::default());
        let sink = |kind: gix::object::Kind, id: ObjectId, bytes: &[u8]| match kind {
            gix::object::Kind::Blob => {
                let lfs = is_lfs_pointer(bytes);
                let outcome = (!lfs).then(|| scanner.scan(bytes));
                if outcome.as_ref().is_some_and(|o| !o.findings.is_empty()) {
                    return;
                }
                graph.add_blob(id);
                let mut guard = settled.lock().unwrap_or_else(|p| p.into_inner());
                let (ids, verdict) = &mut *guard;
                ids.insert(id);
                match outcome {
                    None => verdict.count_skipped("lfs-pointer"),
                    Some(outcome) => {
                        verdict.count_scanned(bytes.len(), &outcome);
                    }
                }
            }
            gix::object::Kind::Tree => graph.add_tree(id, bytes),
            gix::object::Kind::Commit => {
                graph.add_commit(id, bytes);
                commits
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(id, bytes.to_vec());
            }
            gix::object::Kind::Tag => {}
        };
        // An unreadable pack or entry only leaves objects unsettled or trees unknown:
        // the walk reads those by id, where a failure is reported.
        let (counters, interrupt) = (Counters::default(), AtomicBool::new(false));
        match source {
            PassSource::Nothing => {}
            PassSource::Packs(dir) => {
                let _ = read_packs(dir, hash, &counters, &interrupt, &sink);
            }
            PassSource::Repository(repo) => {
                let _ = blobs::read(
                    repo,
                    Vec::new(),
                    blobs::Scope::Everything,
                    &counters,
                    &interrupt,
                    &sink,
                );
            }
        }
        let (settled, verdict) = settled.into_inner().unwrap_or_else(|p| p.into_inner());
        PackPass {
            settled,
            verdict,
            graph: graph.finish(),
            commits: commits.into_inner().unwrap_or_else(|p| p.into_inner()),
            hash,
        }
    }

    /// `inner`, with the commits of the packs served from memory: the commit walk
    /// and the tree diffs read every new commit, and a commit kept here costs a copy
    /// instead of a pack lookup and inflate.
    pub fn objects<F>(&self, inner: F) -> PassObjects<'_, F> {
        PassObjects {
            commits: &self.commits,
            hash: self.hash,
            inner,
        }
    }

    /// What the commit walk must still read: the trees leading to blobs this pass did
    /// not settle (findings, blobs from outside what it read), to blobs under
    /// forbidden names, and to submodules. Forbidden patterns naming folders need
    /// every path: then every tree is walked (the settled blobs are still not read
    /// again).
    pub fn interest(&self, policy: &Policy) -> Box<dyn Interest + '_> {
        if !policy.forbidden.matches_names_only() {
            return Box::new(Everything);
        }
        let flagged = self.graph.flagged_blobs().iter().copied().collect();
        Box::new(PackInterest {
            reach: self.graph.reach(flagged),
            settled: &self.settled,
        })
    }
}

/// The commit walk's [`Interest`] after a [`PackPass`].
///
/// Blobs are decided by full id. Trees are decided by the pass's graph, which keys
/// objects by their first 8 bytes: a tree is skipped only when every blob under it
/// was settled by the pass, so a blob could be missed only if it came from outside
/// the pushed packs (already on the server) *and* its key equalled a settled blob's,
/// odds of about n²/2⁶⁴ by accident.
pub struct PackInterest<'a> {
    /// Trees leading to what is left; its targets are the blobs under forbidden
    /// names.
    reach: Reach<'a>,
    settled: &'a gix::hashtable::HashSet<ObjectId>,
}

impl Interest for PackInterest<'_> {
    fn tree(&mut self, id: &gix::oid) -> bool {
        self.reach.holds(id)
    }
    fn blob(&self, id: &gix::oid) -> bool {
        !self.settled.contains(id) || self.reach.is_target(id)
    }
    fn commit_tree(&self, id: &gix::oid) -> Option<ObjectId> {
        self.reach.tree_of(id)
    }
}
