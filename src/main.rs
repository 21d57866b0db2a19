//! The `keyhook` binary: parse, run one command, map the result to an exit code.

mod cli;

use clap::Parser;

fn main() {
    let cli = cli::Cli::parse();
    let code = exit_code(cli::run(cli));
    std::process::exit(code);
}

/// The one place results become exit codes: `0` clean, `1` blocked, `2` usage or
/// configuration error, `3` I/O, git or internal error. A closed pipe on stdout
/// (`keyhook scan | head`) is not an error.
fn exit_code(result: Result<keyhook::check::Status, keyhook::Error>) -> i32 {
    match result {
        Ok(status) => cli::exit_code(status),
        Err(keyhook::Error::Io { source, .. })
            if source.kind() == std::io::ErrorKind::BrokenPipe =>
        {
            0
        }
        Err(err) => {
            cli::say(&format!("keyhook: error: {err}"));
            err.exit_code()
        }
    }
}
