//! Policy turns engine findings into a [`Verdict`]: what is reported, what blocks,
//! and what a user accepted (inline `keyhook:allow`, allowlisted paths, a baseline),
//! plus forbidden files and the `.gitignore` check. Every decision is counted, so
//! nothing is dropped silently. Policy prints nothing and reads no git state.

mod allow;
mod paths;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::engine::{Finding, Fingerprint, ScanOutcome, SkipReason, Suppressed};
use crate::rules::{RuleSet, Severity};
use crate::source::{Location, Origin, Target};
use crate::verify::Validation;
pub use allow::{
    inline_allowances, inline_allowed, Baseline, BaselineEntry, BaselineError, INLINE_MARKER,
    MAX_BASELINE_BYTES, MAX_MARKER_GAP,
};
pub use paths::{path_glob, ForbiddenFiles, DEFAULT_ALLOWED, DEFAULT_FORBIDDEN};

/// Why a policy could not be built.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// A path glob is invalid.
    #[error("bad glob `{0}`: {1}")]
    Glob(String, String),
}

/// What to do when `.gitignore` does not cover the usual secret files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GitignoreMode {
    /// Do not check.
    Off,
    /// Report missing patterns without blocking.
    #[default]
    Warn,
    /// Block until `.gitignore` covers them (`keyhook init` adds them).
    Enforce,
}

/// What an inline `keyhook:allow` marker does in a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InlineAllow {
    /// The marker allows its finding: not reported, counted in
    /// [`Summary::inline_allowed`] (pre-commit, pre-push, scan).
    #[default]
    Honour,
    /// The marker allows nothing: its finding is reported and blocks as any other,
    /// marked [`InlineMarker::Ignored`] so the report can say the marker is not
    /// honoured here (a server: the marker is part of the pushed content, so the
    /// pusher would decide what the server lets through). Counted in
    /// [`Summary::inline_ignored`].
    Ignore,
    /// The marker allows its finding, which is still listed, marked
    /// [`InlineMarker::Allowed`] and not blocking (a history audit lists what
    /// was let through), and counted in [`Summary::inline_allowed`].
    List,
}

/// What an inline marker did to a reported finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InlineMarker {
    /// A marker allows it: listed, not blocking ([`InlineAllow::List`]).
    Allowed,
    /// A marker would allow it, but this run does not honour markers
    /// ([`InlineAllow::Ignore`]); it blocks as usual.
    Ignored,
}

impl InlineMarker {
    /// `allowed` or `ignored`, as in JSON and SARIF.
    pub fn as_str(self) -> &'static str {
        match self {
            InlineMarker::Allowed => "allowed",
            InlineMarker::Ignored => "ignored",
        }
    }
}

/// The decisions a policy makes, built once per run.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Findings below this severity are reported without blocking.
    pub block_severity: Severity,
    /// Paths never scanned.
    pub allow_paths: globset::GlobSet,
    /// Accepted fingerprints.
    pub baseline: Baseline,
    /// Files that must not be committed.
    pub forbidden: ForbiddenFiles,
    /// What inline `keyhook:allow` markers do (default: they allow their finding).
    pub inline_allow: InlineAllow,
}

/// A finding placed in a file or commit, with the decision taken on it.
#[derive(Debug, Clone)]
pub struct Reported {
    /// The engine's finding (redacted; no secret).
    pub finding: Finding,
    /// Where it was found (for metadata: the path or ref name it is in, or empty).
    pub path: String,
    /// What it is in: a file's content, or a commit message, tag message, path or
    /// ref name.
    pub location: Location,
    /// In what (file, index, commit).
    pub origin: Origin,
    /// Whether it blocks (severity at or above the threshold).
    pub blocking: bool,
    /// Where else the key is in history (history audits only).
    pub history: Option<KeyHistory>,
    /// What the provider said about the key (`--verify` only). Never changes
    /// [`Reported::blocking`]: a revoked key in history is still a leak.
    pub validation: Option<Validation>,
    /// Set when an inline marker stands beside the key and the policy lists
    /// ([`InlineAllow::List`]) or ignores ([`InlineAllow::Ignore`]) it.
    pub inline: Option<InlineMarker>,
}

impl Reported {
    /// Where it is, as shown to a person: the path for file content, else what
    /// holds it (`commit message`, `tag message of refs/tags/v1`, `file path
    /// a/b.txt`, `ref name refs/heads/x`).
    pub fn place(&self) -> String {
        let of = |what: &str| {
            if self.path.is_empty() {
                what.to_string()
            } else {
                format!("{what} {}", self.path)
            }
        };
        match self.location {
            Location::Content => match self.origin.unreachable_blob() {
                Some(blob) if self.path.is_empty() => {
                    format!("blob {blob} (no audited commit names it)")
                }
                _ => self.path.clone(),
            },
            Location::CommitMessage => of("commit message"),
            Location::TagMessage => of("tag message of"),
            Location::Path => of("file path"),
            Location::Ref => of("ref name"),
        }
    }
}

