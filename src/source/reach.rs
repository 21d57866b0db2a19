//! Which commits are new: reachable from some tips and from none of the hidden ones
//! (git's `rev-list TIPS --not HIDDEN`), walked the way git walks it.
//!
//! gix's `Simple` walk with `hide` inflates far more history than git (measured on
//! git.git, 1,009 refs: 0.6 s where `git rev-list --objects NEW --not --all` takes
//! 22 ms). git instead keeps one queue, newest first, of tips and hidden commits
//! together; a hidden commit marks its parents hidden, an interesting one adds its
//! parents; and the walk stops as soon as every queued commit is hidden
//! (`revision.c`, `limit_list` and `everybody_uninteresting`). A push of a few
//! commits onto a branch then reads the pushed commits, the hidden tips and a handful
//! of their parents, whatever the size of the history.
//!
//! The queue is ordered by generation number where the server has a commit-graph
//! file (`git commit-graph write`, which forges run), so the stop is exact there, and
//! by committer date otherwise (as git does without one), with git's slop of a few
//! extra hidden commits against clock skew. A commit the graph does not hold (a
//! pushed one, or one newer than the graph) is read from the object store and
//! queued ahead of every graph commit, which cannot be its descendant.
//!
//! Whatever the order, no new commit is ever missed: a commit is left out only when
//! the walk has reached it from a hidden commit. A skewed date can only make the walk
//! report an old commit as new (it is then scanned once more), never the reverse.

use std::collections::BinaryHeap;

use gix::commitgraph::Graph;
use gix::hashtable::HashMap;
use gix::ObjectId;

use super::repo::GitError;

/// Hidden commits popped after every queued commit is hidden, as git does (`SLOP` in
/// `revision.c`): a hidden commit with a skewed date may still reach an interesting one.
const SLOP: usize = 5;

/// Queue order: larger first. Commits outside the commit-graph rank above every
/// commit in it (a graph commit's ancestors are all in the graph).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Rank {
    generation: u64,
    time: i64,
}

/// A commit as the walk needs it: its rank and its parents.
struct Parsed {
    rank: Rank,
    parents: Vec<ObjectId>,
}

/// The commit-walk state shared by several walks with the same hidden commits (one
/// per pushed ref): each commit is read at most once.
pub struct NewCommitWalk<'g, F> {
    objects: F,
    graph: Option<&'g Graph>,
    /// Commits read so far; `None` for an id that is not a commit (a ref may name
    /// a tag of a blob, as git.git's `junio-gpg-pub` does).
    parsed: HashMap<ObjectId, Option<Parsed>>,
    hidden: Vec<ObjectId>,
    buf: Vec<u8>,
}

/// What an object read from the store is to the walk.
enum Object {
    Commit(Parsed),
    /// An annotated tag, and the id it names.
    Tag(ObjectId),
    /// A tree or a blob.
    Other,
}

/// Per-walk marks.
#[derive(Clone, Copy, Default)]
struct Mark {
    hidden: bool,
    queued: bool,
    /// Popped as interesting: listed as new unless later reached from a hidden one.
    listed: bool,
}

impl<'g, F: gix::objs::Find> NewCommitWalk<'g, F> {
    /// A walk over `objects` that leaves out everything `hidden` reaches. `hidden`
    /// may name any object: tags are followed, and what does not lead to a commit
    /// is ignored. `graph` is the
    /// repository's commit-graph, if it has one (see `Repository::commit_graph_if_enabled`).
    pub fn new(objects: F, graph: Option<&'g Graph>, hidden: &[ObjectId]) -> Self {
        NewCommitWalk {
            objects,
            graph,
            parsed: HashMap::default(),
            hidden: hidden.to_vec(),
            buf: Vec::new(),
        }
    }

