//! The tree graph, learnt while every object is read once, so that attribution costs
//! nothing on a clean repository.
//!
//! Reading trees one id at a time during the commit walk decompresses their delta
//! chains again and again: on a 20,000-commit repository that was most of an audit's
//! time (2.3–2.8× `git cat-file --batch-all-objects`). The pack traversal decodes
//! every tree once anyway, so while it runs each tree's entries are kept here: its
//! folders (8-byte keys and interned names), its submodules, its blobs as a Bloom
//! filter (or exact keys), and the blobs whose *file name* the caller flags
//! (forbidden files). The commit walk asks [`Reach::holds`] before visiting a tree,
//! visits only trees on a path to something it must place, and of those reads only
//! the ones whose own blobs may be wanted ([`Reach::known`] gives it the rest): on
//! git.git, whose root holds a submodule and whose `t/` holds test keys, that is a
//! few hundred reads instead of every root and `t/` tree since 2014.
//!
//! Keys are the first 8 bytes of an object id with the lowest bit replaced by "is a
//! tree". Each tree also keeps its full id: two trees sharing a key (odds about
//! n²/2⁶⁴ by accident; 2³² work to craft) are both marked to be read, and so is any
//! folder naming that key, so the walk checks real ids: never a wrong answer.
//! Blobs sharing a key can only make a tree look worth reading more often, or hide
//! that one of them is missing from the store.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use gix::objs::TreeRefIter;
use gix::ObjectId;

/// An object id's first 8 bytes, lowest bit set for trees.
type Key = u64;

fn key(id: &gix::oid, is_tree: bool) -> Key {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&id.as_bytes()[..8]);
    (u64::from_be_bytes(bytes) & !1) | u64::from(is_tree)
}

/// Keys are already uniformly distributed: hashing them again is wasted work.
#[derive(Default, Clone, Copy)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// File names are hashed with foldhash, eight bytes at a time: they are looked up
/// once per tree entry (git.git: 34 million), where FNV's byte-at-a-time multiply
/// chain was most of the cost of learning a tree. Seeded per process: names are
/// whatever a pusher writes.
type NameState = foldhash::fast::RandomState;

type KeyMap<V> = HashMap<Key, V, BuildHasherDefault<KeyHasher>>;
type KeySet = HashSet<Key, BuildHasherDefault<KeyHasher>>;

/// One tree: where its subtrees' keys (and names) are in [`Parts::subtrees`], its
/// blobs' filter (or exact keys) in [`Parts::filters`], its submodules in
/// [`Parts::gitlinks`].
struct Node {
    /// The tree's full id: a second tree with the same key is told apart from it.
    id: ObjectId,
    start: usize,
    len: u32,
    filter_start: usize,
    filter_words: u32,
    gitlink_start: usize,
    gitlinks: u32,
    /// Holds a blob under a flagged name, could not be parsed to the end, or shares
    /// its key with another tree: the walk must read it.
    must_read: bool,
    /// Its key is shared by two trees: neither can be known from the graph.
    collided: bool,
}

/// Bloom filter bits per blob entry, and bits set per blob: ~0.6% false positives.
const FILTER_BITS_PER_BLOB: usize = 12;
const FILTER_HASHES: u64 = 4;

/// The bits blob key `key` sets in a filter of `bits` bits (double hashing; keys are
/// uniform already, mixed once so that both halves differ).
fn filter_bits(key: Key, bits: u64) -> impl Iterator<Item = u64> {
    let h = key.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let (h1, h2) = (h, h.rotate_left(32) | 1);
    (0..FILTER_HASHES).map(move |i| {
        let x = h1.wrapping_add(i.wrapping_mul(h2));
        ((u128::from(x) * u128::from(bits)) >> 64) as u64
    })
}

#[derive(Default)]
struct Parts {
    trees: KeyMap<Node>,
    subtrees: Vec<Key>,
    /// The name of each entry of `subtrees`, as an index into `names`.
    subtree_names: Vec<u32>,
    /// Folder and submodule names, each once.
    names: Vec<Box<[u8]>>,
    name_ids: HashMap<Box<[u8]>, u32, NameState>,
    /// Submodule entries: name (index into `names`) and commit.
    gitlinks: Vec<(u32, ObjectId)>,
    filters: Vec<u64>,
    blobs: KeySet,
    /// Every blob some tree names: those the store lacks must be placed (reported).
    referenced: KeySet,
    named: Vec<ObjectId>,
    /// Commit → its root tree (full ids: a wrong tree would be a wrong answer).
    commits: gix::hashtable::HashMap<ObjectId, ObjectId>,
    /// Commits that are some read commit's parent.
    parents: gix::hashtable::HashSet<ObjectId>,
}

