//! Extraction quality may not fall below the figures in docs/BENCHMARKS.md:
//! floors just under them, on the shared corpora (WCXB dev: over all pages
//! and on its articles). Each test skips, saying
//! so, when its corpus is not beside the repository.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use newsdesk_bench::extract::{score_readability, score_scrapinghub, summarise, PageScore};

/// `../shared/corpora/NAME` beside the repository root, if it is there.
fn corpus(name: &str, marker: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpora")
        .join(name);
    if dir.join(marker).exists() {
        Some(dir)
    } else {
        eprintln!("skipped: no corpus at {}", dir.display());
        None
    }
}

fn macro_average(scores: &[(String, PageScore)]) -> (f64, f64, f64) {
    summarise(&scores.iter().map(|(_, s)| *s).collect::<Vec<_>>())
}

#[test]
fn scrapinghub_quality_floor() {
    let Some(dir) = corpus("scrapinghub", "ground-truth.json") else {
        return;
    };
    let (scores, _) = score_scrapinghub(&dir).unwrap();
    let (p, r, f) = macro_average(&scores);
    assert_eq!(scores.len(), 181);
    assert!(f >= 0.9755 && p >= 0.97 && r >= 0.98, "P {p:.4} R {r:.4} F1 {f:.4}");
}

#[test]
fn readability_pages_quality_floor() {
    let Some(dir) = corpus("readability-test-pages", "") else {
        return;
    };
    let run = score_readability(&dir).unwrap();
    let (_, _, f) = macro_average(&run.scores);
    assert_eq!(run.scores.len(), 130);
    assert!(f >= 0.95, "text F1 {f:.4}");
    let rate = |field: &str| run.fields.get(field).map_or(0.0, |&(hit, n)| hit as f64 / n as f64);
    assert!(rate("title") >= 0.95, "titles {:.3}", rate("title"));
    assert!(rate("published") >= 0.95, "published {:.3}", rate("published"));
}

#[test]
fn wcxb_dev_quality_floor() {
    let Some(dir) = corpus("wcxb-dev", "page-types.json") else {
        return;
    };
    let (scores, _) = score_scrapinghub(&dir).unwrap();
    assert_eq!(scores.len(), 1337);
    let (_, _, f) = macro_average(&scores);
    assert!(f >= 0.82, "all pages: F1 {f:.4}");
    let types: HashMap<String, String> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("page-types.json")).unwrap()).unwrap();
    let articles: Vec<_> = scores
        .into_iter()
        .filter(|(id, _)| types.get(id).is_some_and(|t| t == "article"))
        .collect();
    assert_eq!(articles.len(), 709);
    let (_, _, f) = macro_average(&articles);
    assert!(f >= 0.935, "articles: F1 {f:.4}");
}