/// Where a key is across a repository's history (`keyhook audit-history`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct KeyHistory {
    /// Places (commit + path) that introduced this key, this one included.
    pub occurrences: usize,
    /// Refs whose tip tree still holds the key (in any file); empty: history only.
    pub still_in: Vec<String>,
}

/// A forbidden file that was added or committed.
#[derive(Debug, Clone, Serialize)]
pub struct ForbiddenFile {
    /// The path.
    pub path: String,
    /// The pattern that forbids it.
    pub pattern: String,
    /// Where it was seen.
    pub origin: Origin,
    /// Refs whose tip tree still holds this path (history audits only; empty:
    /// history only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub still_in: Option<Vec<String>>,
}

/// Something that could not be read or scanned (the run went on).
#[derive(Debug, Clone, Serialize)]
pub struct ItemError {
    /// What could not be read (path or object id).
    pub path: String,
    /// Why.
    pub message: String,
}

/// Counts of everything the run saw and decided.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Files or blobs scanned.
    pub scanned: u64,
    /// Bytes scanned.
    pub bytes: u64,
    /// Findings reported.
    pub findings: u64,
    /// Findings that block.
    pub blocking: u64,
    /// Files or blobs not scanned, by reason (`binary`, `too-large`, `submodule`…).
    pub skipped: BTreeMap<String, u64>,
    /// Candidates the validators rejected.
    pub suppressed: Suppressed,
    /// Findings a `keyhook:allow` marker allowed (hidden, or listed as allowed).
    pub inline_allowed: u64,
    /// Findings beside a `keyhook:allow` marker that this run did not honour (they
    /// are reported and block as usual).
    pub inline_ignored: u64,
    /// Findings whose fingerprint is in the baseline.
    pub baselined: u64,
    /// Files skipped by `allowlist.paths`.
    pub allowlisted_paths: u64,
    /// Findings on lines that were not added (already committed before).
    pub unchanged_lines: u64,
    /// Binary blobs among those scanned: read through their printable runs, UTF-16
    /// text or archive members (see the findings' `encoding`).
    pub binary: u64,
    /// Items that could not be read.
    pub errors: u64,
}

/// The outcome of a run: what to report, and whether to block.
#[derive(Debug, Clone, Default)]
pub struct Verdict {
    /// Findings, in the order found.
    pub findings: Vec<Reported>,
    /// Forbidden files.
    pub forbidden: Vec<ForbiddenFile>,
    /// `.gitignore` lines missing for the usual secret files.
    pub gitignore_missing: Vec<String>,
    /// Whether missing `.gitignore` lines block (mode `enforce`).
    pub gitignore_blocks: bool,
    /// Things worth saying that are not findings (skipped submodules, shallow clone…).
    pub notes: Vec<String>,
    /// Items that could not be read.
    pub errors: Vec<ItemError>,
    /// Counts.
    pub summary: Summary,
    /// The server accepts `git push -o keyhook.allow=<fingerprint>` (set by the
    /// pre-receive door from `pre_receive.allow_push_option_bypass`): the text
    /// report names it as a way out of a false positive.
    pub push_option_bypass: bool,
    /// Paths whose findings are in content `HEAD` already holds (pre-commit given
    /// files with no staged change, as `pre-commit run --all-files` or `--files`
    /// passes them): the advice is to rewrite and revoke, not to unstage.
    pub committed_paths: Vec<String>,
}

impl Verdict {
    /// True when the run must fail: a blocking finding, a forbidden file, or an
    /// enforced `.gitignore` gap.
    pub fn blocked(&self) -> bool {
        self.summary.blocking > 0
            || !self.forbidden.is_empty()
            || (self.gitignore_blocks && !self.gitignore_missing.is_empty())
    }

    /// Counts a target that was not scanned, by reason.
    pub fn count_skipped(&mut self, reason: &str) {
        *self.summary.skipped.entry(reason.to_string()).or_default() += 1;
    }

    /// Counts one target the engine looked at: the candidates its validators
    /// suppressed, then either its skip (too large) or its `len` bytes as scanned
    /// (a binary one counted apart: it was read through its decoded views), and the
    /// parts its views could not decode. False when it was skipped.
    pub fn count_scanned(&mut self, len: usize, outcome: &ScanOutcome) -> bool {
        self.summary.suppressed.add(&outcome.suppressed);
        if let Some(reason) = outcome.skipped {
            self.count_skipped(match reason {
                SkipReason::TooLarge => "too-large",
            });
            return false;
        }
        for reason in &outcome.view_skips {
            self.count_skipped(reason);
        }
        self.summary.binary += u64::from(outcome.binary);
        self.summary.scanned += 1;
        self.summary.bytes += len as u64;
        true
    }

