//! A bounded cache of relayed images on disk: one file per address, named
//! by its SHA-256, the oldest deleted first once the total passes its bound.
//! Files are written aside and renamed into place, so a crash never leaves
//! half an image to be served.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use sha2::{Digest, Sha256};

/// When over its bound, the cache shrinks to this share of it, so eviction
/// (a directory scan) runs once per many writes, not on every one.
const SHRINK_TO: f64 = 0.9;

pub struct DiskCache {
    inner: Arc<Inner>,
}

struct Inner {
    dir: PathBuf,
    max_bytes: u64,
    /// Bytes held, as this process counts them (started from a scan).
    used: Mutex<u64>,
}

impl DiskCache {
    /// Opens (creating) `dir`, holding at most `max_bytes` of images.
    pub fn open(dir: PathBuf, max_bytes: u64) -> std::io::Result<DiskCache> {
        std::fs::create_dir_all(&dir)?;
        let used = files(&dir)?.iter().map(|f| f.1).sum();
        Ok(DiskCache {
            inner: Arc::new(Inner {
                dir,
                max_bytes,
                used: Mutex::new(used),
            }),
        })
    }

    /// The image kept for `url`, if any.
    pub async fn get(&self, url: String) -> Option<Vec<u8>> {
        let path = self.inner.path(&url);
        tokio::fs::read(path).await.ok()
    }

    /// Keeps `bytes` for `url`, making room first. Failing to keep is not
    /// an error: the image was served, the next reader fetches it again.
    pub async fn put(&self, url: String, bytes: Vec<u8>) {
        let inner = self.inner.clone();
        let kept = tokio::task::spawn_blocking(move || inner.put(&url, &bytes)).await;
        if let Ok(Err(e)) = kept {
            tracing::warn!("image cache: {e}");
        }
    }
}

impl Inner {
    fn path(&self, url: &str) -> PathBuf {
        self.dir.join(crate::session::hex(&Sha256::digest(url.as_bytes())))
    }

    fn put(&self, url: &str, bytes: &[u8]) -> std::io::Result<()> {
        let size = bytes.len() as u64;
        if size > self.max_bytes {
            return Ok(());
        }
        let path = self.path(url);
        let aside = path.with_extension("part");
        std::fs::write(&aside, bytes)?;
        std::fs::rename(&aside, &path)?;
        let over = {
            let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
            *used += size;
            *used > self.max_bytes
        };
        if over {
            self.evict_oldest()?;
        }
        Ok(())
    }

    /// Deletes the least recently written files until the total is back
    /// under [`SHRINK_TO`] of the bound, and recounts from the disk.
    fn evict_oldest(&self) -> std::io::Result<()> {
        let mut all = files(&self.dir)?;
        all.sort_by_key(|f| f.2);
        let mut total: u64 = all.iter().map(|f| f.1).sum();
        let target = (self.max_bytes as f64 * SHRINK_TO) as u64;
        for (path, size, _) in all {
            if total <= target {
                break;
            }
            if std::fs::remove_file(&path).is_ok() {
                total -= size;
            }
        }
        *self.used.lock().unwrap_or_else(|p| p.into_inner()) = total;
        Ok(())
    }
}

/// Every file in `dir`: path, size, last written.
fn files(dir: &PathBuf) -> std::io::Result<Vec<(PathBuf, u64, SystemTime)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        if meta.is_file() {
            out.push((
                entry.path(),
                meta.len(),
                meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keeps_images_within_its_bound_dropping_the_oldest() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(dir.path().join("img"), 3_000).unwrap();
        for i in 0..10 {
            cache
                .put(format!("https://cdn.example/{i}.jpg"), vec![i as u8; 1_000])
                .await;
            // Distinct write times, so "oldest" is well defined.
            tokio::time::sleep(std::time::Duration::from_millis(15)).await;
        }
        let held: u64 = files(&dir.path().join("img")).unwrap().iter().map(|f| f.1).sum();
        assert!(held <= 3_000, "{held} bytes held");
        assert_eq!(
            cache.get("https://cdn.example/9.jpg".into()).await,
            Some(vec![9; 1_000])
        );
        assert_eq!(
            cache.get("https://cdn.example/0.jpg".into()).await,
            None,
            "the oldest went first"
        );
        cache.put("https://cdn.example/huge.jpg".into(), vec![0; 5_000]).await;
        assert_eq!(
            cache.get("https://cdn.example/huge.jpg".into()).await,
            None,
            "larger than the bound"
        );

        let reopened = DiskCache::open(dir.path().join("img"), 3_000).unwrap();
        assert_eq!(
            reopened.get("https://cdn.example/9.jpg".into()).await,
            Some(vec![9; 1_000])
        );
    }
}