impl Parts {
    /// The index of `name` in [`Parts::names`], added if new.
    fn intern(&mut self, name: &[u8]) -> u32 {
        if let Some(&id) = self.name_ids.get(name) {
            return id;
        }
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(name.into());
        self.name_ids.insert(name.into(), id);
        id
    }
}

/// Which file names to flag, as a caller's predicate (the source knows no policy).
pub type NameFilter<'a> = dyn Fn(&[u8]) -> bool + Sync + 'a;

/// Collects the graph from the threads of a pack traversal.
pub struct GraphBuilder<'a> {
    /// Blob entries as Bloom filters (else exact keys).
    filters: bool,
    hash: gix::hash::Kind,
    flag_name: &'a NameFilter<'a>,
    /// Tells this builder's entries in the per-thread name cache from another's.
    generation: u64,
    parts: Mutex<Parts>,
}

static GENERATION: AtomicU64 = AtomicU64::new(1);

/// File names judged so far, for the builder of that generation.
type NameCache = (u64, HashMap<Box<[u8]>, bool, NameState>);

thread_local! {
    /// File names already judged by `flag_name`: names repeat in every version of a
    /// folder, and a glob match costs far more than a hash lookup.
    static NAMES: RefCell<NameCache> = RefCell::default();
}

impl<'a> GraphBuilder<'a> {
    /// A builder for a repository using `hash`, flagging blob entries whose file name
    /// `flag_name` accepts. Blob entries are kept exactly: for a pushed pack, whose
    /// trees name many blobs outside it (which the walk must read).
    pub fn new(hash: gix::hash::Kind, flag_name: &'a NameFilter<'a>) -> Self {
        Self::with_filters(hash, flag_name, false)
    }

    /// The same with blob entries kept as Bloom filters: for a whole store, where
    /// nearly every blob is present and few are looked for (an audit).
    pub fn compact(hash: gix::hash::Kind, flag_name: &'a NameFilter<'a>) -> Self {
        Self::with_filters(hash, flag_name, true)
    }

    fn with_filters(hash: gix::hash::Kind, flag_name: &'a NameFilter<'a>, filters: bool) -> Self {
        GraphBuilder {
            filters,
            hash,
            flag_name,
            generation: GENERATION.fetch_add(1, Ordering::Relaxed),
            parts: Mutex::default(),
        }
    }

    /// Records that blob `id` is in the object store.
    pub fn add_blob(&self, id: ObjectId) {
        self.lock().blobs.insert(key(&id, false));
    }

    /// Records the root tree of commit `id`, whose bytes are `data` (a commit that
    /// does not parse is left for the walk to read and report).
    pub fn add_commit(&self, id: ObjectId, data: &[u8]) {
        let mut iter = gix::objs::CommitRefIter::from_bytes(data, self.hash);
        if let Ok(tree) = iter.tree_id() {
            let parents: Vec<ObjectId> = iter.parent_ids().collect();
            let mut parts = self.lock();
            parts.commits.insert(id, tree);
            parts.parents.extend(parents);
        }
    }

