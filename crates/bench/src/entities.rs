//! `newsdesk-bench entities`: document-level people, organisations and
//! places, scored by the project's scorer (`../shared/scorers/score_entities.py`),
//! the one used on hidden data.
//!
//! The corpus is either a JSONL of `{"id", "title", "text", "entities"}`
//! documents (gum-wikinews) or the open-ner-en directory, whose dev split's
//! sentences are joined back into documents with their names as the gold set.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use newsdesk_analyze::tagger::{names, Kind};
use serde::Deserialize;
use serde_json::json;

use crate::scorers;

#[derive(Deserialize)]
struct Document {
    id: String,
    #[serde(default)]
    title: Option<String>,
    text: String,
}

/// Analyses every document, writes the predictions and prints the scorer's figures.
pub fn run(corpus: &Path, out: &Path) -> Result<()> {
    std::fs::create_dir_all(out)?;
    let gold = if corpus.is_dir() {
        open_ner_documents(corpus, out)?
    } else {
        corpus.to_path_buf()
    };
    let text = std::fs::read_to_string(&gold).with_context(|| format!("reading {}", gold.display()))?;
    let stem = gold.file_stem().and_then(|s| s.to_str()).unwrap_or("entities");
    let predictions = out.join(format!("entities-{stem}.jsonl"));
    let mut w = std::io::BufWriter::new(std::fs::File::create(&predictions)?);
    let mut documents = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let d: Document = serde_json::from_str(line)?;
        let a = newsdesk_analyze::analyze(d.title.as_deref(), &d.text, 3);
        serde_json::to_writer(&mut w, &json!({"id": d.id, "entities": a.entities}))?;
        writeln!(w)?;
        documents += 1;
    }
    w.flush()?;
    println!("{documents} documents; predictions in {}", predictions.display());
    scorers::report("score_entities.py", &gold, &predictions, |v| {
        let kind = |k: &str| v["per_kind"][k]["f1"].as_f64().unwrap_or(0.0);
        format!(
            "micro F1 {:.3} (P {:.3} R {:.3}); person {:.3}, organisation {:.3}, place {:.3}; name found, any kind {:.3}",
            v["f1"].as_f64().unwrap_or(0.0),
            v["precision"].as_f64().unwrap_or(0.0),
            v["recall"].as_f64().unwrap_or(0.0),
            kind("person"),
            kind("organization"),
            kind("place"),
            v["kind_agnostic_f1"].as_f64().unwrap_or(0.0),
        )
    })
}

/// open-ner-en's dev split as scorer documents: each document's sentences
/// joined by lines, its distinct names as the gold set.
fn open_ner_documents(corpus: &Path, out: &Path) -> Result<PathBuf> {
    let path = out.join("open-ner-en-dev-documents.jsonl");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&path)?);
    for (n, doc) in crate::tagger::read_split(&corpus.join("dev.jsonl.gz"))?
        .iter()
        .enumerate()
    {
        let mut seen = BTreeSet::new();
        let mut entities = Vec::new();
        for s in doc {
            for name in names(&s.tags) {
                let text = s.words[name.tokens].join(" ");
                let kind = match name.kind {
                    Kind::Person => "person",
                    Kind::Organization => "organization",
                    Kind::Place => "place",
                };
                if seen.insert((text.clone(), kind)) {
                    entities.push(json!({"name": text, "type": kind}));
                }
            }
        }
        let text: Vec<String> = doc.iter().map(|s| s.words.join(" ")).collect();
        serde_json::to_writer(
            &mut w,
            &json!({"id": format!("dev-{n}"), "title": "", "text": text.join("\n"), "entities": entities}),
        )?;
        writeln!(w)?;
    }
    w.flush()?;
    Ok(path)
}
