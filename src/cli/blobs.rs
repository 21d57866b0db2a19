//! Scanning git blobs, shared by the hooks: read a blob through any object finder,
//! recognise LFS pointers, keep only lines added relative to the older versions, scan
//! and judge. Each (blob, path) is scanned once per run.

use std::collections::HashSet;
use std::sync::atomic::AtomicBool;
use std::sync::Mutex;

use gix::objs::FindExt;
use gix::ObjectId;

use keyhook::engine::{ScanOutcome, Scanner, SkipReason};
use keyhook::policy::{Policy, Verdict};
use keyhook::source::commits::{commit_changes, BlobChange, Interest};
use keyhook::source::diff::added_lines;
use keyhook::source::history::blobs::read_packs;
use keyhook::source::history::graph::{GraphBuilder, NameFilter, Reach, TreeGraph};
use keyhook::source::history::Counters;
use keyhook::source::repo::{display, GitError};
use keyhook::source::staged::is_lfs_pointer;
use keyhook::source::{AddedLines, BlobId, Origin, Target};
use keyhook::verify::Secrets;

/// Scans blobs into one verdict.
pub struct BlobScanner<'a, F> {
    /// Where blobs are read from.
    pub objects: &'a F,
    /// The engine.
    pub scanner: &'a Scanner,
    /// The policy.
    pub policy: &'a Policy,
    /// Keeps raw secrets for `--verify` (or nothing, when it is off).
    pub secrets: &'a Secrets,
    /// The verdict being built.
    pub verdict: Verdict,
    /// Blobs already read, scanned and counted with nothing left to report (a push's
    /// pack, read in one pass: see [`BlobScanner::settle`]).
    settled: Option<&'a gix::hashtable::HashSet<ObjectId>>,
    seen: HashSet<(ObjectId, String)>,
}

/// A blob to scan at a path, with the older versions its added lines are counted
/// against (none: the whole blob is new).
pub struct BlobItem {
    /// Repository-relative path.
    pub path: String,
    /// The blob.
    pub id: ObjectId,
    /// Older versions of the blob at this path.
    pub older: Vec<ObjectId>,
    /// Where it was seen.
    pub origin: Origin,
}

/// A blob read and scanned; `None` outcome for a Git LFS pointer.
type Scanned = Result<(Vec<u8>, Option<ScanOutcome>), String>;

/// Below this many blobs per thread, threads cost more than they save.
const BLOBS_PER_THREAD: usize = 16;

impl<'a, F: gix::objs::Find + Clone + Send> BlobScanner<'a, F> {
    /// A scanner with an empty verdict.
    pub fn new(
        objects: &'a F,
        scanner: &'a Scanner,
        policy: &'a Policy,
        secrets: &'a Secrets,
    ) -> Self {
        BlobScanner {
            objects,
            scanner,
            policy,
            secrets,
            verdict: Verdict::default(),
            settled: None,
            seen: HashSet::new(),
        }
    }

    /// Takes what `pass` settled as done (and counts it): those blobs are not read
    /// again.
    pub fn settle(&mut self, pass: &'a PackPass) {
        self.settled = Some(&pass.settled);
        self.verdict.merge(pass.verdict.clone());
    }

    /// Scans one blob (see [`BlobScanner::scan_all`]).
    pub fn scan(&mut self, path: &str, id: ObjectId, older: &[ObjectId], origin: Origin) {
        self.scan_all(vec![BlobItem {
            path: path.to_string(),
            id,
            older: older.to_vec(),
            origin,
        }]);
    }

