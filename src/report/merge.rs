//! Audits across an organisation: many `keyhook audit-history --format json`
//! reports (one per repository) merged into one report grouped by key fingerprint,
//! because one key leaked in three repositories is one key to revoke, with every
//! place it is in. Written as text, JSON or SARIF.
//!
//! This module parses bytes and writes bytes; reading the files is the caller's.
//! Every string taken from a report passes the redactor again, so a hand-edited or
//! foreign report cannot make the merged output print a key.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::schema::{Tool, JSON_VERSION};
use crate::engine::redact_text;

/// Why a report could not be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// The file is not a keyhook JSON report.
    #[error(
        "{name}: not a keyhook JSON report (`keyhook audit-history --format json`): {message}"
    )]
    NotAReport {
        /// The report's name (its file).
        name: String,
        /// What is wrong with it.
        message: String,
    },
    /// A report of a JSON version this keyhook does not read.
    #[error("{name}: JSON report version {version}, this keyhook reads version {JSON_VERSION}")]
    Version {
        /// The report's name.
        name: String,
        /// Its `version`.
        version: u32,
    },
}

/// The fields of a JSON report that merging reads (others are ignored).
#[derive(Deserialize)]
struct InputReport {
    version: u32,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    findings: Vec<InputFinding>,
    #[serde(default)]
    forbidden_files: Vec<InputForbidden>,
    #[serde(default)]
    errors: Vec<Value>,
}

#[derive(Deserialize)]
struct InputFinding {
    rule: String,
    #[serde(default)]
    provider: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    severity: String,
    path: String,
    #[serde(default)]
    line: usize,
    redacted: String,
    fingerprint: String,
    #[serde(default)]
    commit: Option<InputCommit>,
    #[serde(default)]
    revoke_url: String,
    #[serde(default)]
    remediation: String,
    #[serde(default)]
    history: Option<InputHistory>,
}

#[derive(Deserialize)]
struct InputCommit {
    id: String,
}

#[derive(Deserialize)]
struct InputHistory {
    #[serde(default)]
    still_in: Vec<String>,
}

#[derive(Deserialize)]
struct InputForbidden {
    path: String,
    pattern: String,
    #[serde(default)]
    origin: Option<Value>,
}

/// One place a key is in.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Place {
    /// The repository (the report's name).
    pub repository: String,
    /// The path in that repository.
    pub path: String,
    /// The line.
    pub line: usize,
    /// The commit that introduced it there, if known.
    pub commit: Option<String>,
    /// Refs whose tip still holds the key (empty: history only).
    pub still_in: Vec<String>,
}

/// One key, with every place it is in across the reports.
#[derive(Debug, Clone, Serialize)]
pub struct MergedKey {
    /// SHA-256 of the key (hex).
    pub fingerprint: String,
    /// The rule that found it.
    pub rule: String,
    /// The provider.
    pub provider: String,
    /// The rule's description.
    pub description: String,
    /// The rule's severity.
    pub severity: String,
    /// The key, redacted.
    pub redacted: String,
    /// Where to revoke it.
    pub revoke_url: String,
    /// What to do.
    pub remediation: String,
    /// The repositories holding it, sorted.
    pub repositories: Vec<String>,
    /// Every place.
    pub places: Vec<Place>,
}

/// A forbidden file, in a repository.
#[derive(Debug, Clone, Serialize)]
pub struct MergedForbidden {
    /// The repository.
    pub repository: String,
    /// The path.
    pub path: String,
    /// The pattern that forbids it.
    pub pattern: String,
    /// The commit that added it, if known.
    pub commit: Option<String>,
}

/// The merged report.
#[derive(Debug, Default)]
pub struct Merged {
    /// The reports merged, in the order given.
    pub repositories: Vec<String>,
    /// Keys, most widespread first (then by fingerprint).
    pub keys: Vec<MergedKey>,
    /// Forbidden files, by repository.
    pub forbidden: Vec<MergedForbidden>,
    /// Reports that were not audits, or that could not read everything.
    pub notes: Vec<String>,
}

fn clean(text: &str) -> String {
    redact_text(text).into_owned()
}

