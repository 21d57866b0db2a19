//! The text printer: findings grouped by file (by key in an audit), each with the
//! provider, rule, location, redacted key, fix and revoke link; then what to do now,
//! and a one-line summary. Colour only when asked for or on a terminal.

use std::fmt::Write as _;
use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use super::{Detail, Mode, ReportContext};
use crate::engine::Encoding;
use crate::policy::{InlineMarker, Reported, Verdict};
use crate::verify::{Status, Validation};

struct Palette {
    color: bool,
}

impl Palette {
    fn paint(&self, style: Style, text: impl std::fmt::Display) -> String {
        if self.color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    }
}

const PATH: Style = Style::new().bold();
const BLOCK: Style = AnsiColor::Red.on_default().bold();
const WARN: Style = AnsiColor::Yellow.on_default().bold();
const LABEL: Style = Style::new().dimmed();
const KEY: Style = AnsiColor::Cyan.on_default();
const OK: Style = AnsiColor::Green.on_default().bold();

/// Writes the text report.
pub(super) fn write(
    verdict: &Verdict,
    context: &ReportContext<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let p = Palette {
        color: context.color,
    };
    let mut s = String::new();
    if context.detail == Detail::Quiet {
        write_summary(&mut s, verdict, context, &p);
        return out.write_all(s.as_bytes());
    }
    if context.mode == Mode::Audit {
        write_by_key(&mut s, verdict, context, &p);
    } else {
        write_by_file(&mut s, verdict, context, &p);
    }
    write_forbidden(&mut s, verdict, context, &p);
    write_gitignore(&mut s, verdict, context, &p);
    for note in &verdict.notes {
        let _ = writeln!(s, "{} {note}", p.paint(LABEL, "note:"));
    }
    for error in &verdict.errors {
        let _ = writeln!(
            s,
            "{} {}: {}",
            p.paint(BLOCK, "error:"),
            error.path,
            error.message
        );
    }
    // Forbidden files and .gitignore gaps carry their own fix line above.
    if !verdict.findings.is_empty() {
        super::advice::write_advice(&mut s, verdict, context);
    }
    write_summary(&mut s, verdict, context, &p);
    out.write_all(s.as_bytes())
}

/// Groups by path (and commit), in the order first seen.
fn write_by_file(s: &mut String, verdict: &Verdict, context: &ReportContext<'_>, p: &Palette) {
    let mut groups: Vec<(String, Vec<&Reported>)> = Vec::new();
    for r in &verdict.findings {
        let key = match r.origin.commit() {
            Some(c) => format!(
                "{} @ {} {}",
                r.place(),
                short(&c.id),
                quote_subject(&c.subject)
            ),
            None => r.place(),
        };
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(r),
            None => groups.push((key, vec![r])),
        }
    }
    for (header, findings) in groups {
        let _ = writeln!(s, "{}", p.paint(PATH, header));
        for r in findings {
            write_finding(s, r, context, p, true);
        }
        s.push('\n');
    }
}

/// Groups by fingerprint: one leaked key committed in five places is one key to revoke.
fn write_by_key(s: &mut String, verdict: &Verdict, context: &ReportContext<'_>, p: &Palette) {
    let mut groups: Vec<(&crate::engine::Fingerprint, Vec<&Reported>)> = Vec::new();
    for r in &verdict.findings {
        match groups
            .iter_mut()
            .find(|(fp, _)| **fp == r.finding.fingerprint)
        {
            Some((_, list)) => list.push(r),
            None => groups.push((&r.finding.fingerprint, vec![r])),
        }
    }
    for (_, places) in groups {
        let first = places[0];
        let rule = &context.rules.rule(first.finding.rule).syntax;
        let _ = writeln!(
            s,
            "{} {}  {}  {}",
            p.paint(if first.blocking { BLOCK } else { WARN }, &rule.id),
            p.paint(KEY, &first.finding.redacted),
            rule.provider,
            p.paint(
                LABEL,
                format!("fingerprint {}", shown(&first.finding.fingerprint, context))
            ),
        );
        write_validation(s, first.validation.as_ref(), p, "  ");
        if let Some(history) = &first.history {
            if history.still_in.is_empty() {
                let _ = writeln!(
                    s,
                    "  {} history only: no ref tip holds it (rewrite history, and revoke)",
                    p.paint(LABEL, "status:")
                );
            } else {
                let _ = writeln!(
                    s,
                    "  {} {} {}",
                    p.paint(LABEL, "status:"),
                    p.paint(BLOCK, "still present"),
                    ref_list(&history.still_in)
                );
            }
        }
        let total = places
            .iter()
            .map(|r| r.history.as_ref().map_or(1, |h| h.occurrences))
            .max()
            .unwrap_or(places.len())
            .max(places.len());
        if total > places.len() {
            let _ = writeln!(
                s,
                "  {} {total} ({} shown; --all-occurrences lists them all)",
                p.paint(LABEL, "places:"),
                places.len()
            );
        } else {
            let _ = writeln!(s, "  {} {total}", p.paint(LABEL, "places:"));
        }
        for r in &places {
            let commit = r
                .origin
                .commit()
                .map(|c| {
                    format!(
                        " in {} {} ({}, {})",
                        short(&c.id),
                        quote_subject(&c.subject),
                        c.author,
                        c.time
                    )
                })
                .unwrap_or_default();
            let allowed = match r.inline {
                Some(InlineMarker::Allowed) => "  (allowed inline: keyhook:allow)",
                Some(InlineMarker::Ignored) => "  (keyhook:allow not honoured)",
                None => "",
            };
            let _ = writeln!(s, "    {}:{}{commit}{allowed}", r.place(), r.finding.line);
        }
        write_fix(s, rule, p);
        s.push('\n');
    }
}

