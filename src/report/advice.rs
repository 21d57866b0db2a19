//! What to do now: the advice under a text report, fitted to where the key is
//! (staged, already committed, pushed, in history), to who runs keyhook (the
//! pre-commit framework's users have no `keyhook` binary), and worded so that it
//! never contradicts the `.gitignore` warning printed above it.

use std::fmt::Write as _;

use super::{Mode, ReportContext};
use crate::policy::Verdict;

/// Where a local value can live: `.env`, said so only in words that agree with the
/// `.gitignore` check printed above it.
fn env_file_advice(verdict: &Verdict) -> &'static str {
    if verdict.gitignore_missing.iter().any(|l| l == ".env") {
        "a .env file once .gitignore covers it (it does not yet: see the warning above)"
    } else {
        "an ignored .env file"
    }
}

pub(super) fn write_advice(s: &mut String, verdict: &Verdict, context: &ReportContext<'_>) {
    let env_vars: Vec<&str> = verdict
        .findings
        .iter()
        .filter_map(|r| context.rules.rule(r.finding.rule).syntax.env_vars.first())
        .map(String::as_str)
        .fold(Vec::new(), |mut acc, v| {
            if !acc.contains(&v) {
                acc.push(v);
            }
            acc
        });
    let env = if env_vars.is_empty() {
        "an environment variable".to_string()
    } else {
        env_vars.join(", ")
    };
    let mut staged_paths: Vec<&str> = Vec::new();
    let mut committed_paths: Vec<&str> = Vec::new();
    let finding_paths = verdict
        .findings
        .iter()
        .filter(|r| r.blocking)
        .map(|r| r.path.as_str());
    for path in finding_paths.chain(verdict.forbidden.iter().map(|f| f.path.as_str())) {
        let list = if verdict.committed_paths.iter().any(|c| c == path) {
            &mut committed_paths
        } else {
            &mut staged_paths
        };
        if !list.contains(&path) {
            list.push(path);
        }
    }
    let dotenv = env_file_advice(verdict);
    let again = if context.framework {
        "commit again (the framework runs keyhook; `pre-commit run --all-files` checks every file)"
    } else {
        "commit again"
    };
    let steps: Vec<String> = match context.mode {
        Mode::PreCommit => {
            let mut steps = Vec::new();
            if !committed_paths.is_empty() {
                let paths = committed_paths.join(" ");
                steps.push(format!("{paths}: the key is already committed, so it is in your history (and on every remote you pushed to): revoke it at the provider now (revoke links above)."));
                steps.push(format!("Remove it from the file, read it from the environment ({env}) or a secret manager, then rewrite the commits that hold it: git commit --amend (last commit), git rebase -i, or git filter-repo --replace-text for older history."));
            }
            if !staged_paths.is_empty() || committed_paths.is_empty() {
                let paths = if staged_paths.is_empty() {
                    "PATH".to_string()
                } else {
                    staged_paths.join(" ")
                };
                steps.push(format!("Unstage it: git restore --staged {paths} (a staged key has not left this machine yet)."));
                steps.push(format!("Move the value to {dotenv} and read it from the environment ({env}) or a secret manager, then {again}."));
                steps.push("If the key was ever shared or pushed anywhere, revoke it at the provider (revoke links above).".into());
            }
            steps
        }
        Mode::PrePush => vec![
            "The key is in commits you are about to push: revoke it if it was ever shared (revoke links above).".into(),
            "Remove it from those commits: edit the file, then git commit --amend (last commit) or git rebase -i (older ones).".into(),
            format!("Read the key from the environment ({env}) or a secret manager, then push again."),
        ],
        Mode::PreReceive => vec![
            "The key has left your machine: revoke it at the provider now (revoke links above).".into(),
            "Rewrite the commits that hold it: git commit --amend, git rebase -i, or git filter-repo for older history.".into(),
            format!("Read the key from the environment ({env}) or a secret manager, then push again."),
        ],
        Mode::Audit => vec![
            "Revoke every key listed at its provider (revoke links above): history is public to anyone with a clone.".into(),
            "Keys still in a branch tip: remove them from the files now and read them from the environment or a secret manager.".into(),
            "Then rewrite history (git filter-repo --replace-text) and force-push, or accept them in a baseline (--baseline-out) once revoked.".into(),
        ],
        Mode::Scan => vec![
            "Revoke each key at its provider (revoke links above) if it was ever committed or shared.".into(),
            format!("Remove it from the file and read it from the environment ({env}) or a secret manager; keep local values in {dotenv}."),
        ],
    };
    let _ = writeln!(s, "What to do now:");
    for (i, step) in steps.iter().enumerate() {
        let _ = writeln!(s, "  {}. {step}", i + 1);
    }
    let _ = writeln!(s, "{}\n", false_positive_advice(verdict, context.mode));
}

/// How to let a false positive through. On a server the inline marker is not
/// advised: it is pushed content, so the server ignores it unless its own config
/// says otherwise; what the server offers is its bypass (when enabled, audit-logged)
/// and its own allowlist or baseline.
fn false_positive_advice(verdict: &Verdict, mode: Mode) -> String {
    if mode != Mode::PreReceive {
        return "False positive? Add `keyhook:allow` in a comment on that line, an [allowlist] entry in keyhook.toml, or its fingerprint to a baseline.".into();
    }
    let mut text = String::from("False positive? ");
    if verdict.push_option_bypass {
        // The short fingerprint the report prints is what the server accepts.
        let mut options: Vec<String> = Vec::new();
        for r in verdict.findings.iter().filter(|r| r.blocking) {
            let option = format!("-o keyhook.allow={}", r.finding.fingerprint.short());
            if !options.contains(&option) {
                options.push(option);
            }
        }
        if options.is_empty() {
            options.push("-o keyhook.allow=<fingerprint>".into());
        }
        let _ = write!(
            text,
            "Push again with `git push {} <remote> <branch>` (the remote and branch you pushed; one option per key; every bypass is recorded in the server's audit log), or ask",
            options.join(" ")
        );
    } else {
        text.push_str("Ask");
    }
    text.push_str(" the server's administrators to add the key's fingerprint to the server's baseline or an [allowlist] entry to the server's keyhook.toml.");
    if verdict.summary.inline_ignored > 0 {
        text.push_str(
            " A `keyhook:allow` comment in the pushed files does not count on this server.",
        );
    }
    text
}
