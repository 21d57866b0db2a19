//! Printers: they only format a [`Verdict`]. Text (grouped, coloured on a terminal),
//! JSON (versioned, documented in the README) and SARIF 2.1.0. None of them can leak
//! a secret: a verdict holds only redacted forms and fingerprints.

mod json;
mod sarif;
mod schema;
mod text;

use std::io::{self, Write};

use crate::policy::Verdict;
use crate::rules::RuleSet;
pub use schema::JSON_VERSION;

/// Output format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Format {
    /// Human-readable text.
    #[default]
    Text,
    /// Versioned JSON.
    Json,
    /// SARIF 2.1.0.
    Sarif,
}

/// Which door produced the verdict (decides the advice text gives).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `keyhook scan`.
    Scan,
    /// `keyhook pre-commit`.
    PreCommit,
    /// `keyhook pre-push`.
    PrePush,
    /// `keyhook pre-receive`.
    PreReceive,
    /// `keyhook audit-history`.
    Audit,
}

impl Mode {
    /// Name used in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Scan => "scan",
            Mode::PreCommit => "pre-commit",
            Mode::PrePush => "pre-push",
            Mode::PreReceive => "pre-receive",
            Mode::Audit => "audit-history",
        }
    }
}

/// What a printer needs besides the verdict.
#[derive(Debug, Clone, Copy)]
pub struct ReportContext<'a> {
    /// The door.
    pub mode: Mode,
    /// The rules the findings refer to.
    pub rules: &'a RuleSet,
    /// Colour text output.
    pub color: bool,
}

/// Writes `verdict` in `format` to `out`.
pub fn write(
    format: Format,
    verdict: &Verdict,
    context: &ReportContext<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => text::write(verdict, context, out),
        Format::Json => json::write(verdict, context, out),
        Format::Sarif => sarif::write(verdict, context, out),
    }
}