    /// Commits reachable from `tips` and from none of the hidden commits, children
    /// before parents (newest first, as git lists them).
    pub fn new_commits(&mut self, tips: &[ObjectId]) -> Result<Vec<ObjectId>, GitError> {
        if tips.is_empty() {
            return Ok(Vec::new());
        }
        let mut marks: HashMap<ObjectId, Mark> = HashMap::default();
        let mut queue: BinaryHeap<(Rank, ObjectId)> = BinaryHeap::new();
        // Queued commits not (yet) known to be hidden: the walk ends when none is left.
        let mut interesting = 0usize;
        for id in tips {
            let rank = self
                .parse(id)?
                .ok_or_else(|| GitError::read(format!("commit {id}"), "not a commit"))?;
            let mark = marks.entry(*id).or_default();
            if !mark.queued {
                mark.queued = true;
                interesting += 1;
                queue.push((rank, *id));
            }
        }
        for i in 0..self.hidden.len() {
            // A hidden ref to a missing object (a broken or shallow server) hides nothing.
            let Some((id, rank)) = self.peel_hidden(self.hidden[i]) else {
                continue;
            };
            let mark = marks.entry(id).or_default();
            if !mark.hidden && mark.queued {
                interesting -= 1;
            }
            mark.hidden = true;
            if !mark.queued {
                mark.queued = true;
                queue.push((rank, id));
            }
        }

        let mut slop = SLOP;
        let mut listed = Vec::new();
        while let Some((_, id)) = queue.pop() {
            let mark = marks.get_mut(&id).expect("queued commits are marked");
            mark.queued = false;
            let hidden = mark.hidden;
            if hidden {
                if interesting == 0 {
                    slop -= 1;
                    if slop == 0 {
                        break;
                    }
                } else {
                    slop = SLOP;
                }
            } else {
                interesting -= 1;
                mark.listed = true;
                listed.push(id);
            }
            let parents = match self.parsed.get(&id) {
                Some(Some(p)) => p.parents.clone(),
                _ => Vec::new(),
            };
            for parent in parents {
                let rank = match self.parse(&parent) {
                    Ok(Some(rank)) => rank,
                    // A hidden commit's missing parent (a shallow server) hides nothing.
                    Ok(None) | Err(_) if hidden => continue,
                    Ok(None) => {
                        return Err(GitError::read(
                            format!("commit {parent}"),
                            format!("the parent of {id} is not a commit"),
                        ))
                    }
                    Err(e) => return Err(e),
                };
                let mark = marks.entry(parent).or_default();
                if hidden && !mark.hidden {
                    mark.hidden = true;
                    if mark.queued {
                        interesting -= 1;
                    } else {
                        // Not queued: new to the walk, or already listed (a skewed
                        // date); queued again, so its parents are hidden too.
                        mark.queued = true;
                        queue.push((rank, parent));
                    }
                } else if !hidden && !mark.hidden && !mark.queued && !mark.listed {
                    mark.queued = true;
                    interesting += 1;
                    queue.push((rank, parent));
                }
            }
        }
        listed.retain(|id| !marks[id].hidden);
        Ok(listed)
    }

    /// The rank of commit `id`, reading it on first sight; `None` when it is not a
    /// commit.
    fn parse(&mut self, id: &ObjectId) -> Result<Option<Rank>, GitError> {
        if let Some(parsed) = self.parsed.get(id) {
            return Ok(parsed.as_ref().map(|p| p.rank));
        }
        let parsed = match self.read_graph(id) {
            Some(parsed) => Some(parsed),
            None => match self.read_object(id)? {
                Object::Commit(parsed) => Some(parsed),
                Object::Tag(_) | Object::Other => None,
            },
        };
        let rank = parsed.as_ref().map(|p| p.rank);
        self.parsed.insert(*id, parsed);
        Ok(rank)
    }

    /// The commit a hidden tip leads to, annotated tags followed (a loose ref or a
    /// packed one without its peeled line names the tag itself), and its rank.
    fn peel_hidden(&mut self, mut id: ObjectId) -> Option<(ObjectId, Rank)> {
        loop {
            if let Some(parsed) = self.parsed.get(&id) {
                return parsed.as_ref().map(|p| (id, p.rank));
            }
            if let Some(parsed) = self.read_graph(&id) {
                let rank = parsed.rank;
                self.parsed.insert(id, Some(parsed));
                return Some((id, rank));
            }
            match self.read_object(&id).ok()? {
                Object::Commit(parsed) => {
                    let rank = parsed.rank;
                    self.parsed.insert(id, Some(parsed));
                    return Some((id, rank));
                }
                // Each tag's id names its target: a chain cannot loop.
                Object::Tag(target) => id = target,
                Object::Other => {
                    self.parsed.insert(id, None);
                    return None;
                }
            }
        }
    }

    fn read_graph(&self, id: &ObjectId) -> Option<Parsed> {
        let graph = self.graph?;
        let commit = graph.commit_by_id(id)?;
        let mut parents = Vec::new();
        for pos in commit.iter_parents() {
            // A corrupt graph entry: read the commit itself instead.
            let pos = pos.ok()?;
            parents.push(graph.id_at(pos).to_owned());
        }
        Some(Parsed {
            rank: Rank {
                generation: u64::from(commit.generation()),
                time: i64::try_from(commit.committer_timestamp()).unwrap_or(i64::MAX),
            },
            parents,
        })
    }