    /// Checks the path policy of each item, reads and scans the blobs (on several
    /// threads when there are many), then judges them in order, counting only lines
    /// added relative to the older versions.
    pub fn scan_all(&mut self, items: Vec<BlobItem>) {
        let mut todo = Vec::with_capacity(items.len());
        for item in items {
            if !self.seen.insert((item.id, item.path.clone())) {
                continue;
            }
            self.policy
                .check_forbidden(&item.path, &item.origin, &mut self.verdict);
            if self.policy.path_allowed(&item.path) {
                self.verdict.summary.allowlisted_paths += 1;
                continue;
            }
            if self
                .settled
                .is_some_and(|settled| settled.contains(&item.id))
            {
                continue;
            }
            todo.push(item);
        }
        let scanned = self.read_and_scan(&todo);
        for (item, result) in todo.into_iter().zip(scanned) {
            match result {
                Err(message) => self
                    .verdict
                    .add_error(format!("{} (blob {})", item.path, item.id), message),
                Ok((_, None)) => self.verdict.count_skipped("lfs-pointer"),
                Ok((bytes, Some(outcome))) => self.judge(item, bytes, outcome),
            }
        }
    }

    /// Scans what each of `commits` introduces, oldest first (`commits` as a walk
    /// returns them, newest first), so a blob is attributed to the commit that
    /// brought it; names skipped submodules. `introduced` sees every (commit, blob)
    /// pair `interest` wants, including blobs already scanned under an older commit.
    pub fn scan_commits(
        &mut self,
        commits: &[ObjectId],
        interest: &mut dyn Interest,
        mut introduced: impl FnMut(ObjectId, &BlobChange),
    ) -> Result<(), GitError> {
        for id in commits.iter().rev() {
            let Some(changes) = commit_changes(self.objects, *id, interest)? else {
                continue;
            };
            for blob in &changes.blobs {
                introduced(*id, blob);
                self.scan(
                    &display(blob.path.as_ref()),
                    blob.id,
                    &blob.parent_ids,
                    Origin::Commit(changes.commit.clone()),
                );
            }
            for path in &changes.submodules {
                let short = &changes.commit.id[..changes.commit.id.len().min(12)];
                note_submodule(
                    &mut self.verdict,
                    &format!("{} in {short}", display(path.as_ref())),
                );
            }
        }
        Ok(())
    }

