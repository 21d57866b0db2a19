//! Engine throughput (single thread) on real source text and on keyword-dense text.
//!
//! Corpus: the Rust sources of the crates under `~/.cargo/registry/src` (real code,
//! up to 32 MiB), so the keyword prefilter sees realistic byte statistics. Run with
//! `cargo bench --bench engine`; criterion prints MiB/s per case.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use keyhook::engine::{ScanOptions, Scanner};
use keyhook::rules::RuleSet;

const CORPUS_LIMIT: usize = 32 << 20;

fn collect_sources(dir: &Path, out: &mut Vec<u8>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        if out.len() >= CORPUS_LIMIT {
            return;
        }
        let path = entry.path();
        if path.is_dir() {
            collect_sources(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e == "rs" || e == "toml" || e == "md")
        {
            if let Ok(bytes) = std::fs::read(&path) {
                out.extend_from_slice(&bytes);
            }
        }
    }
}

/// Real source text; falls back to synthetic code if the registry is empty.
fn source_corpus() -> Vec<u8> {
    let mut out = Vec::with_capacity(CORPUS_LIMIT);
    if let Some(home) = std::env::var_os("HOME") {
        collect_sources(&Path::new(&home).join(".cargo/registry/src"), &mut out);
    }
    while out.len() < 8 << 20 {
        out.extend_from_slice(b"fn handle(request: &Request) -> Result<Response, Error> {\n    let value = request.header(\"x-trace-id\").unwrap_or_default();\n    Ok(Response::new(value))\n}\n");
    }
    out
}

/// Text dense in keywords (sk-, aws, key=, token, AIza, T3BlbkFJ) with a few real-shaped keys.
fn keyword_dense_corpus() -> Vec<u8> {
    let mut out = Vec::with_capacity(8 << 20);
    let mut i = 0u64;
    while out.len() < 8 << 20 {
        i += 1;
        out.extend_from_slice(format!(
            "task-{i}: aws_region = \"us-east-1\"; api_key = get_key(\"sk-{i}\"); token = AIza_lookup({i}); desk-{i}\n"
        ).as_bytes());
        if i % 1000 == 0 {
            out.extend_from_slice(b"OPENAI_API_KEY=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\n");
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let rules = RuleSet::builtin().expect("rules");
    let scanner = Scanner::new(rules.clone(), ScanOptions::default());
    // The same rules without the decoded views: what the views cost, in one run.
    let raw_only = Scanner::new(
        rules,
        ScanOptions {
            decoded_views: false,
            ..ScanOptions::default()
        },
    );
    let mut group = c.benchmark_group("engine");
    group.sample_size(10);
    let source = source_corpus();
    let dense = keyword_dense_corpus();
    for (name, scanner, corpus) in [
        ("source-text", &scanner, &source),
        ("source-text-raw-only", &raw_only, &source),
        ("keyword-dense", &scanner, &dense),
        ("keyword-dense-raw-only", &raw_only, &dense),
    ] {
        group.throughput(Throughput::Bytes(corpus.len() as u64));
        group.bench_function(name, |b| b.iter(|| scanner.scan(corpus).findings.len()));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