    fn read_object(&mut self, id: &ObjectId) -> Result<Object, GitError> {
        let data = self
            .objects
            .try_find(id, &mut self.buf)
            .map_err(|e| GitError::read(format!("commit {id}"), e))?
            .ok_or_else(|| GitError::read(format!("object {id}"), "object is missing"))?;
        match data.kind {
            gix::object::Kind::Commit => {}
            gix::object::Kind::Tag => {
                return gix::objs::TagRefIter::from_bytes(data.data, id.kind())
                    .target_id()
                    .map(Object::Tag)
                    .map_err(|e| GitError::read(format!("tag {id}"), e))
            }
            _ => return Ok(Object::Other),
        }
        let mut parents = Vec::new();
        let mut time = 0;
        for token in gix::objs::CommitRefIter::from_bytes(data.data, id.kind()) {
            match token.map_err(|e| GitError::read(format!("commit {id}"), e))? {
                gix::objs::commit::ref_iter::Token::Parent { id } => parents.push(id),
                gix::objs::commit::ref_iter::Token::Committer { signature } => {
                    time = signature.time().map(|t| t.seconds).unwrap_or(0);
                    break;
                }
                _ => {}
            }
        }
        Ok(Object::Commit(Parsed {
            rank: Rank {
                generation: u64::MAX,
                time,
            },
            parents,
        }))
    }
}

/// Commits reachable from `tips` and from none of `hidden` (git's
/// `rev-list TIPS --not HIDDEN`), newest first; see [`NewCommitWalk`].
pub fn new_commits<F: gix::objs::Find>(
    objects: F,
    graph: Option<&Graph>,
    tips: &[ObjectId],
    hidden: &[ObjectId],
) -> Result<Vec<ObjectId>, GitError> {
    NewCommitWalk::new(objects, graph, hidden).new_commits(tips)
}

