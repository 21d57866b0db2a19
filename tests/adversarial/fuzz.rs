//! A bounded fuzz loop (a fixed seed, a fixed number of cases, run by every
//! `cargo test`): the pre-receive stdin parser, the config parser and the engine get
//! random and mutated input built around real key shapes. None may panic, and no
//! full key may reach any output — reports in every format, error messages.

use std::process::{Command, Stdio};

use crate::util::{clean_env, openai_key, Dir, Rng, KEYHOOK};

use super::assert_no_key;

/// How many cases each target gets (each runs the real binary).
const CASES: u64 = 24;

/// Pieces random inputs are built from: syntax of each input, key shapes, bytes
/// that break naive parsers.
const PIECES: &[&str] = &[
    " ",
    "\n",
    "\t",
    "\r\n",
    "\0",
    "=",
    "\"",
    "'",
    "[",
    "]",
    "{",
    "}",
    "#",
    "//",
    "keyhook:allow",
    "%3D",
    "Bearer ",
    "refs/heads/",
    "0000000000000000000000000000000000000000",
    "[pre_receive]\n",
    "timeout = ",
    "on_error = ",
    "[[rules]]\n",
    "id = ",
    "regex = ",
    "disable = [",
    "[allowlist]\n",
    "paths = [",
    "max_file_size = ",
    "\u{feff}",
    "\u{202e}",
    "\u{ff}",
    "OPENAI_API_KEY=",
    "data:\n  K: ",
];

/// One random input: pieces, random bytes and one or two whole keys.
fn input(rng: &mut Rng, keys: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    let parts = 4 + rng.next_u64() % 24;
    for _ in 0..parts {
        match rng.next_u64() % 6 {
            0 => out
                .extend_from_slice(keys[(rng.next_u64() % keys.len() as u64) as usize].as_bytes()),
            1 => {
                let n = rng.next_u64() % 16;
                out.extend((0..n).map(|_| rng.next_u64() as u8));
            }
            _ => out.extend_from_slice(
                PIECES[(rng.next_u64() % PIECES.len() as u64) as usize].as_bytes(),
            ),
        }
    }
    out
}

/// Runs keyhook with `args` in `cwd`, `stdin` fed; returns (code, stdout + stderr).
fn run(
    cwd: &std::path::Path,
    home: &std::path::Path,
    args: &[&str],
    stdin: &[u8],
) -> (i32, String) {
    let mut cmd = Command::new(KEYHOOK);
    clean_env(&mut cmd, home);
    let mut child = cmd
        .current_dir(cwd)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    let bytes = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        use std::io::Write as _;
        let _ = pipe.write_all(&bytes);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[track_caller]
fn assert_sane(what: &str, code: i32, output: &str, keys: &[String]) {
    assert!(
        [0, 1, 2, 3].contains(&code),
        "{what}: exit {code} is not a documented code (a panic exits 101)\n{output}"
    );
    assert!(!output.contains("panicked"), "{what}: panic\n{output}");
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    assert_no_key(output, &keys);
}

#[test]
fn random_hook_input_configs_and_content_never_panic_or_print_a_key() {
    let mut rng = Rng::new(0x6675_7a7a);
    let keys = [openai_key(4000), openai_key(4001)]
        .map(|k| k.to_string())
        .to_vec();
    let dir = Dir::new();
    dir.git(&["init", "-q", "--bare", "server.git"]);
    let server = dir.join("server.git");
    for case in 0..CASES {
        // The pre-receive stdin parser.
        let stdin = input(&mut rng, &keys);
        let (code, out) = run(&server, dir.home(), &["pre-receive"], &stdin);
        assert_sane(&format!("pre-receive stdin case {case}"), code, &out, &keys);

        // The config parser, in every format (errors go to stderr).
        let config = input(&mut rng, &keys);
        std::fs::write(dir.join("fuzz.toml"), &config).unwrap();
        for format in ["text", "json", "sarif"] {
            let (code, out) = run(
                dir.path(),
                dir.home(),
                &["--config", "fuzz.toml", "--format", format, "scan", "-"],
                b"nothing\n",
            );
            assert_sane(&format!("config case {case} ({format})"), code, &out, &keys);
        }

        // The engine, on content, in every format.
        let content = input(&mut rng, &keys);
        for format in ["text", "json", "sarif"] {
            let (code, out) = run(
                dir.path(),
                dir.home(),
                &["--format", format, "scan", "-"],
                &content,
            );
            assert_sane(
                &format!("content case {case} ({format})"),
                code,
                &out,
                &keys,
            );
        }
    }
}
