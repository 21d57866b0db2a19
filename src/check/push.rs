//! The pre-push door, and what it shares with pre-receive: ref updates → the commits
//! the other side does not have → the blobs they change → a verdict.

use std::io::BufRead;
use std::sync::Arc;

use gix::objs::FindExt;
use gix::ObjectId;

use crate::config::Config;
use crate::engine::Scanner;
use crate::policy::Policy;
use crate::report::Mode;
use crate::source::commits::{commit_info_from_bytes, new_commits, ref_commits, BlobChange};
use crate::source::repo::{display, GitError};
use crate::source::{Location, Origin};
use crate::verify::Secrets;
use crate::Error;

use super::blobs::BlobScanner;
use super::pack_pass::{PackPass, PassSource};
use super::{Options, Outcome, Repo};

/// One line of pre-push input: what is pushed, and what the remote had.
#[derive(Debug, Clone)]
pub struct Update {
    /// The local ref pushed (as git names it; empty when unknown).
    pub local_ref: String,
    /// The remote ref it updates (empty when unknown).
    pub remote_ref: String,
    /// The local tip being pushed (null: a deletion).
    pub local: ObjectId,
    /// The remote's tip before the push (null: a new ref).
    pub remote: ObjectId,
}

/// What the pre-push door checks.
pub struct Context<'a> {
    /// The repository pushed from.
    pub repo: &'a Repo,
    /// The config in force.
    pub config: &'a Config,
    /// The policy in force.
    pub policy: &'a Policy,
    /// The remote's name, when git passed it: its tracking refs count as what it has.
    pub remote: Option<&'a str>,
    /// The ref updates (see [`read_updates`]).
    pub updates: &'a [Update],
}

/// What a push sends, as the hook was told.
#[derive(Debug, Clone, Default)]
pub struct PushInput {
    /// The ref updates.
    pub updates: Vec<Update>,
    /// The remote's name, when the pre-commit framework named it
    /// (`PRE_COMMIT_REMOTE_NAME`); git passes it as the hook's first argument instead.
    pub remote: Option<String>,
    /// True when the pre-commit framework ran the hook (`PRE_COMMIT=1`).
    pub framework: bool,
}

/// The updates of this push: from the pre-commit framework's variables when it runs
/// the hook (it does not pass git's stdin), else parsed from `input`, git's stdin.
pub fn read_updates(repo: &Repo, input: impl BufRead) -> Result<PushInput, Error> {
    match framework_push(repo, &|name| std::env::var(name).ok())? {
        Some(push) => Ok(push),
        None => Ok(PushInput {
            updates: parse_updates(input)?,
            ..PushInput::default()
        }),
    }
}

/// Parses git's pre-push stdin; a malformed line is a usage error naming the line.
fn parse_updates(input: impl BufRead) -> Result<Vec<Update>, Error> {
    let mut updates = Vec::new();
    for line in super::input_lines(input) {
        let (n, line) = line?;
        let fields: Vec<&str> = line.split_whitespace().collect();
        let parsed = match fields.as_slice() {
            [local_ref, local, remote_ref, remote] => ObjectId::from_hex(local.as_bytes())
                .ok()
                .zip(ObjectId::from_hex(remote.as_bytes()).ok())
                .map(|ids| (ids, local_ref.to_string(), remote_ref.to_string())),
            _ => None,
        };
        let Some(((local, remote), local_ref, remote_ref)) = parsed else {
            return Err(Error::Usage(format!(
                "malformed pre-push input on line {}: expected `<local ref> <local oid> <remote ref> <remote oid>`",
                n
            )));
        };
        updates.push(Update {
            local_ref,
            remote_ref,
            local,
            remote,
        });
    }
    Ok(updates)
}