impl Merged {
    /// Merges `reports`: (repository name, the report's bytes).
    pub fn from_reports<'a>(
        reports: impl IntoIterator<Item = (String, &'a [u8])>,
    ) -> Result<Merged, MergeError> {
        let mut merged = Merged::default();
        let mut by_key: BTreeMap<String, MergedKey> = BTreeMap::new();
        for (name, bytes) in reports {
            let name = clean(&name);
            let report: InputReport =
                serde_json::from_slice(bytes).map_err(|e| MergeError::NotAReport {
                    name: name.clone(),
                    message: e.to_string(),
                })?;
            if report.version != JSON_VERSION {
                return Err(MergeError::Version {
                    name,
                    version: report.version,
                });
            }
            if report.mode != "audit-history" {
                merged.notes.push(format!(
                    "{name}: a `{}` report, not an audit: merged as it is",
                    clean(&report.mode)
                ));
            }
            if !report.errors.is_empty() {
                merged.notes.push(format!(
                    "{name}: its audit could not read {} item(s): it may have missed keys",
                    report.errors.len()
                ));
            }
            for f in report.findings {
                let fingerprint = f.fingerprint.to_ascii_lowercase();
                let key = by_key
                    .entry(fingerprint.clone())
                    .or_insert_with(|| MergedKey {
                        fingerprint,
                        rule: clean(&f.rule),
                        provider: clean(&f.provider),
                        description: clean(&f.description),
                        severity: clean(&f.severity),
                        redacted: clean(&f.redacted),
                        revoke_url: clean(&f.revoke_url),
                        remediation: clean(&f.remediation),
                        repositories: Vec::new(),
                        places: Vec::new(),
                    });
                let place = Place {
                    repository: name.clone(),
                    path: clean(&f.path),
                    line: f.line,
                    commit: f.commit.map(|c| clean(&c.id)).filter(|c| !c.is_empty()),
                    still_in: f
                        .history
                        .map(|h| h.still_in.iter().map(|r| clean(r)).collect())
                        .unwrap_or_default(),
                };
                if !key.places.contains(&place) {
                    key.places.push(place);
                }
                if !key.repositories.contains(&name) {
                    key.repositories.push(name.clone());
                    key.repositories.sort();
                }
            }
            for f in report.forbidden_files {
                let commit = f
                    .origin
                    .as_ref()
                    .and_then(|o| o.get("id"))
                    .and_then(Value::as_str)
                    .map(clean);
                merged.forbidden.push(MergedForbidden {
                    repository: name.clone(),
                    path: clean(&f.path),
                    pattern: clean(&f.pattern),
                    commit,
                });
            }
            merged.repositories.push(name);
        }
        merged.keys = by_key.into_values().collect();
        merged.keys.sort_by(|a, b| {
            b.repositories
                .len()
                .cmp(&a.repositories.len())
                .then(b.places.len().cmp(&a.places.len()))
                .then(a.fingerprint.cmp(&b.fingerprint))
        });
        Ok(merged)
    }

    /// True when any key or forbidden file was found.
    pub fn blocked(&self) -> bool {
        !self.keys.is_empty() || !self.forbidden.is_empty()
    }

    fn summary_line(&self) -> String {
        let with_keys: std::collections::BTreeSet<&str> = self
            .keys
            .iter()
            .flat_map(|k| k.repositories.iter().map(String::as_str))
            .collect();
        let places: usize = self.keys.iter().map(|k| k.places.len()).sum();
        format!(
            "keyhook merge-reports: {} — {} key(s) to revoke in {} place(s), in {} of {} repositories; {} forbidden file(s)",
            if self.blocked() { "BLOCKED" } else { "ok" },
            self.keys.len(),
            places,
            with_keys.len(),
            self.repositories.len(),
            self.forbidden.len()
        )
    }

