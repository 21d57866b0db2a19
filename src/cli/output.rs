//! Printing a door's [`Outcome`]: the format, the writer (`--output` or stdout),
//! colour, and a deadline for servers whose client stopped reading.

use std::io::{IsTerminal, Write};

use keyhook::check::{Outcome, Status};
use keyhook::report::{self, ReportContext};
use keyhook::Error;

use super::{ColorArg, Globals};

/// Prints a door's verdict in the chosen format and returns its status. The status
/// is the verdict's: a closed or failing output ends the writing, never the decision
/// (`keyhook scan | head -1` over a key still exits 1).
pub fn print(globals: &Globals, run: &Outcome) -> Result<Status, Error> {
    print_within(globals, run, Vec::new(), None)
}

/// [`print`], then `after` on stderr, all of it given up after `deadline` (a git
/// server's client may stop reading: the hook must still end within its budget).
pub fn print_within(
    globals: &Globals,
    run: &Outcome,
    after: Vec<String>,
    deadline: Option<std::time::Duration>,
) -> Result<Status, Error> {
    let mut out = Output::open(globals)?;
    let context = ReportContext {
        mode: run.mode,
        rules: &run.rules,
        color: out.color,
        // The pre-commit framework sets PRE_COMMIT=1 for every hook it runs
        // (pre_commit/commands/run.py).
        framework: std::env::var_os("PRE_COMMIT").is_some_and(|v| v == "1"),
        detail: globals.detail(),
    };
    let mut rendered = Vec::new();
    report::write(globals.format.into(), &run.verdict, &context, &mut rendered).map_err(
        |source| Error::Io {
            path: "<report>".into(),
            source,
        },
    )?;
    let write = move || {
        // A write error (a closed pipe, a full disk) only ends the writing.
        let _ = out
            .writer
            .write_all(&rendered)
            .and_then(|()| out.writer.flush());
        for line in after {
            say(&line);
        }
    };
    match deadline {
        None => write(),
        Some(deadline) => {
            let (done, wait) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                write();
                let _ = done.send(());
            });
            // On timeout the writer thread is left blocked; the process exits with
            // the verdict's code.
            let _ = wait.recv_timeout(deadline);
        }
    }
    Ok(run.status())
}

/// Writes one line to stdout; a closed stdout is ignored (never a panic).
pub fn tell(line: &str) {
    let _ = writeln!(std::io::stdout(), "{line}");
}

/// Writes one line to stderr, redacted (an error or a decision may quote a path, a
/// ref name or a config value); a closed stderr is ignored (never a panic).
pub fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{}", keyhook::engine::redact_text(line));
}

/// Where the report goes, and whether to colour it.
pub struct Output {
    /// The writer.
    pub writer: Box<dyn Write + Send>,
    /// Colour text.
    pub color: bool,
}

impl Output {
    /// Opens `--output FILE` or standard output.
    pub fn open(globals: &Globals) -> Result<Output, Error> {
        let (writer, terminal): (Box<dyn Write + Send>, bool) = match &globals.output {
            Some(path) => {
                let file = std::fs::File::create(path).map_err(|source| Error::Io {
                    path: path.clone(),
                    source,
                })?;
                (Box::new(std::io::BufWriter::new(file)), false)
            }
            None => (
                Box::new(std::io::BufWriter::new(std::io::stdout())),
                std::io::stdout().is_terminal(),
            ),
        };
        let color = match globals.color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        };
        Ok(Output { writer, color })
    }
}
