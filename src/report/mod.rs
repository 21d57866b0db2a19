//! Printers: they only format a [`Verdict`]. Text (grouped, coloured on a terminal),
//! JSON (versioned, documented in the README) and SARIF 2.1.0. None of them can leak
//! a secret: a verdict holds only redacted forms and fingerprints.

mod advice;
mod gitlab;
mod json;
mod jsonl;
pub mod merge;
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
    /// JSON Lines: one finding a line.
    Jsonl,
    /// GitLab's secret-detection report.
    Gitlab,
}

/// How much the text printer says.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Detail {
    /// The summary line only (`-q`).
    Quiet,
    /// Findings, advice and the summary.
    #[default]
    Normal,
    /// Also each key's full fingerprint (what a baseline or a bypass takes).
    Verbose,
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
    /// The pre-commit framework ran keyhook (it sets `PRE_COMMIT=1`): its users have
    /// no `keyhook` binary on PATH, so the advice names git's and the framework's
    /// commands instead.
    pub framework: bool,
    /// How much text output says (machine formats are always complete).
    pub detail: Detail,
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
        Format::Jsonl => jsonl::write(verdict, context, out),
        Format::Gitlab => gitlab::write(verdict, context, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{ScanOptions, Scanner};
    use crate::policy::{Baseline, ForbiddenFiles, InlineAllow, Policy};
    use crate::rules::Severity;
    use crate::source::{Origin, Target};

    fn key(tail: &str) -> String {
        format!(
            "sk-proj-{}T3BlbkFJ{}{tail}",
            "q7Xk2Lm9Pw4Rt6Yb8Nc1Vd3Hf5Jg0Zs2Ua4Ie6Ko8Ql1Mn3Bp5Cr7Dt9Ev2Gw4Hx",
            "A3f9Kp2Lq8Wm4Zr7Ts1Vy6Nc0Bx5Hd2Jg8Ue4Io7Pa3Sk9Ql1Mz6Rw0Tv5Yb8Xc"
        )
    }

    /// One marked key and one unmarked key, judged with `inline` and printed in
    /// every format for `mode`.
    fn reports(inline: InlineAllow, mode: Mode, bypass: bool) -> (Verdict, [String; 3]) {
        let rules = crate::rules::RuleSet::builtin().unwrap();
        let scanner = Scanner::new(std::sync::Arc::clone(&rules), ScanOptions::default());
        let text = format!(
            "A = '{}'  # keyhook:allow\nB = '{}'\n",
            key("Qa"),
            key("Zb")
        );
        let target = Target {
            path: "app.py".into(),
            blob: None,
            bytes: text.into_bytes(),
            added_lines: None,
            origin: Origin::File,
        };
        let policy = Policy {
            block_severity: Severity::Medium,
            allow_paths: globset::GlobSet::empty(),
            baseline: Baseline::default(),
            forbidden: ForbiddenFiles::new(&[], &[]).unwrap(),
            inline_allow: inline,
        };
        let mut verdict = Verdict {
            push_option_bypass: bypass,
            ..Verdict::default()
        };
        policy.judge(&rules, &target, scanner.scan(&target.bytes), &mut verdict);
        let context = ReportContext {
            mode,
            rules: &rules,
            color: false,
            framework: false,
            detail: Detail::Normal,
        };
        let out = [Format::Text, Format::Json, Format::Sarif].map(|format| {
            let mut out = Vec::new();
            write(format, &verdict, &context, &mut out).unwrap();
            String::from_utf8(out).unwrap()
        });
        (verdict, out)
    }

    #[test]
    fn honoured_markers_hide_their_finding() {
        let (verdict, [text, ..]) = reports(InlineAllow::Honour, Mode::Scan, false);
        assert_eq!(verdict.findings.len(), 1);
        assert_eq!(verdict.summary.inline_allowed, 1);
        assert!(
            text.contains("False positive? Add `keyhook:allow`"),
            "{text}"
        );
    }

    #[test]
    fn listed_markers_show_their_finding_as_allowed() {
        let (verdict, [text, json, sarif]) = reports(InlineAllow::List, Mode::Audit, false);
        assert_eq!(verdict.findings.len(), 2);
        assert_eq!(verdict.summary.blocking, 1);
        assert_eq!(verdict.summary.inline_allowed, 1);
        assert!(!verdict.findings[0].blocking);
        assert!(text.contains("(allowed inline: keyhook:allow)"), "{text}");
        let json: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(json["findings"][0]["inline_marker"], "allowed", "{json:#}");
        assert_eq!(json["findings"][0]["blocking"], false, "{json:#}");
        assert!(
            json["findings"][1].get("inline_marker").is_none(),
            "{json:#}"
        );
        let sarif: serde_json::Value = serde_json::from_str(&sarif).unwrap();
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/data/sarif-schema-2.1.0.json")).unwrap();
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .build(&schema)
            .unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&sarif)
            .map(|e| format!("{e} at {}", e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        let result = &sarif["runs"][0]["results"][0];
        assert_eq!(result["suppressions"][0]["kind"], "inSource", "{sarif:#}");
        assert_eq!(result["properties"]["inlineMarker"], "allowed", "{sarif:#}");
    }

    #[test]
    fn ignored_markers_block_and_say_so() {
        let (verdict, [text, json, sarif]) = reports(InlineAllow::Ignore, Mode::PreReceive, false);
        assert_eq!(verdict.findings.len(), 2);
        assert_eq!(verdict.summary.blocking, 2);
        assert_eq!(verdict.summary.inline_ignored, 1);
        assert!(text.contains("is not honoured here"), "{text}");
        assert!(!text.contains("Add `keyhook:allow`"), "{text}");
        assert!(text.contains("server's baseline"), "{text}");
        assert!(!text.contains("git push -o"), "bypass is off: {text}");
        let json: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(json["findings"][0]["inline_marker"], "ignored", "{json:#}");
        assert_eq!(json["summary"]["inline_ignored"], 1, "{json:#}");
        let sarif: serde_json::Value = serde_json::from_str(&sarif).unwrap();
        let result = &sarif["runs"][0]["results"][0];
        assert!(result.get("suppressions").is_none(), "{sarif:#}");
        assert_eq!(result["properties"]["inlineMarker"], "ignored", "{sarif:#}");
    }

    #[test]
    fn pre_receive_advice_names_the_bypass_when_enabled() {
        let (verdict, [text, ..]) = reports(InlineAllow::Ignore, Mode::PreReceive, true);
        let [a, b] = [0, 1].map(|i| verdict.findings[i].finding.fingerprint.short());
        assert!(
            text.contains(&format!(
                "git push -o keyhook.allow={a} -o keyhook.allow={b} <remote> <branch>"
            )),
            "{text}"
        );
        assert!(text.contains("audit log"), "{text}");
        assert!(!text.contains("Add `keyhook:allow`"), "{text}");
    }

    fn render(verdict: &Verdict, mode: Mode, framework: bool) -> String {
        let rules = crate::rules::RuleSet::builtin().unwrap();
        let context = ReportContext {
            mode,
            rules: &rules,
            color: false,
            framework,
            detail: Detail::Normal,
        };
        let mut out = Vec::new();
        write(Format::Text, verdict, &context, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn advice_fits_staged_committed_framework_and_gitignore() {
        let (mut verdict, _) = reports(InlineAllow::Ignore, Mode::PreCommit, false);
        verdict.gitignore_missing = vec![".env".into()];
        let staged = render(&verdict, Mode::PreCommit, false);
        assert!(staged.contains("git restore --staged app.py"), "{staged}");
        assert!(staged.contains("has not left this machine"), "{staged}");
        // Never "ignored" beside a warning that .env is not ignored.
        assert!(!staged.contains("ignored by git"), "{staged}");
        assert!(!staged.contains("an ignored .env"), "{staged}");
        assert!(staged.contains("once .gitignore covers it"), "{staged}");
        assert!(staged.contains("`keyhook init`"), "{staged}");

        let framework = render(&verdict, Mode::PreCommit, true);
        assert!(!framework.contains("keyhook init"), "{framework}");
        assert!(framework.contains("pre-commit run"), "{framework}");

        verdict.committed_paths = vec!["app.py".into()];
        let committed = render(&verdict, Mode::PreCommit, false);
        assert!(committed.contains("already committed"), "{committed}");
        assert!(!committed.contains("git restore --staged"), "{committed}");
        assert!(
            !committed.contains("has not left this machine"),
            "{committed}"
        );

        let push = render(&verdict, Mode::PreReceive, false);
        assert!(push.contains("has left your machine"), "{push}");
        let audit = render(&verdict, Mode::Audit, false);
        assert!(audit.contains("rewrite history"), "{audit}");
    }
}