    /// Records the entries of tree `id`, whose bytes are `data`.
    pub fn add_tree(&self, id: ObjectId, data: &[u8]) {
        let mut subtrees = Vec::new();
        let mut subtree_names = Vec::new();
        let mut gitlinks = Vec::new();
        let mut blobs = Vec::new();
        let mut named = Vec::new();
        let mut must_read = false;
        for entry in TreeRefIter::from_bytes(data, self.hash) {
            let Ok(entry) = entry else {
                // The walk reads it again and reports the damage.
                must_read = true;
                break;
            };
            if entry.mode.is_commit() {
                gitlinks.push((entry.filename, entry.oid.to_owned()));
            } else if entry.mode.is_tree() {
                subtrees.push(key(entry.oid, true));
                subtree_names.push(entry.filename);
            } else {
                blobs.push(key(entry.oid, false));
                if self.flagged(entry.filename) {
                    named.push(entry.oid.to_owned());
                    must_read = true;
                }
            }
        }
        let filter = if self.filters {
            let words = (blobs.len() * FILTER_BITS_PER_BLOB).div_ceil(64);
            let mut filter = vec![0u64; words];
            let bits = (words * 64) as u64;
            for &blob in &blobs {
                for bit in filter_bits(blob, bits) {
                    filter[(bit / 64) as usize] |= 1 << (bit % 64);
                }
            }
            filter
        } else {
            blobs.clone()
        };
        let words = filter.len();
        let mut parts = self.lock();
        // What the tree says of its blobs holds whatever its key: a tree sharing
        // another's key still flags its forbidden names.
        if self.filters {
            parts.referenced.extend(blobs);
        }
        parts.named.extend(named);
        if let Some(node) = parts.trees.get_mut(&key(&id, true)) {
            if node.id != id {
                // Two trees share a key (by accident, odds n²/2⁶⁴, or crafted): the
                // walk reads both by id rather than trust either's entries.
                node.must_read = true;
                node.collided = true;
            }
            return;
        }
        let start = parts.subtrees.len();
        parts.subtrees.extend_from_slice(&subtrees);
        for name in subtree_names {
            let name = parts.intern(name);
            parts.subtree_names.push(name);
        }
        let gitlink_start = parts.gitlinks.len();
        for (name, commit) in &gitlinks {
            let name = parts.intern(name);
            parts.gitlinks.push((name, *commit));
        }
        let filter_start = parts.filters.len();
        parts.filters.extend_from_slice(&filter);
        parts.trees.insert(
            key(&id, true),
            Node {
                id,
                start,
                len: u32::try_from(subtrees.len()).unwrap_or(u32::MAX),
                filter_start,
                filter_words: u32::try_from(words).unwrap_or(u32::MAX),
                gitlink_start,
                gitlinks: u32::try_from(gitlinks.len()).unwrap_or(u32::MAX),
                must_read,
                collided: false,
            },
        );
    }

    /// The graph.
    pub fn finish(self) -> TreeGraph {
        let mut parts = self.parts.into_inner().unwrap_or_else(|p| p.into_inner());
        let referenced = std::mem::take(&mut parts.referenced);
        let missing = referenced
            .into_iter()
            .filter(|k| !parts.blobs.contains(k))
            .collect();
        TreeGraph {
            parts,
            missing,
            filters: self.filters,
        }
    }

