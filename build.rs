//! Turns the built-in rule files into JSON at build time, without their
//! `examples` and `negative_examples` (60 % of the catalog): parsing the TOML was
//! most of every hook's start-up (~2 ms of CPU), reading the JSON costs ~0.3 ms.
//! Each rule keeps the line and column where its `[[rules]]` table starts in its
//! file, for error messages. The TOML stays the source: `keyhook rules --check` and
//! the test suite parse it (with the examples) at run time, and a unit test checks
//! that both give the same rules.

use std::collections::BTreeMap;
use std::path::Path;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    rules: Vec<toml::Spanned<toml::Table>>,
}

#[derive(serde::Serialize)]
struct Located {
    line: usize,
    column: usize,
    rule: toml::Table,
}

fn main() {
    let dir = Path::new("src/rules/builtin");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("src/rules/builtin") {
        let path = entry.expect("a rule file").path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).expect("a UTF-8 rule file");
        let file: RuleFile =
            toml::from_str(&text).unwrap_or_else(|e| panic!("src/rules/builtin/{name}: {e}"));
        let rules: Vec<Located> = file
            .rules
            .into_iter()
            .map(|spanned| {
                let (line, column) = line_column(&text, spanned.span().start);
                let mut rule = spanned.into_inner();
                rule.remove("examples");
                rule.remove("negative_examples");
                Located { line, column, rule }
            })
            .collect();
        files.insert(name, rules);
    }
    let out = Path::new(&std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("builtin-rules.json");
    std::fs::write(out, serde_json::to_string(&files).expect("JSON")).expect("write OUT_DIR");
}

/// 1-based line and column (in characters) of byte offset `at` in `text`.
fn line_column(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}
