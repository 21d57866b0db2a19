//! The GitLab secret-detection report (`--format gitlab`): the JSON a CI job saves as
//! `artifacts:reports:secret_detection`, so a merge request's security widget and the
//! vulnerability report list keyhook's findings. Schema: `secret-detection-report-format.json`
//! of gitlab-org/security-products/security-report-schemas, version [`SCHEMA_VERSION`];
//! the tests validate against the subset in `tests/data/gitlab-secret-detection-schema.json`.
//!
//! The schema's `raw_source_code_extract` is never written (it would hold the key);
//! `description` carries the redacted form, and the fingerprint is an identifier.

use std::io::{self, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::ReportContext;
use crate::policy::Verdict;
use crate::rules::Severity;

/// The report schema version written.
pub const SCHEMA_VERSION: &str = "15.2.1";
/// GitLab's analyzers write this commit when a finding is not in a commit.
const NO_COMMIT: &str = "0000000";

/// Writes the report.
pub(super) fn write(
    verdict: &Verdict,
    context: &ReportContext<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let now = utc_timestamp(SystemTime::now());
    let mut vulnerabilities: Vec<Value> = verdict
        .findings
        .iter()
        .map(|r| {
            let s = &context.rules.rule(r.finding.rule).syntax;
            let commit = r.origin.commit();
            let mut commit_json = json!({ "sha": commit.map_or(NO_COMMIT, |c| c.id.as_str()) });
            if let Some(c) = commit {
                commit_json["author"] = json!(c.author);
                commit_json["date"] = json!(c.time);
                commit_json["message"] = json!(c.subject);
            }
            json!({
                "id": stable_id(&[s.id.as_str(), &r.path, &r.finding.line.to_string(), r.finding.fingerprint.as_str(), commit.map_or("", |c| c.id.as_str())]),
                "name": format!("{} ({})", s.description, s.provider),
                "description": format!("{} key {} in {} line {}. {}", s.provider, r.finding.redacted, r.path, r.finding.line, s.remediation),
                "severity": severity(s.severity),
                "solution": format!("{} Revoke it at {}.", s.remediation, s.revoke_url),
                "identifiers": [
                    { "type": "keyhook_rule_id", "name": format!("keyhook rule {}", s.id), "value": s.id },
                    { "type": "keyhook_fingerprint", "name": format!("key fingerprint {}", r.finding.fingerprint.short()), "value": r.finding.fingerprint.as_str() }
                ],
                "links": [ { "name": "Revoke", "url": s.revoke_url } ],
                "location": {
                    "file": r.path,
                    "commit": commit_json,
                    "start_line": r.finding.line,
                    "end_line": r.finding.end_line
                }
            })
        })
        .collect();
    for f in &verdict.forbidden {
        let sha = f.origin.commit().map_or(NO_COMMIT, |c| c.id.as_str());
        vulnerabilities.push(json!({
            "id": stable_id(&["forbidden-file", &f.path, sha]),
            "name": "A file that must never be committed",
            "description": format!("{} matches the forbidden pattern `{}` (.env, private keys, credentials JSON).", f.path, f.pattern),
            "severity": "High",
            "solution": "Remove the file from the commit (git rm --cached PATH), add it to .gitignore, and rotate any secret it held.",
            "identifiers": [ { "type": "keyhook_rule_id", "name": "keyhook forbidden-file", "value": "forbidden-file" } ],
            "location": { "file": f.path, "commit": { "sha": sha } }
        }));
    }
    let tool = |id: &str| {
        json!({
            "id": id,
            "name": "keyhook",
            "version": env!("CARGO_PKG_VERSION"),
            "vendor": { "name": "keyhook" }
        })
    };
    let report = json!({
        "version": SCHEMA_VERSION,
        "scan": {
            "analyzer": tool("keyhook"),
            "scanner": tool("keyhook"),
            "type": "secret_detection",
            "start_time": now,
            "end_time": now,
            "status": if verdict.errors.is_empty() { "success" } else { "failure" }
        },
        "vulnerabilities": vulnerabilities
    });
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}

/// GitLab's severity names.
fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Low => "Low",
        Severity::Medium => "Medium",
        Severity::High => "High",
        Severity::Critical => "Critical",
    }
}

/// A UUID-shaped id that stays the same for the same finding across runs, so
/// GitLab tracks one vulnerability rather than a new one per pipeline.
fn stable_id(parts: &[&str]) -> String {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    let hex: String = hash.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// `YYYY-MM-DDTHH:MM:SS` in UTC, the schema's time pattern (no zone suffix).
fn utc_timestamp(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_civil_dates() {
        let at = |s| utc_timestamp(UNIX_EPOCH + std::time::Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01T00:00:00");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00");
        assert_eq!(at(1_764_547_199), "2025-11-30T23:59:59");
    }

    #[test]
    fn ids_are_stable_and_uuid_shaped() {
        let id = stable_id(&["a", "b"]);
        assert_eq!(id, stable_id(&["a", "b"]));
        assert_ne!(id, stable_id(&["ab", ""]));
        assert_eq!(id.len(), 36);
        assert_eq!(id.matches('-').count(), 4);
    }
}
