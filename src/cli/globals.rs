//! Options every subcommand takes (`global = true`), and what they resolve to.

use std::path::PathBuf;

use clap::ValueEnum;

use keyhook::report::{Detail, Format};

/// Options every subcommand takes.
#[derive(Debug, clap::Args)]
pub struct Globals {
    /// Run as if keyhook was started in PATH (like `git -C`).
    #[arg(short = 'C', global = true, value_name = "PATH")]
    pub chdir: Option<PathBuf>,
    /// Configuration file (default: keyhook.toml at the repository or directory root).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', global = true, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// When to colour text output (NO_COLOR is honoured by `auto`).
    #[arg(long, global = true, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// Baseline file of accepted fingerprints (overrides `baseline` in the config).
    #[arg(long, global = true, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Print only the summary line of a text report (and no progress bar);
    /// machine formats stay complete.
    #[arg(long, short = 'q', global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Say more: the config and rules in force and the time taken (on stderr), and
    /// each key's full 64-hex fingerprint in text reports.
    #[arg(long, short = 'v', global = true)]
    pub verbose: bool,
    /// Run only this rule (repeatable; ids as `keyhook rules` lists them).
    #[arg(long = "rule", global = true, value_name = "ID")]
    pub only_rules: Vec<String>,
    /// Do not run this rule (repeatable).
    #[arg(long = "skip-rule", global = true, value_name = "ID")]
    pub skip_rules: Vec<String>,
}

impl Globals {
    /// How much text output says.
    pub fn detail(&self) -> Detail {
        if self.quiet {
            Detail::Quiet
        } else if self.verbose {
            Detail::Verbose
        } else {
            Detail::Normal
        }
    }
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Human-readable, grouped.
    Text,
    /// Versioned JSON (see README).
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// JSON Lines: one finding a line, for log pipelines.
    Jsonl,
    /// GitLab secret-detection report (artifacts:reports:secret_detection).
    Gitlab,
}

impl From<FormatArg> for Format {
    fn from(arg: FormatArg) -> Format {
        match arg {
            FormatArg::Text => Format::Text,
            FormatArg::Json => Format::Json,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Jsonl => Format::Jsonl,
            FormatArg::Gitlab => Format::Gitlab,
        }
    }
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// Colour when writing to a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    #[test]
    fn quiet_and_verbose_exclude_each_other_and_work_after_the_subcommand() {
        let parse = |args: &[&str]| super::super::Cli::try_parse_from(args);
        let cli = parse(&["keyhook", "scan", "-q", "."]).unwrap();
        assert_eq!(cli.globals.detail(), keyhook::report::Detail::Quiet);
        let cli = parse(&["keyhook", "-v", "pre-commit"]).unwrap();
        assert_eq!(cli.globals.detail(), keyhook::report::Detail::Verbose);
        assert!(parse(&["keyhook", "scan", "-q", "-v"]).is_err());
        let cli = parse(&[
            "keyhook",
            "scan",
            "--rule",
            "a",
            "--skip-rule",
            "b",
            "--rule",
            "c",
        ])
        .unwrap();
        assert_eq!(cli.globals.only_rules, ["a", "c"]);
        assert_eq!(cli.globals.skip_rules, ["b"]);
    }
}
