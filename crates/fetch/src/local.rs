//! Pages saved to disk rather than fetched: plain or gzip-compressed files,
//! or standard input, decoded to text by the same [`charset`](crate::charset)
//! rules as a fetched body (BOM, `<meta charset>`, then sniffing). Used by
//! `newsdesk extract` and by the benchmarks' corpora.

use std::io::{self, Read};
use std::path::Path;

/// Decompressed pages larger than this are cut: the extractor reads only
/// its first few MiB anyway, and a gzip bomb must not fill memory.
const MAX_PAGE_BYTES: u64 = 64 * 1024 * 1024;
/// Compressed files up to this size are read into memory whole; larger
/// ones (no page is) are inflated as they are read, so only their first
/// [`MAX_PAGE_BYTES`] of output are ever held.
const MAX_WHOLE_GZIP_BYTES: u64 = 16 * 1024 * 1024;

/// Reads `path` (`-` is standard input; `.gz` is decompressed) and decodes
/// it. The error names the path.
pub fn read_page(path: &Path) -> io::Result<String> {
    let bytes = read_bytes(path).map_err(|e| io::Error::new(e.kind(), format!("reading {}: {e}", path.display())))?;
    Ok(crate::charset::decode_owned(bytes, None))
}

fn read_bytes(path: &Path) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if path.as_os_str() == "-" {
        io::stdin().lock().take(MAX_PAGE_BYTES).read_to_end(&mut bytes)?;
        return Ok(bytes);
    }
    let file = std::fs::File::open(path)?;
    let metadata = file.metadata()?;
    let size = metadata.len().min(MAX_PAGE_BYTES);
    let gzip = path.extension().is_some_and(|e| e == "gz");
    if gzip && metadata.is_file() && size <= MAX_WHOLE_GZIP_BYTES {
        // A page's compressed file is read whole and inflated straight from
        // it into a buffer of the size its trailer states: no copy through
        // a read buffer, no regrowth of the output.
        let mut gz = Vec::with_capacity(size as usize);
        // Bounded all the same: the file may grow while it is read.
        file.take(MAX_WHOLE_GZIP_BYTES).read_to_end(&mut gz)?;
        bytes.reserve_exact(inflated_size(&gz));
        if !inflate_single_member(&gz, &mut bytes) {
            flate2::bufread::MultiGzDecoder::new(gz.as_slice())
                .take(MAX_PAGE_BYTES)
                .read_to_end(&mut bytes)?;
        }
    } else if gzip {
        flate2::read::MultiGzDecoder::new(file)
            .take(MAX_PAGE_BYTES)
            .read_to_end(&mut bytes)?;
    } else {
        bytes.reserve_exact(size as usize);
        file.take(MAX_PAGE_BYTES).read_to_end(&mut bytes)?;
    }
    Ok(bytes)
}

/// Inflates `gz` into `out`'s spare capacity in one libdeflate call, about
/// twice as fast as flate2's streaming zlib-rs (a seventh of `newsdesk
/// extract`'s time went to inflating). Only for the common case: one gzip
/// member that fits the capacity. Anything else (several members, bytes
/// after the member, a trailer that understates the size, corrupt data)
/// returns false with `out` untouched, and the caller streams the file as
/// before, with its results and errors.
fn inflate_single_member(gz: &[u8], out: &mut Vec<u8>) -> bool {
    use libdeflate_sys::*;
    let (mut read, mut written) = (0, 0);
    // SAFETY: the decompressor is checked non-null and freed once; libdeflate
    // reads at most `gz.len()` bytes of `gz`, writes at most `spare` bytes
    // past `out`'s length, within its capacity, and reports how many.
    let result = unsafe {
        let decompressor = libdeflate_alloc_decompressor();
        if decompressor.is_null() {
            return false;
        }
        let spare = out.capacity() - out.len();
        let result = libdeflate_gzip_decompress_ex(
            decompressor,
            gz.as_ptr().cast(),
            gz.len(),
            out.as_mut_ptr().add(out.len()).cast(),
            spare,
            &mut read,
            &mut written,
        );
        libdeflate_free_decompressor(decompressor);
        result
    };
    if result != libdeflate_result_LIBDEFLATE_SUCCESS || read != gz.len() {
        return false;
    }
    // SAFETY: libdeflate initialised `written` bytes after the length.
    unsafe { out.set_len(out.len() + written) };
    out.truncate(MAX_PAGE_BYTES as usize);
    true
}

/// The inflated size a gzip file's trailer states (its last member's size
/// modulo 4 GiB), bounded by what deflate can expand to (1,032:1) and by
/// [`MAX_PAGE_BYTES`]: a hint, never trusted beyond that.
fn inflated_size(gz: &[u8]) -> usize {
    const MAX_DEFLATE_RATIO: u64 = 1032;
    let Some(trailer) = gz.len().checked_sub(4).map(|at| &gz[at..]) else {
        return 0;
    };
    let stated = u64::from(u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]));
    let bound = (gz.len() as u64).saturating_mul(MAX_DEFLATE_RATIO).min(MAX_PAGE_BYTES);
    // One byte more, so reading to the end needs no probe beyond the buffer.
    (stated.min(bound) + 1) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn reads_gzip_and_decodes_declared_charset() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.html.gz");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"<meta charset=windows-1251><p>\xcf\xf0\xe8\xe2\xe5\xf2</p>")
            .unwrap();
        std::fs::write(&path, gz.finish().unwrap()).unwrap();
        assert!(read_page(&path).unwrap().contains("Привет"));
        // Concatenated members: the trailer states only the last one's size.
        let member = |text: &[u8]| {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(text).unwrap();
            gz.finish().unwrap()
        };
        let long = "<p>Привет, мир.</p>".repeat(500);
        std::fs::write(&path, [member(long.as_bytes()), member(b"<p>end</p>")].concat()).unwrap();
        assert_eq!(read_page(&path).unwrap(), format!("{long}<p>end</p>"));
        let missing = dir.path().join("missing.html");
        let err = read_page(&missing).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(err.to_string().contains("missing.html"), "{err}");
    }
}
