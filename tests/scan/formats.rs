//! Keys in the file formats they are really committed in, each found at the right
//! line and column (1-based, in characters), scanned in one run.

use base64::Engine as _;

use crate::util::{findings, openai_key, openai_redacted, Dir};

/// One fixture: a file holding one key, and where the key must be reported.
struct Case {
    name: &'static str,
    path: &'static str,
    content: String,
    line: usize,
    column: usize,
    encoding: Option<&'static str>,
}

fn case(name: &'static str, path: &'static str, content: String, at: (usize, usize)) -> Case {
    Case {
        name,
        path,
        content,
        line: at.0,
        column: at.1,
        encoding: None,
    }
}

fn cases(key: impl Fn(u64) -> String) -> Vec<(String, Case)> {
    let minified_prefix = "!function(e){var t={};".repeat(10_000); // 220,000 chars
    let k = |seed: u64| key(seed);
    let mut out = Vec::new();
    let mut add = |seed: u64, make: &dyn Fn(&str) -> Case| {
        let secret = k(seed);
        out.push((secret.clone(), make(&secret)));
    };
    add(100, &|s| {
        case(
            ".env",
            ".env",
            format!("# local settings\nOPENAI_API_KEY={s}\nDEBUG=1\n"),
            (2, 16),
        )
    });
    add(101, &|s| {
        case(
            "JSON",
            "config/settings.json",
            format!("{{\n  \"openai\": {{\n    \"api_key\": \"{s}\"\n  }}\n}}\n"),
            (3, 17),
        )
    });
    add(102, &|s| {
        case(
            "YAML",
            "config/app.yaml",
            format!("openai:\n  api_key: {s}\n  model: gpt-4o\n"),
            (2, 12),
        )
    });
    add(103, &|s| {
        case(
            "XML",
            "web.config",
            format!("<?xml version=\"1.0\"?>\n<configuration>\n  <add key=\"OpenAIKey\" value=\"{s}\"/>\n</configuration>\n"),
            (3, 31),
        )
    });
    add(104, &|s| {
        case(
            "CSV",
            "data/keys.csv",
            format!("name,provider,key\nprod,openai,{s}\n"),
            (2, 13),
        )
    });
    add(105, &|s| {
        case(
            "INI",
            "setup.cfg",
            format!("[openai]\napi_key = {s}\n"),
            (2, 11),
        )
    });
    add(106, &|s| {
        case(
            "TOML",
            "pyproject.toml",
            format!("[tool.app]\nname = \"x\"\nopenai_key = \"{s}\"\n"),
            (3, 15),
        )
    });
    add(107, &|s| {
        case(
            "URL query string",
            "links.txt",
            format!("see https://gateway.internal/v1/chat?key={s}&x=1 for details\n"),
            (1, 42),
        )
    });
    add(108, &|s| {
        case(
            "curl header",
            "scripts/models.sh",
            format!("#!/bin/sh\ncurl https://api.openai.com/v1/models \\\n  -H \"Authorization: Bearer {s}\"\n"),
            (3, 29),
        )
    });
    add(109, &|s| {
        case(
            "Jupyter notebook",
            "notebooks/demo.ipynb",
            format!(
                "{{\n \"cells\": [\n  {{\n   \"cell_type\": \"code\",\n   \"execution_count\": 1,\n   \"metadata\": {{}},\n   \"outputs\": [],\n   \"source\": [\n    \"import openai\\n\",\n    \"openai.api_key = \\\"{s}\\\"\\n\"\n   ]\n  }}\n ],\n \"metadata\": {{}},\n \"nbformat\": 4,\n \"nbformat_minor\": 5\n}}\n"
            ),
            (10, 25),
        )
    });
    add(110, &|s| {
        case(
            "minified JavaScript on one long line",
            "dist/app.min.js",
            format!("{minified_prefix}const k=\"{s}\";{minified_prefix}"),
            (1, minified_prefix.len() + 10),
        )
    });
    add(111, &|s| {
        case(
            "SQL",
            "db/seed.sql",
            format!(
                "-- seed data\nINSERT INTO settings (name, value) VALUES ('openai_key', '{s}');\n"
            ),
            (2, 59),
        )
    });
    add(112, &|s| {
        let encoded = base64::engine::general_purpose::STANDARD.encode(s);
        Case {
            encoding: Some("base64"),
            ..case(
                "Kubernetes Secret (base64 data)",
                "k8s/secret.yaml",
                format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: openai\ntype: Opaque\ndata:\n  OPENAI_API_KEY: {encoded}\n"),
                (7, 19),
            )
        }
    });
    out
}

#[test]
fn keys_are_found_at_the_right_place_in_many_formats() {
    let cases = cases(openai_key);
    let dir = Dir::new();
    for (_, c) in &cases {
        dir.write(c.path, &c.content);
    }
    let out = dir.keyhook(&["scan", "--format", "json"]);
    out.code(1);
    let report = out.json();
    let found = findings(&report);
    let mut failures = Vec::new();
    for (key, c) in &cases {
        out.stdout_lacks(key);
        let hits: Vec<_> = found.iter().filter(|f| f["path"] == c.path).collect();
        let [hit] = hits.as_slice() else {
            failures.push(format!("{}: {} findings in {}", c.name, hits.len(), c.path));
            continue;
        };
        let actual = (
            hit["line"].as_u64().unwrap() as usize,
            hit["column"].as_u64().unwrap() as usize,
            hit["end_line"].as_u64().unwrap() as usize,
        );
        if actual != (c.line, c.column, c.line) {
            failures.push(format!(
                "{}: at {actual:?}, expected {:?}",
                c.name,
                (c.line, c.column, c.line)
            ));
        }
        if hit["rule"] != "openai-project-key" || hit["redacted"] != openai_redacted(key).as_str() {
            failures.push(format!("{}: wrong rule or redaction: {hit}", c.name));
        }
        if hit["encoding"].as_str() != c.encoding {
            failures.push(format!(
                "{}: encoding {}, expected {:?}",
                c.name, hit["encoding"], c.encoding
            ));
        }
        let fingerprint = keyhook::engine::Fingerprint::of(key.as_bytes());
        if hit["fingerprint"] != fingerprint.as_str() {
            failures.push(format!("{}: fingerprint is not the key's SHA-256", c.name));
        }
    }
    assert!(failures.is_empty(), "{}\n{out}", failures.join("\n"));
    assert_eq!(found.len(), cases.len(), "{out}");
    assert_eq!(report["summary"]["scanned"], cases.len(), "{out}");
}

/// The expected positions above are typed by hand; this keeps them honest.
#[test]
fn expected_positions_match_the_fixtures() {
    for (key, c) in cases(openai_key) {
        if c.encoding.is_none() {
            assert_eq!(
                crate::util::position_of(&c.content, &key),
                (c.line, c.column),
                "{}",
                c.name
            );
        }
    }
}