fn write_finding(
    s: &mut String,
    r: &Reported,
    context: &ReportContext<'_>,
    p: &Palette,
    fix: bool,
) {
    let rule = &context.rules.rule(r.finding.rule).syntax;
    let (style, label) = if r.inline == Some(InlineMarker::Allowed) {
        (WARN, " (allowed inline)")
    } else if r.blocking {
        (BLOCK, "")
    } else {
        (WARN, " (warning)")
    };
    let _ = writeln!(
        s,
        "  {}:{}  {}{label}  {} — {}",
        r.finding.line,
        r.finding.column,
        p.paint(style, &rule.id),
        rule.provider,
        rule.description,
    );
    let encoded = match (r.finding.encoding, &r.finding.member) {
        (None, _) => String::new(),
        (Some(e), Some(member)) => format!(" (in archive member {member}, {})", e.as_str()),
        (Some(Encoding::Base64), None) => " (base64-encoded in the file)".into(),
        (Some(Encoding::Percent), None) => " (percent-encoded in the file)".into(),
        (Some(Encoding::Utf16), None) => " (in the file's UTF-16 text)".into(),
        (Some(e), None) => format!(" (found in the file's {} view)", e.as_str()),
    };
    let _ = writeln!(
        s,
        "      {} {}{encoded}  {}",
        p.paint(LABEL, "key     "),
        p.paint(KEY, &r.finding.redacted),
        p.paint(
            LABEL,
            format!("fingerprint {}", shown(&r.finding.fingerprint, context))
        ),
    );
    write_validation(s, r.validation.as_ref(), p, "      ");
    write_inline(s, r.inline, p, "      ");
    if let Some(c) = r.origin.commit() {
        let _ = writeln!(
            s,
            "      {} {} {} ({}, {})",
            p.paint(LABEL, "commit  "),
            short(&c.id),
            quote_subject(&c.subject),
            c.author,
            c.time
        );
    }
    if fix {
        write_fix(s, rule, p);
    }
}

/// What a `keyhook:allow` marker beside the key did, when the report says so.
fn write_inline(s: &mut String, marker: Option<InlineMarker>, p: &Palette, indent: &str) {
    let text = match marker {
        None => return,
        Some(InlineMarker::Allowed) => "keyhook:allow on its line: allowed, not blocking",
        Some(InlineMarker::Ignored) => {
            "keyhook:allow on its line is not honoured here: it blocks like any finding"
        }
    };
    let label = if indent.len() > 2 {
        "marker  "
    } else {
        "marker:"
    };
    let _ = writeln!(s, "{indent}{} {text}", p.paint(LABEL, label));
}

/// `live    LIVE — rotate now` and the like, when `--verify` ran.
fn write_validation(s: &mut String, v: Option<&Validation>, p: &Palette, indent: &str) {
    let Some(v) = v else {
        return;
    };
    let (style, text) = match v.status {
        Status::Live => (BLOCK, "LIVE — rotate now".to_string()),
        Status::Restricted => (
            BLOCK,
            "restricted — the key exists but may not make the check: rotate it".to_string(),
        ),
        Status::Invalid => (
            OK,
            "invalid — revoked or wrong (still a leak: remove it)".to_string(),
        ),
        Status::Unknown => (WARN, "unknown — no clear answer".to_string()),
        Status::Skipped => (LABEL, "skipped — no check for this rule".to_string()),
    };
    let detail = v
        .detail
        .as_ref()
        .map(|d| format!(" ({d})"))
        .unwrap_or_default();
    let label = if indent.len() > 2 {
        "verify  "
    } else {
        "verify:"
    };
    let _ = writeln!(
        s,
        "{indent}{} {}{detail}",
        p.paint(LABEL, label),
        p.paint(style, text)
    );
}

