//! `newsdesk cluster`: story assignment for a JSONL stream of items.
//!
//! Each input line is `{"id","title","text"?,"published"?,"source"?,"url"?}`,
//! read in arrival order; `published` is RFC 3339 or epoch milliseconds.
//! Items are clustered as the live pipeline clusters them: its
//! configuration ([`Config::live`]) and its title embeddings, when the
//! configuration gives a model. After the whole stream, one line `{"id","story"}` per
//! item is printed in input order with its final story (after merges and
//! the engine's later revisions: moves, splits, dissolved stories), the
//! story being named by the id of the item whose key names it (its founder,
//! or for a split-off story its first article). A line that is not such an
//! object is reported on stderr and skipped; a repeated id is the same
//! article sent again and gets its first occurrence's story.

use std::collections::HashMap;
use std::io::{BufRead, Write};

use anyhow::Result;
use chrono::DateTime;
use newsdesk_cluster::{Clusterer, Config, Item, Revision};
use newsdesk_crawl::Embeddings;
use serde::Deserialize;
use serde_json::Value;

/// Lines longer than this are refused: no sane item needs a megabyte.
const MAX_LINE_BYTES: usize = 1 << 20;

/// Titles embedded per model call, as in the live window's rebuild.
const BATCH: usize = 64;

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

/// The stream's items and their current stories, kept up to date through
/// merges and revisions.
#[derive(Default)]
struct Stream {
    /// Item ids by key (keys are positions among distinct ids).
    ids: Vec<String>,
    /// Current story, per key.
    story: Vec<u64>,
    /// Keys in each story.
    members: HashMap<u64, Vec<u64>>,
    by_id: HashMap<String, u64>,
    /// Output order: key per input item (repeats included).
    order: Vec<u64>,
}

impl Stream {
    /// Moves one item to story `to`.
    fn shift(&mut self, key: u64, from: u64, to: u64) {
        if let Some(list) = self.members.get_mut(&from) {
            list.retain(|&k| k != key);
        }
        self.members.entry(to).or_default().push(key);
        self.story[key as usize] = to;
    }

    /// Every item of story `gone` now belongs to `into`.
    fn relabel(&mut self, gone: u64, into: u64) {
        let moved = self.members.remove(&gone).unwrap_or_default();
        for &k in &moved {
            self.story[k as usize] = into;
        }
        self.members.entry(into).or_default().extend(moved);
    }
}

/// Clusters `input` and writes the assignments to `out`; warnings go to `warn`.
pub async fn run(
    input: impl BufRead,
    out: &mut impl Write,
    warn: &mut impl Write,
    embeddings: &Embeddings,
) -> Result<()> {
    let mut engine = Clusterer::new(Config::live());
    let now_ms = chrono::Utc::now().timestamp_millis();
    let mut stream = Stream::default();
    let mut batch = Vec::with_capacity(BATCH);
    for (n, line) in input.split(b'\n').enumerate() {
        let line = line?;
        match parse(&line) {
            Ok(Some(item)) => batch.push(item),
            Ok(None) => continue,
            Err(e) => writeln!(warn, "line {}: skipped: {e}", n + 1)?,
        }
        if batch.len() == BATCH {
            assign_batch(&mut engine, &mut stream, &mut batch, embeddings, now_ms).await;
        }
    }
    assign_batch(&mut engine, &mut stream, &mut batch, embeddings, now_ms).await;
    for &key in &stream.order {
        let story = stream.story[key as usize];
        let line = serde_json::json!({"id": stream.ids[key as usize], "story": stream.ids[story as usize]});
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    Ok(())
}

/// Embeds the batch's titles at once, then assigns its items in order.
async fn assign_batch(
    engine: &mut Clusterer,
    stream: &mut Stream,
    batch: &mut Vec<Input>,
    embeddings: &Embeddings,
    now_ms: i64,
) {
    let titles = batch.iter().map(|i| i.title.clone().unwrap_or_default()).collect();
    let vectors = embeddings.titles(titles).await;
    for (input, embedding) in batch.drain(..).zip(vectors) {
        assign(engine, stream, input, embedding, now_ms);
    }
}

fn assign(engine: &mut Clusterer, stream: &mut Stream, input: Input, embedding: Option<Vec<f32>>, now_ms: i64) {
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
        embedding: embedding.as_deref(),
    };
    let a = engine.assign(&item, now_ms);
    stream.by_id.insert(id.clone(), key);
    stream.ids.push(id);
    stream.story.push(a.story);
    stream.members.entry(a.story).or_default().push(key);
    stream.order.push(key);
    for &gone in &a.merged {
        stream.relabel(gone, a.story);
    }
    for r in &a.revisions {
        match *r {
            Revision::Move { key, from, to } => stream.shift(key, from, to),
            Revision::Dissolve { story, into } => stream.relabel(story, into),
            Revision::Split { from, story, ref keys } => {
                for &key in keys {
                    stream.shift(key, from, story);
                }
            }
        }
    }
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
        let words_only = Embeddings::default();
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime
            .block_on(run(input.as_bytes(), &mut out, &mut warn, &words_only))
            .unwrap();
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
    fn each_item_is_printed_with_its_story_after_the_engines_revisions() {
        // Six events of one city, interleaved: early decisions get revised.
        const EVENTS: [(&str, &str); 6] = [
            ("Halvard Bridge", "closed after corroded cable anchors found"),
            ("Osk River", "floods Millbrook and forces evacuations"),
            ("transit strike", "halts buses and trams"),
            ("Veltrix chip plant", "brings thousands of jobs"),
            ("council budget", "raises property tax"),
            ("Rovers", "win the Westmarch Cup final"),
        ];
        const FRAMES: [&str; 4] = [
            "Port Calder: {e} {w}",
            "{e} {w} in Port Calder",
            "What the {e} means: {w}",
            "{e}: officials say it {w}",
        ];
        let items: Vec<(String, String)> = (0..48)
            .map(|n| (n * 7) % 48)
            .map(|i| {
                let (e, w) = EVENTS[i / 8];
                let title = FRAMES[i % 4].replace("{e}", e).replace("{w}", w);
                (title, format!("Outlet {}", i % 5))
            })
            .collect();
        let input: String = items
            .iter()
            .enumerate()
            .map(|(n, (title, source))| {
                format!(
                    "{}\n",
                    serde_json::json!({"id": n.to_string(), "title": title, "source": source})
                )
            })
            .collect();
        let (lines, warn) = run_on(&input);
        assert!(warn.is_empty(), "{warn}");
        // The engine itself, fed the same items: its stories at the end.
        let mut engine = Clusterer::new(Config::live());
        let mut revisions = 0;
        for (n, (title, source)) in items.iter().enumerate() {
            let item = Item {
                key: n as u64,
                title,
                source: Some(source),
                ..Item::default()
            };
            revisions += engine.assign(&item, 0).revisions.len();
        }
        assert!(revisions > 0, "the input should make the engine revise");
        for (n, (id, story)) in lines.iter().enumerate() {
            assert_eq!(id, &n.to_string());
            assert_eq!(story, &engine.story_of(n as u64).unwrap().to_string(), "item {n}");
        }
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
