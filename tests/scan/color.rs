//! `--color auto|always|never` and `NO_COLOR`.

use std::process::Command;

use crate::util::{clean_env, has_ansi, openai_key, openai_redacted, Dir, KEYHOOK};

fn project() -> (Dir, String) {
    let key = openai_key(20);
    let dir = Dir::new();
    dir.write("app.py", format!("KEY = \"{key}\"\n"));
    (dir, key)
}

#[test]
fn color_always_emits_ansi_escapes_even_into_a_pipe() {
    let (dir, key) = project();
    let out = dir.keyhook(&["scan", "--color", "always"]);
    out.code(1).stdout_lacks(&key);
    out.check(has_ansi(&out.stdout), "--color always should colour");
    // Colour wraps the pieces, it does not change them.
    let plain = strip_ansi(&out.stdout);
    assert!(plain.contains(&openai_redacted(&key)), "{plain}");
}

#[test]
fn color_never_and_auto_into_a_pipe_emit_none() {
    let (dir, _) = project();
    for args in [
        &["scan", "--color", "never"][..],
        &["scan", "--color", "auto"],
        &["scan"],
    ] {
        let out = dir.command(args).env_remove("NO_COLOR").run();
        out.code(1);
        out.check(!has_ansi(&out.stdout), "no colour expected");
        out.check(!has_ansi(&out.stderr), "no colour expected on stderr");
    }
    // JSON is never coloured.
    let out = dir.keyhook(&["scan", "--format", "json", "--color", "always"]);
    out.code(1);
    out.check(!has_ansi(&out.stdout), "JSON must not be coloured");
}

/// `auto` colours a terminal unless NO_COLOR is set. A pipe is never a terminal, so
/// this runs keyhook under `script(1)`, which gives it a pseudo-terminal.
#[test]
fn color_auto_on_a_terminal_honours_no_color() {
    let (dir, key) = project();
    let run = |no_color: Option<&str>| {
        let mut cmd = Command::new("script");
        clean_env(&mut cmd, dir.home());
        cmd.env_remove("NO_COLOR");
        if let Some(value) = no_color {
            cmd.env("NO_COLOR", value);
        }
        let inner = format!("'{KEYHOOK}' scan --color auto app.py");
        let out = cmd
            .current_dir(dir.path())
            .args(["-qec", &inner, "/dev/null"])
            .output()
            .expect("script(1) from util-linux is needed for this test");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let report = format!(
            "NO_COLOR={no_color:?} exit {:?}\n--- stdout ---\n{stdout}\n--- stderr ---\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(1), "{report}");
        assert!(!stdout.contains(&key), "{report}");
        (stdout, report)
    };
    let (stdout, report) = run(None);
    assert!(
        has_ansi(&stdout),
        "a terminal without NO_COLOR gets colour\n{report}"
    );
    let (stdout, report) = run(Some("1"));
    assert!(!has_ansi(&stdout), "NO_COLOR=1 turns colour off\n{report}");
    // NO_COLOR only counts when non-empty (no-color.org).
    let (stdout, report) = run(Some(""));
    assert!(has_ansi(&stdout), "an empty NO_COLOR is ignored\n{report}");
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ parameters final-byte.
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