fn write_fix(s: &mut String, rule: &crate::rules::RuleSyntax, p: &Palette) {
    let _ = writeln!(
        s,
        "      {} {}",
        p.paint(LABEL, "fix     "),
        rule.remediation
    );
    let _ = writeln!(
        s,
        "      {} {}",
        p.paint(LABEL, "revoke  "),
        rule.revoke_url
    );
    if let Some(note) = &rule.note {
        let _ = writeln!(s, "      {} {}", p.paint(LABEL, "note    "), note);
    }
}

fn write_forbidden(s: &mut String, verdict: &Verdict, context: &ReportContext<'_>, p: &Palette) {
    if verdict.forbidden.is_empty() {
        return;
    }
    let _ = writeln!(s, "{}", p.paint(BLOCK, "Files that must not be committed:"));
    for f in &verdict.forbidden {
        let commit = f
            .origin
            .commit()
            .map(|c| format!(" in {} {}", short(&c.id), quote_subject(&c.subject)))
            .unwrap_or_default();
        let status = match &f.still_in {
            Some(refs) if refs.is_empty() => " — history only".to_string(),
            Some(refs) => format!(" — still present {}", ref_list(refs)),
            None => String::new(),
        };
        let _ = writeln!(
            s,
            "  {}{commit}  {}{status}",
            p.paint(PATH, &f.path),
            p.paint(LABEL, format!("(matches `{}`)", f.pattern))
        );
    }
    let committed = verdict
        .forbidden
        .iter()
        .any(|f| verdict.committed_paths.contains(&f.path));
    let ignore = if context.framework {
        "add its name to .gitignore"
    } else {
        "make sure .gitignore covers it (keyhook init)"
    };
    let fix = match context.mode {
        Mode::PreCommit if committed => format!("It is already committed: remove it from git (git rm --cached PATH, then rewrite the commits that hold it: git commit --amend, git rebase -i or git filter-repo --invert-paths --path PATH), rotate what it held, and {ignore}."),
        Mode::PreCommit => format!("Unstage it (git rm --cached PATH), keep it only locally, and {ignore}."),
        Mode::PrePush | Mode::PreReceive => "Remove it from the commits (git rm --cached PATH, then git commit --amend or git rebase -i), rotate what it held, and push again.".into(),
        Mode::Audit => "Rotate every secret it held, then remove it from history (git filter-repo --invert-paths --path PATH).".into(),
        Mode::Scan => "Keep it out of git: add it to .gitignore (keyhook init) and rotate what it held if it was ever committed.".into(),
    };
    let _ = writeln!(s, "  {fix}\n");
}

fn write_gitignore(s: &mut String, verdict: &Verdict, context: &ReportContext<'_>, p: &Palette) {
    if verdict.gitignore_missing.is_empty() {
        return;
    }
    let style = if verdict.gitignore_blocks {
        BLOCK
    } else {
        WARN
    };
    let _ = writeln!(
        s,
        "{} .gitignore does not cover: {}",
        p.paint(
            style,
            if verdict.gitignore_blocks {
                "error:"
            } else {
                "warning:"
            }
        ),
        verdict.gitignore_missing.join(", ")
    );
    if context.framework {
        // The framework keeps keyhook in its own environment: there is no `keyhook`
        // on the user's PATH to run `init` with.
        let _ = writeln!(
            s,
            "  Add exactly these lines to .gitignore, then git add .gitignore.\n"
        );
    } else {
        let _ = writeln!(
            s,
            "  Run `keyhook init` to add exactly these lines to .gitignore.\n"
        );
    }
}

