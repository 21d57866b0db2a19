//! Where an audit starts: every ref (branches, tags, remotes, stash, a detached
//! `HEAD`) or the revisions named with `--ref`, each peeled to a commit; and where it
//! stops (`--since`).

use gix::ObjectId;

use super::ReadError;
use crate::source::GitError;

/// A ref tip the audit starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tip {
    /// Full ref name (`refs/heads/main`), `HEAD` when detached, or the revision as typed.
    pub name: String,
    /// The commit it points at, tags peeled.
    pub commit: ObjectId,
}

/// The start of the audited range (`--since`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// Only commits made after this time (seconds since the epoch, commit time).
    Date(i64),
    /// Only commits not reachable from this one.
    Commit(ObjectId),
}

impl Since {
    /// Reads `--since`: a revision (`v1.2`, `HEAD~10`, a commit id) or a date
    /// (`2024-01-31`, `2 weeks ago`, anything `git log --since` takes that gix parses).
    pub fn parse(repo: &gix::Repository, text: &str) -> Result<Since, GitError> {
        if let Ok(id) = repo.rev_parse_single(text) {
            if let Ok(commit) = id.object().and_then(|o| o.peel_to_commit()) {
                return Ok(Since::Commit(commit.id));
            }
        }
        let now = gix::date::Zoned::now();
        match gix::date::parse(text, Some(now)) {
            Ok(time) => Ok(Since::Date(time.seconds)),
            Err(_) => Err(GitError::Unsupported(format!(
                "--since {text}: neither a commit nor a date (try 2024-01-31 or a commit id)"
            ))),
        }
    }
}

/// The refs of a repository, peeled.
#[derive(Debug, Default)]
pub struct AllTips {
    /// Refs that point at commits.
    pub tips: Vec<Tip>,
    /// Refs that point at trees or blobs (not audited).
    pub notes: Vec<String>,
    /// Refs that could not be read.
    pub errors: Vec<ReadError>,
}

/// Every ref of the repository (and a detached `HEAD`), peeled to commits. Refs that
/// point at trees or blobs (git.git tags a blob) are named in notes; refs that cannot
/// be read are returned as errors.
pub fn all_tips(repo: &gix::Repository) -> Result<AllTips, GitError> {
    let mut tips = Vec::new();
    let mut notes = Vec::new();
    let mut errors = Vec::new();
    let platform = repo
        .references()
        .map_err(|e| GitError::read("the refs", e))?;
    let iter = platform.all().map_err(|e| GitError::read("the refs", e))?;
    for reference in iter {
        let mut reference = match reference {
            Ok(r) => r,
            Err(e) => {
                errors.push(ReadError::new("a ref", e));
                continue;
            }
        };
        let name = reference.name().as_bstr().to_string();
        match reference.peel_to_id() {
            Ok(id) => push_peeled(repo, name, id.detach(), &mut tips, &mut notes, &mut errors),
            Err(e) => errors.push(ReadError::new(&name, e)),
        }
    }
    if let Ok(head) = repo.head() {
        if head.is_detached() {
            if let Some(id) = head.id() {
                push_peeled(
                    repo,
                    "HEAD".into(),
                    id.detach(),
                    &mut tips,
                    &mut notes,
                    &mut errors,
                );
            }
        }
    }
    Ok(AllTips {
        tips,
        notes,
        errors,
    })
}

/// The revisions named on the command line, peeled to commits. A name that does not
/// resolve is a usage error.
pub fn named_tips(repo: &gix::Repository, revs: &[String]) -> Result<Vec<Tip>, GitError> {
    let mut tips = Vec::new();
    for rev in revs {
        let id = repo
            .rev_parse_single(rev.as_str())
            .map_err(|e| GitError::Unsupported(format!("--ref {rev}: {e}")))?;
        let commit = id
            .object()
            .and_then(|o| o.peel_to_commit())
            .map_err(|e| GitError::Unsupported(format!("--ref {rev}: not a commit: {e}")))?;
        let name = repo
            .find_reference(rev.as_str())
            .map(|r| r.name().as_bstr().to_string())
            .unwrap_or_else(|_| rev.clone());
        tips.push(Tip {
            name,
            commit: commit.id,
        });
    }
    Ok(tips)
}

fn push_peeled(
    repo: &gix::Repository,
    name: String,
    id: ObjectId,
    tips: &mut Vec<Tip>,
    notes: &mut Vec<String>,
    errors: &mut Vec<ReadError>,
) {
    let object = match repo.find_object(id).and_then(|o| o.peel_tags_to_end()) {
        Ok(object) => object,
        Err(e) => {
            errors.push(ReadError::new(format!("{name} ({id})"), e));
            return;
        }
    };
    if object.kind == gix::object::Kind::Commit {
        tips.push(Tip {
            name,
            commit: object.id,
        });
    } else {
        notes.push(format!(
            "{name} points at a {} ({}), not a commit: not audited",
            object.kind, object.id
        ));
    }
}
