//! Objects of a push that is still being received.
//!
//! During `pre-receive`, git writes the pushed objects into a quarantine directory
//! (`GIT_QUARANTINE_PATH`, also `GIT_OBJECT_DIRECTORY`) and exposes the real store
//! as `GIT_ALTERNATE_OBJECT_DIRECTORIES`; they move into the repository only if every
//! hook accepts. gix 0.90 ignores these variables (measured: `open`,
//! `open_with_environment_overrides` and `discover_with_environment_overrides` all
//! fail to see the new commit) — exactly how a peer scanner ends up accepting a leaked
//! key. So the repository is opened normally, a second object store is opened at the
//! quarantine path, and [`QuarantineObjects`] looks in the quarantine first, then in
//! the repository. `info/alternates` is never written into the quarantine: git moves
//! that directory's contents into the real store when the push is accepted.

use std::path::PathBuf;

use gix::objs::{Exists, Find};

use super::repo::GitError;

/// Memory for delta bases of the quarantine's pack (git's `core.deltaBaseCacheLimit`
/// plays this role).
const PACK_CACHE_BYTES: usize = 96 << 20;
/// Memory for decoded objects (trees, mostly) of the quarantine store.
const OBJECT_CACHE_BYTES: usize = 32 << 20;

/// An object finder over the quarantine (if any) and the repository's own store.
#[derive(Clone)]
pub struct QuarantineObjects {
    quarantine: Option<gix::odb::Handle>,
    repository: gix::OdbHandle,
    /// Where the quarantine is, for messages.
    pub quarantine_path: Option<PathBuf>,
}

impl QuarantineObjects {
    /// Looks in the quarantine named by `GIT_QUARANTINE_PATH` (or a
    /// `GIT_OBJECT_DIRECTORY` other than the repository's own), then in `repo`.
    pub fn from_env(repo: &gix::Repository) -> Result<QuarantineObjects, GitError> {
        let own = repo.objects.store_ref().path().to_path_buf();
        let path = std::env::var_os("GIT_QUARANTINE_PATH")
            .or_else(|| std::env::var_os("GIT_OBJECT_DIRECTORY"))
            .map(PathBuf::from)
            .map(|p| {
                if p.is_relative() {
                    repo.git_dir().join(p)
                } else {
                    p
                }
            })
            .filter(|p| !same_dir(p, &own));
        let quarantine = match &path {
            Some(p) => {
                let mut handle =
                    gix::odb::at(p, repo.object_hash()).map_err(|e| GitError::Open {
                        path: p.clone(),
                        message: format!("cannot open the push quarantine: {e}"),
                    })?;
                // `gix::odb::at` opens a store with no caches (`gix::open` sets them):
                // without a pack cache every read of a pushed tree or blob re-resolves
                // its delta chain, and a first push of a long history pays for it.
                handle.set_pack_cache(|| {
                    Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(
                        PACK_CACHE_BYTES,
                    ))
                });
                handle.set_object_cache(|| {
                    Box::new(gix::odb::pack::cache::object::MemoryCappedHashmap::new(
                        OBJECT_CACHE_BYTES,
                    ))
                });
                // git adds nothing to the quarantine while the hook runs, and most
                // lookups (every ref the server has, for the new-commit walk) miss it:
                // by default each miss re-reads the store's directory and alternates
                // from disk (measured: a quarter of a push into git.git, 1,009 refs).
                handle.refresh_never();
                Some(handle)
            }
            None => None,
        };
        Ok(QuarantineObjects {
            quarantine,
            repository: repo.objects.clone(),
            quarantine_path: path,
        })
    }
}

fn same_dir(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

impl Find for QuarantineObjects {
    fn try_find<'a>(
        &self,
        id: &gix::oid,
        buffer: &'a mut Vec<u8>,
    ) -> gix::Result<Option<gix::objs::Data<'a>>> {
        match &self.quarantine {
            Some(q) if q.exists(id) => q.try_find(id, buffer),
            _ => self.repository.try_find(id, buffer),
        }
    }
}
