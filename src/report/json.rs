//! The JSON printer.

use std::io::{self, Write};

use super::schema::{JsonFinding, JsonReport, Tool, JSON_VERSION};
use super::ReportContext;
use crate::policy::{Reported, Verdict};

/// Writes the verdict as one JSON document (pretty-printed, trailing newline).
pub(super) fn write(
    verdict: &Verdict,
    context: &ReportContext<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let findings = verdict
        .findings
        .iter()
        .map(|r| json_finding(r, context))
        .collect();
    let report = JsonReport {
        version: JSON_VERSION,
        tool: Tool::this(),
        mode: context.mode.as_str(),
        blocked: verdict.blocked(),
        findings,
        forbidden_files: &verdict.forbidden,
        gitignore_missing: &verdict.gitignore_missing,
        notes: &verdict.notes,
        errors: &verdict.errors,
        summary: &verdict.summary,
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}

/// One finding as the JSON report (and each JSON line) shows it.
pub(super) fn json_finding<'a>(r: &'a Reported, context: &ReportContext<'a>) -> JsonFinding<'a> {
    let rule = &context.rules.rule(r.finding.rule).syntax;
    JsonFinding {
        rule: &rule.id,
        provider: &rule.provider,
        description: &rule.description,
        severity: rule.severity.as_str(),
        blocking: r.blocking,
        path: &r.path,
        location: r.location.as_str(),
        line: r.finding.line,
        column: r.finding.column,
        end_line: r.finding.end_line,
        redacted: &r.finding.redacted,
        fingerprint: &r.finding.fingerprint,
        commit: r.origin.commit(),
        blob: r.origin.unreachable_blob(),
        encoding: r.finding.encoding,
        member: r.finding.member.as_deref(),
        revoke_url: &rule.revoke_url,
        remediation: &rule.remediation,
        note: rule.note.as_deref(),
        history: r.history.as_ref(),
        validation: r.validation.as_ref().map(|v| v.status),
        validation_detail: r.validation.as_ref().and_then(|v| v.detail.as_deref()),
        inline_marker: r.inline,
    }
}
