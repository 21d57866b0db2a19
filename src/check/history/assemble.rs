//! Places scan results in history: each finding at the oldest commit and path that
//! introduced its blob, grouped by key (fingerprint), with the refs still holding it;
//! forbidden files with the commit that added them; notes on what was not audited.

use std::collections::HashMap;

use gix::bstr::BString;
use gix::ObjectId;

use crate::policy::{KeyHistory, Policy, Reported, Verdict};
use crate::source::history::{self, tips, History, Tip};
use crate::source::Origin;

/// Blobs to read: those with at least one place outside `allowlist.paths`.
pub fn wanted_blobs(history: &History, policy: &Policy, verdict: &mut Verdict) -> Vec<ObjectId> {
    let mut wanted = Vec::with_capacity(history.blobs.len());
    for (id, places) in &history.blobs {
        if places
            .iter()
            .any(|p| !policy.path_allowed(&history::display(&p.path)))
        {
            wanted.push(*id);
        } else {
            verdict.summary.allowlisted_paths += 1;
        }
    }
    wanted
}

/// Objects the store does not have: expected in a partial clone (listed, counted as
/// `not-fetched`), an error otherwise.
pub fn missing(repo: &gix::Repository, missing: &[ObjectId], verdict: &mut Verdict) {
    if missing.is_empty() {
        return;
    }
    if history::is_partial_clone(repo) {
        let mut ids: Vec<String> = missing.iter().map(ToString::to_string).collect();
        ids.sort();
        for _ in &ids {
            verdict.count_skipped("not-fetched");
        }
        verdict.notes.push(format!(
            "partial clone: {} blob(s) were never fetched and are not audited: {}",
            ids.len(),
            ids.join(", ")
        ));
    } else {
        for id in missing {
            verdict.add_error(id.to_string(), "object is missing");
        }
    }
}

/// What placing findings in history needs.
pub struct Placed<'a> {
    /// The repository (commit details, tip trees).
    pub repo: &'a gix::Repository,
    /// The walk.
    pub history: &'a History,
    /// The refs audited.
    pub tips: &'a [Tip],
    /// Allowlisted paths and forbidden files.
    pub policy: &'a Policy,
    /// One finding per place instead of one per key.
    pub all_occurrences: bool,
}

/// One place a key was found: a finding at a commit and path.
struct Candidate {
    commit: u32,
    blob: ObjectId,
    reported: Reported,
}

