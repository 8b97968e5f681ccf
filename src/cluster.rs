//! `newsdesk cluster`: story assignment for a JSONL stream of items.
//!
//! Each input line is `{"id","title","text"?,"published"?,"source"?,"url"?}`,
//! read in arrival order; `published` is RFC 3339 or epoch milliseconds.
//! After the whole stream, one line `{"id","story"}` per item is printed in
//! input order with its final story (after merges), the story being named
//! by the id of the item that founded it. A line that is not such an
//! object is reported on stderr and skipped; a repeated id is the same
//! article sent again and gets its first occurrence's story.

use std::collections::HashMap;
use std::io::{BufRead, Write};

use anyhow::Result;
use chrono::DateTime;
use newsdesk_cluster::{Clusterer, Config, Item};
use serde::Deserialize;
use serde_json::Value;

/// Lines longer than this are refused: no sane item needs a megabyte.
const MAX_LINE_BYTES: usize = 1 << 20;

#[derive(Deserialize)]
struct Input {
    id: Value,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    published: Option<Value>,
    #[serde(default)]
    source: Option<String>,
}

/// The stream's items and their stories, resolved through merges at the end.
#[derive(Default)]
struct Stream {
    /// Item ids by key (keys are positions among distinct ids).
    ids: Vec<String>,
    /// Story recorded at assignment, per key.
    story: Vec<u64>,
    by_id: HashMap<String, u64>,
    /// Story merged away → story it went into.
    merged: HashMap<u64, u64>,
    /// Output order: key per input item (repeats included).
    order: Vec<u64>,
}

impl Stream {
    fn resolve(&self, mut story: u64) -> u64 {
        while let Some(&into) = self.merged.get(&story) {
            story = into;
        }
        story
    }
}

/// Clusters `input` and writes the assignments to `out`; warnings go to `warn`.
pub fn run(input: impl BufRead, out: &mut impl Write, warn: &mut impl Write) -> Result<()> {
    let mut engine = Clusterer::new(Config::default());
    let now_ms = chrono::Utc::now().timestamp_millis();
    let mut stream = Stream::default();
    for (n, line) in input.split(b'\n').enumerate() {
        let line = line?;
        match parse(&line) {
            Ok(Some(item)) => assign(&mut engine, &mut stream, item, now_ms),
            Ok(None) => continue,
            Err(e) => writeln!(warn, "line {}: skipped: {e}", n + 1)?,
        }
    }
    for &key in &stream.order {
        let story = stream.resolve(stream.story[key as usize]);
        let line = serde_json::json!({"id": stream.ids[key as usize], "story": stream.ids[story as usize]});
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    Ok(())
}

fn assign(engine: &mut Clusterer, stream: &mut Stream, input: Input, now_ms: i64) {
    let id = id_text(&input.id);
    if let Some(&key) = stream.by_id.get(&id) {
        stream.order.push(key);
        return;
    }
    let key = stream.ids.len() as u64;
    let item = Item {
        key,
        title: input.title.as_deref().unwrap_or(""),
        text: input.text.as_deref().unwrap_or(""),
        source: input.source.as_deref(),
        byline: None,
        published_ms: input.published.as_ref().and_then(published_ms),
        embedding: None,
    };
    let a = engine.assign(&item, now_ms);
    for gone in &a.merged {
        stream.merged.insert(*gone, a.story);
    }
    stream.by_id.insert(id.clone(), key);
    stream.ids.push(id);
    stream.story.push(a.story);
    stream.order.push(key);
}

/// `Ok(None)` for a blank line.
fn parse(line: &[u8]) -> Result<Option<Input>> {
    if line.len() > MAX_LINE_BYTES {
        anyhow::bail!("line longer than {MAX_LINE_BYTES} bytes");
    }
    if line.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let input: Input = serde_json::from_slice(line)?;
    match &input.id {
        Value::String(s) if !s.is_empty() => {}
        Value::Number(_) => {}
        _ => anyhow::bail!("\"id\" must be a non-empty string or a number"),
    }
    Ok(Some(input))
}

fn id_text(id: &Value) -> String {
    match id {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// RFC 3339 text or epoch milliseconds (a number or a string of digits);
/// anything else counts as no time.
fn published_ms(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64)),
        Value::String(s) => DateTime::parse_from_rfc3339(s.trim())
            .map(|t| t.timestamp_millis())
            .ok()
            .or_else(|| s.trim().parse().ok()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_on(input: &str) -> (Vec<(String, String)>, String) {
        let (mut out, mut warn) = (Vec::new(), Vec::new());
        run(input.as_bytes(), &mut out, &mut warn).unwrap();
        let lines = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                (
                    v["id"].as_str().unwrap().to_string(),
                    v["story"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        (lines, String::from_utf8(warn).unwrap())
    }

    #[test]
    fn items_of_one_story_share_the_founders_id() {
        let input = r#"{"id":"a","title":"Osk River bursts its banks in Marrow Vale","published":"2026-11-20T08:00:00Z","source":"Gazette"}
{"id":"b","title":"Cup final tickets sell out in minutes","published":1795163400000}
{"id":"c","title":"Marrow Vale flooded as Osk River bursts banks","text":"Residents were evacuated.","published":"2026-11-20T09:00:00+01:00","source":"Ledger"}
"#;
        let (lines, warn) = run_on(input);
        assert_eq!(
            lines,
            vec![
                ("a".into(), "a".into()),
                ("b".into(), "b".into()),
                ("c".into(), "a".into())
            ]
        );
        assert!(warn.is_empty(), "{warn}");
    }

    #[test]
    fn bad_lines_are_reported_and_skipped_and_repeats_keep_their_story() {
        let input = "not json\n\n{\"title\":\"no id\"}\n{\"id\":7,\"title\":\"\"}\n{\"id\":\"x\",\"title\":\"Flood\",\"published\":\"yesterday\"}\n{\"id\":7,\"title\":\"Flood\"}\n";
        let (lines, warn) = run_on(input);
        assert_eq!(
            lines,
            vec![
                ("7".into(), "7".into()),
                ("x".into(), "x".into()),
                ("7".into(), "7".into())
            ]
        );
        assert_eq!(warn.lines().count(), 2, "{warn}");
        assert!(warn.starts_with("line 1: skipped"));
    }

    #[test]
    fn published_times_in_both_forms() {
        assert_eq!(
            published_ms(&Value::from(1_700_000_000_000i64)),
            Some(1_700_000_000_000)
        );
        assert_eq!(
            published_ms(&Value::from("2023-11-14T22:13:20Z")),
            Some(1_700_000_000_000)
        );
        assert_eq!(published_ms(&Value::from("1700000000000")), Some(1_700_000_000_000));
        assert_eq!(published_ms(&Value::from("soon")), None);
        assert_eq!(published_ms(&Value::Null), None);
    }
}
