//! The project's scorers (`../shared/scorers/*.py`, the ones used on hidden
//! data), run on predictions the benchmarks write, so a figure here is the
//! figure the hidden sets are measured by.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};

/// Where the scorers live, relative to the repository root.
const SCORERS: &str = "../shared/scorers";

/// Runs `scorer` on gold and predictions and prints `summary` of its JSON
/// output; says so and returns without error when the scorers are absent.
pub fn report(
    scorer: &str,
    gold: &Path,
    predictions: &Path,
    summary: impl Fn(&serde_json::Value) -> String,
) -> Result<()> {
    let script = Path::new(SCORERS).join(scorer);
    if !script.exists() {
        println!("scorer {} not found: figures skipped", script.display());
        return Ok(());
    }
    let output = Command::new("python3")
        .arg(&script)
        .arg(gold)
        .arg(predictions)
        .output()
        .context("running python3")?;
    if !output.status.success() {
        bail!("{scorer} failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let value: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .with_context(|| format!("reading {scorer}'s output: {stdout}"))?;
    println!("{scorer}: {}", summary(&value));
    Ok(())
}
