//! A synthetic archive for load tests: sources, feeds and ready articles
//! with realistic sizes, written through the real [`Store`] so the database
//! looks exactly like one the crawler filled.

use std::sync::Arc;

use anyhow::Result;
use chrono::{Duration, Utc};
use newsdesk_domain::{Extracted, FeedEntry};
use newsdesk_store::{PollSuccess, Queued, Store};

const SOURCES: usize = 50;
const BATCH: usize = 1_000;
const PARAGRAPHS: usize = 8;
const WORDS_PER_PARAGRAPH: usize = 70;

/// Deterministic xorshift: the same archive every run, without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A Zipf-like pick from `0..n`: low indexes are far more frequent, as words are.
    fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next() % 1_000_000) as f64 / 1_000_000.0;
        ((n as f64).powf(u) as usize).saturating_sub(1).min(n - 1)
    }
}

/// A vocabulary of pronounceable pseudo-words.
fn vocabulary(size: usize) -> Vec<String> {
    const SYLLABLES: [&str; 16] = [
        "ka", "lo", "mi", "ne", "ra", "to", "su", "vi", "den", "mar", "tel", "os", "qu", "ber", "lin", "ga",
    ];
    (0..size)
        .map(|i| {
            let (a, b, c) = (i % 16, (i / 16) % 16, (i / 256) % 16);
            format!(
                "{}{}{}",
                SYLLABLES[a],
                SYLLABLES[b],
                if i >= 256 { SYLLABLES[c] } else { "" }
            )
        })
        .collect()
}

fn sentence(rng: &mut Rng, vocab: &[String], words: usize) -> String {
    let mut s: Vec<&str> = (0..words).map(|_| vocab[rng.zipf(vocab.len())].as_str()).collect();
    s.dedup();
    let mut text = s.join(" ");
    if let Some(first) = text.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    text
}

/// Writes `count` ready articles over `SOURCES` sources; returns the id of the newest.
pub fn archive(store: &Arc<dyn Store>, count: usize) -> Result<i64> {
    let vocab = vocabulary(4_000);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let now = Utc::now();
    let mut feeds = Vec::new();
    for i in 0..SOURCES {
        let source = store.upsert_source(
            &format!("Bench Source {i}"),
            Some(&format!("https://source{i}.invalid/")),
        )?;
        feeds.push(store.add_feed(source.id, &format!("https://source{i}.invalid/feed.xml"))?);
    }
    let mut newest = 0;
    for start in (0..count).step_by(BATCH) {
        let feed = &feeds[(start / BATCH) % SOURCES];
        let entries: Vec<FeedEntry> = (start..(start + BATCH).min(count))
            .map(|i| FeedEntry {
                guid: format!("bench-{i}"),
                url: format!("https://source{}.invalid/news/{i}", (start / BATCH) % SOURCES),
                title: Some(sentence(&mut rng, &vocab, 9)),
                summary: Some(sentence(&mut rng, &vocab, 30)),
                author: Some("Bench Reporter".into()),
                published: Some(now - Duration::seconds((count - i) as i64 * 25)),
            })
            .collect();
        let poll = PollSuccess {
            checked_at: now,
            next_check_at: now + Duration::days(365),
            interval_secs: 86_400,
            etag: None,
            last_modified: None,
            title: None,
        };
        for (entry, queued) in entries.iter().zip(store.record_poll(feed.id, &poll, &entries)?) {
            let (Queued::New(id) | Queued::Known(id)) = queued;
            store.complete_article(id, &entry.url, &page(&mut rng, &vocab, entry))?;
            newest = newest.max(id.0);
        }
    }
    Ok(newest)
}

fn page(rng: &mut Rng, vocab: &[String], entry: &FeedEntry) -> Extracted {
    let paragraphs: Vec<String> = (0..PARAGRAPHS)
        .map(|_| format!("{}.", sentence(rng, vocab, WORDS_PER_PARAGRAPH)))
        .collect();
    Extracted {
        title: entry.title.clone(),
        byline: entry.author.clone(),
        published: entry.published.map(|t| t.fixed_offset()),
        lang: Some("en".into()),
        html: paragraphs.iter().map(|p| format!("<p>{p}</p>")).collect(),
        text: paragraphs.join("\n\n"),
        ..Extracted::default()
    }
}
