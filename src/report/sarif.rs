//! The SARIF 2.1.0 printer (uploads to code scanning). Validated against the official
//! schema in the test suite.

use std::io::{self, Write};

use serde_json::{json, Value};

use super::ReportContext;
use crate::policy::{InlineMarker, Verdict};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Rule id of forbidden-file results (not an engine rule).
const FORBIDDEN_RULE: &str = "forbidden-file";

/// Writes the verdict as a SARIF log with one run.
pub(super) fn write(
    verdict: &Verdict,
    context: &ReportContext<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let rules = context.rules.rules();
    let mut descriptors: Vec<Value> = rules
        .iter()
        .map(|rule| {
            let s = &rule.syntax;
            json!({
                "id": s.id,
                "name": pascal_case(&s.id),
                "shortDescription": { "text": s.description },
                "fullDescription": { "text": format!("{} ({})", s.description, s.provider) },
                "helpUri": s.revoke_url,
                "help": { "text": format!("{} Revoke at {}", s.remediation, s.revoke_url) },
                "defaultConfiguration": { "level": if s.severity >= crate::rules::Severity::Medium { "error" } else { "warning" } },
                "properties": { "provider": s.provider, "severity": s.severity.as_str(), "tags": ["security", "secret"] }
            })
        })
        .collect();
    descriptors.push(json!({
        "id": FORBIDDEN_RULE,
        "name": "ForbiddenFile",
        "shortDescription": { "text": "A file that must never be committed (.env, private keys, credentials JSON)" },
        "help": { "text": "Remove the file from the commit (git rm --cached PATH), add it to .gitignore, and rotate any secret it held." },
        "defaultConfiguration": { "level": "error" },
        "properties": { "tags": ["security", "secret"] }
    }));

    let mut results: Vec<Value> = verdict
        .findings
        .iter()
        .map(|r| {
            let rule = context.rules.rule(r.finding.rule);
            let s = &rule.syntax;
            let mut properties = json!({
                "provider": s.provider,
                "severity": s.severity.as_str(),
                "redacted": r.finding.redacted.to_string(),
                "fingerprint": r.finding.fingerprint.as_str(),
                "revokeUrl": s.revoke_url,
            });
            if let Some(commit) = r.origin.commit() {
                properties["commit"] = json!(commit);
            }
            if let Some(encoding) = r.finding.encoding {
                properties["encoding"] = json!(encoding.as_str());
            }
            if let Some(member) = &r.finding.member {
                properties["member"] = json!(member);
            }
            if r.location != crate::source::Location::Content {
                properties["location"] = json!(r.location.as_str());
            }
            if let Some(history) = &r.history {
                properties["occurrences"] = json!(history.occurrences);
                properties["stillIn"] = json!(history.still_in);
            }
            if let Some(v) = &r.validation {
                properties["validation"] = json!(v.status.as_str());
                if let Some(detail) = &v.detail {
                    properties["validationDetail"] = json!(detail);
                }
            }
            if let Some(marker) = r.inline {
                properties["inlineMarker"] = json!(marker.as_str());
            }
            let mut result = json!({
                "ruleId": s.id,
                "ruleIndex": r.finding.rule,
                "level": if r.blocking { "error" } else { "warning" },
                "message": { "text": format!(
                    "{} {} found: {}. {}",
                    s.provider, s.description, r.finding.redacted, s.remediation
                ) },
                "locations": [location(&r.path, Some((r.finding.line, r.finding.column, r.finding.end_line)))],
                "partialFingerprints": { "keyhookSecretSha256/v1": r.finding.fingerprint.as_str() },
                "properties": properties,
            });
            // An allowed finding is listed as suppressed in the source (SARIF §3.35).
            if r.inline == Some(InlineMarker::Allowed) {
                result["suppressions"] = json!([{
                    "kind": "inSource",
                    "justification": "keyhook:allow marker on the line",
                }]);
            }
            result
        })
        .collect();
    for file in &verdict.forbidden {
        let mut result = json!({
            "ruleId": FORBIDDEN_RULE,
            "ruleIndex": rules.len(),
            "level": "error",
            "message": { "text": format!("{} must not be committed (matches `{}`)", file.path, file.pattern) },
            "locations": [location(&file.path, None)],
        });
        let mut properties = serde_json::Map::new();
        if let Some(commit) = file.origin.commit() {
            properties.insert("commit".into(), json!(commit));
        }
        if let Some(still_in) = &file.still_in {
            properties.insert("stillIn".into(), json!(still_in));
        }
        if !properties.is_empty() {
            result["properties"] = Value::Object(properties);
        }
        results.push(result);
    }
    let notifications: Vec<Value> = verdict
        .errors
        .iter()
        .map(|e| json!({ "level": "error", "message": { "text": format!("{}: {}", e.path, e.message) } }))
        .chain(verdict.notes.iter().map(|n| json!({ "level": "note", "message": { "text": n } })))
        .collect();
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "keyhook",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/keyhook/keyhook",
                "rules": descriptors,
            } },
            "columnKind": "unicodeCodePoints",
            "invocations": [{
                "executionSuccessful": verdict.errors.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
            "properties": { "mode": context.mode.as_str(), "summary": verdict.summary },
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

fn location(path: &str, region: Option<(usize, usize, usize)>) -> Value {
    let mut physical = json!({ "artifactLocation": { "uri": uri_reference(path) } });
    if let Some((line, column, end_line)) = region {
        physical["region"] =
            json!({ "startLine": line, "startColumn": column, "endLine": end_line });
    }
    json!({ "physicalLocation": physical })
}

/// Percent-encodes a relative path into a URI reference (spaces, `#`, `%`, non-ASCII).
fn uri_reference(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri_reference("src/a b#c.py"), "src/a%20b%23c.py");
        assert_eq!(uri_reference("é"), "%C3%A9");
    }

    #[test]
    fn rule_names_are_pascal_case() {
        assert_eq!(pascal_case("openai-project-key"), "OpenaiProjectKey");
    }
}