/// The pre-commit framework reads git's pre-push stdin itself and tells its hooks
/// about the push through variables (`pre_commit/commands/hook_impl.py`,
/// `_pre_push_ns`, and `commands/run.py`, pre-commit 4):
/// - an update of a ref the remote has, or a new branch whose history joins the
///   remote's: `PRE_COMMIT_FROM_REF` (a commit the remote has) and
///   `PRE_COMMIT_TO_REF` (the pushed tip);
/// - a push whose history starts at a root commit the remote lacks (a first push): no
///   refs at all, only `PRE_COMMIT_LOCAL_BRANCH`, `PRE_COMMIT_REMOTE_BRANCH`,
///   `PRE_COMMIT_REMOTE_NAME` and `PRE_COMMIT_REMOTE_URL` (it runs the hooks as with
///   `--all-files`);
/// - `pre-commit run --hook-stage pre-push` typed by hand (`--all-files`, `--files`
///   or nothing): only `PRE_COMMIT=1`.
///
/// The last two scan every commit of the pushed ref (HEAD when typed by hand) that
/// no remote-tracking ref of that remote (of any remote, by hand) holds: everything
/// reachable when the remote has nothing. Not the framework: `None`.
fn framework_push(
    repo: &Repo,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<PushInput>, Error> {
    let framework = var("PRE_COMMIT").as_deref() == Some("1");
    let to = var("PRE_COMMIT_TO_REF").filter(|v| !v.trim().is_empty());
    let local_branch = var("PRE_COMMIT_LOCAL_BRANCH").filter(|v| !v.trim().is_empty());
    if !framework && to.is_none() && local_branch.is_none() {
        return Ok(None);
    }
    let remote = var("PRE_COMMIT_REMOTE_NAME").filter(|v| !v.is_empty());
    let remote_ref = var("PRE_COMMIT_REMOTE_BRANCH").unwrap_or_default();
    let parse = |name: &str, hex: &str| {
        ObjectId::from_hex(hex.trim().as_bytes())
            .map_err(|_| Error::Usage(format!("{name} is not an object id")))
    };
    let update = match to {
        Some(to) => {
            let local = parse("PRE_COMMIT_TO_REF", &to)?;
            let remote = match var("PRE_COMMIT_FROM_REF").filter(|v| !v.trim().is_empty()) {
                Some(from) => parse("PRE_COMMIT_FROM_REF", &from)?,
                None => ObjectId::null(local.kind()),
            };
            Update {
                local_ref: local_branch.unwrap_or_default(),
                remote_ref,
                local,
                remote,
            }
        }
        None => {
            let name = local_branch.unwrap_or_else(|| "HEAD".into());
            let gix = repo.gix();
            let local = match gix.rev_parse_single(name.as_str()) {
                Ok(id) => id.detach(),
                // `pre-commit run` by hand on an unborn branch: nothing to push.
                Err(_) if name == "HEAD" && gix.head_id().is_err() => {
                    return Ok(Some(PushInput {
                        updates: Vec::new(),
                        remote,
                        framework,
                    }))
                }
                Err(e) => {
                    return Err(GitError::read(format!("PRE_COMMIT_LOCAL_BRANCH {name}"), e).into())
                }
            };
            Update {
                local_ref: name,
                remote_ref,
                local,
                remote: ObjectId::null(local.kind()),
            }
        }
    };
    Ok(Some(PushInput {
        updates: vec![update],
        remote,
        framework,
    }))
}

/// Reading one new commit's trees by id costs about what reading this many objects
/// in one pass over the store costs (measured on 20,000 commits: 12.5 s walking each
/// commit, 1.4 s reading all 299,426 objects: ~134).
const OBJECTS_PER_WALKED_COMMIT: u64 = 120;

/// Below this many new commits the walk takes well under a second: the pass is not
/// worth it (and loose objects, which the estimate does not count, stay cheap).
const MIN_COMMITS_FOR_WHOLE_STORE: usize = 500;

/// True when reading every object of the store once is cheaper than walking
/// `new_commits` commits' trees by id (packed objects counted; git packs loose ones
/// once there are a few thousand).
fn whole_store_is_cheaper(repo: &gix::Repository, new_commits: usize) -> bool {
    let packed = repo.objects.packed_object_count().unwrap_or(u64::MAX);
    new_commits >= MIN_COMMITS_FOR_WHOLE_STORE
        && (new_commits as u64).saturating_mul(OBJECTS_PER_WALKED_COMMIT) > packed
}

/// Scans the commits being pushed.
pub fn check(cx: &Context<'_>, options: &Options) -> Result<Outcome, Error> {
    let repo = cx.repo.gix();
    let scanner = Scanner::new(Arc::clone(&cx.config.rules), cx.config.scan.clone());
    let secrets = Secrets::new(options.verify);
    // Each pushed tip peeled to its commit; tag objects and ref names kept to scan.
    let mut tips = Vec::new();
    let mut tags = Vec::new();
    let mut peeled_other = Vec::new();
    for update in cx.updates.iter().filter(|u| !u.local.is_null()) {
        let mut chain = Vec::new();
        match peel_to_commit(&repo.objects, update.local, &mut chain)? {
            Peeled::Commit(id) => tips.push(id),
            peeled @ (Peeled::Blob(_) | Peeled::Tree(_)) => peeled_other.push((update, peeled)),
        }
        tags.push((update, chain));
    }
    // What the remote already has: its tracking refs, and the old tips it reported
    // (when this clone knows them).
    let prefix = cx
        .remote
        .map(|r| format!("refs/remotes/{r}/"))
        .unwrap_or_else(|| "refs/remotes/".into());
    let mut hidden = ref_commits(repo, Some(&prefix))?;
    hidden.extend(
        cx.updates
            .iter()
            .filter(|u| !u.remote.is_null() && repo.has_object(u.remote))
            .map(|u| u.remote),
    );
    let graph = crate::source::reach::commit_graph(repo);
    let commits = new_commits(&repo.objects, graph.as_ref(), &tips, &hidden)?;

    // A push of a long history (a repository's first push to a new remote) reads
    // the whole store once, as an audit does, instead of each commit's trees by id.
    let whole_store = whole_store_is_cheaper(repo, commits.len());
    let source = if whole_store {
        PassSource::Repository(repo)
    } else {
        PassSource::Nothing
    };
    let pass = PackPass::read(source, repo.object_hash(), &scanner, cx.policy);
    let objects = pass.objects(repo.objects.clone());
    let scan = NewCommits {
        pass: &pass,
        scanner: &scanner,
        policy: cx.policy,
        secrets: &secrets,
    };
    let mut blobs = scan.scan(&objects, &commits, |_, _| {})?;
    let metadata = blobs.metadata();
    for (update, chain) in &tags {
        metadata.scan_ref(&update.remote_ref, chain, &mut blobs.verdict);
        if update.local_ref != update.remote_ref {
            metadata.scan_ref(&update.local_ref, &[], &mut blobs.verdict);
        }
    }
    for (update, peeled) in &peeled_other {
        for (path, id) in tagged_blobs(&objects, &update.remote_ref, peeled)? {
            blobs.scan(&path, id, &[], Origin::Ref);
        }
    }
    let mut verdict = blobs.verdict;
    verdict
        .notes
        .push(format!("{} new commit(s) scanned", commits.len()));
    if whole_store {
        verdict.notes.push(
            "the whole object store was read in one pass (cheaper than each commit's trees for a push this long); the summary counts every blob read".into(),
        );
    }
    super::verify_findings(&mut verdict, &cx.config.rules, secrets, None)?;
    Ok(Outcome::redacted(Mode::PrePush, verdict, &scanner))
}

/// What pre-push and pre-receive share: the new commits' changed blobs scanned,
/// oldest commit first, after what a [`PackPass`] settled.
pub(crate) struct NewCommits<'a> {
    /// The pass read before the walk (possibly empty).
    pub pass: &'a PackPass,
    /// The engine.
    pub scanner: &'a Scanner,
    /// The policy.
    pub policy: &'a Policy,
    /// Keeps raw secrets for verification (or nothing).
    pub secrets: &'a Secrets,
}

