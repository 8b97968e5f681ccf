//! Dev-only harness for `bench/compare-extract.sh`: runs the rs-trafilatura
//! crate (a Rust port of trafilatura) on saved pages.
//!
//! Usage:
//!   rs-trafilatura-harness FILES...         one JSON line {"path","text"} per file,
//!                                           in input order, like `newsdesk extract`
//!   rs-trafilatura-harness --time FILES...  prints "N pages/s" and nothing else on stdout
//!
//! FILES are `.html.gz` (gunzipped) or plain `.html`. Each page is passed to
//! rs-trafilatura as bytes with its default options (it detects the charset
//! and transcodes to UTF-8 itself). A page it fails on, or panics on, gives
//! empty text; a file that cannot be read is an error.
//!
//! `--time` reads, gunzips and transcodes every page into memory first, then
//! times only the extraction calls (`rs_trafilatura::extract` on the UTF-8
//! text), on this one thread, as `newsdesk-bench extract` times newsdesk.

use std::io::{Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use flate2::read::GzDecoder;
use serde_json::json;

fn read_page(path: &Path) -> std::io::Result<Vec<u8>> {
    let raw = std::fs::read(path)?;
    if path.extension().is_some_and(|e| e == "gz") {
        let mut html = Vec::with_capacity(raw.len() * 4);
        GzDecoder::new(raw.as_slice()).read_to_end(&mut html)?;
        Ok(html)
    } else {
        Ok(raw)
    }
}

/// Pages rs-trafilatura erred or panicked on.
static FAILED: AtomicUsize = AtomicUsize::new(0);

/// The page's main text; empty when rs-trafilatura errs or panics.
fn extract_text(run: impl FnOnce() -> rs_trafilatura::Result<rs_trafilatura::ExtractResult>) -> String {
    match catch_unwind(AssertUnwindSafe(run)) {
        Ok(Ok(result)) => result.content_text,
        Ok(Err(_)) | Err(_) => {
            FAILED.fetch_add(1, Ordering::Relaxed);
            String::new()
        }
    }
}

fn jsonl(paths: &[String]) -> Result<(), String> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for path in paths {
        let html = read_page(Path::new(path)).map_err(|e| format!("{path}: {e}"))?;
        let text = extract_text(|| rs_trafilatura::extract_bytes(&html));
        writeln!(out, "{}", json!({ "path": path, "text": text })).map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())
}

fn time(paths: &[String]) -> Result<(), String> {
    let pages = paths
        .iter()
        .map(|path| {
            let html = read_page(Path::new(path)).map_err(|e| format!("{path}: {e}"))?;
            Ok(rs_trafilatura::encoding::transcode_to_utf8(&html))
        })
        .collect::<Result<Vec<String>, String>>()?;
    let start = Instant::now();
    let mut chars = 0usize;
    for html in &pages {
        chars += extract_text(|| rs_trafilatura::extract(html)).len();
    }
    let secs = start.elapsed().as_secs_f64();
    // The sum keeps the extraction from being optimised away.
    eprintln!(
        "rs-trafilatura: {} pages, {chars} bytes of text, {secs:.3} s",
        pages.len()
    );
    println!("{:.2} pages/s", pages.len() as f64 / secs);
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (timed, paths) = match args.first().map(String::as_str) {
        Some("--time") => (true, &args[1..]),
        _ => (false, &args[..]),
    };
    if paths.is_empty() {
        eprintln!("usage: rs-trafilatura-harness [--time] FILES...");
        return ExitCode::from(2);
    }
    // Pages that panic are reported as empty text; keep the default hook's
    // message off stderr so a run stays readable.
    std::panic::set_hook(Box::new(|_| {}));
    let done = if timed { time(paths) } else { jsonl(paths) };
    let failed = FAILED.load(Ordering::Relaxed);
    if failed > 0 {
        eprintln!("rs-trafilatura-harness: {failed} pages gave an error or panicked (empty text)");
    }
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rs-trafilatura-harness: {e}");
            ExitCode::FAILURE
        }
    }
}
