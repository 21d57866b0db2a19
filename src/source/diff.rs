//! Lines of a new blob that are not in the old one.
//!
//! Myers (`similar`) with a deadline: on timeout it reports more lines as added,
//! never fewer, which is the safe direction for a scanner. Histogram is never used
//! (measured: it times out and miscounts on repeated content). Past a size limit the
//! cheap and still-safe answer is "lines whose text is not anywhere in the old blob".

use std::collections::HashSet;
use std::time::{Duration, Instant};

use similar::{Algorithm, DiffOp, TextDiff};

use super::AddedLines;

/// Above this many bytes (old + new), use the line-set fallback.
const MYERS_MAX_BYTES: usize = 8 << 20;
/// Time budget of one Myers diff.
const MYERS_DEADLINE: Duration = Duration::from_millis(500);

/// The 1-based lines of `new` that are added relative to `old`.
pub fn added_lines(old: &[u8], new: &[u8]) -> AddedLines {
    if old.is_empty() {
        let lines = new.split(|&b| b == b'\n').count().max(1);
        return AddedLines(vec![1..=lines]);
    }
    if old.len() + new.len() > MYERS_MAX_BYTES {
        return lines_not_in_old(old, new);
    }
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Myers)
        .deadline(Instant::now() + MYERS_DEADLINE)
        .diff_lines(old, new);
    let mut ranges = Vec::new();
    for op in diff.ops() {
        match *op {
            DiffOp::Insert {
                new_index, new_len, ..
            }
            | DiffOp::Replace {
                new_index, new_len, ..
            } => {
                if new_len > 0 {
                    push_range(&mut ranges, new_index + 1, new_index + new_len);
                }
            }
            DiffOp::Equal { .. } | DiffOp::Delete { .. } => {}
        }
    }
    AddedLines(ranges)
}

/// Lines of `new` whose exact text occurs nowhere in `old`.
fn lines_not_in_old(old: &[u8], new: &[u8]) -> AddedLines {
    let known: HashSet<&[u8]> = old.split(|&b| b == b'\n').collect();
    let mut ranges = Vec::new();
    for (i, line) in new.split(|&b| b == b'\n').enumerate() {
        if !known.contains(line) {
            push_range(&mut ranges, i + 1, i + 1);
        }
    }
    AddedLines(ranges)
}

fn push_range(ranges: &mut Vec<std::ops::RangeInclusive<usize>>, first: usize, last: usize) {
    if let Some(prev) = ranges.last_mut() {
        if *prev.end() + 1 >= first {
            *prev = *prev.start()..=last.max(*prev.end());
            return;
        }
    }
    ranges.push(first..=last);
}

#[cfg(test)]
mod tests {
    use super::*;

    type Case = (
        &'static str,
        &'static [u8],
        &'static [u8],
        Vec<std::ops::RangeInclusive<usize>>,
    );

    #[test]
    fn cases() {
        let cases: &[Case] = &[
            ("new file", b"", b"a\nb\n", vec![1..=3]),
            ("append", b"a\nb\n", b"a\nb\nc\n", vec![3..=3]),
            ("edit middle", b"a\nb\nc\n", b"a\nB\nc\n", vec![2..=2]),
            ("delete only", b"a\nb\nc\n", b"a\nc\n", vec![]),
            (
                "two hunks",
                b"a\nb\nc\nd\n",
                b"x\na\nb\nc\nd\ny\n",
                vec![1..=1, 6..=6],
            ),
            ("no trailing newline", b"a", b"a\nb", vec![1..=2]),
        ];
        for (name, old, new, expected) in cases {
            assert_eq!(added_lines(old, new).0, *expected, "{name}");
        }
    }

    #[test]
    fn fallback_never_reports_fewer_lines() {
        let old = b"keep\nsame\n";
        let new = b"keep\nnew one\nsame\n";
        assert_eq!(lines_not_in_old(old, new).0, vec![2..=2]);
    }
}