impl<'a> NewCommits<'a> {
    /// Scans what each of `commits` (newest first, as a walk returns them) brings,
    /// reading through `objects`; `introduced` sees every (commit, blob) pair walked.
    pub fn scan<F: gix::objs::Find + Clone + Send>(
        &self,
        objects: &'a F,
        commits: &[ObjectId],
        introduced: impl FnMut(ObjectId, &BlobChange),
    ) -> Result<BlobScanner<'a, F>, GitError> {
        let mut blobs = BlobScanner::new(objects, self.scanner, self.policy, self.secrets);
        blobs.settle(self.pass);
        let mut interest = self.pass.interest(self.policy);
        blobs.scan_commits(commits, interest.as_mut(), introduced)?;
        // Every new commit's own object too: its message, author and committer.
        let metadata = blobs.metadata();
        let mut buf = Vec::new();
        for id in commits.iter().rev() {
            let data = objects
                .try_find(id, &mut buf)
                .map_err(|e| GitError::read(format!("commit {id}"), e))?
                .ok_or_else(|| GitError::read(format!("commit {id}"), "object is missing"))?;
            let origin = commit_info_from_bytes(*id, data.data)
                .map(Origin::Commit)
                .unwrap_or(Origin::Unreachable);
            metadata.scan(
                Location::CommitMessage,
                "",
                data.data,
                &origin,
                &mut blobs.verdict,
            );
        }
        Ok(blobs)
    }
}

/// What a pushed ref points at, tags followed.
pub(crate) enum Peeled {
    /// A commit (directly or through tags).
    Commit(ObjectId),
    /// A blob (`git tag NAME BLOB`).
    Blob(ObjectId),
    /// A tree.
    Tree(ObjectId),
}

