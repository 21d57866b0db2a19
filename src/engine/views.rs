//! Decoded views: text a key can hide in that the raw bytes do not show —
//! percent-escapes, base64 runs (one or two levels deep), UTF-16 files, the printable
//! runs of a binary file, and the members of zip, jar, whl, tar, tar.gz and gz files.
//!
//! Each view runs only where its trigger occurs (a `%XX`, a long base64 run, a NUL
//! pattern, an archive's magic number), and all of a blob's views share one budget of
//! decoded bytes: a zip bomb or a deep nest is cut off and counted, never expanded.

use std::io::Read;
use std::ops::Range;

use base64::Engine as _;

use super::Encoding;

/// Decoded bytes one blob's views may produce in all.
pub(crate) const MAX_DECODED_BYTES: usize = 32 * 1024 * 1024;
/// Archive members read from one blob (nested archives included).
pub(crate) const MAX_MEMBERS: usize = 10_000;
/// Levels of nesting: base64 inside base64, an archive inside an archive.
pub(crate) const MAX_DEPTH: u8 = 2;
/// Shortest base64 run worth decoding (the base64 of a 24-character key).
const MIN_BASE64_RUN: usize = 32;
/// Shortest printable run of a binary file kept (as `strings -n 8`).
const MIN_PRINTABLE_RUN: usize = 8;

/// Text decoded from a blob, and how its positions map back.
pub(crate) struct View {
    /// How the text was decoded.
    pub encoding: Encoding,
    /// The archive member it comes from (`lib.jar!config/app.properties`).
    pub member: Option<String>,
    /// The decoded text.
    pub text: Vec<u8>,
    /// Where a finding in `text` lies in the raw blob.
    pub map: SpanMap,
}

/// How positions in a view map to the raw blob.
pub(crate) enum SpanMap {
    /// Every position maps to this raw span (a base64 run, an archive).
    Whole(Range<usize>),
    /// Byte `i` of the view came from raw offset `offsets[i]`.
    Offsets(Vec<usize>),
    /// Pieces `(view offset, raw offset)`, sorted: a view byte at or after a piece's
    /// view offset (and before the next piece's) lies as far from its raw offset
    /// (printable runs: one piece per run, 16 bytes instead of 8 per byte).
    Pieces(Vec<(usize, usize)>),
}

impl SpanMap {
    /// The raw span of view span `span`.
    pub fn raw(&self, span: &Range<usize>) -> Range<usize> {
        match self {
            SpanMap::Whole(whole) => whole.clone(),
            SpanMap::Offsets(offsets) => {
                let start = offsets.get(span.start).copied().unwrap_or(0);
                let end = span
                    .end
                    .checked_sub(1)
                    .and_then(|last| offsets.get(last))
                    .map_or(start, |&o| o + 1);
                start..end.max(start)
            }
            SpanMap::Pieces(pieces) => {
                let raw_of = |at: usize| {
                    let piece = pieces.partition_point(|&(view, _)| view <= at);
                    pieces
                        .get(piece.wrapping_sub(1))
                        .map_or(0, |&(view, raw)| raw + (at - view))
                };
                let start = raw_of(span.start);
                let end = span
                    .end
                    .checked_sub(1)
                    .map_or(start, |last| raw_of(last) + 1);
                start..end.max(start)
            }
        }
    }
}

/// What decoding one blob produced: its views, and what was cut off (counted as
/// skipped by reason).
#[derive(Default)]
pub(crate) struct Views {
    /// The views to scan.
    pub views: Vec<View>,
    /// Reasons parts were not decoded (`archive-limit`, `archive-unreadable`).
    pub skipped: Vec<&'static str>,
    budget: usize,
    members: usize,
}

impl Views {
    /// The views of `bytes`; `binary` when it holds a NUL (git's heuristic).
    pub fn of(bytes: &[u8], binary: bool) -> Views {
        let mut views = Views {
            budget: MAX_DECODED_BYTES,
            ..Views::default()
        };
        views.add(bytes, binary, 0, None, &SpanMap::Whole(0..bytes.len()));
        views
    }

