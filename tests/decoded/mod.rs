//! Keys hidden by an encoding, an archive or a binary file (issue 11): one fixture
//! per decoded view, each run through `scan`, `pre-commit` (staged) and
//! `pre-receive` (a real push). Each asserts the key is found with the right
//! `encoding` (and archive `member`), blocks, and is never printed whole.

use std::io::Write as _;

use base64::Engine as _;
use serde_json::Value;

use crate::pre_receive::support::World;
use crate::util::{openai_key, Dir};

/// A fixture: a file's name, its bytes, the key in it, the encoding and member
/// keyhook must report.
struct Case {
    name: &'static str,
    path: &'static str,
    bytes: Vec<u8>,
    key: String,
    encoding: &'static str,
    member: Option<&'static str>,
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn zip(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in members {
        out.start_file(*name, options).unwrap();
        out.write_all(bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn tar_gz(members: &[(&str, &[u8])]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    for (name, bytes) in members {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, name, *bytes).unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap()
}

fn utf16(text: &str, little: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if bom {
        out.extend_from_slice(if little { &[0xFF, 0xFE] } else { &[0xFE, 0xFF] });
    }
    for unit in text.encode_utf16() {
        out.extend_from_slice(&if little {
            unit.to_le_bytes()
        } else {
            unit.to_be_bytes()
        });
    }
    out
}

fn cases() -> Vec<Case> {
    let key = |seed: u64| openai_key(6000 + seed);
    let mut cases = Vec::new();
    let k = key(1);
    cases.push(Case {
        name: "percent",
        path: "notes/request.log",
        bytes: format!("GET /v1/models?api_key%3D{}&x=1\n", k.replace('-', "%2D")).into_bytes(),
        key: k,
        encoding: "percent",
        member: None,
    });
    let k = key(2);
    cases.push(Case {
        name: "base64",
        path: "deploy/values.txt",
        bytes: format!("ENV_FILE: {}\n", b64(format!("OPENAI_API_KEY={k}\n"))).into_bytes(),
        key: k,
        encoding: "base64",
        member: None,
    });
    let k = key(3);
    cases.push(Case {
        name: "double base64",
        path: "deploy/double.txt",
        bytes: format!("blob = \"{}\"\n", b64(b64(format!("OPENAI_API_KEY={k}\n")))).into_bytes(),
        key: k,
        encoding: "base64",
        member: None,
    });
    let k = key(4);
    cases.push(Case {
        name: "UTF-16 LE with BOM",
        path: "win/settings.ini",
        bytes: utf16(&format!("[openai]\r\nOPENAI_API_KEY={k}\r\n"), true, true),
        key: k,
        encoding: "utf16",
        member: None,
    });
    let k = key(5);
    cases.push(Case {
        name: "UTF-16 BE",
        path: "win/env.txt",
        bytes: utf16(&format!("OPENAI_API_KEY={k}\n"), false, false),
        key: k,
        encoding: "utf16",
        member: None,
    });
    let k = key(6);
    let mut pyc = b"\x55\x0d\x0d\x0a\0\0\0\0\xe3\0\0\0".to_vec();
    pyc.extend_from_slice(format!("OPENAI_API_KEY={k}").as_bytes());
    pyc.extend_from_slice(b"\0\0\x01\x02\x03");
    cases.push(Case {
        name: "a key between NUL bytes",
        path: "__pycache__/app.cpython-312.pyc",
        bytes: pyc,
        key: k,
        encoding: "strings",
        member: None,
    });
    let k = key(7);
    cases.push(Case {
        name: "zip",
        path: "dist/bundle.zip",
        bytes: zip(&[
            ("README.txt", b"hello\n"),
            ("config/.env", format!("OPENAI_API_KEY={k}\n").as_bytes()),
        ]),
        key: k,
        encoding: "zip",
        member: Some("config/.env"),
    });
    let k = key(8);
    cases.push(Case {
        name: "tar.gz",
        path: "backup/site.tar.gz",
        bytes: tar_gz(&[(
            "site/settings.py",
            format!("OPENAI_API_KEY = \"{k}\"\n").as_bytes(),
        )]),
        key: k,
        encoding: "tar",
        member: Some("site/settings.py"),
    });
    let k = key(9);
    let inner = zip(&[("app.properties", format!("openai.key={k}\n").as_bytes())]);
    cases.push(Case {
        name: "a nested archive at the depth cap",
        path: "lib/outer.jar",
        bytes: zip(&[("META-INF/MANIFEST.MF", b"x\n"), ("lib/inner.jar", &inner)]),
        key: k,
        encoding: "zip",
        member: Some("lib/inner.jar!app.properties"),
    });
    cases
}

/// The one finding of `report` for `case`'s key, checked.
#[track_caller]
fn assert_found(door: &str, case: &Case, report: &Value, raw: &str) {
    assert!(
        !raw.contains(&case.key),
        "{door} / {}: the key is printed whole\n{raw}",
        case.name
    );
    let found: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["fingerprint"] == crate::util::fingerprint(&case.key).as_str())
        .collect();
    let [f] = found.as_slice() else {
        panic!(
            "{door} / {}: one finding for the key\n{report:#}",
            case.name
        )
    };
    assert_eq!(
        f["encoding"], case.encoding,
        "{door} / {}\n{f:#}",
        case.name
    );
    assert_eq!(f["path"], case.path, "{door} / {}\n{f:#}", case.name);
    assert_eq!(
        f["member"].as_str(),
        case.member,
        "{door} / {}\n{f:#}",
        case.name
    );
    assert_eq!(f["blocking"], true, "{door} / {}\n{f:#}", case.name);
}

#[test]
fn each_decoded_view_is_found_by_scan_and_pre_commit() {
    for case in cases() {
        let dir = Dir::new();
        dir.git(&["init", "-q"]);
        dir.write(case.path, &case.bytes);
        let out = dir.keyhook(&["--format", "json", "scan", "."]);
        assert_eq!(out.code, 1, "scan / {}\n{out}", case.name);
        assert_found("scan", &case, &out.json(), &out.stdout);
        let text = dir.keyhook(&["scan", "."]);
        assert!(
            !text.stdout.contains(&case.key),
            "{}: text\n{text}",
            case.name
        );

        dir.git(&["add", "-A"]);
        let out = dir.keyhook(&["--format", "json", "pre-commit"]);
        assert_eq!(out.code, 1, "pre-commit / {}\n{out}", case.name);
        assert_found("pre-commit", &case, &out.json(), &out.stdout);
    }
}

#[test]
fn each_decoded_view_is_found_by_pre_receive() {
    for case in cases() {
        let w = World::new();
        let report = w.root.join("report.json");
        let hook = w.server.join("hooks/pre-receive");
        std::fs::write(
            &hook,
            format!(
                "#!/bin/sh\nexec '{}' --format json --output '{}' pre-receive\n",
                env!("CARGO_BIN_EXE_keyhook"),
                report.display()
            ),
        )
        .unwrap();
        let path = w.client.join(case.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &case.bytes).unwrap();
        w.git(&["add", "-A"]);
        w.git(&["commit", "-q", "-m", case.name]);
        w.push(&["origin", "main"]).assert_rejected();
        let text = std::fs::read_to_string(&report).unwrap();
        assert_found(
            "pre-receive",
            &case,
            &serde_json::from_str(&text).unwrap(),
            &text,
        );
    }
}

#[test]
fn a_zip_bomb_is_refused_and_counted_never_expanded() {
    let dir = Dir::new();
    let block = vec![b'0'; 1024 * 1024];
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    out.start_file("zeros.txt", options).unwrap();
    for _ in 0..40 {
        out.write_all(&block).unwrap();
    }
    let bomb = out.finish().unwrap().into_inner();
    assert!(bomb.len() < 200_000, "a small file that expands to 40 MiB");
    dir.write("bomb.zip", &bomb);
    let out = dir.keyhook(&["--format", "json", "scan", "."]);
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(
        out.json()["summary"]["skipped"]["archive-limit"],
        1,
        "{out}"
    );
}