    fn flagged(&self, name: &[u8]) -> bool {
        NAMES.with(|cache| {
            let mut cache = cache.borrow_mut();
            if cache.0 != self.generation {
                *cache = (self.generation, HashMap::default());
            }
            if let Some(&flagged) = cache.1.get(name) {
                return flagged;
            }
            let flagged = (self.flag_name)(name);
            cache.1.insert(name.into(), flagged);
            flagged
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Parts> {
        self.parts.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Every tree read, with its entries; every blob in the store; the flagged blobs.
pub struct TreeGraph {
    parts: Parts,
    /// Blobs some tree names that the store lacks (with filters only; exact blob
    /// entries are checked against the store directly).
    missing: KeySet,
    /// Blob entries are Bloom filters (else exact keys in `filters`).
    filters: bool,
}

impl TreeGraph {
    /// Blobs met under a flagged file name (at any path, reachable or not).
    pub fn flagged_blobs(&self) -> &[ObjectId] {
        &self.parts.named
    }

    /// Commits read that no read commit names as a parent: every ref's tip, and the
    /// tips of history no ref reaches (amended, reset, dropped stashes).
    pub fn commit_heads(&self) -> Vec<ObjectId> {
        let mut heads: Vec<ObjectId> = self
            .parts
            .commits
            .keys()
            .filter(|id| !self.parts.parents.contains(*id))
            .copied()
            .collect();
        heads.sort_unstable();
        heads
    }

    /// True when blob `id` was read from the store.
    pub fn has_blob(&self, id: &gix::oid) -> bool {
        self.parts.blobs.contains(&key(id, false))
    }

    /// Trees of this graph that lead to `targets` (see [`Reach`]).
    pub fn reach(&self, targets: gix::hashtable::HashSet<ObjectId>) -> Reach<'_> {
        // Missing blobs are looked for like targets (the walk reports them).
        let keys = targets
            .iter()
            .map(|id| key(id, false))
            .chain(self.missing.iter().copied())
            .collect::<Vec<_>>();
        Reach {
            key_set: keys.iter().copied().collect(),
            graph: self,
            targets,
            keys,
            memo: KeyMap::default(),
        }
    }
}

/// Answers, for the commit walk, which trees it must visit: those that hold (at any
/// depth) a target blob, a blob the store does not have, a submodule, or a tree the
/// traversal did not read or could not parse; and of those, which it must read
/// rather than [know](Reach::known) from the graph. Cloned, it keeps what it has
/// memoized (one per walking thread).
#[derive(Clone)]
pub struct Reach<'g> {
    graph: &'g TreeGraph,
    targets: gix::hashtable::HashSet<ObjectId>,
    keys: Vec<Key>,
    key_set: KeySet,
    memo: KeyMap<Need>,
}

/// What [`Reach::holds`] worked out for one tree.
#[derive(Clone, Copy)]
struct Need {
    /// The walk must visit it.
    holds: bool,
    /// The walk must read it: its own blob entries (or its bytes) matter.
    read: bool,
}

/// A tree's folders and submodules as the pass read them, for a walk that needs no
/// more of it (see [`Reach::known`]).
pub struct KnownTree<'g> {
    graph: &'g TreeGraph,
    node: &'g Node,
}

impl<'g> KnownTree<'g> {
    /// The tree's folders: name and tree id, in tree order.
    pub fn subtrees(&self) -> impl Iterator<Item = (&'g [u8], &'g ObjectId)> + use<'g> {
        let parts = &self.graph.parts;
        let range = self.node.start..self.node.start + self.node.len as usize;
        parts.subtrees[range.clone()]
            .iter()
            .zip(&parts.subtree_names[range])
            .map(|(child, &name)| {
                let node = &parts.trees[child];
                (&*parts.names[name as usize], &node.id)
            })
    }

    /// The tree's submodules: name and commit.
    pub fn gitlinks(&self) -> impl Iterator<Item = (&'g [u8], &'g ObjectId)> + use<'g> {
        let parts = &self.graph.parts;
        let start = self.node.gitlink_start;
        parts.gitlinks[start..start + self.node.gitlinks as usize]
            .iter()
            .map(|(name, commit)| (&*parts.names[*name as usize], commit))
    }
}

impl<'g> Reach<'g> {
    /// True when the walk must record blob `id`: a target, or absent from the store
    /// (so it is reported as missing, like a full walk would).
    pub fn wants_blob(&self, id: &gix::oid) -> bool {
        self.is_target(id) || !self.graph.has_blob(id)
    }

    /// True when blob `id` is one of the targets this was made for.
    pub fn is_target(&self, id: &gix::oid) -> bool {
        self.targets.contains(id)
    }

    /// The root tree of commit `id`, when the pass read it.
    pub fn tree_of(&self, id: &gix::oid) -> Option<ObjectId> {
        self.graph.parts.commits.get(id).copied()
    }

