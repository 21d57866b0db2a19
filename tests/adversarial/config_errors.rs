//! A broken `keyhook.toml` never echoes a key and always names file, line and
//! column. Each case pastes a key where it does not belong (the usual way a key ends
//! up in a config) and checks the error: exit 2, `keyhook.toml:LINE:COLUMN`, and no
//! whole key on stderr or stdout.

use super::assert_no_key;
use crate::util::{fake_keys, openai_key, Dir};

/// Named fixtures: the config (`KEY` is replaced by a key) and where the error is.
const CASES: &[(&str, &str, &str)] = &[
    ("bad enum value", "gitignore = \"KEY\"\n", "keyhook.toml:1:13:"),
    (
        "unknown key",
        "max_file_size = 10\nKEY = 1\n",
        "keyhook.toml:2:1:",
    ),
    (
        "unknown key in a table",
        "[pre_receive]\ntimeout = 3.0\nKEY = true\n",
        "keyhook.toml:3:1:",
    ),
    ("bad type", "max_file_size = \"KEY\"\n", "keyhook.toml:1:17:"),
    (
        "bad glob",
        "[allowlist]\npaths = [\"src/**\", \"KEY/[\"]\n",
        "keyhook.toml:2:20: bad glob",
    ),
    (
        "bad forbidden glob",
        "[forbidden_files]\nadd = [\"KEY[\"]\n",
        "keyhook.toml:2:8: bad glob",
    ),
    (
        "unknown disable id",
        "disable = [\"groq-api-key\",\n  \"KEY\"]\n",
        "keyhook.toml:2:3: disable: no rule has the id",
    ),
    (
        "bad allowlist regex",
        "[allowlist]\nsecrets = [\"(KEY\"]\n",
        "keyhook.toml:2:12: bad regex",
    ),
    (
        "bad rule regex",
        "max_file_size = 10\n[[rules]]\nid = \"mine\"\nprovider = \"Me\"\ndescription = \"d\"\nregex = \"(?P<secret>KEY\"\nkeywords = [\"sk-\"]\nrevoke_url = \"u\"\nremediation = \"r\"\n",
        "keyhook.toml:2:1: rule `mine`: bad `regex`",
    ),
    (
        "bad rule id",
        "[[rules]]\nid = \"KEY\"\nprovider = \"Me\"\ndescription = \"d\"\nregex = \"(?P<secret>x)\"\nkeywords = [\"xx\"]\nrevoke_url = \"u\"\nremediation = \"r\"\n",
        "keyhook.toml:1:1: rule `",
    ),
    (
        "timeout out of range",
        "[pre_receive]\ntimeout = 99999.0 # KEY\n",
        "keyhook.toml:2:11: pre_receive.timeout",
    ),
];

#[test]
fn config_errors_name_the_spot_and_redact_keys() {
    let mut keys: Vec<String> = vec![openai_key(1200)];
    keys.extend(fake_keys().into_iter().map(|k| k.key));
    for (name, text, spot) in CASES {
        for key in &keys {
            let dir = Dir::new();
            dir.write("keyhook.toml", text.replace("KEY", key));
            let out = dir.keyhook(&["scan"]);
            out.code(2).stderr_has(spot);
            out.check(
                out.stderr.lines().count() <= 12,
                &format!("{name}: a short error"),
            );
            assert_no_key(&out.stderr, &[key]);
            assert_no_key(&out.stdout, &[key]);
        }
        let _ = name;
    }
}

#[test]
fn the_redacted_key_is_still_recognisable() {
    let key = openai_key(1201);
    let dir = Dir::new();
    dir.write("keyhook.toml", format!("gitignore = \"{key}\"\n"));
    let out = dir.keyhook(&["scan"]);
    out.code(2)
        .stderr_has(&crate::util::openai_redacted(&key))
        .stderr_has("unknown variant");
}

#[test]
fn a_huge_or_special_config_is_an_error() {
    let dir = Dir::new();
    dir.write("big.toml", format!("# {}\n", "x".repeat(2 * 1024 * 1024)));
    dir.keyhook(&["scan", "--config", "big.toml", "."])
        .code(2)
        .stderr_has("larger than 1048576 bytes");
    dir.mkdir("folder.toml");
    dir.keyhook(&["scan", "--config", "folder.toml", "."])
        .code(2)
        .stderr_has("not a regular file");
}