impl Placed<'_> {
    /// Turns the findings of each blob into findings at places in history.
    pub fn findings(&self, hits: Vec<(ObjectId, Vec<Reported>)>, verdict: &mut Verdict) {
        let mut candidates = Vec::new();
        for (blob, reported) in hits {
            let Some(places) = self.history.blobs.get(&blob) else {
                for mut r in reported {
                    r.path = String::new();
                    r.origin = Origin::UnreachableBlob {
                        blob: crate::source::BlobId(blob),
                    };
                    candidates.push(Candidate {
                        commit: u32::MAX,
                        blob,
                        reported: r,
                    });
                }
                continue;
            };
            let places: Vec<_> = places
                .iter()
                .map(|p| (p.commit, history::display(&p.path)))
                .filter(|(_, path)| !self.policy.path_allowed(path))
                .collect();
            if places.is_empty() {
                verdict.summary.allowlisted_paths += 1;
                continue;
            }
            for r in &reported {
                for (commit, path) in &places {
                    let mut r = r.clone();
                    r.path = path.clone();
                    candidates.push(Candidate {
                        commit: *commit,
                        blob,
                        reported: r,
                    });
                }
            }
        }
        candidates.sort_by(|a, b| {
            let key = |c: &Candidate| {
                (
                    c.reported.finding.fingerprint.clone(),
                    c.commit,
                    c.reported.path.clone(),
                    c.reported.finding.line,
                )
            };
            key(a).cmp(&key(b))
        });

        let blobs: gix::hashtable::HashSet<ObjectId> = candidates.iter().map(|c| c.blob).collect();
        let presence = tips::presence(self.repo, self.tips, &blobs, &[]);
        for e in presence.errors {
            verdict.add_error(e.what, e.message);
        }
        let mut commits = CommitCache::default();
        let mut findings: Vec<(u32, Reported)> = Vec::new();
        let mut rest = candidates.as_mut_slice();
        while !rest.is_empty() {
            let fingerprint = rest[0].reported.finding.fingerprint.clone();
            let len = rest
                .iter()
                .take_while(|c| c.reported.finding.fingerprint == fingerprint)
                .count();
            let (group, tail) = rest.split_at_mut(len);
            rest = tail;
            let mut still: Vec<usize> = group
                .iter()
                .filter_map(|c| presence.blobs.get(&c.blob))
                .flatten()
                .copied()
                .collect();
            still.sort_unstable();
            still.dedup();
            let history = KeyHistory {
                occurrences: group.len(),
                still_in: still.iter().map(|&i| self.tips[i].name.clone()).collect(),
            };
            let shown = if self.all_occurrences { group.len() } else { 1 };
            for c in group.iter_mut().take(shown) {
                let mut r = c.reported.clone();
                if c.commit != u32::MAX {
                    r.origin = commits.origin(self.repo, self.history, c.commit, verdict);
                }
                r.history = Some(history.clone());
                findings.push((c.commit, r));
            }
        }
        findings.sort_by(|(ca, a), (cb, b)| {
            (ca, &a.path, a.finding.line).cmp(&(cb, &b.path, b.finding.line))
        });
        verdict.findings = findings.into_iter().map(|(_, r)| r).collect();
        verdict.summary.findings = verdict.findings.len() as u64;
        verdict.summary.blocking = verdict.findings.iter().filter(|r| r.blocking).count() as u64;
    }

    /// Forbidden files ever committed, each with the oldest commit that added it and
    /// whether a ref tip still holds it.
    pub fn forbidden(&self, verdict: &mut Verdict) {
        let mut first: HashMap<&BString, u32> = HashMap::new();
        for places in self.history.blobs.values() {
            for p in places {
                let commit = first.entry(&p.path).or_insert(p.commit);
                *commit = (*commit).min(p.commit);
            }
        }
        let mut hits: Vec<(u32, &BString)> = first
            .into_iter()
            .filter(|(path, _)| {
                self.policy
                    .forbidden
                    .check(&history::display(path))
                    .is_some()
            })
            .map(|(path, commit)| (commit, path))
            .collect();
        if hits.is_empty() {
            return;
        }
        hits.sort();
        let paths: Vec<BString> = hits.iter().map(|(_, p)| (*p).clone()).collect();
        let presence = tips::presence(self.repo, self.tips, &Default::default(), &paths);
        let mut commits = CommitCache::default();
        for (commit, path) in hits {
            let origin = commits.origin(self.repo, self.history, commit, verdict);
            let shown = history::display(path);
            if self.policy.check_forbidden(&shown, &origin, verdict) {
                let still_in = presence
                    .paths
                    .get(path)
                    .map(|tips| tips.iter().map(|&i| self.tips[i].name.clone()).collect())
                    .unwrap_or_default();
                if let Some(last) = verdict.forbidden.last_mut() {
                    last.still_in = Some(still_in);
                }
            }
        }
    }

    /// Notes on what the audit could not cover: a shallow boundary, submodules.
    pub fn notes(&self, verdict: &mut Verdict) {
        if self.history.shallow {
            verdict.notes.push(format!(
                "shallow clone: audited the {} commit(s) it holds; older history is not in this clone (git fetch --unshallow to audit it all)",
                self.history.commits.len()
            ));
        }
        for (path, (_, commit)) in &self.history.gitlinks {
            verdict.count_skipped("submodule");
            verdict.notes.push(format!(
                "submodule {} (at {commit}) not audited: audit its own repository",
                history::display(path)
            ));
        }
    }
}

/// Commit details, read once per commit.
#[derive(Default)]
struct CommitCache {
    origins: HashMap<u32, Origin>,
}

impl CommitCache {
    fn origin(
        &mut self,
        repo: &gix::Repository,
        history: &History,
        commit: u32,
        verdict: &mut Verdict,
    ) -> Origin {
        self.origins
            .entry(commit)
            .or_insert_with(|| {
                let id = history.commits[commit as usize];
                match history::commit_info(repo, id) {
                    Ok(info) => Origin::Commit(info),
                    Err(e) => {
                        verdict.add_error(id.to_string(), e.to_string());
                        Origin::Unreachable
                    }
                }
            })
            .clone()
    }
}