    /// Reads and scans every item, in order.
    fn read_and_scan(&self, items: &[BlobItem]) -> Vec<Scanned> {
        let (scanner, secrets) = (self.scanner, self.secrets);
        let work = move |objects: &F, chunk: &[BlobItem]| -> Vec<Scanned> {
            let mut buf = Vec::new();
            chunk
                .iter()
                .map(|item| {
                    let bytes = read_blob(objects, item.id, &mut buf)?;
                    if is_lfs_pointer(&bytes) {
                        return Ok((bytes, None));
                    }
                    let outcome = secrets.scan(scanner, &bytes);
                    Ok((bytes, Some(outcome)))
                })
                .collect()
        };
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(items.len() / BLOBS_PER_THREAD)
            .max(1);
        if threads == 1 {
            return work(self.objects, items);
        }
        // Each thread gets its own object handle (gix handles carry caches).
        std::thread::scope(|scope| {
            let handles: Vec<_> = items
                .chunks(items.len().div_ceil(threads))
                .map(|chunk| {
                    let objects = self.objects.clone();
                    scope.spawn(move || work(&objects, chunk))
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("scan threads do not panic"))
                .collect()
        })
    }

    /// Keeps findings on added lines and records the verdict. Only a blob with
    /// findings pays for the diff against its older versions (most blobs have none,
    /// so a 20,000-commit push costs about what an audit of the same blobs costs).
    fn judge(&mut self, item: BlobItem, bytes: Vec<u8>, outcome: ScanOutcome) {
        let added = if outcome.findings.is_empty() {
            None
        } else {
            match self.added_lines(&item.path, &bytes, &item.older) {
                Some(added) => added,
                None => return,
            }
        };
        let target = Target {
            path: item.path,
            blob: Some(BlobId(item.id)),
            bytes,
            added_lines: added,
            origin: item.origin,
        };
        self.policy
            .judge(self.scanner.rules(), &target, outcome, &mut self.verdict);
    }

    /// Lines of `bytes` added relative to every blob in `older` (`Some(None)`: no
    /// older version, the whole blob is new). `None` when an older blob is unreadable
    /// (recorded as an error).
    fn added_lines(
        &mut self,
        path: &str,
        bytes: &[u8],
        older: &[ObjectId],
    ) -> Option<Option<AddedLines>> {
        let mut added: Option<AddedLines> = None;
        let mut buf = Vec::new();
        for old_id in older {
            let old = match read_blob(self.objects, *old_id, &mut buf) {
                Ok(old) => old,
                Err(message) => {
                    self.verdict
                        .add_error(format!("{path} (blob {old_id})"), message);
                    return None;
                }
            };
            let lines = added_lines(&old, bytes);
            added = Some(match added {
                Some(prev) => prev.intersect(&lines),
                None => lines,
            });
        }
        Some(added)
    }
}

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

impl PackPass {
    /// Reads every object of the packs in `objects_dir` (none: nothing to read)
    /// once. `flag_name` says which file names the path policy forbids (their blobs
    /// stay wanted by the walk). Blobs with findings stay unsettled: the walk places
    /// them, and the usual path counts only added lines and verifies them.
    pub fn read(
        objects_dir: Option<&std::path::Path>,
        hash: gix::hash::Kind,
        scanner: &Scanner,
        flag_name: &NameFilter<'_>,
    ) -> PackPass {
        let graph = GraphBuilder::new(hash, flag_name);
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
                    Some(outcome) => count_clean(verdict, bytes.len(), outcome),
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
        if let Some(dir) = objects_dir {
            let _ = read_packs(
                dir,
                hash,
                &Counters::default(),
                &AtomicBool::new(false),
                &sink,
            );
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
    /// not settle (findings, blobs from outside the packs), to blobs under forbidden
    /// names, and to submodules.
    pub fn interest(&self) -> PackInterest<'_> {
        let flagged: gix::hashtable::HashSet<ObjectId> =
            self.graph.flagged_blobs().iter().copied().collect();
        PackInterest {
            reach: self.graph.reach(flagged.clone()),
            settled: &self.settled,
            flagged,
        }
    }
}

/// Counts a blob scanned with no findings (or skipped) into `verdict`.
fn count_clean(verdict: &mut Verdict, len: usize, outcome: ScanOutcome) {
    let summary = &mut verdict.summary;
    summary.suppressed.add(&outcome.suppressed);
    match outcome.skipped {
        Some(SkipReason::Binary) => verdict.count_skipped("binary"),
        Some(SkipReason::TooLarge) => verdict.count_skipped("too-large"),
        None => {
            summary.scanned += 1;
            summary.bytes += len as u64;
        }
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
    reach: Reach<'a>,
    settled: &'a gix::hashtable::HashSet<ObjectId>,
    flagged: gix::hashtable::HashSet<ObjectId>,
}

impl Interest for PackInterest<'_> {
    fn tree(&mut self, id: &gix::oid) -> bool {
        self.reach.holds(id)
    }
    fn blob(&self, id: &gix::oid) -> bool {
        !self.settled.contains(id) || self.flagged.contains(id)
    }
    fn commit_tree(&self, id: &gix::oid) -> Option<ObjectId> {
        self.reach.tree_of(id)
    }
}

/// Counts a skipped submodule and says why it is not scanned here.
pub fn note_submodule(verdict: &mut Verdict, what: &str) {
    verdict.count_skipped("submodule");
    verdict.notes.push(format!(
        "submodule {what} skipped: its commits are scanned in its own repository"
    ));
}

fn read_blob<F: gix::objs::Find>(
    objects: &F,
    id: ObjectId,
    buf: &mut Vec<u8>,
) -> Result<Vec<u8>, String> {
    objects
        .find_blob(&id, buf)
        .map(|blob| blob.data.to_vec())
        .map_err(|e| format!("cannot read blob: {e}"))
}
