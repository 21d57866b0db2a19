//! `keyhook.toml`: the raw serde schema ([`RawConfig`], unknown keys rejected), then a
//! validated [`Config`] with compiled rules, globs and regexes. Every error names the
//! file, line and column, and passes through the redactor
//! ([`crate::engine::redact_text`]): a key pasted into the wrong field is printed
//! redacted. The file is read with a small cap ([`MAX_CONFIG_BYTES`]) and must be a
//! regular file, so `--config /dev/zero` or a FIFO is an error, not a hang.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::engine::ScanOptions;
use crate::policy::{ForbiddenFiles, GitignoreMode, PolicyError};
use crate::rules::{RuleError, RuleSet, RuleSyntax, Severity};

/// The file name looked for at a repository or directory root.
pub const CONFIG_FILE_NAME: &str = "keyhook.toml";

/// The largest config file read (1 MiB; real ones are a few KiB).
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config {path}: {source}")]
    Read {
        /// The config file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The path is not a regular file (a folder, FIFO, device or socket).
    #[error("config {path} is not a regular file")]
    NotAFile {
        /// The config path.
        path: PathBuf,
    },
    /// The file is larger than [`MAX_CONFIG_BYTES`].
    #[error("config {path} is larger than {limit} bytes; a keyhook.toml is a few KiB")]
    TooLarge {
        /// The config file.
        path: PathBuf,
        /// The cap, in bytes.
        limit: u64,
    },
    /// A value is malformed or invalid, at a known spot.
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        /// The config file.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A rule in the config (or a disabled id) is invalid.
    #[error(transparent)]
    Rule(#[from] RuleError),
}

/// `keyhook.toml` exactly as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// Blobs larger than this many bytes are skipped (and counted).
    pub max_file_size: Option<u64>,
    /// Rule ids to turn off.
    #[serde(default)]
    pub disable: Vec<Spanned<String>>,
    /// Findings below this severity warn instead of blocking (default `medium`).
    pub block_severity: Option<Severity>,
    /// Baseline file of accepted fingerprints (relative to the config file).
    pub baseline: Option<String>,
    /// What to do when `.gitignore` does not cover secret files: `off`, `warn`, `enforce`.
    pub gitignore: Option<GitignoreMode>,
    /// Paths, secrets and words to never report.
    #[serde(default)]
    pub allowlist: RawAllowlist,
    /// Changes to the forbidden-file patterns.
    #[serde(default)]
    pub forbidden_files: RawForbidden,
    /// Server-side (pre-receive) settings.
    #[serde(default)]
    pub pre_receive: RawPreReceive,
    /// Extra or overriding rules, same schema as the built-ins.
    #[serde(default)]
    pub rules: Vec<Spanned<RuleSyntax>>,
}

/// `[allowlist]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAllowlist {
    /// Globs of paths never scanned.
    #[serde(default)]
    pub paths: Vec<Spanned<String>>,
    /// Regexes; a secret matching one is suppressed.
    #[serde(default)]
    pub secrets: Vec<Spanned<String>>,
    /// Words that mark a placeholder when found in a secret.
    #[serde(default)]
    pub stopwords: Vec<String>,
}

/// `[forbidden_files]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawForbidden {
    /// Extra globs of files that must never be committed.
    #[serde(default)]
    pub add: Vec<Spanned<String>>,
    /// Globs that are allowed even though a forbidden pattern matches them.
    #[serde(default)]
    pub allow: Vec<Spanned<String>>,
}

/// `[pre_receive]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPreReceive {
    /// Time budget in seconds (default 4, under GitHub Enterprise Server's 5 s).
    pub timeout: Option<Spanned<f64>>,
    /// `reject` (default: fail closed) or `accept` on timeouts and internal errors.
    pub on_error: Option<OnError>,
    /// Let `git push -o keyhook.allow=<fingerprint>` through (audit-logged).
    pub allow_push_option_bypass: Option<bool>,
    /// JSON-lines file that records every bypass (relative to the config file).
    pub audit_log: Option<String>,
    /// Ask providers whether blocked keys are live (`--verify` on the server; off by
    /// default). Only the server's config can turn this on.
    pub verify: Option<bool>,
    /// Honour inline `keyhook:allow` markers in pushed content (default `false`: the
    /// marker is written by the pusher, so on a server it would let the pusher decide
    /// what gets through; use the server's baseline, allowlist or bypass instead).
    pub inline_allow: Option<bool>,
}

/// What the server does when the scan cannot finish.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OnError {
    /// Reject the push (fail closed).
    #[default]
    Reject,
    /// Accept the push (fail open), saying so.
    Accept,
}

/// Resolved pre-receive settings.
#[derive(Debug, Clone)]
pub struct PreReceiveConfig {
    /// Time budget for the whole scan.
    pub timeout: Duration,
    /// Failure policy.
    pub on_error: OnError,
    /// Push-option bypass enabled.
    pub allow_push_option_bypass: bool,
    /// Where bypasses are logged.
    pub audit_log: Option<PathBuf>,
    /// Verify the keys of the findings (never changes what is rejected).
    pub verify: bool,
    /// Honour inline `keyhook:allow` markers in pushed content (default false).
    pub inline_allow: bool,
}

