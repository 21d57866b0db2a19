//! Scanning git blobs, shared by the hooks: read a blob through any object finder,
//! recognise LFS pointers, keep only lines added relative to the older versions, scan
//! and judge. Each (blob, path) is scanned once per run; blobs a [`PackPass`] settled
//! are not read again.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use gix::objs::FindExt;
use gix::ObjectId;

use crate::engine::{ScanOutcome, Scanner};
use crate::policy::{Policy, Verdict};
use crate::source::commits::{commit_changes, BlobChange, Interest};
use crate::source::diff::added_lines;
use crate::source::repo::{display, GitError};
use crate::source::staged::is_lfs_pointer;
use crate::source::{AddedLines, BlobId, Location, Origin, Target};
use crate::verify::Secrets;

use super::metadata::MetadataScanner;
use super::pack_pass::PackPass;

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
    seen_paths: HashSet<String>,
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
            seen_paths: HashSet::new(),
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
            if self.seen_paths.insert(item.path.clone()) {
                self.metadata().scan(
                    Location::Path,
                    &item.path,
                    item.path.as_bytes(),
                    &item.origin,
                    &mut self.verdict,
                );
            }
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

    /// Scans metadata (commit messages, paths, ref names) with this scanner's engine
    /// and policy.
    pub fn metadata(&self) -> MetadataScanner<'a> {
        MetadataScanner {
            scanner: self.scanner,
            policy: self.policy,
        }
    }

    /// Reads and scans every item, in order.
    fn read_and_scan(&self, items: &[BlobItem]) -> Vec<Scanned> {
        let (scanner, secrets) = (self.scanner, self.secrets);
        let one = move |objects: &F, item: &BlobItem, buf: &mut Vec<u8>| -> Scanned {
            let bytes = read_blob(objects, item.id, buf)?;
            if is_lfs_pointer(&bytes) {
                return Ok((bytes, None));
            }
            let outcome = secrets.scan(scanner, &bytes);
            Ok((bytes, Some(outcome)))
        };
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(items.len() / BLOBS_PER_THREAD)
            .max(1);
        if threads == 1 {
            let mut buf = Vec::new();
            return items
                .iter()
                .map(|item| one(self.objects, item, &mut buf))
                .collect();
        }
        // Each thread takes the next item when it is done with one, so that one large
        // blob (a 2.4 MB SQLite file among 200 sources in cargo) does not leave the
        // other threads idle: with fixed chunks one of two cores was idle for most of
        // a pre-commit run. Each thread gets its own object handle (gix handles carry
        // caches).
        let next = AtomicUsize::new(0);
        let mut scanned: Vec<(usize, Scanned)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    let (objects, next) = (self.objects.clone(), &next);
                    scope.spawn(move || {
                        let (mut done, mut buf) = (Vec::new(), Vec::new());
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(item) = items.get(i) else {
                                return done;
                            };
                            done.push((i, one(&objects, item, &mut buf)));
                        }
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("scan threads do not panic"))
                .collect()
        });
        scanned.sort_unstable_by_key(|(i, _)| *i);
        scanned.into_iter().map(|(_, s)| s).collect()
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

/// Counts a skipped submodule and says why it is not scanned here: the first one by
/// name, the rest counted in the same note (a history can name thousands).
pub fn note_submodule(verdict: &mut Verdict, what: &str) {
    verdict.count_skipped("submodule");
    const WHY: &str = " skipped: its commits are scanned in its own repository";
    const MORE: &str = " (and ";
    let note = verdict
        .notes
        .iter_mut()
        .find(|n| n.starts_with("submodule ") && n.ends_with(WHY));
    let Some(note) = note else {
        verdict.notes.push(format!("submodule {what}{WHY}"));
        return;
    };
    let head = note.strip_suffix(WHY).unwrap_or(note).to_string();
    let (first, more) = match head.split_once(MORE) {
        Some((first, rest)) => (
            first.to_string(),
            rest.split(' ')
                .next()
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0),
        ),
        None => (head, 0),
    };
    *note = format!("{first}{MORE}{} more){WHY}", more + 1);
}

/// Reads blob `id`. gix decodes an object into `buf` itself (loose and packed
/// alike), so the bytes are taken from it rather than copied: copying each blob
/// was a quarter of a pre-commit run's page faults. `buf` is left empty.
fn read_blob<F: gix::objs::Find>(
    objects: &F,
    id: ObjectId,
    buf: &mut Vec<u8>,
) -> Result<Vec<u8>, String> {
    let (at, len) = objects
        .find_blob(&id, buf)
        .map(|blob| (blob.data.as_ptr() as usize, blob.data.len()))
        .map_err(|e| format!("cannot read blob: {e}"))?;
    if at == buf.as_ptr() as usize && len == buf.len() {
        return Ok(std::mem::take(buf));
    }
    // A finder whose bytes are not all of `buf` (none in gix does this): copy them.
    objects
        .find_blob(&id, buf)
        .map(|blob| blob.data.to_vec())
        .map_err(|e| format!("cannot read blob: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn submodule_notes_are_counted_not_repeated() {
        let mut verdict = Verdict::default();
        for name in ["vendor/a", "vendor/b", "vendor/c"] {
            note_submodule(&mut verdict, name);
        }
        assert_eq!(
            verdict.notes,
            ["submodule vendor/a (and 2 more) skipped: its commits are scanned in its own repository"]
        );
        assert_eq!(verdict.summary.skipped["submodule"], 3);
    }
}