    /// Adds the views of `bytes` at nesting `depth`. Views of an archive member or a
    /// decoded run map back through `outer` (its whole raw span), naming `member`.
    fn add(
        &mut self,
        bytes: &[u8],
        binary: bool,
        depth: u8,
        member: Option<&str>,
        outer: &SpanMap,
    ) {
        let nested = |map: SpanMap| match outer {
            SpanMap::Whole(span) if depth > 0 => SpanMap::Whole(span.clone()),
            _ => map,
        };
        if let Some(kind) = archive_kind(bytes) {
            self.archive(bytes, kind, depth, member, outer);
            return;
        }
        if binary {
            if let Some((text, offsets)) = utf16(bytes) {
                if self.take(text.len()) {
                    self.views.push(View {
                        encoding: Encoding::Utf16,
                        member: member.map(str::to_string),
                        map: nested(SpanMap::Offsets(offsets)),
                        text,
                    });
                }
                return;
            }
            let (text, pieces) = printable_runs(bytes);
            if !text.is_empty() && self.take(text.len()) {
                self.views.push(View {
                    encoding: Encoding::Strings,
                    member: member.map(str::to_string),
                    map: nested(SpanMap::Pieces(pieces)),
                    text,
                });
            }
            return;
        }
        if let Some((text, offsets)) = percent_decoded(bytes) {
            if self.take(text.len()) {
                self.views.push(View {
                    encoding: Encoding::Percent,
                    member: member.map(str::to_string),
                    map: nested(SpanMap::Offsets(offsets)),
                    text,
                });
            }
        }
        self.base64(bytes, depth, member, outer);
    }

    /// Base64 runs of `bytes` decoded to text, and (one level down) theirs.
    fn base64(&mut self, bytes: &[u8], depth: u8, member: Option<&str>, outer: &SpanMap) {
        for run in base64_runs(bytes) {
            let Some(text) = decode_base64(&bytes[run.clone()]) else {
                continue;
            };
            if !self.take(text.len()) {
                return;
            }
            let map = match outer {
                SpanMap::Whole(span) if depth > 0 || member.is_some() => {
                    SpanMap::Whole(span.clone())
                }
                _ => SpanMap::Whole(run.clone()),
            };
            if depth + 1 < MAX_DEPTH {
                self.base64(&text, depth + 1, member, &map);
            }
            self.views.push(View {
                encoding: Encoding::Base64,
                member: member.map(str::to_string),
                text,
                map,
            });
        }
    }

    /// The members of an archive, each scanned as text or through its own views.
    fn archive(
        &mut self,
        bytes: &[u8],
        kind: Archive,
        depth: u8,
        outer_member: Option<&str>,
        outer: &SpanMap,
    ) {
        if depth >= MAX_DEPTH {
            self.skipped.push("archive-limit");
            return;
        }
        let whole = match outer {
            SpanMap::Whole(span) => span.clone(),
            SpanMap::Offsets(_) | SpanMap::Pieces(_) => 0..bytes.len(),
        };
        let mut members: Vec<(String, Vec<u8>)> = Vec::new();
        let (complete, kind) = match kind {
            Archive::Zip => (self.zip_members(bytes, &mut members), kind),
            Archive::Tar => (self.tar_members(bytes, &mut members), kind),
            Archive::Gzip => self.gzip_member(bytes, &mut members),
        };
        if !complete {
            self.skipped.push("archive-limit");
        }
        for (name, data) in members {
            let name = match outer_member {
                Some(outer) => format!("{outer}!{name}"),
                None => name,
            };
            let binary = memchr::memchr(0, &data[..data.len().min(8000)]).is_some();
            let map = SpanMap::Whole(whole.clone());
            if archive_kind(&data).is_some() || binary {
                self.add(&data, binary, depth + 1, Some(&name), &map);
                continue;
            }
            // A text member: itself, and its own decoded views.
            let encoding = kind.encoding();
            self.add(&data, false, depth + 1, Some(&name), &map);
            self.views.push(View {
                encoding,
                member: Some(name),
                text: data,
                map,
            });
        }
    }