/// Follows annotated tags to what they point at, however deep the chain (git sets
/// no limit, and each tag's id names its target, so a chain cannot loop); each
/// tag object's bytes go to `tags`.
pub(crate) fn peel_to_commit(
    objects: &impl gix::objs::Find,
    mut id: ObjectId,
    tags: &mut Vec<Vec<u8>>,
) -> Result<Peeled, Error> {
    let mut buf = Vec::new();
    loop {
        let data = objects
            .find(&id, &mut buf)
            .map_err(|e| GitError::read(format!("object {id}"), e))?;
        match data.kind {
            gix::object::Kind::Commit => return Ok(Peeled::Commit(id)),
            gix::object::Kind::Blob => return Ok(Peeled::Blob(id)),
            gix::object::Kind::Tree => return Ok(Peeled::Tree(id)),
            gix::object::Kind::Tag => {
                tags.push(data.data.to_vec());
                id = data
                    .decode()
                    .ok()
                    .and_then(|o| o.as_tag().map(|t| t.target()))
                    .ok_or_else(|| GitError::read(format!("tag {id}"), "cannot decode"))?;
            }
        }
    }
}

/// The blobs a ref that peels to a blob or a tree (`git tag NAME BLOB`) brings, each
/// at the path shown for it: `NAME (tagged blob)`, or `NAME:path` under a tree.
pub(crate) fn tagged_blobs<F: gix::objs::Find>(
    objects: &F,
    name: &str,
    peeled: &Peeled,
) -> Result<Vec<(String, ObjectId)>, GitError> {
    Ok(match peeled {
        Peeled::Blob(id) => vec![(format!("{name} (tagged blob)"), *id)],
        Peeled::Tree(id) => crate::source::commits::tree_blobs(objects, *id)?
            .into_iter()
            .map(|b| (format!("{name}:{}", display(b.path.as_ref())), b.id))
            .collect(),
        Peeled::Commit(_) => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_push_the_framework_describes() {
        let dir = tempfile::tempdir().unwrap();
        let git = |args: &[&str]| {
            let ok = std::process::Command::new("git")
                .current_dir(dir.path())
                .args([
                    "-c",
                    "user.name=T",
                    "-c",
                    "user.email=t@t",
                    "-c",
                    "commit.gpgsign=false",
                ])
                .args(args)
                .output()
                .unwrap();
            assert!(ok.status.success(), "{ok:?}");
            String::from_utf8(ok.stdout).unwrap().trim().to_string()
        };
        git(&["init", "-q", "-b", "main"]);
        git(&["commit", "-q", "--allow-empty", "-m", "root"]);
        let head = git(&["rev-parse", "HEAD"]);
        let repo = Repo::discover(dir.path()).unwrap();
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        // Not the framework: git's stdin is read instead.
        assert!(framework_push(&repo, &env(&[])).unwrap().is_none());
        // A first push from a root commit: no refs, the branch and the remote named.
        let root = framework_push(
            &repo,
            &env(&[
                ("PRE_COMMIT", "1"),
                ("PRE_COMMIT_LOCAL_BRANCH", "refs/heads/main"),
                ("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/main"),
                ("PRE_COMMIT_REMOTE_NAME", "origin"),
            ]),
        )
        .unwrap()
        .unwrap();
        assert_eq!(root.remote.as_deref(), Some("origin"));
        assert_eq!(root.updates.len(), 1);
        assert_eq!(root.updates[0].local.to_string(), head);
        assert!(root.updates[0].remote.is_null(), "the remote has nothing");
        // By hand: HEAD.
        let by_hand = framework_push(&repo, &env(&[("PRE_COMMIT", "1")]))
            .unwrap()
            .unwrap();
        assert_eq!(by_hand.updates[0].local.to_string(), head);
        assert_eq!(by_hand.remote, None, "every remote's tracking refs count");
        // A branch that does not resolve is an error, never a pass.
        let missing = framework_push(
            &repo,
            &env(&[
                ("PRE_COMMIT", "1"),
                ("PRE_COMMIT_LOCAL_BRANCH", "refs/heads/nope"),
            ]),
        );
        assert!(missing.is_err());
        // A bad object id in the refs is a usage error.
        let bad = framework_push(&repo, &env(&[("PRE_COMMIT_TO_REF", "xyz")])).unwrap_err();
        assert_eq!(bad.exit_code(), 2);
    }

    #[test]
    fn parses_git_input_and_rejects_garbage() {
        let zero = "0".repeat(40);
        let a = "a".repeat(40);
        let input = format!("refs/heads/main {a} refs/heads/main {zero}\n\n");
        let updates = parse_updates(input.as_bytes()).unwrap();
        assert_eq!(updates.len(), 1);
        assert!(updates[0].remote.is_null());
        let err = parse_updates("refs/heads/main nothex x y\n".as_bytes()).unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
        assert_eq!(err.exit_code(), 2);
    }
}