/// A validated configuration, ready to use.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where it was read from (`None`: built-in defaults).
    pub source: Option<PathBuf>,
    /// The compiled rules (built-ins plus config rules, minus disabled).
    pub rules: Arc<RuleSet>,
    /// Engine options (size limit, allowlisted secrets, stopwords).
    pub scan: ScanOptions,
    /// Findings below this severity do not block.
    pub block_severity: Severity,
    /// Globs of paths never scanned.
    pub allow_paths: globset::GlobSet,
    /// Baseline file, resolved against the config's folder.
    pub baseline: Option<PathBuf>,
    /// `.gitignore` check mode.
    pub gitignore: GitignoreMode,
    /// Forbidden-file patterns.
    pub forbidden: ForbiddenFiles,
    /// Server-side settings.
    pub pre_receive: PreReceiveConfig,
}

impl Config {
    /// The built-in defaults, with no file.
    pub fn builtin() -> Result<Config, ConfigError> {
        Config::from_raw(RawConfig::default(), "", "<built-in>", None)
    }

    /// Reads and validates a config file: a regular file of at most
    /// [`MAX_CONFIG_BYTES`], never waiting on a FIFO.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let read_error = |source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        };
        let file = crate::source::paths::open_for_read(path).map_err(read_error)?;
        if !file.metadata().map_err(read_error)?.is_file() {
            return Err(ConfigError::NotAFile {
                path: path.to_path_buf(),
            });
        }
        let bytes =
            crate::source::paths::read_at_most(file, MAX_CONFIG_BYTES).map_err(read_error)?;
        if bytes.len() as u64 > MAX_CONFIG_BYTES {
            return Err(ConfigError::TooLarge {
                path: path.to_path_buf(),
                limit: MAX_CONFIG_BYTES,
            });
        }
        let text = String::from_utf8(bytes)
            .map_err(|e| read_error(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?;
        Config::parse(&text, path)
    }

    /// Validates config `text` read from `path`. Every message that echoes a value
    /// from the file is redacted.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        Config::parse_unredacted(text, path).map_err(ConfigError::redacted)
    }

    fn parse_unredacted(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let origin = path.display().to_string();
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let RuleError::Parse {
                line,
                column,
                message,
                ..
            } = crate::rules::toml_error(&origin, text, &e)
            else {
                unreachable!("toml_error always returns Parse")
            };
            ConfigError::Invalid {
                path: origin.clone(),
                line,
                column,
                message,
            }
        })?;
        Config::from_raw(raw, text, &origin, Some(path))
    }

    fn from_raw(
        raw: RawConfig,
        text: &str,
        origin: &str,
        path: Option<&Path>,
    ) -> Result<Config, ConfigError> {
        let at = |span: std::ops::Range<usize>, message: String| {
            let (line, column) = crate::rules::line_column(text, span.start);
            ConfigError::Invalid {
                path: origin.to_string(),
                line,
                column,
                message,
            }
        };
        let base = path
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default();

        // A config with no rules of its own shares the process's one compilation of
        // the built-in rules (parsed and compiled once: ~6 ms of a hook's run).
        let rules = if raw.rules.is_empty() && raw.disable.is_empty() {
            RuleSet::builtin()?
        } else {
            let mut builder = RuleSet::builder();
            builder.add_builtin()?;
            builder.add_rules(origin, text, raw.rules)?;
            let mut disabled = Vec::new();
            for id in raw.disable {
                if !builder.has_rule(id.get_ref()) {
                    return Err(at(
                        id.span(),
                        format!(
                            "disable: no rule has the id `{}` (see `keyhook rules`)",
                            id.get_ref()
                        ),
                    ));
                }
                disabled.push(id.get_ref().clone());
            }
            builder.disable(disabled);
            Arc::new(builder.build()?)
        };

        let mut allow_secrets = Vec::new();
        for re in &raw.allowlist.secrets {
            let compiled = crate::rules::compile_regex(re.get_ref())
                .map_err(|e| at(re.span(), format!("bad regex in allowlist.secrets: {e}")))?;
            allow_secrets.push(compiled);
        }
        let allow_paths = build_globs(&raw.allowlist.paths, "allowlist.paths", &at)?;
        build_globs(&raw.forbidden_files.add, "forbidden_files.add", &at)?;
        build_globs(&raw.forbidden_files.allow, "forbidden_files.allow", &at)?;
        let strings = |globs: &[Spanned<String>]| -> Vec<String> {
            globs.iter().map(|g| g.get_ref().clone()).collect()
        };
        let forbidden = ForbiddenFiles::new(
            &strings(&raw.forbidden_files.add),
            &strings(&raw.forbidden_files.allow),
        )
        .map_err(|e: PolicyError| at(0..0, e.to_string()))?;

        let timeout = raw
            .pre_receive
            .timeout
            .as_ref()
            .map_or(4.0, |t| *t.get_ref());
        if !(timeout > 0.0 && timeout <= 3600.0) {
            let span = raw.pre_receive.timeout.map_or(0..0, |t| t.span());
            return Err(at(
                span,
                "pre_receive.timeout must be between 0 and 3600 seconds".into(),
            ));
        }
        let mut scan = ScanOptions {
            allow_secrets,
            stopwords: raw.allowlist.stopwords,
            ..ScanOptions::default()
        };
        if let Some(max) = raw.max_file_size {
            scan.max_bytes = max;
        }
        Ok(Config {
            source: path.map(Path::to_path_buf),
            rules,
            scan,
            block_severity: raw.block_severity.unwrap_or(Severity::Medium),
            allow_paths,
            baseline: raw.baseline.map(|b| base.join(b)),
            gitignore: raw.gitignore.unwrap_or_default(),
            forbidden,
            pre_receive: PreReceiveConfig {
                timeout: Duration::from_secs_f64(timeout),
                on_error: raw.pre_receive.on_error.unwrap_or_default(),
                allow_push_option_bypass: raw.pre_receive.allow_push_option_bypass.unwrap_or(false),
                audit_log: raw.pre_receive.audit_log.map(|p| base.join(p)),
                verify: raw.pre_receive.verify.unwrap_or(false),
                inline_allow: raw.pre_receive.inline_allow.unwrap_or(false),
            },
        })
    }
}