    /// Text: one block per key (revoke once), every place under it.
    pub fn write_text(&self, quiet: bool, out: &mut dyn Write) -> io::Result<()> {
        let mut s = String::new();
        if !quiet {
            for k in &self.keys {
                let _ = writeln!(
                    s,
                    "{}  {}  {} — {}",
                    k.redacted, k.rule, k.provider, k.description
                );
                let _ = writeln!(
                    s,
                    "      fingerprint {}  ·  {} repositor{}, {} place(s)",
                    &k.fingerprint[..k.fingerprint.len().min(12)],
                    k.repositories.len(),
                    if k.repositories.len() == 1 {
                        "y"
                    } else {
                        "ies"
                    },
                    k.places.len()
                );
                let _ = writeln!(s, "      revoke   {}", k.revoke_url);
                for p in &k.places {
                    let commit = p
                        .commit
                        .as_deref()
                        .map(|c| format!("  commit {}", &c[..c.len().min(10)]))
                        .unwrap_or_default();
                    let status = if p.still_in.is_empty() {
                        "  (history only)".to_string()
                    } else {
                        format!("  still in {}", p.still_in.join(", "))
                    };
                    let _ = writeln!(
                        s,
                        "        {}: {}:{}{commit}{status}",
                        p.repository, p.path, p.line
                    );
                }
                let _ = writeln!(s);
            }
            if !self.forbidden.is_empty() {
                let _ = writeln!(s, "Files that must not be committed:");
                for f in &self.forbidden {
                    let _ = writeln!(
                        s,
                        "  {}: {}  (matches `{}`)",
                        f.repository, f.path, f.pattern
                    );
                }
                let _ = writeln!(s);
            }
            for note in &self.notes {
                let _ = writeln!(s, "note: {note}");
            }
            if !self.keys.is_empty() {
                let _ = writeln!(s, "What to do now:\n  1. Revoke each key once, at its provider (revoke links above): every repository listed holds the same key.\n  2. Remove it from each place still at a ref tip, then rewrite history (git filter-repo --replace-text) or accept it in that repository's baseline once revoked.\n");
            }
        }
        let _ = writeln!(s, "{}", self.summary_line());
        out.write_all(s.as_bytes())
    }

    /// JSON (`mode` `merge-reports`, same `version` as the audit reports).
    pub fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        let places: usize = self.keys.iter().map(|k| k.places.len()).sum();
        let report = json!({
            "version": JSON_VERSION,
            "tool": Tool::this(),
            "mode": "merge-reports",
            "blocked": self.blocked(),
            "repositories": self.repositories,
            "keys": self.keys,
            "forbidden_files": self.forbidden,
            "notes": self.notes,
            "summary": { "repositories": self.repositories.len(), "keys": self.keys.len(), "places": places, "forbidden_files": self.forbidden.len() }
        });
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)
    }

    /// SARIF 2.1.0: one result per key, its locations every place (the repository
    /// as `uriBaseId`), so a dashboard counts one key once.
    pub fn write_sarif(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut rule_ids: Vec<&str> = self.keys.iter().map(|k| k.rule.as_str()).collect();
        rule_ids.sort_unstable();
        rule_ids.dedup();
        let rules: Vec<Value> = rule_ids
            .iter()
            .map(|id| {
                let k = self.keys.iter().find(|k| k.rule == *id).expect("the id came from a key");
                let mut rule = json!({ "id": id, "shortDescription": { "text": k.description }, "properties": { "provider": k.provider } });
                if !k.revoke_url.is_empty() {
                    rule["helpUri"] = json!(k.revoke_url);
                }
                rule
            })
            .collect();
        let results: Vec<Value> = self
            .keys
            .iter()
            .map(|k| {
                let locations: Vec<Value> = k
                    .places
                    .iter()
                    .map(|p| json!({
                        "physicalLocation": {
                            "artifactLocation": { "uri": p.path, "uriBaseId": p.repository },
                            "region": { "startLine": p.line.max(1) }
                        }
                    }))
                    .collect();
                json!({
                    "ruleId": k.rule,
                    "level": "error",
                    "message": { "text": format!("{} key {} in {} repositories ({} places): revoke it once at {}", k.provider, k.redacted, k.repositories.len(), k.places.len(), k.revoke_url) },
                    "locations": locations,
                    "partialFingerprints": { "keyhookSecretSha256/v1": k.fingerprint },
                    "properties": { "redacted": k.redacted, "repositories": k.repositories, "severity": k.severity }
                })
            })
            .collect();
        let log = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": { "driver": { "name": "keyhook", "version": env!("CARGO_PKG_VERSION"), "rules": rules } },
                "results": results
            }]
        });
        serde_json::to_writer_pretty(&mut *out, &log)?;
        writeln!(out)
    }
}