    /// Reads zip members into `out`; false when the budget or member cap cut it off
    /// or the archive could not be read.
    fn zip_members(&mut self, bytes: &[u8], out: &mut Vec<(String, Vec<u8>)>) -> bool {
        let Ok(mut archive) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
            return false;
        };
        for i in 0..archive.len() {
            let Ok(file) = archive.by_index(i) else {
                return false;
            };
            if file.is_dir() {
                continue;
            }
            let name = file.name().to_string();
            let declared = usize::try_from(file.size()).unwrap_or(usize::MAX);
            if self.members >= MAX_MEMBERS || declared > self.budget {
                return false;
            }
            match self.read_capped(file) {
                Some(data) => out.push((name, data)),
                None => return false,
            }
        }
        true
    }

    /// Reads tar members into `out` (see [`Views::zip_members`]).
    fn tar_members(&mut self, bytes: &[u8], out: &mut Vec<(String, Vec<u8>)>) -> bool {
        let mut archive = tar::Archive::new(bytes);
        let Ok(entries) = archive.entries() else {
            return false;
        };
        for entry in entries {
            let Ok(entry) = entry else {
                return false;
            };
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let name = entry
                .path()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default();
            if self.members >= MAX_MEMBERS {
                return false;
            }
            match self.read_capped(entry) {
                Some(data) => out.push((name, data)),
                None => return false,
            }
        }
        true
    }

    /// A gzip stream: a tar inside is read as a tar (and said to be one), anything
    /// else as one member.
    fn gzip_member(&mut self, bytes: &[u8], out: &mut Vec<(String, Vec<u8>)>) -> (bool, Archive) {
        let decoder = flate2::read::GzDecoder::new(bytes);
        let name = decoder
            .header()
            .and_then(|h| h.filename())
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_else(|| "(gzip)".into());
        let Some(data) = self.read_capped(decoder) else {
            return (false, Archive::Gzip);
        };
        if archive_kind(&data) == Some(Archive::Tar) {
            return (self.tar_members(&data, out), Archive::Tar);
        }
        out.push((name, data));
        (true, Archive::Gzip)
    }

    /// Reads one member within the budget; `None` (nothing kept) when it would
    /// exceed it or cannot be read.
    fn read_capped(&mut self, reader: impl Read) -> Option<Vec<u8>> {
        let mut data = Vec::new();
        let limit = self.budget as u64 + 1;
        reader.take(limit).read_to_end(&mut data).ok()?;
        if !self.take(data.len()) {
            return None;
        }
        self.members += 1;
        Some(data)
    }

    /// Takes `len` bytes from the budget; false (and nothing taken) when it is spent.
    fn take(&mut self, len: usize) -> bool {
        if len > self.budget {
            self.budget = 0;
            return false;
        }
        self.budget -= len;
        true
    }
}

/// An archive format keyhook reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Archive {
    Zip,
    Tar,
    Gzip,
}

impl Archive {
    fn encoding(self) -> Encoding {
        match self {
            Archive::Zip => Encoding::Zip,
            Archive::Tar => Encoding::Tar,
            Archive::Gzip => Encoding::Gzip,
        }
    }
}

/// The archive format `bytes` starts with, by magic number.
fn archive_kind(bytes: &[u8]) -> Option<Archive> {
    if bytes.starts_with(b"PK\x03\x04") {
        Some(Archive::Zip)
    } else if bytes.starts_with(b"\x1f\x8b") {
        Some(Archive::Gzip)
    } else if bytes.len() >= 262 && &bytes[257..262] == b"ustar" {
        Some(Archive::Tar)
    } else {
        None
    }
}