fn write_summary(s: &mut String, verdict: &Verdict, context: &ReportContext<'_>, p: &Palette) {
    let sum = &verdict.summary;
    let unit = match context.mode {
        Mode::Scan => "files",
        Mode::PreCommit => "staged files",
        _ => "blobs",
    };
    let mut line = format!(
        "{} finding{} ({} blocking) in {} {unit} scanned",
        sum.findings,
        if sum.findings == 1 { "" } else { "s" },
        sum.blocking,
        sum.scanned
    );
    if !verdict.forbidden.is_empty() {
        let _ = write!(
            line,
            ", {} forbidden file{}",
            verdict.forbidden.len(),
            if verdict.forbidden.len() == 1 {
                ""
            } else {
                "s"
            }
        );
    }
    let suppressed = &sum.suppressed;
    if suppressed.total() > 0 {
        let _ = write!(
            line,
            " · {} candidate{} suppressed (placeholder {}, documentation {}, low entropy {}, checksum {}, allowlisted {})",
            suppressed.total(),
            if suppressed.total() == 1 { "" } else { "s" },
            suppressed.placeholder,
            suppressed.documentation,
            suppressed.low_entropy,
            suppressed.checksum,
            suppressed.allowlisted
        );
    }
    let skipped: u64 = sum.skipped.values().sum();
    if skipped > 0 {
        let parts: Vec<String> = sum
            .skipped
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        let _ = write!(line, " · {skipped} skipped ({})", parts.join(", "));
    }
    for (n, what) in [
        (
            sum.binary,
            "binary (read as text runs, UTF-16 or archive members)",
        ),
        (sum.inline_allowed, "allowed inline"),
        (sum.inline_ignored, "keyhook:allow not honoured"),
        (sum.baselined, "in baseline"),
        (sum.allowlisted_paths, "paths allowlisted"),
        (sum.unchanged_lines, "on unchanged lines"),
        (sum.errors, "unreadable"),
    ] {
        if n > 0 {
            let _ = write!(line, " · {n} {what}");
        }
    }
    let status = if verdict.blocked() {
        p.paint(BLOCK, "BLOCKED")
    } else if sum.errors > 0 {
        p.paint(WARN, "INCOMPLETE")
    } else {
        p.paint(OK, "ok")
    };
    let _ = writeln!(s, "keyhook {}: {status} — {line}", context.mode.as_str());
}

/// The short fingerprint (what a bypass takes), or all 64 digits with `-v`.
fn shown<'a>(fp: &'a crate::engine::Fingerprint, context: &ReportContext<'_>) -> &'a str {
    if context.detail == Detail::Verbose {
        fp.as_str()
    } else {
        fp.short()
    }
}

/// Refs listed in a line that reads well at any count: "in refs/heads/main, v1" for
/// a few, "at 3 branch tips and 950 tags: refs/heads/master, … +947 more" for many
/// (the JSON and SARIF reports keep the full list).
fn ref_list(refs: &[String]) -> String {
    const SHOWN: usize = 3;
    if refs.len() <= SHOWN + 2 {
        return format!("in {}", refs.join(", "));
    }
    let count = |prefix: &str| refs.iter().filter(|r| r.starts_with(prefix)).count();
    let (branches, tags, remotes) = (
        count("refs/heads/"),
        count("refs/tags/"),
        count("refs/remotes/"),
    );
    let other = refs.len() - branches - tags - remotes;
    let kinds: Vec<String> = [
        (branches, "branch tip", "branch tips"),
        (tags, "tag", "tags"),
        (
            remotes,
            "remote-tracking branch",
            "remote-tracking branches",
        ),
        (other, "other ref", "other refs"),
    ]
    .into_iter()
    .filter(|(n, _, _)| *n > 0)
    .map(|(n, one, many)| format!("{n} {}", if n == 1 { one } else { many }))
    .collect();
    let kinds = match kinds.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    };
    // Branches first: they are what a fix must reach.
    let mut shown: Vec<&str> = refs
        .iter()
        .filter(|r| r.starts_with("refs/heads/"))
        .chain(refs.iter().filter(|r| !r.starts_with("refs/heads/")))
        .take(SHOWN)
        .map(String::as_str)
        .collect();
    shown.push("…");
    format!(
        "at {kinds}: {} +{} more",
        shown.join(", "),
        refs.len() - SHOWN
    )
}

fn short(id: &str) -> &str {
    &id[..id.len().min(10)]
}

fn quote_subject(subject: &str) -> String {
    let mut shown: String = subject.chars().take(60).collect();
    if subject.chars().count() > 60 {
        shown.push('…');
    }
    format!("\"{shown}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_lists_read_well_at_any_count() {
        let few: Vec<String> = ["refs/heads/main", "refs/tags/v1"]
            .map(String::from)
            .to_vec();
        assert_eq!(ref_list(&few), "in refs/heads/main, refs/tags/v1");
        let mut many: Vec<String> = (0..950).map(|i| format!("refs/tags/v{i}")).collect();
        many.extend(["refs/heads/maint", "refs/heads/master", "refs/heads/next"].map(String::from));
        assert_eq!(
            ref_list(&many),
            "at 3 branch tips and 950 tags: refs/heads/maint, refs/heads/master, refs/heads/next, … +950 more"
        );
        let one_kind: Vec<String> = (0..8).map(|i| format!("refs/tags/v{i}")).collect();
        assert!(ref_list(&one_kind).starts_with("at 8 tags: refs/tags/v0,"));
    }
}
