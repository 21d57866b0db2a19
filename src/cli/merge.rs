//! `keyhook merge-reports FILE…`: many audit JSON reports (one per repository) in,
//! one report grouped by key fingerprint out (see [`keyhook::report::merge`]).

use std::path::PathBuf;

use keyhook::check::Status;
use keyhook::report::merge::Merged;
use keyhook::Error;

use super::{FormatArg, Globals, Output};

/// Arguments of `keyhook merge-reports`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Audit reports (`keyhook audit-history --format json`); each is named after its
    /// file (`acme__api.json` is repository `acme__api`).
    #[arg(value_name = "FILE", required = true)]
    pub reports: Vec<PathBuf>,
}

/// Reads, merges and prints; exit 1 when any key or forbidden file was found.
pub fn run(globals: &Globals, args: &Args) -> Result<Status, Error> {
    let mut inputs = Vec::new();
    for path in &args.reports {
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        inputs.push((name, bytes));
    }
    let merged = Merged::from_reports(inputs.iter().map(|(n, b)| (n.clone(), b.as_slice())))
        .map_err(|e| Error::Usage(e.to_string()))?;
    let mut out = Output::open(globals)?;
    let written = match globals.format {
        FormatArg::Text => merged.write_text(globals.quiet, &mut out.writer),
        FormatArg::Json => merged.write_json(&mut out.writer),
        FormatArg::Sarif => merged.write_sarif(&mut out.writer),
        other => {
            return Err(Error::Usage(format!(
                "merge-reports writes text, json or sarif, not {other:?}"
            )))
        }
    };
    // A closed output ends the writing, never the status.
    let _ = written.and_then(|()| out.writer.flush());
    Ok(if merged.blocked() {
        Status::Blocked
    } else {
        Status::Clean
    })
}