/// UTF-16 text (a BOM, or the NUL-interleaved shape of mostly-ASCII text) decoded
/// to UTF-8, with each output byte's raw offset.
fn utf16(bytes: &[u8]) -> Option<(Vec<u8>, Vec<usize>)> {
    let (little, start) = match bytes {
        [0xFF, 0xFE, ..] => (true, 2),
        [0xFE, 0xFF, ..] => (false, 2),
        _ => {
            let sample = &bytes[..bytes.len().min(512) & !1];
            if sample.len() < 16 {
                return None;
            }
            let pairs = sample.len() / 2;
            let even_nul = sample.iter().step_by(2).filter(|&&b| b == 0).count();
            let odd_nul = sample
                .iter()
                .skip(1)
                .step_by(2)
                .filter(|&&b| b == 0)
                .count();
            if odd_nul * 10 >= pairs * 9 && even_nul * 10 <= pairs {
                (true, 0)
            } else if even_nul * 10 >= pairs * 9 && odd_nul * 10 <= pairs {
                (false, 0)
            } else {
                return None;
            }
        }
    };
    let units = bytes[start..].chunks_exact(2).map(|pair| {
        if little {
            u16::from_le_bytes([pair[0], pair[1]])
        } else {
            u16::from_be_bytes([pair[0], pair[1]])
        }
    });
    let mut text = Vec::with_capacity(bytes.len() / 2);
    let mut offsets = Vec::with_capacity(bytes.len() / 2);
    let mut at = start;
    for unit in char::decode_utf16(units) {
        let c = unit.unwrap_or(char::REPLACEMENT_CHARACTER);
        let mut buf = [0u8; 4];
        for &b in c.encode_utf8(&mut buf).as_bytes() {
            text.push(b);
            offsets.push(at);
        }
        at += c.len_utf16() * 2;
    }
    Some((text, offsets))
}

/// The printable ASCII runs of a binary blob (as `strings`), one per line, with
/// one [`SpanMap::Pieces`] piece per run (its newline maps to the byte after it).
fn printable_runs(bytes: &[u8]) -> (Vec<u8>, Vec<(usize, usize)>) {
    let mut text = Vec::new();
    let mut pieces = Vec::new();
    let mut keep = |start: usize, end: usize| {
        if end - start >= MIN_PRINTABLE_RUN {
            pieces.push((text.len(), start));
            text.extend_from_slice(&bytes[start..end]);
            text.push(b'\n');
        }
    };
    // Runs are read off one 64-bit mask per 64 bytes (vector code), two bit scans per
    // run: binary data changes between printable and not every few bytes, and a
    // branch per byte ran at ~250 MB/s on a SQLite file.
    let mut run_start = None;
    let mut last = [0u8; 64];
    for (index, block) in bytes.chunks(64).enumerate() {
        let base = index * 64;
        let mask = match <&[u8; 64]>::try_from(block) {
            Ok(full) => printable_mask(full),
            Err(_) => {
                last[..block.len()].copy_from_slice(block);
                last[block.len()..].fill(0);
                printable_mask(&last)
            }
        };
        let mut at = 0;
        while at < block.len() {
            let rest = mask >> at;
            match run_start {
                None => match rest.trailing_zeros() as usize {
                    skip if at + skip >= block.len() => break,
                    skip => {
                        run_start = Some(base + at + skip);
                        at += skip;
                    }
                },
                Some(start) => match rest.trailing_ones() as usize {
                    len if at + len >= block.len() => break,
                    len => {
                        keep(start, base + at + len);
                        run_start = None;
                        at += len;
                    }
                },
            }
        }
    }
    if let Some(start) = run_start {
        keep(start, bytes.len());
    }
    (text, pieces)
}

