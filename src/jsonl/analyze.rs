//! `newsdesk analyze`: JSONL articles in, one analysis per line out.
//!
//! Each input line is `{"id", "title"?, "text"}`; each output line is
//! `{"id", "summary", "key_points", "entities", "quotes", "section"}` (quote
//! offsets in code points of `text`; `section` a slug such as `"world"`). A line that is not such an object yields
//! `{"id", "error"}` so the output stays aligned with the input.

use std::io::{BufRead, Write};

use anyhow::Result;
use serde::Deserialize;
use serde_json::{json, Value};

/// One input article.
#[derive(Deserialize)]
struct Item {
    #[serde(default)]
    id: Value,
    title: Option<String>,
    text: String,
}

/// Analyses every line of `input`, writing one JSON line each to `out`.
pub fn run(input: impl BufRead, mut out: impl Write, sentences: usize) -> Result<()> {
    for line in input.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        writeln!(out, "{}", analyze_line(&line, sentences))?;
    }
    out.flush()?;
    Ok(())
}

/// The output line for one input line.
pub fn analyze_line(line: &str, sentences: usize) -> Value {
    match serde_json::from_str::<Item>(line) {
        Ok(item) => {
            let a = newsdesk_analyze::analyze(item.title.as_deref(), &item.text, sentences);
            json!({
                "id": item.id,
                "summary": a.summary,
                "key_points": a.key_points,
                "entities": a.entities,
                "quotes": a.quotes,
                "section": a.section,
            })
        }
        Err(e) => {
            let id = serde_json::from_str::<Value>(line)
                .ok()
                .and_then(|v| v.get("id").cloned());
            json!({"id": id, "error": format!("invalid input line: {e}")})
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_has_the_documented_shape() {
        let line = r#"{"id":"a1","title":"Talks","text":"Secretary of State Marco Rubio spoke in Paris on Monday. 'We made real progress today,' Rubio said."}"#;
        let v = analyze_line(line, 3);
        assert_eq!(v["id"], "a1");
        assert_eq!(v["quotes"][0]["speaker"], "Marco Rubio");
        assert_eq!(v["quotes"][0]["text"], "We made real progress today,");
        assert!(v["entities"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["name"] == "Paris" && e["kind"] == "place"));
        assert_eq!(v["summary"].as_array().unwrap().len(), 2);
        assert!(v["section"]
            .as_str()
            .is_some_and(|s| newsdesk_domain::Section::from_slug(s).is_some()));
    }

    #[test]
    fn bad_lines_give_errors_and_keep_going() {
        let input = "not json\n{\"id\":7}\n\n{\"id\":8,\"text\":\"\"}\n";
        let mut out = Vec::new();
        run(input.as_bytes(), &mut out, 3).unwrap();
        let lines: Vec<Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0]["error"].is_string() && lines[0]["id"].is_null());
        assert_eq!(
            (lines[1]["id"].as_i64(), lines[1]["error"].is_string()),
            (Some(7), true)
        );
        assert_eq!(lines[2]["summary"], json!([]));
    }
}
