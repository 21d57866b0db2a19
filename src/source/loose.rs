//! Loose objects read with one `read(2)` each, before any other object store.
//!
//! `git add` writes every staged blob as a loose object, so the pre-commit hook reads
//! a few hundred of them. gix maps each loose file into memory and unmaps it; with the
//! hook's scan threads on both cores every unmap is a TLB shootdown on the other core,
//! which was ~14 % of a pre-commit run's cycles on git/git (200 staged files). Reading
//! the small file into a buffer costs three system calls and no shootdown.
//!
//! Anything unusual (no such file, a read error, bad zlib, a header that does not
//! match the content) is left to the wrapped store, which looks in packs and
//! alternates and reports its own errors: this reader only ever answers with an
//! object whose declared size and kind it checked.

use std::cell::RefCell;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use flate2::{Decompress, FlushDecompress, Status};
use gix::objs::{Data, Find, Kind};

/// Largest output reserved up front from a loose header's declared size: the header
/// is only trusted once the inflated bytes match it.
const MAX_RESERVE: usize = 64 << 20;

/// An object finder that reads loose objects from one objects folder itself and asks
/// `inner` for everything else. Each clone has its own buffers (one per thread).
pub struct LooseFirst<F> {
    objects_dir: Arc<Path>,
    inner: F,
    scratch: RefCell<Scratch>,
}

/// What reading one loose object needs, kept from one object to the next.
struct Scratch {
    /// The compressed file.
    file: Vec<u8>,
    /// The zlib state (reset per object, not reallocated).
    inflate: Decompress,
}

impl<F> LooseFirst<F> {
    /// Reads loose objects under `objects_dir` (a repository's `objects` folder)
    /// before asking `inner`.
    pub fn new(objects_dir: &Path, inner: F) -> Self {
        Self::sharing(Arc::from(objects_dir), inner)
    }

    fn sharing(objects_dir: Arc<Path>, inner: F) -> Self {
        LooseFirst {
            objects_dir,
            inner,
            scratch: RefCell::new(Scratch {
                file: Vec::new(),
                inflate: Decompress::new(true),
            }),
        }
    }

    /// The loose file of `id`: `objects/ab/cdef…`.
    fn path_of(&self, id: &gix::hash::oid) -> PathBuf {
        let hex = id.to_hex().to_string();
        self.objects_dir.join(&hex[..2]).join(&hex[2..])
    }
}

impl<F: Clone> Clone for LooseFirst<F> {
    fn clone(&self) -> Self {
        Self::sharing(Arc::clone(&self.objects_dir), self.inner.clone())
    }
}

impl<F: Find> Find for LooseFirst<F> {
    fn try_find<'a>(
        &self,
        id: &gix::hash::oid,
        buffer: &'a mut Vec<u8>,
    ) -> gix::Result<Option<Data<'a>>> {
        let found = read_loose(&self.path_of(id), &mut self.scratch.borrow_mut(), buffer);
        match found {
            Some(kind) => Ok(Some(Data {
                kind,
                object_hash: id.kind(),
                data: buffer,
            })),
            None => self.inner.try_find(id, buffer),
        }
    }
}

/// Inflates the loose object file at `path` into `out` (the object's content,
/// without its header). `None` when there is no such file or it is not a
/// well-formed loose object.
fn read_loose(path: &Path, scratch: &mut Scratch, out: &mut Vec<u8>) -> Option<Kind> {
    scratch.file.clear();
    std::fs::File::open(path)
        .ok()?
        .read_to_end(&mut scratch.file)
        .ok()?;
    scratch.inflate.reset(true);
    inflate_loose(&mut scratch.inflate, &scratch.file, out)
}

/// Inflates one loose object (`<kind> <size>\0<content>`, zlib-compressed) into
/// `out` with a fresh (or reset) `inflate`, checking that the content is exactly
/// the declared size.
fn inflate_loose(inflate: &mut Decompress, compressed: &[u8], out: &mut Vec<u8>) -> Option<Kind> {
    let mut header = [0u8; 64];
    let status = inflate
        .decompress(compressed, &mut header, FlushDecompress::None)
        .ok()?;
    let produced = usize::try_from(inflate.total_out()).ok()?;
    let (kind, size, header_len) = gix::objs::decode::loose_header(&header[..produced]).ok()?;
    let size = usize::try_from(size).ok()?;
    out.clear();
    out.extend_from_slice(&header[header_len..produced]);
    if status != Status::StreamEnd {
        out.reserve(size.saturating_sub(out.len()).min(MAX_RESERVE));
        loop {
            if out.len() == out.capacity() {
                out.reserve(out.capacity().max(4096));
            }
            let before = (inflate.total_in(), inflate.total_out());
            let consumed = usize::try_from(before.0).ok()?;
            let status = inflate
                .decompress_vec(&compressed[consumed..], out, FlushDecompress::Finish)
                .ok()?;
            if status == Status::StreamEnd {
                break;
            }
            // More output than declared, or no progress (the stream is cut short).
            if out.len() > size || (inflate.total_in(), inflate.total_out()) == before {
                return None;
            }
        }
    }
    (out.len() == size).then_some(kind)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::write::ZlibEncoder;
    use flate2::Compression;

    use super::*;

    fn loose(raw: &[u8]) -> Vec<u8> {
        let mut encoder = ZlibEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(raw).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn small_and_large_objects_inflate_to_their_content() {
        let big: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
        // One zlib state, reset between objects, as a reader keeps it.
        let (mut inflate, mut out) = (Decompress::new(true), Vec::new());
        for content in [&b""[..], b"hello\n", &big, b"after a large one"] {
            let mut raw = format!("blob {}\0", content.len()).into_bytes();
            raw.extend_from_slice(content);
            inflate.reset(true);
            assert_eq!(
                inflate_loose(&mut inflate, &loose(&raw), &mut out),
                Some(Kind::Blob)
            );
            assert_eq!(out, content);
        }
    }

    #[test]
    fn objects_whose_header_lies_are_left_to_the_store() {
        let mut out = Vec::new();
        for raw in [
            &b"blob 5\0hello world"[..],
            b"blob 50\0hello",
            b"blob x\0hello",
            b"hello",
        ] {
            assert_eq!(
                inflate_loose(&mut Decompress::new(true), &loose(raw), &mut out),
                None,
                "{raw:?}"
            );
        }
        let truncated = loose(b"blob 11\0hello world");
        assert_eq!(
            inflate_loose(
                &mut Decompress::new(true),
                &truncated[..truncated.len() - 6],
                &mut out
            ),
            None
        );
        assert_eq!(
            inflate_loose(&mut Decompress::new(true), b"not zlib at all", &mut out),
            None
        );
    }

    #[test]
    fn kinds_come_from_the_header() {
        let mut out = Vec::new();
        assert_eq!(
            inflate_loose(&mut Decompress::new(true), &loose(b"tree 0\0"), &mut out),
            Some(Kind::Tree)
        );
    }
}