/// Printable for [`printable_runs`]: ASCII from space to `~`, and tab.
#[cfg(any(test, not(target_arch = "x86_64")))]
fn printable(b: u8) -> bool {
    (0x20..0x7f).contains(&b) || b == b'\t'
}

/// Bit `i` set when `block[i]` is printable (ASCII from space to `~`, and tab):
/// SSE2 (part of every x86-64 CPU, so no runtime detection), 16 bytes per compare.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn printable_mask(block: &[u8; 64]) -> u64 {
    use std::arch::x86_64::{
        __m128i, _mm_andnot_si128, _mm_cmpeq_epi8, _mm_cmpgt_epi8, _mm_loadu_si128,
        _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let mut mask = 0u64;
    for (i, chunk) in block.chunks_exact(16).enumerate() {
        // SAFETY: SSE2 is always available on x86_64, and `chunk` is 16 readable
        // bytes (an unaligned load).
        let bits = unsafe {
            let v = _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>());
            // Signed compare: bytes 0x80 and up are negative, so `> 0x1f` is 0x20..=0x7f.
            let visible = _mm_andnot_si128(
                _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)),
                _mm_cmpgt_epi8(v, _mm_set1_epi8(0x1f)),
            );
            _mm_movemask_epi8(_mm_or_si128(visible, _mm_cmpeq_epi8(v, _mm_set1_epi8(9))))
        };
        mask |= u64::from(bits as u16) << (i * 16);
    }
    mask
}

/// Bit `i` set when `block[i]` is printable (the scalar form of the x86-64 one).
#[cfg(any(test, not(target_arch = "x86_64")))]
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn printable_mask_scalar(block: &[u8; 64]) -> u64 {
    block
        .iter()
        .enumerate()
        .fold(0, |mask, (i, &b)| mask | u64::from(printable(b)) << i)
}

#[cfg(not(target_arch = "x86_64"))]
fn printable_mask(block: &[u8; 64]) -> u64 {
    printable_mask_scalar(block)
}

/// The lines holding a `%XX` escape that decodes to a printable character (a
/// `%02x` format string alone does not count), each decoded, one per line, with
/// each output byte's raw offset. Only those lines are copied: a large file with a
/// few escapes costs a few lines.
fn percent_decoded(bytes: &[u8]) -> Option<(Vec<u8>, Vec<usize>)> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let escape_at = |i: usize| -> Option<u8> {
        let (&h, &l) = (bytes.get(i + 1)?, bytes.get(i + 2)?);
        let c = hex(h)? << 4 | hex(l)?;
        (0x20..0x7f).contains(&c).then_some(c)
    };
    let mut text = Vec::new();
    let mut offsets = Vec::new();
    let mut done = 0; // lines before this offset are handled
    for at in memchr::memchr_iter(b'%', bytes) {
        if at < done || escape_at(at).is_none() {
            continue;
        }
        let line = super::line_span(bytes, at);
        let mut i = line.start;
        while i < line.end {
            if bytes[i] == b'%' {
                if let Some(c) = escape_at(i) {
                    text.push(c);
                    offsets.push(i);
                    i += 3;
                    continue;
                }
            }
            text.push(bytes[i]);
            offsets.push(i);
            i += 1;
        }
        text.push(b'\n');
        offsets.push(line.end);
        done = line.end + 1;
    }
    (!text.is_empty()).then_some((text, offsets))
}

/// The base64 alphabets (standard and URL-safe) as a byte table, and each
/// character's 6-bit value.
const BASE64_VALUE: [u8; 256] = {
    let mut table = [0xFF; 256];
    let mut i = 0;
    while i < 26 {
        table[b'A' as usize + i] = i as u8;
        table[b'a' as usize + i] = 26 + i as u8;
        i += 1;
    }
    let mut d = 0;
    while d < 10 {
        table[b'0' as usize + d] = 52 + d as u8;
        d += 1;
    }
    table[b'+' as usize] = 62;
    table[b'-' as usize] = 62;
    table[b'/' as usize] = 63;
    table[b'_' as usize] = 63;
    table
};