    /// Records an item that could not be read.
    pub fn add_error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.summary.errors += 1;
        self.errors.push(ItemError {
            path: path.into(),
            message: message.into(),
        });
    }

    /// The fingerprints of the reported findings (the keys worth verifying).
    pub fn fingerprints(&self) -> HashSet<Fingerprint> {
        self.findings
            .iter()
            .map(|r| r.finding.fingerprint.clone())
            .collect()
    }

    /// Attaches live-verification results to the findings they concern. Blocking
    /// is left exactly as it was.
    pub fn set_validations(&mut self, results: &HashMap<Fingerprint, Validation>) {
        for r in &mut self.findings {
            r.validation = results.get(&r.finding.fingerprint).cloned();
        }
    }

    /// Merges another verdict (from another thread or target) into this one.
    pub fn merge(&mut self, other: Verdict) {
        self.findings.extend(other.findings);
        self.forbidden.extend(other.forbidden);
        self.notes.extend(other.notes);
        self.errors.extend(other.errors);
        let (a, b) = (&mut self.summary, other.summary);
        a.scanned += b.scanned;
        a.bytes += b.bytes;
        a.findings += b.findings;
        a.blocking += b.blocking;
        for (reason, n) in b.skipped {
            *a.skipped.entry(reason).or_default() += n;
        }
        a.suppressed.add(&b.suppressed);
        a.inline_allowed += b.inline_allowed;
        a.inline_ignored += b.inline_ignored;
        a.baselined += b.baselined;
        a.allowlisted_paths += b.allowlisted_paths;
        a.unchanged_lines += b.unchanged_lines;
        a.binary += b.binary;
        a.errors += b.errors;
        self.push_option_bypass |= other.push_option_bypass;
    }
}

impl Policy {
    /// True when `path` is in `allowlist.paths` (never scanned).
    pub fn path_allowed(&self, path: &str) -> bool {
        self.allow_paths.is_match(path)
    }

    /// Records the scan of one target in `verdict`: keeps findings on added lines,
    /// applies inline markers (as [`Policy::inline_allow`] says) and the baseline,
    /// and decides what blocks.
    pub fn judge(
        &self,
        rules: &RuleSet,
        target: &Target,
        outcome: ScanOutcome,
        verdict: &mut Verdict,
    ) {
        if !verdict.count_scanned(target.bytes.len(), &outcome) {
            return;
        }
        let summary = &mut verdict.summary;
        // Markers pair with findings of the whole blob, one to one (allow.rs).
        let marked = inline_allowances(&target.bytes, &outcome.findings);
        for (finding, marked) in outcome.findings.into_iter().zip(marked) {
            // A finding in a decoded view with no raw lines (an archive member, a
            // binary's printable run) counts as added when its blob changed.
            let raw_lines = finding.encoding.is_none_or(|e| e.keeps_raw_lines());
            if let (Some(added), true) = (&target.added_lines, raw_lines) {
                if !added.touches(finding.line, finding.end_line) {
                    summary.unchanged_lines += 1;
                    continue;
                }
            }
            let mut inline = None;
            if marked {
                match self.inline_allow {
                    InlineAllow::Honour => {
                        summary.inline_allowed += 1;
                        continue;
                    }
                    InlineAllow::List => inline = Some(InlineMarker::Allowed),
                    InlineAllow::Ignore => inline = Some(InlineMarker::Ignored),
                }
            }
            if self.baseline.contains(&finding.fingerprint) {
                summary.baselined += 1;
                continue;
            }
            match inline {
                Some(InlineMarker::Allowed) => summary.inline_allowed += 1,
                Some(InlineMarker::Ignored) => summary.inline_ignored += 1,
                None => {}
            }
            let blocking = inline != Some(InlineMarker::Allowed)
                && rules.rule(finding.rule).syntax.severity >= self.block_severity;
            summary.findings += 1;
            summary.blocking += u64::from(blocking);
            verdict.findings.push(Reported {
                finding,
                path: target.path.clone(),
                location: Location::Content,
                origin: target.origin.clone(),
                blocking,
                history: None,
                validation: None,
                inline,
            });
        }
    }

    /// Records `path` as forbidden in `verdict` if a pattern forbids it.
    pub fn check_forbidden(&self, path: &str, origin: &Origin, verdict: &mut Verdict) -> bool {
        match self.forbidden.check(path) {
            Some(pattern) => {
                verdict.forbidden.push(ForbiddenFile {
                    path: path.to_string(),
                    pattern: pattern.to_string(),
                    origin: origin.clone(),
                    still_in: None,
                });
                true
            }
            None => false,
        }
    }
}