impl ConfigError {
    /// This error with every key-shaped substring of its text redacted.
    pub fn redacted(self) -> ConfigError {
        use crate::engine::redact_string as r;
        match self {
            ConfigError::Invalid {
                mut path,
                line,
                column,
                mut message,
            } => {
                r(&mut path);
                r(&mut message);
                ConfigError::Invalid {
                    path,
                    line,
                    column,
                    message,
                }
            }
            ConfigError::Rule(rule) => ConfigError::Rule(rule.redacted()),
            other => other,
        }
    }
}

fn build_globs(
    globs: &[Spanned<String>],
    field: &str,
    at: &impl Fn(std::ops::Range<usize>, String) -> ConfigError,
) -> Result<globset::GlobSet, ConfigError> {
    let mut set = globset::GlobSetBuilder::new();
    for glob in globs {
        let compiled = crate::policy::path_glob(glob.get_ref())
            .map_err(|e| at(glob.span(), format!("bad glob in {field}: {e}")))?;
        set.add(compiled);
    }
    set.build()
        .map_err(|e| at(0..0, format!("cannot build {field}: {e}")))
}

/// Finds the config for a work tree or directory: `ROOT/keyhook.toml` if present.
pub fn discover(root: &Path) -> Option<PathBuf> {
    let candidate = root.join(CONFIG_FILE_NAME);
    candidate.is_file().then_some(candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(text, Path::new("keyhook.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn empty_config_is_the_default() {
        let c = parse("").unwrap();
        assert_eq!(c.block_severity, Severity::Medium);
        assert_eq!(c.pre_receive.on_error, OnError::Reject);
        assert_eq!(c.pre_receive.timeout, Duration::from_secs(4));
        assert!(
            !c.pre_receive.inline_allow,
            "servers ignore inline markers by default"
        );
        assert!(
            parse("[pre_receive]\ninline_allow = true\n")
                .unwrap()
                .pre_receive
                .inline_allow
        );
    }

    #[test]
    fn errors_point_at_the_spot() {
        let cases = [
            ("unknown key", "max_file_size = 10\nfrobnicate = 1\n", "keyhook.toml:2:1:"),
            ("bad type", "max_file_size = \"big\"\n", "keyhook.toml:1:17:"),
            ("bad glob", "[allowlist]\npaths = [\"a/**\", \"b/[\"]\n", "keyhook.toml:2:18: bad glob"),
            ("bad regex", "[allowlist]\nsecrets = [\"(\"]\n", "keyhook.toml:2:12: bad regex"),
            ("syntax", "gitignore = \n", "keyhook.toml:1:"),
            ("bad enum", "gitignore = \"sometimes\"\n", "keyhook.toml:1:13:"),
            ("unknown rule", "max_file_size = 1\ndisable = [\"groq-api-key\", \"nope\"]\n", "keyhook.toml:2:28: disable: no rule has the id `nope`"),
            (
                "bad rule regex",
                "\n[[rules]]\nid = \"mine\"\nprovider = \"Me\"\ndescription = \"d\"\nregex = \"(?P<secret>x\"\nkeywords = [\"xx\"]\nrevoke_url = \"u\"\nremediation = \"r\"\n",
                "keyhook.toml:2:1: rule `mine`: bad `regex`",
            ),
        ];
        for (name, text, expected) in cases {
            let err = parse(text).expect_err(name);
            assert!(err.contains(expected), "{name}: {err}");
        }
    }
}