/// Runs of base64 characters (standard or URL-safe, `=` padding) long enough to
/// hold a key and shaped like encoded ASCII text.
///
/// A run that long holds a whole aligned `HALF`-byte chunk, so only chunks that are
/// all base64 are extended both ways, as far as their own run goes. Checking every
/// chunk without a branch costs less than probing one byte a stride: in source text
/// about half the bytes are in the alphabet, and each probe was a branch the CPU
/// could not predict.
fn base64_runs(bytes: &[u8]) -> Vec<Range<usize>> {
    let in_alphabet = |b: u8| BASE64_VALUE[b as usize] != 0xFF;
    let mut runs = Vec::new();
    // Every run ending before `floor` has been judged.
    let mut floor = 0;
    // A run of MIN_BASE64_RUN or more holds a whole aligned HALF-byte chunk: each
    // chunk is checked branch-free (vector code), and only the rare chunk that is
    // all base64 (a long identifier, a path, a key) is extended into its run.
    for (index, chunk) in bytes.chunks_exact(HALF).enumerate() {
        let at = index * HALF;
        if at < floor || !all_in_alphabet(chunk.try_into().expect("HALF bytes")) {
            continue;
        }
        let mut start = at;
        while start > floor && in_alphabet(bytes[start - 1]) {
            start -= 1;
        }
        let mut end = at + HALF;
        while end < bytes.len() && in_alphabet(bytes[end]) {
            end += 1;
        }
        let mut padded = end;
        while padded < bytes.len() && padded - end < 2 && bytes[padded] == b'=' {
            padded += 1;
        }
        if end - start >= MIN_BASE64_RUN && encodes_ascii(&bytes[start..end]) {
            runs.push(start..padded);
        }
        floor = padded;
    }
    runs
}

/// Half the shortest run: the chunks [`base64_runs`] checks.
const HALF: usize = MIN_BASE64_RUN / 2;

/// True when all of `window` is in the base64 alphabets (as [`BASE64_VALUE`] says),
/// computed without a branch or a table so the compiler can vectorize it.
#[inline(always)]
fn all_in_alphabet(window: &[u8; HALF]) -> bool {
    window.iter().fold(true, |all, &b| {
        let letter = (b | 0x20).wrapping_sub(b'a') < 26;
        let digit = b.wrapping_sub(b'0') < 10;
        all & (letter | digit | (b == b'+') | (b == b'/') | (b == b'-') | (b == b'_'))
    })
}

/// True when every 4-character group of `run` decodes to bytes below 0x80, as the
/// base64 of text does: the first character of a group carries a byte's top six
/// bits, the second and third carry the next bytes' top bits. Source identifiers
/// and paths, which are made of the same characters, fail within a few groups,
/// without decoding anything.
fn encodes_ascii(run: &[u8]) -> bool {
    run.chunks(4).all(|group| {
        let value = |i: usize| group.get(i).map(|&c| BASE64_VALUE[c as usize]);
        value(0).is_none_or(|v| v & 0x20 == 0)
            && value(1).is_none_or(|v| v & 0x08 == 0)
            && value(2).is_none_or(|v| v & 0x02 == 0)
    })
}

