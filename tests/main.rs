//! keyhook's integration tests: one test binary (it links once), one module per door.
//! Every test runs the real `keyhook` binary in a temporary directory with a clean
//! environment (see `util`).
//!
//! Cargo.toml sets `autotests = false` and names this file the only test binary (as
//! ripgrep does), so modules may be flat files or folders.

mod util;

mod adversarial;
mod agreement;
mod audit;
mod config;
mod decoded;
mod pre_commit;
mod pre_receive;
mod redaction;
mod rules;
mod scan;
mod verify;
