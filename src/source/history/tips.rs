//! What is still at the tip of each ref: a key that is still there must be removed
//! now; one only in history needs a history rewrite (and revoking in both cases).
//! Only run for blobs with findings and forbidden paths, so a clean repository pays
//! nothing for it.

use std::rc::Rc;

use gix::bstr::BString;
use gix::objs::{Find as _, TreeRefIter};
use gix::ObjectId;

use super::{ReadError, Tip};

/// Which tips still hold the blobs and paths asked about (tip indices into the
/// slice given to [`presence`]).
#[derive(Debug, Default)]
pub struct Presence {
    /// Blob → tips whose tree holds it (at any path).
    pub blobs: gix::hashtable::HashMap<ObjectId, Vec<usize>>,
    /// Path → tips whose tree holds a file there.
    pub paths: std::collections::HashMap<BString, Vec<usize>>,
    /// Trees that could not be read.
    pub errors: Vec<ReadError>,
}

/// Looks for `blobs` and `paths` in the tree of every tip.
pub fn presence(
    repo: &gix::Repository,
    tips: &[Tip],
    blobs: &gix::hashtable::HashSet<ObjectId>,
    paths: &[BString],
) -> Presence {
    let mut out = Presence::default();
    let mut finder = Finder {
        repo,
        wanted: blobs,
        memo: Default::default(),
        errors: Vec::new(),
    };
    for (index, tip) in tips.iter().enumerate() {
        let tree = match repo.find_commit(tip.commit).and_then(|c| c.tree()) {
            Ok(tree) => tree,
            Err(e) => {
                out.errors.push(ReadError::new(&tip.name, e));
                continue;
            }
        };
        if !blobs.is_empty() {
            for blob in finder.contained(tree.id).iter() {
                out.blobs.entry(*blob).or_default().push(index);
            }
        }
        for path in paths {
            let shown = String::from_utf8_lossy(path).into_owned();
            if let Ok(Some(_)) = tree.lookup_entry_by_path(shown.as_str()) {
                out.paths.entry(path.clone()).or_default().push(index);
            }
        }
    }
    out.errors.extend(finder.errors);
    out
}

struct Finder<'a> {
    repo: &'a gix::Repository,
    wanted: &'a gix::hashtable::HashSet<ObjectId>,
    memo: gix::hashtable::HashMap<ObjectId, Rc<Vec<ObjectId>>>,
    errors: Vec<ReadError>,
}

impl Finder<'_> {
    /// The wanted blobs under `tree` (memoized: a tree shared by many tips is read once).
    fn contained(&mut self, tree: ObjectId) -> Rc<Vec<ObjectId>> {
        if let Some(found) = self.memo.get(&tree) {
            return Rc::clone(found);
        }
        let mut buf = Vec::new();
        let mut found = Vec::new();
        let mut subtrees = Vec::new();
        match self.repo.objects.try_find(&tree, &mut buf) {
            Ok(Some(data)) => {
                for entry in TreeRefIter::from_bytes(data.data, self.repo.object_hash()) {
                    match entry {
                        Ok(e) if e.mode.is_tree() => subtrees.push(e.oid.to_owned()),
                        Ok(e) if e.mode.is_blob_or_symlink() && self.wanted.contains(e.oid) => {
                            found.push(e.oid.to_owned());
                        }
                        Ok(_) => {}
                        Err(e) => {
                            self.errors.push(ReadError::new(tree, e));
                            break;
                        }
                    }
                }
            }
            Ok(None) => self.errors.push(ReadError::new(tree, "tree is missing")),
            Err(e) => self.errors.push(ReadError::new(tree, e)),
        }
        for subtree in subtrees {
            found.extend(self.contained(subtree).iter().copied());
        }
        found.sort_unstable();
        found.dedup();
        let found = Rc::new(found);
        self.memo.insert(tree, Rc::clone(&found));
        found
    }
}
