//! Using keyhook as a library: build the rule set, scan bytes, print redacted findings.
//!
//! Run with `cargo run --example library -- FILE…`.

use keyhook::engine::{ScanOptions, Scanner};
use keyhook::rules::RuleSet;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rules = RuleSet::builtin()?;
    let scanner = Scanner::new(rules, ScanOptions::default());
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path)?;
        let outcome = scanner.scan(&bytes);
        for finding in &outcome.findings {
            let rule = scanner.rules().rule(finding.rule);
            println!(
                "{path}:{}:{}: {} ({}) {}",
                finding.line,
                finding.column,
                rule.id(),
                rule.provider(),
                finding.redacted
            );
        }
        if let Some(reason) = outcome.skipped {
            println!("{path}: skipped ({reason:?})");
        }
    }
    Ok(())
}
