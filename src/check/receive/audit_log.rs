//! The audit log: one JSON line per finding let through (push-option bypass, or a
//! marker the server honours).

use std::io::Write;
use std::path::PathBuf;

use crate::config::Config;
use crate::Error;

/// One finding let through by `-o keyhook.allow=<fingerprint>`.
pub(super) struct Bypass {
    /// `bypass` (push option) or `inline-allow` (a marker the server honours).
    pub(super) event: &'static str,
    pub(super) refs: String,
    pub(super) commit: String,
    pub(super) fingerprint: String,
    pub(super) rule: String,
}

/// Appends one bypass to the audit log (JSON lines).
pub(super) fn audit_log(config: &Config, bypass: &Bypass) -> Result<(), Error> {
    let path = config
        .pre_receive
        .audit_log
        .clone()
        .unwrap_or_else(|| PathBuf::from("keyhook-audit.jsonl"));
    let pusher = ["GL_USERNAME", "GITHUB_USER_LOGIN", "REMOTE_USER", "USER"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".into());
    let line = serde_json::json!({
        "time": gix::date::Time::now_utc().format_or_unix(gix::date::time::format::ISO8601_STRICT),
        "event": bypass.event,
        "ref": bypass.refs,
        "commit": bypass.commit,
        "fingerprint": bypass.fingerprint,
        "rule": bypass.rule,
        "pusher": pusher,
    });
    let io = |source| Error::Io {
        path: path.clone(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(io)?;
    writeln!(file, "{line}").map_err(io)
}
