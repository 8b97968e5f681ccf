//! Pages saved to disk rather than fetched: plain or gzip-compressed files,
//! or standard input, decoded to text by the same [`charset`](crate::charset)
//! rules as a fetched body (BOM, `<meta charset>`, then sniffing). Used by
//! `newsdesk extract` and by the benchmarks' corpora.

use std::io::{self, Read};
use std::path::Path;

/// Decompressed pages larger than this are cut: the extractor reads only
/// its first few MiB anyway, and a gzip bomb must not fill memory.
const MAX_PAGE_BYTES: u64 = 64 * 1024 * 1024;

/// Reads `path` (`-` is standard input; `.gz` is decompressed) and decodes
/// it. The error names the path.
pub fn read_page(path: &Path) -> io::Result<String> {
    let bytes = read_bytes(path).map_err(|e| io::Error::new(e.kind(), format!("reading {}: {e}", path.display())))?;
    Ok(crate::charset::decode(&bytes, None))
}

fn read_bytes(path: &Path) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if path.as_os_str() == "-" {
        io::stdin().lock().take(MAX_PAGE_BYTES).read_to_end(&mut bytes)?;
        return Ok(bytes);
    }
    let file = std::fs::File::open(path)?;
    if path.extension().is_some_and(|e| e == "gz") {
        flate2::read::MultiGzDecoder::new(file)
            .take(MAX_PAGE_BYTES)
            .read_to_end(&mut bytes)?;
    } else {
        file.take(MAX_PAGE_BYTES).read_to_end(&mut bytes)?;
    }
    Ok(bytes)
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
        let missing = dir.path().join("missing.html");
        let err = read_page(&missing).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(err.to_string().contains("missing.html"), "{err}");
    }
}
