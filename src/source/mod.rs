//! Sources turn a git state or a set of files into [`Target`]s: a path, the bytes to
//! scan, which lines are new, and where the blob was seen ([`Origin`]).
//!
//! Sources read; they never scan, judge or print.

pub mod commits;
pub mod diff;
pub mod gitignore;
pub mod history;
pub mod loose;
pub mod paths;
pub mod quarantine;
pub mod reach;
pub mod repo;
pub mod staged;

pub use repo::GitError;

use std::fmt;
use std::ops::RangeInclusive;

use serde::Serialize;

/// A git object id (SHA-1 or SHA-256), shown as hex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlobId(pub gix::ObjectId);

impl fmt::Display for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for BlobId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The commit a blob was seen in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitInfo {
    /// Full commit id.
    pub id: String,
    /// Author name and email, `Name <email>`.
    pub author: String,
    /// Author time, ISO 8601.
    pub time: String,
    /// First line of the message.
    pub subject: String,
}

/// What part of a repository a finding is in: a file's content, or metadata that
/// git records beside it (each scanned like content, never printed raw).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Location {
    /// A file's (blob's) content.
    #[default]
    Content,
    /// A commit object: its message and its author and committer lines (line
    /// numbers count in `git cat-file -p COMMIT`).
    CommitMessage,
    /// An annotated tag object: its message, tagger and name (line numbers count in
    /// `git cat-file -p TAG`).
    TagMessage,
    /// A file's path.
    Path,
    /// A ref's name.
    Ref,
}

impl Location {
    /// The name used in JSON and SARIF.
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Content => "content",
            Location::CommitMessage => "commit-message",
            Location::TagMessage => "tag-message",
            Location::Path => "path",
            Location::Ref => "ref",
        }
    }
}

/// Where a target was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Origin {
    /// A file on disk.
    File,
    /// Standard input.
    Stdin,
    /// The index (what `git commit` would record).
    Staged,
    /// A blob introduced by a commit.
    Commit(CommitInfo),
    /// A blob no ref reaches (`audit-history --include-unreachable`).
    Unreachable,
    /// A blob no audited commit names (`audit-history --include-unreachable`): only
    /// its id is known; reports carry it as a field of its own beside an empty path.
    #[serde(rename = "unreachable-blob")]
    UnreachableBlob {
        /// The blob.
        blob: BlobId,
    },
    /// A ref being pushed or audited: its name, or an annotated tag it points at.
    Ref,
}

impl Origin {
    /// The blob id, for a blob no audited commit names.
    pub fn unreachable_blob(&self) -> Option<BlobId> {
        match self {
            Origin::UnreachableBlob { blob } => Some(*blob),
            _ => None,
        }
    }

    /// The commit, when there is one.
    pub fn commit(&self) -> Option<&CommitInfo> {
        match self {
            Origin::Commit(c) => Some(c),
            _ => None,
        }
    }
}

/// Lines (1-based, inclusive ranges) added relative to an older version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddedLines(pub Vec<RangeInclusive<usize>>);

impl AddedLines {
    /// True when any line in `first..=last` was added.
    pub fn touches(&self, first: usize, last: usize) -> bool {
        self.0
            .iter()
            .any(|r| *r.start() <= last && first <= *r.end())
    }

    /// Lines added relative to both versions (a merge adds what is new to every parent).
    pub fn intersect(&self, other: &AddedLines) -> AddedLines {
        let mut out = Vec::new();
        for a in &self.0 {
            for b in &other.0 {
                let (start, end) = ((*a.start()).max(*b.start()), (*a.end()).min(*b.end()));
                if start <= end {
                    out.push(start..=end);
                }
            }
        }
        AddedLines(out)
    }
}

/// One thing to scan.
#[derive(Debug, Clone)]
pub struct Target {
    /// Path as shown to the user (repository-relative for git sources).
    pub path: String,
    /// Blob id, for git sources.
    pub blob: Option<BlobId>,
    /// The bytes to scan.
    pub bytes: Vec<u8>,
    /// Lines new in this version; `None` means the whole blob counts.
    pub added_lines: Option<AddedLines>,
    /// Where the blob was seen.
    pub origin: Origin,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_id_matches_gits_empty_blob() {
        let id = gix::ObjectId::empty_blob(gix::hash::Kind::Sha1);
        assert_eq!(
            BlobId(id).to_string(),
            "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
        );
        let id = gix::ObjectId::empty_blob(gix::hash::Kind::Sha256);
        assert_eq!(
            BlobId(id).to_string(),
            "473a0f4c3be8a93681a267e3b1e9a7dcda1185436fe141f7749120a303721813"
        );
    }

    #[test]
    fn added_lines_touch() {
        let added = AddedLines(vec![3..=4, 10..=10]);
        assert!(added.touches(4, 4));
        assert!(added.touches(1, 3));
        assert!(added.touches(5, 12));
        assert!(!added.touches(5, 9));
        assert!(!AddedLines::default().touches(1, 100));
    }

    #[test]
    fn added_lines_intersect() {
        let a = AddedLines(vec![1..=5, 8..=9]);
        let b = AddedLines(vec![4..=8]);
        assert_eq!(a.intersect(&b).0, vec![4..=5, 8..=8]);
    }
}
