//! Context words for rules whose keys have no prefix (`context` in a rule file): one
//! of the words must stand on the match's own line, before or after the key, or on a
//! section header that encloses it a few lines up. Names are compared as people
//! write them: case- and separator-insensitively (`MISTRAL_API_KEY`, `mistralApiKey`,
//! `mistral-api-key`, `mistral.api_key` all hold `mistral`), and a word must start a
//! name part (`DISCO_API_KEY` does not hold `co_api_key`).

use std::ops::Range;

/// Bytes of a line looked at on each side of the match (minified files have long lines).
const LINE_REACH: usize = 512;

/// True when one of `words` (normalized: lower case, no separators) names the match
/// at `span` of `bytes`, on its line or on an enclosing section header at most
/// `lines_up` lines above.
pub(crate) fn names_match(
    bytes: &[u8],
    span: &Range<usize>,
    words: &[Vec<u8>],
    lines_up: usize,
) -> bool {
    let line_start = line_start(bytes, span.start);
    let line_end = memchr::memchr(b'\n', &bytes[span.end..]).map_or(bytes.len(), |i| span.end + i);
    let from = line_start.max(span.start.saturating_sub(LINE_REACH));
    let to = line_end.min(span.end + LINE_REACH);
    if holds_word(&bytes[from..to], words) {
        return true;
    }
    // Enclosing sections: lines above with less indentation (YAML, JSON, code) or a
    // `[section]` header (TOML, INI), nearest first.
    let mut indent = indentation(&bytes[line_start..line_end]);
    let mut end = line_start;
    for _ in 0..lines_up {
        if end == 0 {
            break;
        }
        let start = self::line_start(bytes, end - 1);
        let line = &bytes[start..end - 1];
        end = start;
        let trimmed = line.trim_ascii();
        if trimmed.is_empty() {
            continue;
        }
        let line_indent = indentation(line);
        let header = trimmed.starts_with(b"[") && trimmed.ends_with(b"]");
        if line_indent < indent || header {
            if holds_word(&line[..line.len().min(LINE_REACH)], words) {
                return true;
            }
            if header || line_indent == 0 {
                break;
            }
            indent = line_indent;
        }
    }
    false
}

fn line_start(bytes: &[u8], at: usize) -> usize {
    memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1)
}

fn indentation(line: &[u8]) -> usize {
    line.iter()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count()
}

/// True when `text`, lower-cased with `_` `-` `.` removed, holds one of `words`
/// starting at the start of a name part: after a non-alphanumeric byte, at a
/// lower-to-upper case change (`myMistralKey`), or at the start of `text`.
fn holds_word(text: &[u8], words: &[Vec<u8>]) -> bool {
    let mut normalized = Vec::with_capacity(text.len());
    let mut starts = Vec::with_capacity(text.len());
    let mut previous: Option<u8> = None;
    let mut after_separator = true;
    for &b in text {
        if b"_-.".contains(&b) {
            after_separator = true;
            previous = Some(b);
            continue;
        }
        let part_start = after_separator
            || !previous.is_some_and(|p| p.is_ascii_alphanumeric())
            || (b.is_ascii_uppercase() && previous.is_some_and(|p| p.is_ascii_lowercase()));
        normalized.push(b.to_ascii_lowercase());
        starts.push(part_start);
        after_separator = false;
        previous = Some(b);
    }
    words
        .iter()
        .any(|word| memchr::memmem::find_iter(&normalized, word).any(|at| starts[at]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Vec<Vec<u8>> {
        list.iter()
            .map(|w| crate::rules::normalized_name(w.as_bytes()))
            .collect()
    }

    fn named(text: &str, key: &str, list: &[&str]) -> bool {
        let at = text.find(key).expect("key in text");
        names_match(text.as_bytes(), &(at..at + key.len()), &words(list), 6)
    }

    #[test]
    fn names_as_people_write_them() {
        let k = "KEYKEYKEY";
        for text in [
            "MISTRAL_API_KEY=KEYKEYKEY",
            "mistralApiKey = \"KEYKEYKEY\"",
            "MistralApiKey: KEYKEYKEY",
            "mistral-api-key: KEYKEYKEY",
            "mistral.api_key = 'KEYKEYKEY'",
            "api_key = \"KEYKEYKEY\"  # mistral",
            "os.getenv(\"MISTRAL_API_KEY\", \"KEYKEYKEY\")",
            "mistral:\n  api_key: KEYKEYKEY\n",
            "[mistral]\nmodel = \"mistral-large\"\napi_key = \"KEYKEYKEY\"\n",
            "{\n  \"mistral\": {\n    \"model\": \"m\",\n    \"api_key\": \"KEYKEYKEY\"\n  }\n}\n",
            "llm:\n  mistral:\n    options:\n      api_key: KEYKEYKEY\n",
        ] {
            assert!(named(text, k, &["mistral"]), "{text:?}");
        }
        assert!(named(
            "headers = {'XI-Api-Key': 'KEYKEYKEY'}",
            k,
            &["xi-api-key"]
        ));
        assert!(named(
            "const elevenLabsKey = 'KEYKEYKEY'",
            k,
            &["eleven-labs"]
        ));
    }

    #[test]
    fn siblings_and_other_words_are_not_context() {
        let k = "KEYKEYKEY";
        for text in [
            "MISTRAL_MODEL=large\nAPI_KEY=KEYKEYKEY",
            "mistral:\n  model: m\nother:\n  api_key: KEYKEYKEY\n",
            "[mistral]\nmodel = \"m\"\n[cohere]\napi_key = \"KEYKEYKEY\"\n",
            "API_KEY=KEYKEYKEY",
        ] {
            assert!(!named(text, k, &["mistral"]), "{text:?}");
        }
        assert!(!named("DISCO_API_KEY=KEYKEYKEY", k, &["co-api-key"]));
        assert!(named("CO_API_KEY=KEYKEYKEY", k, &["co-api-key"]));
    }
}