/// `run` decoded (standard or URL-safe alphabet, padded or not), when it decodes to
/// text: mostly printable ASCII, as an encoded `.env` or config is.
fn decode_base64(run: &[u8]) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let url_safe = run.iter().any(|&b| b == b'-' || b == b'_');
    let engines: [&base64::engine::GeneralPurpose; 2] = if url_safe {
        [&URL_SAFE, &URL_SAFE_NO_PAD]
    } else {
        [&STANDARD, &STANDARD_NO_PAD]
    };
    let decoded = engines.iter().find_map(|e| e.decode(run).ok())?;
    let printable = decoded
        .iter()
        .filter(|&&b| (0x20..0x7f).contains(&b) || matches!(b, b'\n' | b'\r' | b'\t'))
        .count();
    (decoded.len() >= 16 && printable * 100 >= decoded.len() * 95).then_some(decoded)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_branch_free_alphabet_check_agrees_with_the_table() {
        for b in 0..=255u8 {
            let window = [b; HALF];
            assert_eq!(
                all_in_alphabet(&window),
                BASE64_VALUE[b as usize] != 0xFF,
                "{b}"
            );
        }
        let mut mixed = [b'A'; HALF];
        mixed[HALF - 1] = b' ';
        assert!(!all_in_alphabet(&mixed));
    }

    use super::*;

    fn texts(views: &Views) -> Vec<(Encoding, String)> {
        views
            .views
            .iter()
            .map(|v| (v.encoding, String::from_utf8_lossy(&v.text).into_owned()))
            .collect()
    }

    #[test]
    fn percent_escapes_decode_and_map_back() {
        let raw = b"url?api_key%3Dabc%20def&x=%02x";
        let views = Views::of(raw, false);
        let (_, text) = &texts(&views)[0];
        assert_eq!(text, "url?api_key=abc def&x=%02x\n");
        let view = &views.views[0];
        let at = text.find("abc").unwrap();
        assert_eq!(view.map.raw(&(at..at + 3)), 14..17);
        assert!(Views::of(b"printf(\"%02x\")", false).views.is_empty());
    }

    #[test]
    fn base64_decodes_two_levels_and_not_three() {
        let once = base64::engine::general_purpose::STANDARD
            .encode("OPENAI_API_KEY=hello-world-1234567890\n");
        let twice = base64::engine::general_purpose::STANDARD.encode(&once);
        let views = Views::of(format!("x = \"{twice}\"").as_bytes(), false);
        let decoded: Vec<String> = texts(&views).into_iter().map(|(_, t)| t).collect();
        assert!(
            decoded.iter().any(|t| t.contains("OPENAI_API_KEY=hello")),
            "{decoded:?}"
        );
        let thrice = base64::engine::general_purpose::STANDARD.encode(&twice);
        let views = Views::of(thrice.as_bytes(), false);
        assert!(!texts(&views)
            .iter()
            .any(|(_, t)| t.contains("OPENAI_API_KEY")));
    }

    #[test]
    fn base64_runs_are_found_wherever_they_start() {
        let run =
            base64::engine::general_purpose::STANDARD.encode("OPENAI_API_KEY=hello-world-123456");
        for pad in 0..70 {
            let text = format!(
                "{} x=\"{run}\" y",
                "ab cd;".repeat(pad / 6) + &"z".repeat(pad % 6)
            );
            let runs = base64_runs(text.as_bytes());
            assert_eq!(runs.len(), 1, "{text}");
            assert_eq!(&text[runs[0].clone()], run, "{text}");
        }
        assert!(base64_runs(b"short_identifier another_one").is_empty());
    }

    #[test]
    fn base64_runs_are_the_maximal_runs_a_byte_by_byte_search_finds() {
        let naive = |bytes: &[u8]| {
            let in_alphabet = |b: u8| BASE64_VALUE[b as usize] != 0xFF;
            let mut runs = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                if !in_alphabet(bytes[i]) {
                    i += 1;
                    continue;
                }
                let start = i;
                while i < bytes.len() && in_alphabet(bytes[i]) {
                    i += 1;
                }
                let end = i;
                while i < bytes.len() && i - end < 2 && bytes[i] == b'=' {
                    i += 1;
                }
                if end - start >= MIN_BASE64_RUN && encodes_ascii(&bytes[start..end]) {
                    runs.push(start..i);
                }
            }
            runs
        };
        // xorshift: a fixed seed, no dependency. Long stretches of A (encodes ASCII)
        // broken by spaces and padding at random.
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..2_000 {
            let len = (seed % 400) as usize;
            let text: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    match seed % 64 {
                        0 => b' ',
                        1 => b'=',
                        2 => b'/',
                        _ => b'A',
                    }
                })
                .collect();
            assert_eq!(
                base64_runs(&text),
                naive(&text),
                "{}",
                String::from_utf8_lossy(&text)
            );
        }
    }

    #[test]
    fn printable_runs_are_the_runs_a_byte_by_byte_search_finds() {
        let naive = |bytes: &[u8]| {
            let (mut text, mut pieces, mut i) = (Vec::new(), Vec::new(), 0);
            while i < bytes.len() {
                let start = i;
                while i < bytes.len() && printable(bytes[i]) {
                    i += 1;
                }
                if i - start >= MIN_PRINTABLE_RUN {
                    pieces.push((text.len(), start));
                    text.extend_from_slice(&bytes[start..i]);
                    text.push(b'\n');
                }
                i += usize::from(i == start);
            }
            (text, pieces)
        };
        // Random lengths (block edges, a run to the end) and bytes that are printable
        // about half the time, in stretches of random length.
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..2_000 {
            let len = (next() % 300) as usize;
            let (mut bytes, mut printable_now) = (Vec::with_capacity(len), false);
            while bytes.len() < len {
                if next() % 6 == 0 {
                    printable_now = !printable_now;
                }
                let b = next() as u8;
                bytes.push(if printable_now {
                    b' ' + b % 95
                } else {
                    b & 0x9f
                });
            }
            assert_eq!(printable_runs(&bytes), naive(&bytes), "{bytes:?}");
        }
    }

    #[test]
    fn printable_mask_matches_its_scalar_form() {
        let mut block = [0u8; 64];
        for first in 0..=255u8 {
            for (i, b) in block.iter_mut().enumerate() {
                *b = first.wrapping_add((i as u8).wrapping_mul(37));
            }
            assert_eq!(printable_mask(&block), printable_mask_scalar(&block));
        }
    }

    #[test]
    fn utf16_with_and_without_a_bom() {
        let text = "OPENAI_API_KEY=abc\r\n";
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        for raw in [le, be] {
            let views = Views::of(&raw, true);
            assert_eq!(texts(&views), vec![(Encoding::Utf16, text.to_string())]);
        }
    }

    #[test]
    fn pieces_map_view_spans_to_raw_spans() {
        let raw = b"\0\x01\x02OPENAI_API_KEY=abcdefgh\0\0ab\0tail-of-the-file";
        let (text, pieces) = printable_runs(raw);
        let map = SpanMap::Pieces(pieces);
        for needle in [&b"API_KEY"[..], b"tail", b"file", b"OPENAI"] {
            let at = memchr::memmem::find(&text, needle).unwrap();
            let span = map.raw(&(at..at + needle.len()));
            assert_eq!(&raw[span], needle);
        }
    }

    #[test]
    fn printable_runs_of_a_binary_blob() {
        let raw = b"\0\x01\x02OPENAI_API_KEY=abcdefgh\0\0ab\0tail-of-the-file";
        let views = Views::of(raw, true);
        assert_eq!(
            texts(&views),
            vec![(
                Encoding::Strings,
                "OPENAI_API_KEY=abcdefgh\ntail-of-the-file\n".to_string()
            )]
        );
    }

    #[test]
    fn a_bomb_is_cut_off_and_counted() {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("zeros.txt", options).unwrap();
        use std::io::Write as _;
        let block = vec![b'a'; 1024 * 1024];
        for _ in 0..(MAX_DECODED_BYTES / block.len() + 1) {
            zip.write_all(&block).unwrap();
        }
        let bytes = zip.finish().unwrap().into_inner();
        assert!(bytes.len() < 1024 * 1024, "a small archive");
        let views = Views::of(&bytes, true);
        assert!(views.views.is_empty());
        assert_eq!(views.skipped, vec!["archive-limit"]);
    }
}
