//! keyhook stops API keys — AI provider keys above all — from entering git history,
//! and finds the ones already there.
//!
//! The library is the engine behind the `keyhook` binary: [`rules`] (rules as data),
//! [`engine`] (bytes in, findings out), [`source`] (git states and files turned into
//! targets), [`verify`] (optional live checks of found keys), [`policy`]
//! (allowlists, baselines, forbidden files → a verdict) and [`report`] (text, JSON
//! and SARIF printers).
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
