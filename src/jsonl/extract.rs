//! `newsdesk extract`: one JSON object per input page, one per line, in
//! input order. A page that cannot be read gives `{"path","error"}` and the
//! run goes on; the caller learns of it by the exit code.

use std::io::Write;
use std::path::PathBuf;

use newsdesk_domain::Extracted;
use serde_json::{json, Value};
use url::Url;

/// Extracts every page in `paths`, writing JSON lines to `out`. Returns
/// whether every input could be read.
pub fn run(paths: &[PathBuf], url: Option<&Url>, out: &mut impl Write) -> std::io::Result<bool> {
    let mut all_read = true;
    for path in paths {
        let shown = path.display().to_string();
        let line = match newsdesk_fetch::read_page(path) {
            Err(e) => {
                all_read = false;
                json!({ "path": shown, "error": e.to_string() })
            }
            Ok(html) => to_json(&shown, &newsdesk_extract::extract(&html, url)),
        };
        // Straight to the writer: `Display` would go through fmt's machinery.
        serde_json::to_writer(&mut *out, &line)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(all_read)
}

/// The page's fields, and the path it was read from.
fn to_json(path: &str, page: &Extracted) -> Value {
    let mut line = serde_json::to_value(page).expect("Extracted has string keys and no fallible fields");
    line["path"] = path.into();
    line
}
