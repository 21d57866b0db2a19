//! Byte offsets to 1-based line and column numbers, computed only for findings.

/// Walks a blob once, forward, converting increasing byte offsets to positions.
pub(crate) struct LineCursor<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: usize,
    line_start: usize,
}

impl<'a> LineCursor<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        LineCursor {
            bytes,
            offset: 0,
            line: 1,
            line_start: 0,
        }
    }

    /// 1-based (line, column) of `at`; column counts characters (UTF-8 lead bytes).
    /// Offsets must not decrease between calls (the cursor restarts if they do).
    pub(crate) fn position(&mut self, at: usize) -> (usize, usize) {
        if at < self.offset {
            *self = LineCursor::new(self.bytes);
        }
        let at = at.min(self.bytes.len());
        for nl in memchr::memchr_iter(b'\n', &self.bytes[self.offset..at]) {
            self.line += 1;
            self.line_start = self.offset + nl + 1;
        }
        self.offset = at;
        let column = self.bytes[self.line_start..at]
            .iter()
            .filter(|&&b| (b & 0xC0) != 0x80)
            .count()
            + 1;
        (self.line, column)
    }
}

/// The byte range of the line holding `at` (without its `\n`).
pub fn line_span(bytes: &[u8], at: usize) -> std::ops::Range<usize> {
    let at = at.min(bytes.len());
    let start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "ab\nçd X\n\nY".as_bytes();
        let mut c = LineCursor::new(text);
        assert_eq!(c.position(0), (1, 1));
        assert_eq!(
            c.position(text.iter().position(|&b| b == b'X').unwrap()),
            (2, 4)
        );
        assert_eq!(c.position(text.len() - 1), (4, 1));
        assert_eq!(c.position(1), (1, 2), "cursor restarts on a smaller offset");
    }

    #[test]
    fn line_span_excludes_newline() {
        let text = b"one\ntwo\nthree";
        assert_eq!(&text[line_span(text, 5)], b"two");
        assert_eq!(&text[line_span(text, 0)], b"one");
        assert_eq!(&text[line_span(text, 12)], b"three");
    }
}
