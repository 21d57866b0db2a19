//! The JSON Lines printer (`--format jsonl`): one finding a line, for log pipelines
//! (Loki, Elasticsearch, `jq -c`). Each line is self-contained: the JSON report's
//! finding fields plus `type`, `mode`, `tool` and `version`; forbidden files are
//! lines of `type` `forbidden-file`. A clean run prints nothing.

use std::io::{self, Write};

use serde::Serialize;

use super::json::json_finding;
use super::schema::{JsonFinding, Tool, JSON_VERSION};
use super::ReportContext;
use crate::policy::{ForbiddenFile, Verdict};

#[derive(Serialize)]
struct Line<T: Serialize> {
    #[serde(rename = "type")]
    kind: &'static str,
    version: u32,
    tool: Tool,
    mode: &'static str,
    #[serde(flatten)]
    item: T,
}

/// Writes one line per finding, then one per forbidden file.
pub(super) fn write(
    verdict: &Verdict,
    context: &ReportContext<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    for r in &verdict.findings {
        let item: JsonFinding<'_> = json_finding(r, context);
        emit(out, "finding", context, item)?;
    }
    for f in &verdict.forbidden {
        emit::<&ForbiddenFile>(out, "forbidden-file", context, f)?;
    }
    Ok(())
}

fn emit<T: Serialize>(
    out: &mut dyn Write,
    kind: &'static str,
    context: &ReportContext<'_>,
    item: T,
) -> io::Result<()> {
    let line = Line {
        kind,
        version: JSON_VERSION,
        tool: Tool::this(),
        mode: context.mode.as_str(),
        item,
    };
    serde_json::to_writer(&mut *out, &line)?;
    writeln!(out)
}
