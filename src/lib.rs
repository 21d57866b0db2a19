//! keyhook stops API keys — AI provider keys above all — from entering git history,
//! and finds the ones already there.
//!
//! The library is everything the `keyhook` binary does, without a terminal: the doors
//! ([`check`]) wire the layers below them — [`source`] (git states and files turned
//! into targets), [`engine`] (bytes in, findings out), [`policy`] (allowlists,
//! baselines, forbidden files → a [`policy::Verdict`]) — and [`report`] prints a
//! verdict as text, JSON or SARIF. [`rules`] are data; [`verify`] optionally asks
//! providers whether a found key is live. Every door takes a `Context` and
//! [`check::Options`], returns an [`check::Outcome`] and prints nothing.
//!
//! Scan bytes with the engine alone:
//!
//! ```
//! use keyhook::engine::{ScanOptions, Scanner};
//! use keyhook::rules::RuleSet;
//!
//! let rules = RuleSet::builtin().unwrap();
//! let scanner = Scanner::new(rules, ScanOptions::default());
//! let key = concat!("gsk_", "Jb4TQxPn7cLwD2mRZk8sWGdyb3FYvH5eN1uA3fK9oB6iMjXzEqYt");
//! let outcome = scanner.scan(format!("GROQ_API_KEY={key}\n").as_bytes());
//! let finding = &outcome.findings[0];
//! assert_eq!(scanner.rules().rule(finding.rule).id(), "groq-api-key");
//! assert_eq!(finding.redacted.to_string(), "gsk_…EqYt (56 chars)");
//! ```
//!
//! **pre-commit** — what is staged in the repository holding `dir`:
//!
//! ```no_run
//! # fn main() -> Result<(), keyhook::Error> {
//! use keyhook::check::{self, staged, Repo, Status};
//! # let dir = std::path::Path::new(".");
//! let repo = Repo::discover(dir)?;
//! let config = check::load_config(None, repo.root())?;
//! let policy = check::policy_for(None, &config)?;
//! let cx = staged::Context { repo: &repo, config: &config, policy: &policy, files: &[], cwd: dir };
//! let outcome = staged::check(&cx, &check::Options::default())?;
//! if outcome.status() == Status::Blocked { /* refuse the commit */ }
//! # Ok(()) }
//! ```
//!
//! **pre-receive** — a server's check of a push (git's stdin, the server's config):
//!
//! ```no_run
//! # fn main() -> Result<(), keyhook::Error> {
//! use keyhook::check::{self, receive, Repo};
//! let repo = Repo::open(std::path::Path::new("/srv/git/app.git"))?;
//! let config = check::server_config(None, &repo)?;
//! let updates = receive::parse_updates(std::io::stdin().lock(), &repo)?;
//! let cx = receive::Context { repo: &repo, config: &config, baseline: None, updates, push_options: receive::push_options() };
//! let received = receive::check(cx, &receive::Options::default())?;
//! let accept = matches!(received.decision, receive::Decision::Accept);
//! # let _ = accept; Ok(()) }
//! ```
//!
//! **audit** — every blob of the history once, each key at its oldest commit:
//!
//! ```no_run
//! # fn main() -> Result<(), keyhook::Error> {
//! use keyhook::check::{self, history, Repo};
//! let repo = Repo::discover(std::path::Path::new("."))?;
//! let config = check::load_config(None, repo.root())?;
//! let policy = check::policy_for(None, &config)?;
//! let cx = history::Context {
//!     repo: &repo, config: &config, policy: &policy, refs: &[], since: None,
//!     include_unreachable: false, all_occurrences: false, baseline_out: None,
//! };
//! for r in &history::check(&cx, &check::Options::default())?.verdict.findings {
//!     println!("{} {} {}", r.path, r.finding.line, r.finding.redacted);
//! }
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod check;
pub mod config;
pub mod engine;
pub mod error;
pub mod policy;
pub mod report;
pub mod rules;
pub mod source;
pub mod verify;

pub use error::Error;