/// The repository's commit-graph, when it has one and git would use it
/// (`core.commitGraph`, no object replacements); an unreadable one is not used.
pub fn commit_graph(repo: &gix::Repository) -> Option<Graph> {
    repo.commit_graph_if_enabled().ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str], date: u64) -> String {
        git_with_input(dir, args, date, "")
    }

    fn git_with_input(dir: &Path, args: &[&str], date: u64, input: &str) -> String {
        use std::io::Write;
        let mut child = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "A")
            .env("GIT_AUTHOR_EMAIL", "a@example.com")
            .env("GIT_COMMITTER_NAME", "A")
            .env("GIT_COMMITTER_EMAIL", "a@example.com")
            .env("GIT_AUTHOR_DATE", format!("{} +0000", 1_600_000_000 + date))
            .env(
                "GIT_COMMITTER_DATE",
                format!("{} +0000", 1_600_000_000 + date),
            )
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("git runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "git {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// A commit of an empty tree on `parents`, dated `date`.
    fn commit(dir: &Path, parents: &[&str], date: u64, msg: &str) -> String {
        let tree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
        let mut args = vec!["commit-tree", tree, "-m", msg];
        for p in parents {
            args.extend(["-p", p]);
        }
        git(dir, &args, date)
    }

    fn id(hex: &str) -> ObjectId {
        ObjectId::from_hex(hex.as_bytes()).unwrap()
    }

    /// Runs the walk with and without a commit-graph and checks both against git's
    /// own `rev-list TIPS --not HIDDEN`.
    fn agrees_with_git(dir: &Path, tips: &[&str], hidden: &[&str]) -> Vec<ObjectId> {
        let mut args = vec!["rev-list"];
        args.extend(tips);
        args.push("--not");
        args.extend(hidden);
        let mut want: Vec<ObjectId> = git(dir, &args, 0).lines().map(id).collect();
        want.sort();
        let tips: Vec<_> = tips.iter().map(|t| id(t)).collect();
        let hidden: Vec<_> = hidden.iter().map(|t| id(t)).collect();
        let mut results = Vec::new();
        // No graph; a graph of what the server had (the pushed commits outside it);
        // a graph of everything.
        for (with_graph, graphed) in [(false, 0), (true, 1), (true, 2)] {
            let _ = std::fs::remove_file(dir.join("objects/info/commit-graph"));
            if with_graph {
                let ids: Vec<&ObjectId> = match graphed {
                    1 => hidden.iter().collect(),
                    _ => tips.iter().chain(&hidden).collect(),
                };
                let input = ids.iter().map(|i| format!("{i}\n")).collect::<String>();
                git_with_input(
                    dir,
                    &["commit-graph", "write", "--stdin-commits"],
                    0,
                    &input,
                );
            }
            let repo = gix::open(dir).unwrap();
            let graph = commit_graph(&repo);
            assert_eq!(graph.is_some(), with_graph);
            let mut got = new_commits(&repo.objects, graph.as_ref(), &tips, &hidden).unwrap();
            got.sort();
            assert_eq!(got, want, "commit-graph: {with_graph}, of {graphed}");
            results.push(got);
        }
        results.pop().unwrap()
    }

    fn repo() -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.git");
        std::fs::create_dir(&path).unwrap();
        git(&path, &["init", "-q", "--bare"], 0);
        (dir, path)
    }

    #[test]
    fn a_push_onto_a_branch_is_its_own_commits() {
        let (_d, r) = repo();
        let mut main = commit(&r, &[], 1000, "root");
        for i in 0..50 {
            main = commit(&r, &[&main], 1001 + i, "main");
        }
        git(&r, &["update-ref", "refs/heads/main", &main], 0);
        let a = commit(&r, &[&main], 2000, "new 1");
        let b = commit(&r, &[&a], 2001, "new 2");
        assert_eq!(agrees_with_git(&r, &[&b], &[&main]).len(), 2);
        // The tip itself already known: nothing is new.
        assert!(agrees_with_git(&r, &[&main], &[&main]).is_empty());
    }

    #[test]
    fn skewed_dates_never_hide_a_new_commit() {
        let (_d, r) = repo();
        let root = commit(&r, &[], 5000, "root");
        let mut main = root.clone();
        for i in 0..20 {
            main = commit(&r, &[&main], 5001 + i, "main");
        }
        // New commits dated long before everything they build on.
        let a = commit(&r, &[&main], 10, "old clock 1");
        let b = commit(&r, &[&a], 9_999_999, "future clock");
        let c = commit(&r, &[&b], 11, "old clock 2");
        // A merge that brings an old side branch forked from the root.
        let side = commit(&r, &[&root], 1, "side, very old");
        let m = commit(&r, &[&c, &side], 12, "merge");
        assert_eq!(agrees_with_git(&r, &[&m], &[&main]).len(), 5);
    }

    #[test]
    fn a_merge_of_a_known_commit_adds_only_the_merge() {
        let (_d, r) = repo();
        let root = commit(&r, &[], 100, "root");
        let mut main = root.clone();
        let mut mid = root.clone();
        for i in 0..30 {
            main = commit(&r, &[&main], 101 + i, "main");
            if i == 10 {
                mid = main.clone();
            }
        }
        let mut topic = mid.clone();
        for i in 0..5 {
            topic = commit(&r, &[&topic], 200 + i, "topic");
        }
        // The server knows main and a tag on topic's tip; the push merges them.
        let m = commit(&r, &[&main, &topic], 300, "merge");
        let new = agrees_with_git(&r, &[&m], &[&main, &topic]);
        assert_eq!(new, vec![id(&m)]);
        // Hiding only main: the topic commits are new too.
        assert_eq!(agrees_with_git(&r, &[&m], &[&main]).len(), 6);
    }

    #[test]
    fn hidden_tags_are_followed_and_non_commits_ignored() {
        let (_d, r) = repo();
        let a = commit(&r, &[], 100, "a");
        let b = commit(&r, &[&a], 101, "b");
        let c = commit(&r, &[&b], 102, "c");
        git(&r, &["update-ref", "refs/heads/main", &b], 0);
        // An annotated tag of b (a loose ref naming the tag object), and a tag of a
        // blob (as git.git's junio-gpg-pub).
        git(&r, &["tag", "-a", "-m", "v1", "v1", &b], 0);
        let blob = {
            let path = r.join("blob.txt");
            std::fs::write(&path, "key material\n").unwrap();
            git(&r, &["hash-object", "-w", "blob.txt"], 0)
        };
        git(&r, &["tag", "-a", "-m", "blob", "blobtag", &blob], 0);
        let repo = gix::open(&r).unwrap();
        let hidden = crate::source::commits::ref_commits(&repo, None).unwrap();
        // main, and the two loose tags named by their tag objects (unread here).
        assert_eq!(hidden.len(), 3);
        assert!(hidden.contains(&id(&b)));
        let got = new_commits(&repo.objects, None, &[id(&c)], &hidden).unwrap();
        assert_eq!(got, vec![id(&c)]);
        // Only the tag hides b: still nothing older than c is new.
        let tag = git(&r, &["rev-parse", "refs/tags/v1"], 0);
        let got = new_commits(&repo.objects, None, &[id(&c)], &[id(&tag), id(&blob)]).unwrap();
        assert_eq!(got, vec![id(&c)]);
    }
}