    /// Tree `id`'s folders and submodules, when the walk, having asked
    /// [`Reach::holds`] about it, need not read it: none of its own blobs can be
    /// wanted, it parsed, and each of its folders is a tree the graph knows by a key
    /// no other tree has. `None`: read it.
    pub fn known(&self, id: &gix::oid) -> Option<KnownTree<'g>> {
        let graph = self.graph;
        let tree = key(id, true);
        let (node, need) = (graph.parts.trees.get(&tree)?, self.memo.get(&tree)?);
        if need.read || node.collided || node.id != id {
            return None;
        }
        let children = &graph.parts.subtrees[node.start..node.start + node.len as usize];
        children
            .iter()
            .all(|c| graph.parts.trees.get(c).is_some_and(|n| !n.collided))
            .then_some(KnownTree { graph, node })
    }

    /// True when the walk must visit tree `id` (memoized; every tree is worked out
    /// once).
    pub fn holds(&mut self, id: &gix::oid) -> bool {
        let graph = self.graph;
        let root = key(id, true);
        if let Some(known) = self.memo.get(&root) {
            return known.holds;
        }
        // Depth-first, children before parents, without recursion: a deep folder
        // chain must not overflow the stack.
        let unknown = Need {
            holds: true,
            read: true,
        };
        let mut stack = vec![(root, false)];
        while let Some((tree, expanded)) = stack.pop() {
            if self.memo.contains_key(&tree) {
                continue;
            }
            let Some(node) = graph.parts.trees.get(&tree) else {
                self.memo.insert(tree, unknown);
                continue;
            };
            let subtrees = &graph.parts.subtrees[node.start..node.start + node.len as usize];
            if !expanded {
                stack.push((tree, true));
                stack.extend(
                    subtrees
                        .iter()
                        .filter(|&&c| !self.memo.contains_key(&c))
                        .map(|&c| (c, false)),
                );
                continue;
            }
            let filter = &graph.parts.filters
                [node.filter_start..node.filter_start + node.filter_words as usize];
            let bits = (filter.len() * 64) as u64;
            let may_hold = |k: Key| {
                bits > 0
                    && filter_bits(k, bits)
                        .all(|bit| filter[(bit / 64) as usize] & (1 << (bit % 64)) != 0)
            };
            let read = node.must_read
                || if graph.filters {
                    self.keys.iter().any(|&k| may_hold(k))
                } else {
                    filter
                        .iter()
                        .any(|c| self.key_set.contains(c) || !graph.parts.blobs.contains(c))
                };
            let holds = read
                || node.gitlinks > 0
                || subtrees
                    .iter()
                    .any(|c| self.memo.get(c).is_none_or(|n| n.holds));
            self.memo.insert(tree, Need { holds, read });
        }
        self.memo.get(&root).is_none_or(|n| n.holds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(byte: u8) -> ObjectId {
        ObjectId::from_bytes_or_panic(&[byte; 20])
    }

    /// A tree object's bytes from (mode, name, id) entries.
    fn tree(entries: &[(&str, &str, ObjectId)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (mode, name, id) in entries {
            out.extend_from_slice(format!("{mode} {name}\0").as_bytes());
            out.extend_from_slice(id.as_bytes());
        }
        out
    }

    #[test]
    fn holds_only_trees_on_a_path_to_a_target_or_a_missing_blob() {
        for compact in [false, true] {
            holds_only_trees_on_a_path(compact);
        }
    }

    fn holds_only_trees_on_a_path(compact: bool) {
        let names = |name: &[u8]| name == b".env";
        let builder = if compact {
            GraphBuilder::compact(gix::hash::Kind::Sha1, &names)
        } else {
            GraphBuilder::new(gix::hash::Kind::Sha1, &names)
        };
        let (clean, leak, env, absent) = (id(1), id(2), id(3), id(4));
        for blob in [clean, leak, env] {
            builder.add_blob(blob);
        }
        let (sub_clean, sub_leak, root_clean, root_leak, root_env, root_absent) =
            (id(10), id(11), id(12), id(13), id(14), id(15));
        builder.add_tree(sub_clean, &tree(&[("100644", "a.rs", clean)]));
        builder.add_tree(sub_leak, &tree(&[("100644", "k.py", leak)]));
        builder.add_tree(root_clean, &tree(&[("40000", "src", sub_clean)]));
        builder.add_tree(
            root_leak,
            &tree(&[("100644", "a.rs", clean), ("40000", "src", sub_leak)]),
        );
        builder.add_tree(root_env, &tree(&[("100644", ".env", env)]));
        builder.add_tree(root_absent, &tree(&[("100644", "gone", absent)]));
        let graph = builder.finish();
        assert_eq!(graph.flagged_blobs(), &[env]);

        let mut reach = graph.reach([leak, env].into_iter().collect());
        assert!(!reach.holds(&root_clean));
        assert!(!reach.holds(&sub_clean));
        assert!(reach.holds(&root_leak));
        assert!(reach.holds(&sub_leak));
        assert!(reach.holds(&root_env));
        assert!(reach.holds(&root_absent), "a missing blob must be reported");
        assert!(
            reach.holds(&id(99)),
            "an unread tree must be read by the walk"
        );
        assert!(reach.wants_blob(&leak) && reach.wants_blob(&absent));
        assert!(!reach.wants_blob(&clean));
    }

    #[test]
    fn a_tree_whose_own_blobs_are_not_wanted_is_known_from_the_graph() {
        let names = |_: &[u8]| false;
        let builder = GraphBuilder::compact(gix::hash::Kind::Sha1, &names);
        let (clean, leak, link) = (id(1), id(2), id(3));
        builder.add_blob(clean);
        builder.add_blob(leak);
        let (sub, root) = (id(10), id(11));
        builder.add_tree(sub, &tree(&[("100644", "k.py", leak)]));
        builder.add_tree(
            root,
            &tree(&[
                ("100644", "a.rs", clean),
                ("40000", "src", sub),
                ("160000", "vendor", link),
            ]),
        );
        let graph = builder.finish();
        let mut reach = graph.reach([leak].into_iter().collect());
        assert!(reach.known(&root).is_none(), "asked before holds: read");
        assert!(reach.holds(&root) && reach.holds(&sub));
        let known = reach.known(&root).expect("no blob of the root is wanted");
        let subtrees: Vec<_> = known.subtrees().collect();
        assert_eq!(subtrees, vec![(&b"src"[..], &sub)]);
        let gitlinks: Vec<_> = known.gitlinks().collect();
        assert_eq!(gitlinks, vec![(&b"vendor"[..], &link)]);
        assert!(reach.known(&sub).is_none(), "its blob is a target: read");
    }

    #[test]
    fn trees_sharing_a_key_are_read_by_id_whichever_came_first() {
        // Equal first 8 bytes, hence one key: an attacker can craft that (2³² work).
        let same_key = |tail: u8| {
            let mut bytes = [7u8; 20];
            bytes[19] = tail;
            ObjectId::from_bytes_or_panic(&bytes)
        };
        let (forbidden, clean) = (same_key(1), same_key(2));
        for order in [[forbidden, clean], [clean, forbidden]] {
            let names = |name: &[u8]| name == b".env";
            let builder = GraphBuilder::compact(gix::hash::Kind::Sha1, &names);
            let (env, other) = (id(1), id(2));
            builder.add_blob(env);
            builder.add_blob(other);
            let root = id(20);
            for tree_id in order {
                let entries = if tree_id == forbidden {
                    tree(&[("100644", ".env", env)])
                } else {
                    tree(&[("100644", "a.rs", other)])
                };
                builder.add_tree(tree_id, &entries);
            }
            builder.add_tree(root, &tree(&[("40000", "conf", forbidden)]));
            let graph = builder.finish();
            assert_eq!(
                graph.flagged_blobs(),
                &[env],
                "the forbidden name is flagged"
            );
            let mut reach = graph.reach(graph.flagged_blobs().iter().copied().collect());
            assert!(reach.holds(&forbidden) && reach.holds(&clean));
            assert!(reach.known(&forbidden).is_none() && reach.known(&clean).is_none());
            assert!(reach.holds(&root));
            assert!(
                reach.known(&root).is_none(),
                "a folder with a shared key: the parent is read for the real id"
            );
        }
    }

    #[test]
    fn commits_know_their_tree() {
        let names = |_: &[u8]| false;
        let builder = GraphBuilder::new(gix::hash::Kind::Sha1, &names);
        let commit = format!(
            "tree {}\nauthor A <a@example.com> 1 +0000\ncommitter A <a@example.com> 1 +0000\n\nm\n",
            id(10)
        );
        builder.add_commit(id(20), commit.as_bytes());
        builder.add_commit(id(21), b"not a commit");
        let graph = builder.finish();
        let reach = graph.reach(Default::default());
        assert_eq!(reach.tree_of(&id(20)), Some(id(10)));
        assert_eq!(reach.tree_of(&id(21)), None);
    }

    #[test]
    fn a_submodule_makes_its_tree_worth_reading() {
        let names = |_: &[u8]| false;
        let builder = GraphBuilder::new(gix::hash::Kind::Sha1, &names);
        builder.add_tree(id(10), &tree(&[("160000", "vendor", id(1))]));
        let graph = builder.finish();
        assert!(graph.reach(Default::default()).holds(&id(10)));
    }
}
