//! A synthetic archive for load tests: sources, feeds and ready articles
//! with realistic sizes, grouped into stories of five outlets with related
//! stories and an analysis each, all written through the real [`Store`] so
//! the database looks like one the crawler filled and every part of the
//! article page has data to show.

use std::sync::Arc;

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};
use newsdesk_domain::{Analysis, Entity, EntityKind, Extracted, FeedEntry, Quote, Section, StoryId};
use newsdesk_store::{PollSuccess, Queued, Store, StoryAssignment};

/// Outlets the archive's articles come from.
pub const SOURCES: usize = 50;
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

/// One synthetic article: its outlet (`0..SOURCES`), its feed entry, its
/// page and its analysis.
pub struct Synthetic {
    /// Index of its source among `SOURCES`.
    pub source: usize,
    /// The entry its feed listed.
    pub entry: FeedEntry,
    /// The page as extraction would give it.
    pub page: Extracted,
    /// Its stored analysis.
    pub analysis: Analysis,
}

/// The archive's articles in order, each made once: the same archive every run.
pub struct Archive {
    vocab: Vec<String>,
    rng: Rng,
    now: DateTime<Utc>,
    count: usize,
}

impl Archive {
    /// An archive of `count` articles, the newest published at `now`, one every 25 s before it.
    pub fn new(count: usize, now: DateTime<Utc>) -> Archive {
        Archive {
            vocab: vocabulary(4_000),
            rng: Rng(0x9e37_79b9_7f4a_7c15),
            now,
            count,
        }
    }

    /// Article `i`; call in order `0..count`.
    pub fn article(&mut self, i: usize) -> Synthetic {
        let source = (i / BATCH) % SOURCES;
        let entry = FeedEntry {
            guid: format!("bench-{i}"),
            url: format!("https://{}/news/{i}", host(source)),
            title: Some(sentence(&mut self.rng, &self.vocab, 9)),
            summary: Some(sentence(&mut self.rng, &self.vocab, 30)),
            author: Some("Bench Reporter".into()),
            published: Some(self.now - Duration::seconds((self.count - i) as i64 * 25)),
            category: None,
        };
        let page = page(&mut self.rng, &self.vocab, &entry);
        let analysis = analysis(&mut self.rng, &self.vocab, &page.text);
        Synthetic {
            source,
            entry,
            page,
            analysis,
        }
    }
}

/// The host of source `i`.
pub fn host(source: usize) -> String {
    format!("source{source}.invalid")
}

/// Writes `count` ready articles over `SOURCES` sources; returns the id of the newest.
pub fn archive(store: &Arc<dyn Store>, count: usize) -> Result<i64> {
    let now = Utc::now();
    let mut archive = Archive::new(count, now);
    let mut feeds = Vec::new();
    for i in 0..SOURCES {
        let source = store.upsert_source(&format!("Bench Source {i}"), Some(&format!("https://{}/", host(i))))?;
        feeds.push(store.add_feed(source.id, &format!("https://{}/feed.xml", host(i)))?);
    }
    let mut ids = Vec::with_capacity(count);
    for start in (0..count).step_by(BATCH) {
        let articles: Vec<Synthetic> = (start..(start + BATCH).min(count))
            .map(|i| archive.article(i))
            .collect();
        let entries: Vec<FeedEntry> = articles.iter().map(|a| a.entry.clone()).collect();
        let poll = PollSuccess {
            checked_at: now,
            next_check_at: now + Duration::days(365),
            interval_secs: 86_400,
            etag: None,
            last_modified: None,
            title: None,
        };
        let feed = &feeds[articles[0].source];
        for (article, queued) in articles.iter().zip(store.record_poll(feed.id, &poll, &entries)?) {
            let (Queued::New(id) | Queued::Known(id)) = queued;
            store.complete_article(id, &article.entry.url, &article.page)?;
            store.save_analysis(id, &article.analysis, now)?;
            ids.push(id);
        }
    }
    for (i, &id) in ids.iter().enumerate() {
        let story = |index: usize| StoryId(ids[index].0);
        store.assign_story(&StoryAssignment {
            article: id,
            story: story(story_founder(i)),
            merged: Vec::new(),
            syndicated: Vec::new(),
            related: related_founders(i, count)
                .into_iter()
                .map(|(index, score)| (story(index), score))
                .collect(),
            moved: Vec::new(),
            emptied: Vec::new(),
        })?;
    }
    Ok(ids.iter().map(|id| id.0).max().unwrap_or(0))
}

/// Article `i` joins the story founded by the article at its position in
/// the first batch of its group of `OUTLETS_PER_STORY` batches.
pub fn story_founder(i: usize) -> usize {
    let group_start = (i / BATCH / OUTLETS_PER_STORY) * OUTLETS_PER_STORY * BATCH;
    group_start + i % BATCH
}

/// The founders of the stories article `i`'s story links to, with their
/// scores: the next two positions' stories in its group.
pub fn related_founders(i: usize, count: usize) -> Vec<(usize, f32)> {
    let pos = i % BATCH;
    [(1, 0.5), (2, 0.3)]
        .into_iter()
        .filter(|(d, _)| pos + d < BATCH && story_founder(i) + d < count)
        .map(|(d, score)| (story_founder(i) + d, score))
        .collect()
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
