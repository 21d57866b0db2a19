//! A pack file mapped read-only for one traversal, whose resident pages are handed
//! back to the kernel as the traversal goes on.
//!
//! A mapped pack counts in the process's resident set for every page touched, and
//! the delta-tree traversal touches them all (git.git: 314 MiB of pack beside the
//! audit's own memory). Its pages are read once or twice each, so every
//! [`RELEASE_BYTES`] of objects delivered the whole mapping is dropped from the
//! resident set (`MADV_DONTNEED`); a page still needed is faulted in again from the
//! page cache, unchanged. That keeps the audit's peak RSS to its own memory plus a
//! slice of the pack.

use std::ops::Deref;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use gix::odb::pack;

/// Objects' bytes delivered between two releases of the mapping's pages.
const RELEASE_BYTES: u64 = 64 * 1024 * 1024;

/// A pack's bytes, mapped read-only.
pub struct PackMap {
    map: memmap2::Mmap,
    /// Bytes delivered since the pages were last released.
    since_release: AtomicU64,
}

/// The mapped bytes as gix-pack's data file reads them.
pub struct Bytes<'a>(&'a [u8]);

impl Deref for Bytes<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.0
    }
}

impl PackMap {
    /// Maps the pack at `path`.
    pub fn open(path: &Path) -> std::io::Result<PackMap> {
        let file = std::fs::File::open(path)?;
        // SAFETY: pack files are immutable once written (git writes new ones and
        // deletes old ones, which stay readable while mapped); gix maps them the
        // same way.
        let map = unsafe { memmap2::Mmap::map(&file)? };
        Ok(PackMap {
            map,
            since_release: AtomicU64::new(0),
        })
    }

    /// The pack's data file, read through this mapping.
    pub fn data_file(
        &self,
        path: &Path,
        hash: gix::hash::Kind,
    ) -> Result<pack::data::File<Bytes<'_>>, String> {
        pack::data::File::from_data(Bytes(&self.map), path.to_path_buf(), hash)
            .map_err(|e| e.to_string())
    }

    /// Records that `bytes` of objects were delivered; every [`RELEASE_BYTES`] the
    /// mapping's resident pages are released (from whichever thread crosses the
    /// mark).
    pub fn delivered(&self, bytes: usize) {
        let before = self
            .since_release
            .fetch_add(bytes as u64, Ordering::Relaxed);
        if before + bytes as u64 >= RELEASE_BYTES
            && self
                .since_release
                .compare_exchange(
                    before + bytes as u64,
                    0,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_ok()
        {
            self.release();
        }
    }

    fn release(&self) {
        #[cfg(unix)]
        {
            // SAFETY: the mapping is shared and read-only, backed by a file no one
            // writes (see `open`): a released page reads back the same bytes from the
            // file, so borrowers of the mapping see no change. An error only means
            // the pages stay resident.
            let _ = unsafe {
                self.map
                    .unchecked_advise(memmap2::UncheckedAdvice::DontNeed)
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn released_pages_read_back_the_same_bytes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("pack");
        let content: Vec<u8> = (0..3 * 4096 + 17).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(&path, &content).expect("write");
        let map = PackMap::open(&path).expect("map");
        assert_eq!(&map.map[..], &content[..]);
        map.delivered(RELEASE_BYTES as usize - 1);
        assert_eq!(map.since_release.load(Ordering::Relaxed), RELEASE_BYTES - 1);
        map.delivered(1);
        assert_eq!(
            map.since_release.load(Ordering::Relaxed),
            0,
            "crossing the mark releases and starts counting again"
        );
        assert_eq!(&map.map[..], &content[..]);
    }
}
