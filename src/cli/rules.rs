//! `keyhook rules`: list the rules in effect, or check every rule's examples.

use std::io::Write;

use serde::Serialize;

use keyhook::engine::check::check_examples;
use keyhook::Error;

use keyhook::check::Status;

use super::{FormatArg, Globals, Output};

/// Arguments of `keyhook rules`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Run every rule's examples and negative examples; exit 1 on a failure.
    #[arg(long)]
    pub check: bool,
}

#[derive(Serialize)]
struct RuleRow<'a> {
    id: &'a str,
    provider: &'a str,
    description: &'a str,
    severity: &'static str,
    keywords: &'a [String],
    env_vars: &'a [String],
    revoke_url: &'a str,
}

/// Lists or checks the rules of the effective configuration.
pub fn run(globals: &Globals, args: &Args) -> Result<Status, Error> {
    let cwd = std::env::current_dir().map_err(|source| Error::Io {
        path: ".".into(),
        source,
    })?;
    let root = keyhook::check::paths::work_tree_root(&cwd).unwrap_or(cwd);
    if args.check {
        keyhook::rules::keep_examples();
    }
    let config = super::load_config(globals, &root)?;
    let mut out = Output::open(globals)?;
    let io = |source| Error::Io {
        path: "<stdout>".into(),
        source,
    };
    if args.check {
        let failures = check_examples(&config.rules);
        let examples: usize = config
            .rules
            .rules()
            .iter()
            .map(|r| r.syntax.examples.len() + r.syntax.negative_examples.len())
            .sum();
        // The status is the check's: a closed output only ends the writing.
        let _ = (|| {
            for f in &failures {
                writeln!(out.writer, "FAIL {f}")?;
            }
            writeln!(
                out.writer,
                "{} rules, {examples} examples checked, {} failures",
                config.rules.rules().len(),
                failures.len()
            )?;
            out.writer.flush()
        })();
        return Ok(if failures.is_empty() {
            Status::Clean
        } else {
            Status::Blocked
        });
    }
    let rows: Vec<RuleRow> = config
        .rules
        .rules()
        .iter()
        .map(|r| RuleRow {
            id: &r.syntax.id,
            provider: &r.syntax.provider,
            description: &r.syntax.description,
            severity: r.syntax.severity.as_str(),
            keywords: &r.syntax.keywords,
            env_vars: &r.syntax.env_vars,
            revoke_url: &r.syntax.revoke_url,
        })
        .collect();
    match globals.format {
        FormatArg::Json | FormatArg::Sarif | FormatArg::Gitlab => {
            serde_json::to_writer_pretty(&mut out.writer, &rows).map_err(|e| io(e.into()))?;
            writeln!(out.writer).map_err(io)?;
        }
        FormatArg::Jsonl => {
            for row in &rows {
                serde_json::to_writer(&mut out.writer, row).map_err(|e| io(e.into()))?;
                writeln!(out.writer).map_err(io)?;
            }
        }
        FormatArg::Text => {
            let width = rows.iter().map(|r| r.id.len()).max().unwrap_or(0);
            let pwidth = rows.iter().map(|r| r.provider.len()).max().unwrap_or(0);
            for r in &rows {
                writeln!(
                    out.writer,
                    "{:width$}  {:pwidth$}  {}",
                    r.id, r.provider, r.description
                )
                .map_err(io)?;
            }
        }
    }
    out.writer.flush().map_err(io)?;
    Ok(Status::Clean)
}
