//! A synthetic archive for load tests: sources, feeds and ready articles
//! with realistic sizes, grouped into stories of five outlets with related
//! stories and an analysis each, all written through the real [`Store`] so
//! the database looks like one the crawler filled and every part of the
//! article page has data to show.

use std::sync::Arc;

use anyhow::Result;
use chrono::{Duration, Utc};
use newsdesk_domain::{Analysis, ArticleId, Entity, EntityKind, Extracted, FeedEntry, Quote, Section, StoryId};
use newsdesk_store::{PollSuccess, Queued, Store, StoryAssignment};

const SOURCES: usize = 50;
const BATCH: usize = 1_000;
const PARAGRAPHS: usize = 8;
const WORDS_PER_PARAGRAPH: usize = 70;
/// Consecutive batches (each from another source) whose articles at the
/// same position form one story.
const OUTLETS_PER_STORY: usize = 5;
/// Distinct people, organisations and places named across the archive.
const ENTITIES: usize = 2_000;

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
    capitalised(&s.join(" "))
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
    let mut ids = Vec::with_capacity(count);
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
                category: None,
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
            let page = page(&mut rng, &vocab, entry);
            store.complete_article(id, &entry.url, &page)?;
            store.save_analysis(id, &analysis(&mut rng, &vocab, &page.text), now)?;
            ids.push(id);
        }
    }
    for (i, &id) in ids.iter().enumerate() {
        store.assign_story(&assignment(&ids, i, id))?;
    }
    Ok(ids.iter().map(|id| id.0).max().unwrap_or(0))
}

/// Article `i` joins the story founded by the article at its position in
/// the first batch of its group, and links the next two positions' stories.
fn assignment(ids: &[ArticleId], i: usize, id: ArticleId) -> StoryAssignment {
    let group_start = (i / BATCH / OUTLETS_PER_STORY) * OUTLETS_PER_STORY * BATCH;
    let founder = |pos: usize| ids.get(group_start + pos).map(|a| StoryId(a.0));
    let pos = i % BATCH;
    StoryAssignment {
        article: id,
        story: founder(pos).unwrap_or(StoryId(id.0)),
        merged: Vec::new(),
        syndicated: Vec::new(),
        related: [(1, 0.5), (2, 0.3)]
            .into_iter()
            .filter(|(d, _)| pos + d < BATCH)
            .filter_map(|(d, score)| Some((founder(pos + d)?, score)))
            .collect(),
        moved: Vec::new(),
        emptied: Vec::new(),
    }
}

/// A stored analysis of realistic size: three summary sentences, key
/// points, six entities and two attributed quotes.
fn analysis(rng: &mut Rng, vocab: &[String], text: &str) -> Analysis {
    let sentences: Vec<String> = text
        .split("\n\n")
        .take(3)
        .map(|p| p.chars().take(160).collect())
        .collect();
    let name = |rng: &mut Rng| {
        format!(
            "{} {}",
            capitalised(&vocab[rng.zipf(ENTITIES)]),
            capitalised(&vocab[rng.zipf(ENTITIES)])
        )
    };
    let kinds = [EntityKind::Person, EntityKind::Organization, EntityKind::Place];
    let entities: Vec<Entity> = (0..6)
        .map(|k| Entity {
            name: name(rng),
            kind: kinds[k % kinds.len()],
            mentions: 1 + (rng.next() % 4) as u32,
        })
        .collect();
    let quotes = (0..2)
        .map(|k| Quote {
            text: sentence(rng, vocab, 18),
            speaker: Some(entities[k * 3].name.clone()),
            start: 0,
            end: 0,
        })
        .collect();
    Analysis {
        key_points: sentences.iter().map(|s| s.chars().take(80).collect()).collect(),
        summary: sentences,
        entities,
        quotes,
        section: Some(Section::ALL[text.len() % Section::ALL.len()]),
    }
}

fn capitalised(word: &str) -> String {
    let mut w = word.to_string();
    if let Some(first) = w.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    w
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
