//! Scanning git blobs, shared by the hooks: read a blob through any object finder,
//! recognise LFS pointers, keep only lines added relative to the older versions, scan
//! and judge. Each (blob, path) is scanned once per run.

use std::collections::HashSet;

use gix::objs::FindExt;
use gix::ObjectId;

use keyhook::engine::Scanner;
use keyhook::policy::{Policy, Verdict};
use keyhook::source::diff::added_lines;
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
    seen: HashSet<(ObjectId, String)>,
    buf: Vec<u8>,
}

impl<'a, F: gix::objs::Find> BlobScanner<'a, F> {
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
            seen: HashSet::new(),
            buf: Vec::new(),
        }
    }

    /// Checks the path policy, then scans `id` at `path`, counting only lines added
    /// relative to every blob in `older` (none: the whole blob is new).
    pub fn scan(&mut self, path: &str, id: ObjectId, older: &[ObjectId], origin: Origin) {
        if !self.seen.insert((id, path.to_string())) {
            return;
        }
        self.policy
            .check_forbidden(path, &origin, &mut self.verdict);
        if self.policy.path_allowed(path) {
            self.verdict.summary.allowlisted_paths += 1;
            return;
        }
        let bytes = match self.read(id) {
            Ok(bytes) => bytes,
            Err(message) => {
                self.verdict
                    .add_error(format!("{path} (blob {id})"), message);
                return;
            }
        };
        if is_lfs_pointer(&bytes) {
            self.verdict.count_skipped("lfs-pointer");
            return;
        }
        // Scan the whole blob first; only a blob with findings pays for the diff
        // against its older versions (most blobs have none, so a 20,000-commit push
        // costs about what an audit of the same blobs costs).
        let outcome = self.secrets.scan(self.scanner, &bytes);
        let added = if outcome.findings.is_empty() {
            None
        } else {
            match self.added_lines(path, &bytes, older) {
                Some(added) => added,
                None => return,
            }
        };
        let target = Target {
            path: path.to_string(),
            blob: Some(BlobId(id)),
            bytes,
            added_lines: added,
            origin,
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
        for old_id in older {
            let old = match self.read(*old_id) {
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

    fn read(&mut self, id: ObjectId) -> Result<Vec<u8>, String> {
        self.objects
            .find_blob(&id, &mut self.buf)
            .map(|blob| blob.data.to_vec())
            .map_err(|e| format!("cannot read blob: {e}"))
    }
}
