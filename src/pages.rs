//! Reading HTML pages from files for `extract` and `bench`: plain or
//! gzip-compressed, or standard input, decoded to text by the fetcher's
//! charset rules (BOM, `<meta charset>`, then sniffing).

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result};

/// Decompressed pages larger than this are cut: the extractor reads only
/// its first few MiB anyway, and a gzip bomb must not fill memory.
const MAX_PAGE_BYTES: u64 = 64 * 1024 * 1024;

/// Reads `path` (`-` is standard input; `.gz` is decompressed) and decodes it.
pub fn read_page(path: &Path) -> Result<String> {
    let bytes = read_bytes(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(newsdesk_fetch::charset::decode(&bytes, None))
}

fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin().lock().take(MAX_PAGE_BYTES).read_to_end(&mut bytes)?;
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
        assert!(read_page(&dir.path().join("missing.html")).is_err());
    }
}
