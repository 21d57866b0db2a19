//! The serialised JSON report (version [`JSON_VERSION`]), apart from the printing
//! logic so that a schema change is one small diff. Documented in the README.

use serde::Serialize;

use crate::engine::{Encoding, Fingerprint, Redacted};
use crate::policy::{ForbiddenFile, InlineMarker, ItemError, KeyHistory, Summary};
use crate::source::CommitInfo;
use crate::verify::Status;

/// Bumped on any incompatible change to the JSON report.
pub const JSON_VERSION: u32 = 1;

/// The whole JSON report.
#[derive(Debug, Serialize)]
pub(crate) struct JsonReport<'a> {
    pub version: u32,
    pub tool: Tool,
    pub mode: &'static str,
    pub blocked: bool,
    pub findings: Vec<JsonFinding<'a>>,
    pub forbidden_files: &'a [ForbiddenFile],
    pub gitignore_missing: &'a [String],
    pub notes: &'a [String],
    pub errors: &'a [ItemError],
    pub summary: &'a Summary,
}

/// Name and version of keyhook.
#[derive(Debug, Serialize)]
pub(crate) struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

impl Tool {
    pub fn this() -> Tool {
        Tool {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

/// One finding.
#[derive(Debug, Serialize)]
pub(crate) struct JsonFinding<'a> {
    pub rule: &'a str,
    pub provider: &'a str,
    pub description: &'a str,
    pub severity: &'static str,
    pub blocking: bool,
    pub path: &'a str,
    /// `content`, `commit-message`, `tag-message`, `path` or `ref`.
    pub location: &'static str,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub redacted: &'a Redacted,
    pub fingerprint: &'a Fingerprint,
    pub commit: Option<&'a CommitInfo>,
    /// A blob no audited commit names (`--include-unreachable`): its id, with an
    /// empty `path`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blob: Option<crate::source::BlobId>,
    pub encoding: Option<Encoding>,
    /// The archive member the key is in (`lib.jar!config/app.properties`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<&'a str>,
    pub revoke_url: &'a str,
    pub remediation: &'a str,
    pub note: Option<&'a str>,
    /// History audits only: occurrences and the refs still holding the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<&'a KeyHistory>,
    /// `--verify` only: `live`, `invalid`, `restricted`, `unknown` or `skipped`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation: Option<Status>,
    /// `--verify` only: why, in a few words (`HTTP 401`, `timeout`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation_detail: Option<&'a str>,
    /// A `keyhook:allow` marker stands beside the key: `allowed` (listed, not
    /// blocking: audits) or `ignored` (this run does not honour markers: servers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inline_marker: Option<InlineMarker>,
}
