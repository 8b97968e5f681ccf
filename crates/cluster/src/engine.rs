//! The incremental clusterer: assigns each arriving article to a story.
//!
//! For each article: find candidate stories through an inverted index over
//! the rarest terms of the article, score each candidate (cosine with the
//! story centroid and with its latest members, damped by the time gap and
//! by the story already carrying this publisher), then join the best one
//! above the threshold or found a new story. When the article also fits a
//! second story well and the two stories' centroids agree, the two are
//! merged into the older one. A near-duplicate of an earlier article (a
//! syndicated copy) joins that article's story whatever its headline says.
//! Then recent decisions around the grown story are revised under today's
//! idf (`revise`, `split`), so that early articles placed when little was
//! known (a cold window, an idf that still took a city's name for rare) do
//! not fix the stories for good.
//!
//! Everything is deterministic: hashes are fixed, maps are iterated only
//! after sorting, ties break on story id.

use std::cell::OnceCell;
use std::collections::hash_map::Entry;
use std::collections::BTreeSet;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::doc::{Doc, Lookup};
use crate::idf::DocFreq;
use crate::minhash::Signature;
use crate::postings::Postings;
use crate::story::{Changed, Story};
use crate::{Assignment, Config, Item, Revision, Syndicated};

/// Rarest terms of an article used to look up candidate stories.
const PROBE_TERMS: usize = 12;
/// Most recent postings read per probed term: bounds the time per article
/// however common a term becomes.
const POSTINGS_SCANNED: usize = 200;
/// Candidates scored exactly. 24 scored as well as 40 on every quality
/// measure (MStream, synthetic, newswire) at 60 % of the cost.
const CANDIDATES: usize = 24;
/// Candidates checked for a merge after each assignment.
const MERGE_CHECKS: usize = 5;
/// Related stories reported per assignment.
const RELATED: usize = 5;
/// Neighbouring stories (the best-scored others) whose recent members are
/// revised when an article joins a story.
const REVISE_STORIES: usize = 2;
/// Two groups of a young story's articles are two stories when a pair across
/// them is on average under this share as alike as a pair inside one of them
/// (the mean of the two groups' within-pair means). On the newswire's 400
/// orders 0.40 to 0.44 all gave no merge and no split; 0.35 left merges,
/// 0.5 split events.
const SPLIT_SHARE: f32 = 0.42;
/// Latest members of a story that revising looks at: the ones single-link
/// scoring compares with (more cost as much again and moved no decision
/// on the newswire or MStream).
const RESEAT_MEMBERS: usize = 8;
/// A member moves only when it fits the other story this much better:
/// without a margin two close stories could trade an article back and forth.
const MOVE_MARGIN: f32 = 0.02;

/// An article being scored against stories: its document, the document's
/// lookup table, its publisher and its time. The table is built on the
/// first member comparison: the bounds rule out most stories before it.
struct Article<'a> {
    doc: &'a Doc,
    lookup: OnceCell<Lookup>,
    source: Option<u32>,
    time: i64,
}

impl<'a> Article<'a> {
    fn new(doc: &'a Doc, source: Option<u32>, time: i64) -> Article<'a> {
        Article {
            doc,
            lookup: OnceCell::new(),
            source,
            time,
        }
    }

    fn lookup(&self) -> &Lookup {
        self.lookup.get_or_init(|| Lookup::new(&self.doc.vector))
    }
}

/// Near-copies of an arriving article among live ones.
#[derive(Default)]
struct Copies {
    /// The earliest copy of any publisher: the story to join.
    earliest: Option<u64>,
    /// The earliest copy from another publisher: what it was syndicated from.
    original: Option<u64>,
    /// Every near-copy found, by key.
    group: Vec<u64>,
}

/// Keys of the live members with one MinHash band key: almost always a
/// single one, kept inline rather than in an allocation of its own (a
/// window holds 16 bands per article).
enum Band {
    One(u64),
    Many(Vec<u64>),
}

impl Band {
    fn keys(&self) -> &[u64] {
        match self {
            Band::One(key) => std::slice::from_ref(key),
            Band::Many(keys) => keys,
        }
    }

    fn push(&mut self, key: u64) {
        match self {
            Band::One(first) => *self = Band::Many(vec![*first, key]),
            Band::Many(keys) => keys.push(key),
        }
    }

    /// Takes `key` out; false when no key is left.
    fn remove(&mut self, key: u64) -> bool {
        match self {
            Band::One(only) => *only != key,
            Band::Many(keys) => {
                keys.retain(|k| *k != key);
                !keys.is_empty()
            }
        }
    }
}

/// Lower-cased byline without a leading "by" and surrounding space.
fn normalise_byline(b: &str) -> String {
    let b = b.trim().to_lowercase();
    b.strip_prefix("by ").unwrap_or(&b).trim().to_string()
}

/// What the engine remembers about a live article.
struct Member {
    story: u64,
    source: Option<u32>,
    byline: Option<Box<str>>,
    time_ms: i64,
    signature: Option<Box<Signature>>,
    /// `Some(origin)` once known to be a syndicated copy; the origin may be unknown.
    syndicated: Option<Option<Box<str>>>,
    /// Its key names a story, live or gone: never reused for a new one.
    named: bool,
}

/// Incremental story clustering over a sliding time window.
pub struct Clusterer {
    config: Config,
    df: DocFreq,
    stories: FxHashMap<u64, Story>,
    /// Live stories by last activity, for expiry.
    by_last: BTreeSet<(i64, u64)>,
    members: FxHashMap<u64, Member>,
    /// Live members by time, for expiry: an article leaves the window on its
    /// own time, whatever its story does.
    member_times: BTreeSet<(i64, u64)>,
    /// Term → stories whose centroid holds it, oldest first.
    postings: Postings,
    /// MinHash band key → keys of live members with that band.
    bands: FxHashMap<u64, Band>,
    sources: FxHashMap<Box<str>, u32>,
    source_names: Vec<Box<str>>,
    /// Latest article time seen.
    watermark: Option<i64>,
}

impl Clusterer {
    /// An empty clusterer: no stories, an empty window.
    pub fn new(config: Config) -> Clusterer {
        Clusterer {
            config,
            df: DocFreq::new(),
            stories: FxHashMap::default(),
            by_last: BTreeSet::new(),
            members: FxHashMap::default(),
            member_times: BTreeSet::new(),
            postings: Postings::default(),
            bands: FxHashMap::default(),
            sources: FxHashMap::default(),
            source_names: Vec::new(),
            watermark: None,
        }
    }

    /// Assigns one article. `now_ms` is the wall clock: a published time
    /// more than a day after it is a broken clock and counts as undated.
    /// A key already live is not assigned again; its story is returned.
    pub fn assign(&mut self, item: &Item<'_>, now_ms: i64) -> Assignment {
        if let Some(m) = self.members.get(&item.key) {
            return Assignment::duplicate(m.story);
        }
        let time = self.time_of(item, now_ms);
        self.expire(time);
        let (mut doc, signature) = self.prepare(item);
        doc.weigh(&self.df);
        let source = item.source.map(|s| self.intern(s));
        let copies = match signature.as_deref() {
            Some(sig) => self.copies(sig, source),
            None => Copies::default(),
        };
        let copy_of = copies.earliest;
        let scored = self.score(&doc, source, time);
        let (story, new_story) = match (copy_of.and_then(|k| self.members.get(&k)), scored.first()) {
            (Some(original), _) => (original.story, false),
            (None, Some(&(s, id))) if s >= self.config.threshold => (id, false),
            _ => (item.key, true),
        };
        if new_story {
            let slot = self.postings.open(item.key);
            self.stories.insert(item.key, Story::new(item.key, slot, time));
        }
        let story = self.join(story, item, &doc, source, time, signature);
        let mut out = Assignment {
            story,
            new_story,
            ..Assignment::default()
        };
        if let Some(original) = copies.original {
            out.syndicated = self.mark_syndicated(item.key, original, &copies.group);
        }
        self.merge_candidates(&scored, &mut out);
        self.merge_similar_story(&mut out);
        self.revise(&scored, item.key, &mut out);
        self.split(item.key, &mut out);
        out.related = scored
            .iter()
            .filter(|(s, id)| *s >= self.config.related_threshold && *id != out.story && !out.merged.contains(id))
            .take(RELATED)
            .map(|&(s, id)| (id, s))
            .collect();
        self.trim(out.story);
        self.maybe_compact();
        out
    }

    /// Re-adds an article whose story was decided before (after a restart),
    /// without deciding again. `syndicated` is `Some(origin)` for a copy.
    pub fn restore(&mut self, item: &Item<'_>, story: u64, syndicated: Option<Option<&str>>, now_ms: i64) {
        if self.members.contains_key(&item.key) {
            return;
        }
        let time = self.time_of(item, now_ms);
        self.expire(time);
        let (mut doc, signature) = self.prepare(item);
        doc.weigh(&self.df);
        let source = item.source.map(|s| self.intern(s));
        if !self.stories.contains_key(&story) {
            let slot = self.postings.open(story);
            self.stories.insert(story, Story::new(story, slot, time));
        }
        self.join(story, item, &doc, source, time, signature);
        if let (Some(m), Some(origin)) = (self.members.get_mut(&item.key), syndicated) {
            m.syndicated = Some(origin.map(Into::into));
        }
        self.trim(story);
    }

    /// The live story of an article, if it is still in the window.
    pub fn story_of(&self, key: u64) -> Option<u64> {
        self.members.get(&key).map(|m| m.story)
    }

    /// Live stories and articles in the window.
    pub fn live(&self) -> (usize, usize) {
        (self.stories.len(), self.members.len())
    }

    /// The article's time: its published time, undated when missing or in
    /// the future, and no earlier than the window's edge (a late arrival
    /// cannot join stories that have already expired).
    fn time_of(&mut self, item: &Item<'_>, now_ms: i64) -> i64 {
        let published = item
            .published_ms
            .filter(|&t| t <= now_ms.saturating_add(self.config.future_tolerance_ms));
        let time = match (published, self.watermark) {
            (Some(t), Some(w)) => t.max(w.saturating_sub(self.config.window_ms)),
            (Some(t), None) => t,
            (None, Some(w)) => w,
            (None, None) => 0,
        };
        self.watermark = Some(self.watermark.map_or(time, |w| w.max(time)));
        time
    }

    fn prepare(&mut self, item: &Item<'_>) -> (Doc, Option<Box<Signature>>) {
        // Without a semantic weight, embeddings are neither scored nor kept.
        let embedding = item.embedding.filter(|_| self.config.semantic_weight > 0.0);
        let doc = Doc::parse(item.title, item.text).with_embedding(embedding);
        self.df.add(doc.tf.iter().map(|&(h, _)| h));
        (doc, Signature::of(item.text).map(Box::new))
    }

    fn intern(&mut self, source: &str) -> u32 {
        let source = source.trim();
        if let Some(&id) = self.sources.get(source) {
            return id;
        }
        let id = self.source_names.len() as u32;
        self.sources.insert(source.into(), id);
        self.source_names.push(source.into());
        id
    }

    /// Candidate stories with their scores, best first (ties: older story first).
    fn score(&mut self, doc: &Doc, source: Option<u32>, time: i64) -> Vec<(f32, u64)> {
        let article = Article::new(doc, source, time);
        let floor = self.config.threshold.min(self.config.related_threshold);
        let mut scored: Vec<(f32, u64)> = self
            .candidates(doc)
            .into_iter()
            .filter_map(|id| Some((self.similarity(id, &article, None, floor)?, id)))
            .collect();
        scored.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored
    }

    /// Live stories sharing the most weight with the document's rarest terms.
    fn candidates(&mut self, doc: &Doc) -> Vec<u64> {
        let rarest_first = |a: &(f32, u64), b: &(f32, u64)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        let mut probes: Vec<(f32, u64)> = doc.vector.iter().map(|&(h, w)| (w, h)).collect();
        if probes.len() > PROBE_TERMS {
            probes.select_nth_unstable_by(PROBE_TERMS - 1, rarest_first);
            probes.truncate(PROBE_TERMS);
        }
        // Sorted so each story's overlap is summed in the same order every run.
        probes.sort_unstable_by(rarest_first);
        self.postings.most_overlapping(&probes, POSTINGS_SCANNED, CANDIDATES)
    }

    /// The article's score against a story, or `None` when it is under
    /// `floor` (skipping the member comparisons of a candidate that would be
    /// dropped anyway changes no decision). With `without`, the article is
    /// that member of the story, scored against the story without itself.
    fn similarity(&mut self, id: u64, article: &Article, without: Option<u64>, floor: f32) -> Option<f32> {
        let (doc, source, time) = (article.doc, article.source, article.time);
        let c = &self.config;
        let (blend, half_life, same_source) = (c.member_weight, c.half_life_ms, c.same_source_factor);
        let semantic = c.semantic_weight;
        let semantic_half_life = c.semantic_half_life_ms;
        let story = self.stories.get_mut(&id)?;
        let (centroid, member_bound) = match without {
            None => story.centroid_similarity(doc, &self.df),
            Some(_) => (story.centroid_similarity_without(doc, &self.df), 1.0),
        };
        // Optional semantic hook: the embedding cosine, when both sides have one.
        let embedded = doc.embedding.as_deref().and_then(|e| match without {
            None => story.embedding_similarity(e),
            Some(_) => story.embedding_similarity_without(e),
        });
        let gap = (time - story.last_ms).max(story.first_ms - time).max(0);
        let decay = if half_life > 0 {
            0.5f32.powf(gap as f32 / half_life as f32)
        } else {
            1.0
        };
        // A title embedding says what kind of thing happened, not that it is
        // the same occurrence: its share fades with the gap, leaving the
        // words (names, figures) to decide between articles days apart.
        let semantic = if embedded.is_some() && semantic_half_life > 0 && gap > 0 {
            semantic * 0.5f32.powf(gap as f32 / semantic_half_life as f32)
        } else {
            semantic
        };
        let blended = |member: f32, penalty: f32| {
            let words = (1.0 - blend) * centroid + blend * member;
            let s = embedded.map_or(words, |cos| (1.0 - semantic) * words + semantic * cos);
            s * decay * penalty
        };
        // The margin covers rounding in the bounds; they need the score to
        // grow with the member cosine and, above a floor over 0, with the
        // publisher factor. Cheapest first: the centroid's bound before
        // reading the story's publishers and its members' terms.
        let bounded = blend >= 0.0 && semantic <= 1.0;
        if bounded && floor > 0.0 && blended(member_bound + 1e-4, same_source.max(1.0)) < floor {
            return None;
        }
        let penalty = if source.is_some_and(|src| match without {
            None => story.has_source(src),
            Some(key) => story.has_other_source(src, key),
        }) {
            same_source
        } else {
            1.0
        };
        let member_bound = match without {
            None => story.member_bound(doc, member_bound),
            Some(_) => member_bound,
        };
        if bounded && blended(member_bound + 1e-4, penalty) < floor {
            return None;
        }
        Some(blended(story.member_similarity(article.lookup(), without), penalty))
    }

    /// Revises recent decisions around the story an article just joined:
    /// it has a new centroid, and idf has moved since its neighbours' recent
    /// members were placed. Each recent member of the best-scored other
    /// stories that now fits the grown story better moves to it (a story
    /// left without articles is gone, so small stories that turn out to be
    /// one event become one), and each recent member of the grown story
    /// that fits a neighbour better moves there. The work is bounded: at
    /// most [`REVISE_STORIES`] neighbours, already scored, and their recent
    /// members.
    fn revise(&mut self, scored: &[(f32, u64)], newcomer: u64, out: &mut Assignment) {
        let story = out.story;
        let neighbours: Vec<u64> = scored
            .iter()
            .filter(|&&(s, id)| s >= self.config.related_threshold && id != story && self.stories.contains_key(&id))
            .take(REVISE_STORIES)
            .map(|&(_, id)| id)
            .collect();
        if neighbours.is_empty() {
            return;
        }
        for &other in &neighbours {
            self.reseat(other, &[story], newcomer, out);
        }
        self.reseat(story, &neighbours, newcomer, out);
    }

    /// Moves each of the latest members of `from` (but `newcomer`) that fits one of
    /// `to` clearly better than the rest of its own story.
    fn reseat(&mut self, from: u64, to: &[u64], newcomer: u64, out: &mut Assignment) {
        let keys: Vec<u64> = match self.stories.get(&from) {
            Some(s) => s.latest(RESEAT_MEMBERS).filter(|&k| k != newcomer).collect(),
            None => return,
        };
        let threshold = self.config.threshold;
        for key in keys {
            let Some(m) = self.stories.get(&from).and_then(|s| s.recent().find(|m| m.key == key)) else {
                continue;
            };
            let (doc, source, time) = (m.doc(&self.df), m.source, m.time_ms);
            let article = Article::new(&doc, source, time);
            // Scoring the member in its own story caches that story's norm
            // under today's idf; kept whether or not the score is needed, so
            // the shortcut below leaves every later score as it was.
            if let Some(story) = self.stories.get_mut(&from) {
                story.norm(&self.df);
            }
            let mut best: Option<(f32, u64)> = None;
            for &other in to.iter().filter(|&&t| t != from) {
                // Under the threshold a story cannot take the member.
                let Some(s) = self.similarity(other, &article, None, threshold) else {
                    continue;
                };
                if best.is_none_or(|(b, _)| s > b) {
                    best = Some((s, other));
                }
            }
            // Its fit with its own story matters only when another can take it.
            let Some((s, other)) = best.filter(|&(s, _)| s >= threshold) else {
                continue;
            };
            let floor = threshold.min(self.config.related_threshold);
            let own = self.similarity(from, &article, Some(key), floor).unwrap_or(0.0);
            if s > own + MOVE_MARGIN {
                self.move_member(key, from, other, out);
            }
        }
    }

    /// Splits the story `newcomer` is in when its members, weighed by
    /// today's idf, fall into groups that would not join as groups (see
    /// [`groups`]). The group holding the founder (or, once it moved, the
    /// oldest member) keeps the story; each other group becomes a new story
    /// named by its first member whose key never named one. Only a story
    /// with every article still revisable ([`REVISABLE_MEMBERS`]) is split,
    /// so a split is exact and its cost bounded.
    fn split(&mut self, newcomer: u64, out: &mut Assignment) {
        let Some(story_id) = self.members.get(&newcomer).map(|m| m.story) else {
            return;
        };
        let Some(story) = self.stories.get(&story_id).filter(|s| s.whole() && s.size >= 3) else {
            return;
        };
        let docs: Vec<(u64, Doc)> = story.recent().map(|m| (m.key, m.doc(&self.df))).collect();
        let Some(a) = docs.iter().position(|(k, _)| *k == newcomer) else {
            return;
        };
        // Every member close to the newcomer: one story, nothing to compare.
        let newcomer_terms = Lookup::new(&docs[a].1.vector);
        if docs
            .iter()
            .enumerate()
            .all(|(i, (_, d))| i == a || newcomer_terms.dot(&d.vector) >= self.config.threshold)
        {
            return;
        }
        let sim: Vec<Vec<f32>> = docs
            .iter()
            .map(|(_, d)| Lookup::new(&d.vector))
            .map(|l| docs.iter().map(|(_, d)| l.dot(&d.vector)).collect())
            .collect();
        let groups = groups(&sim);
        if groups.len() < 2 {
            return;
        }
        let keeper = groups
            .iter()
            .position(|g| g.iter().any(|&i| docs[i].0 == story_id))
            .or_else(|| groups.iter().position(|g| g.contains(&0)))
            .unwrap_or(0);
        for (n, group) in groups.iter().enumerate() {
            if n == keeper {
                continue;
            }
            let leaving: Vec<u64> = group.iter().map(|&i| docs[i].0).collect();
            if let Some(&name) = leaving.iter().find(|k| self.members.get(k).is_some_and(|m| !m.named)) {
                self.split_off(story_id, name, &leaving, out);
            }
        }
    }

    /// Moves `keys` out of `from` into a new story named `name`.
    fn split_off(&mut self, from: u64, name: u64, keys: &[u64], out: &mut Assignment) {
        let Some(time) = self.members.get(&name).map(|m| m.time_ms) else {
            return;
        };
        let slot = self.postings.open(name);
        self.stories.insert(name, Story::new(name, slot, time));
        self.by_last.insert((time, name));
        if let Some(m) = self.members.get_mut(&name) {
            m.named = true;
        }
        let mut moved = Vec::new();
        for &key in keys {
            if self.transfer(key, from, name) {
                moved.push(key);
            }
        }
        out.revisions.push(Revision::Split {
            from,
            story: name,
            keys: moved,
        });
    }

    /// Moves a recent member between live stories; a story left with no
    /// article at all is gone into `to`.
    fn move_member(&mut self, key: u64, from: u64, to: u64, out: &mut Assignment) {
        if !self.transfer(key, from, to) {
            return;
        }
        out.revisions.push(Revision::Move { key, from, to });
        if self.stories.get(&from).is_some_and(|s| s.size == 0) {
            if let Some(gone) = self.stories.remove(&from) {
                self.by_last.remove(&(gone.last_ms, from));
                self.postings.close(gone.slot, gone.terms().count());
                out.revisions.push(Revision::Dissolve { story: from, into: to });
            }
        }
    }

    /// Adds the article to `story` and indexes it; returns the story id.
    fn join(
        &mut self,
        story_id: u64,
        item: &Item<'_>,
        doc: &Doc,
        source: Option<u32>,
        time: i64,
        signature: Option<Box<Signature>>,
    ) -> u64 {
        let Some(story) = self.stories.get_mut(&story_id) else {
            return story_id;
        };
        self.by_last.remove(&(story.last_ms, story_id));
        let changed = story.add(item.key, doc, source, time);
        self.by_last.insert((story.last_ms, story_id));
        let slot = story.slot;
        self.index(slot, changed);
        if let Some(sig) = &signature {
            for band in sig.band_keys() {
                match self.bands.entry(band) {
                    Entry::Occupied(mut keys) => keys.get_mut().push(item.key),
                    Entry::Vacant(vacant) => {
                        vacant.insert(Band::One(item.key));
                    }
                }
            }
        }
        let byline = item.byline.map(str::trim).filter(|b| !b.is_empty()).map(Into::into);
        self.member_times.insert((time, item.key));
        self.members.insert(
            item.key,
            Member {
                story: story_id,
                source,
                byline,
                time_ms: time,
                signature,
                syndicated: None,
                named: story_id == item.key,
            },
        );
        story_id
    }

    /// Takes a recent member out of `from` and adds it to `to`; false when
    /// either story or the member is not there.
    fn transfer(&mut self, key: u64, from: u64, to: u64) -> bool {
        if from == to || !self.stories.contains_key(&to) {
            return false;
        }
        let Some(m) = self.stories.get_mut(&from).and_then(|s| s.remove(key)) else {
            return false;
        };
        let doc = m.doc(&self.df);
        let Some(story) = self.stories.get_mut(&to) else {
            return false;
        };
        self.by_last.remove(&(story.last_ms, to));
        let changed = story.add(key, &doc, m.source, m.time_ms);
        self.by_last.insert((story.last_ms, to));
        let slot = story.slot;
        self.index(slot, changed);
        if let Some(member) = self.members.get_mut(&key) {
            member.story = to;
        }
        true
    }

    /// Near-copies of this text among live articles: the earliest of all
    /// (whose story a copy joins) and the earliest from another publisher
    /// (what it was syndicated from), unless the same publisher already ran
    /// it (then it is that publisher's own update, not syndication).
    fn copies(&self, sig: &Signature, source: Option<u32>) -> Copies {
        let mut seen = FxHashSet::default();
        let mut group = Vec::new();
        let (mut any, mut other, mut own) = (None::<(i64, u64)>, None::<(i64, u64)>, false);
        for band in sig.band_keys() {
            for &key in self.bands.get(&band).map_or(&[][..], Band::keys) {
                let Some(m) = self.members.get(&key) else { continue };
                if !seen.insert(key) || !m.signature.as_deref().is_some_and(|s| s.near_duplicate(sig)) {
                    continue;
                }
                group.push(key);
                let at = (m.time_ms, key);
                any = Some(any.map_or(at, |a| a.min(at)));
                if source.is_some() && m.source == source {
                    own = true;
                } else {
                    other = Some(other.map_or(at, |o| o.min(at)));
                }
            }
        }
        let other = if own { None } else { other };
        group.sort_unstable();
        Copies {
            earliest: any.map(|(_, k)| k),
            original: other.map(|(_, k)| k),
            group,
        }
    }

    /// Marks `key` (a copy of `original`) as syndicated. When at least two
    /// copies in the group of near-copies share a byline naming none of the
    /// publishers (a wire agency), every copy in the group is syndicated from
    /// that agency; otherwise the copy is syndicated from the original's
    /// publisher (or from the original's own origin).
    fn mark_syndicated(&mut self, key: u64, original: u64, group: &[u64]) -> Vec<Syndicated> {
        let mut all = group.to_vec();
        all.push(key);
        if let Some(agency) = self.agency(&all) {
            let mut changed = Vec::new();
            for k in all {
                let Some(m) = self.members.get_mut(&k) else { continue };
                if m.syndicated.as_ref().and_then(|o| o.as_deref()) != Some(&*agency) {
                    m.syndicated = Some(Some(agency.clone()));
                    changed.push(Syndicated {
                        key: k,
                        origin: Some(agency.to_string()),
                    });
                }
            }
            return changed;
        }
        let Some(orig) = self.members.get(&original) else {
            return Vec::new();
        };
        let origin: Option<Box<str>> = match &orig.syndicated {
            Some(origin) => origin.clone(),
            None => orig.source.map(|s| self.source_names[s as usize].clone()),
        };
        if let Some(m) = self.members.get_mut(&key) {
            m.syndicated = Some(origin.clone());
        }
        vec![Syndicated {
            key,
            origin: origin.map(String::from),
        }]
    }

    /// The byline most copies share (at least two, from different
    /// publishers) when it names none of their publishers.
    fn agency(&self, copies: &[u64]) -> Option<Box<str>> {
        let members: Vec<&Member> = copies.iter().filter_map(|k| self.members.get(k)).collect();
        let mut counts: Vec<(String, FxHashSet<Option<u32>>)> = Vec::new();
        for m in &members {
            let Some(b) = m.byline.as_deref().map(normalise_byline).filter(|b| !b.is_empty()) else {
                continue;
            };
            match counts.iter_mut().find(|(name, _)| *name == b) {
                Some((_, sources)) => {
                    sources.insert(m.source);
                }
                None => counts.push((b, FxHashSet::from_iter([m.source]))),
            }
        }
        let names_publisher = |b: &str| {
            members
                .iter()
                .filter_map(|m| m.source)
                .any(|s| normalise_byline(&self.source_names[s as usize]) == b)
        };
        counts.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
        let (name, _) = counts
            .into_iter()
            .find(|(name, sources)| sources.len() >= 2 && !names_publisher(name))?;
        // Report the byline as one copy spelled it.
        members
            .iter()
            .filter_map(|m| m.byline.as_deref())
            .find(|b| normalise_byline(b) == name)
            .map(|b| b.trim().trim_start_matches("By ").trim_start_matches("by ").into())
    }

    /// Merges close candidates into the chosen story: those the article
    /// fits well when the two stories' centroids also agree, and those whose
    /// centroids alone are close enough to say they are one story.
    fn merge_candidates(&mut self, scored: &[(f32, u64)], out: &mut Assignment) {
        let c = &self.config;
        let (related, merge, join, stories) = (
            c.related_threshold,
            c.merge_threshold,
            c.threshold,
            c.story_merge_threshold,
        );
        for &(s, other) in scored.iter().filter(|(s, _)| *s >= related).take(MERGE_CHECKS) {
            if other == out.story {
                continue;
            }
            let (Some(mut a), Some(mut b)) = (self.stories.remove(&out.story), self.stories.remove(&other)) else {
                continue;
            };
            let agree = a.similarity_to(&mut b, &self.df);
            let (keep, gone) = if a.id < b.id { (a, b) } else { (b, a) };
            if (s >= merge && agree >= join) || agree >= stories {
                out.story = self.absorb(keep, gone, &mut out.merged);
            } else {
                self.stories.insert(keep.id, keep);
                self.stories.insert(gone.id, gone);
            }
        }
    }

    /// When a story doubles in size, it has a clearer centroid than when its
    /// first article was compared with the others: look for a story it is
    /// in fact the same as, and merge.
    fn merge_similar_story(&mut self, out: &mut Assignment) {
        let Some(story) = self.stories.get_mut(&out.story) else {
            return;
        };
        if !story.size.is_power_of_two() || story.size < 2 {
            return;
        }
        let doc = Doc {
            vector: story.vector(&self.df),
            ..Doc::default()
        };
        let candidates = self.candidates(&doc);
        let mut best: Option<(f32, u64)> = None;
        for id in candidates.into_iter().filter(|&id| id != out.story).take(MERGE_CHECKS) {
            let (Some(mut a), Some(mut b)) = (self.stories.remove(&out.story), self.stories.remove(&id)) else {
                continue;
            };
            let s = a.similarity_to(&mut b, &self.df);
            if s >= self.config.story_merge_threshold && best.is_none_or(|(bs, _)| s > bs) {
                best = Some((s, id));
            }
            self.stories.insert(a.id, a);
            self.stories.insert(b.id, b);
        }
        if let Some((_, other)) = best {
            let (Some(a), Some(b)) = (self.stories.remove(&out.story), self.stories.remove(&other)) else {
                return;
            };
            let (keep, gone) = if a.id < b.id { (a, b) } else { (b, a) };
            out.story = self.absorb(keep, gone, &mut out.merged);
        }
    }

    fn absorb(&mut self, mut keep: Story, gone: Story, merged: &mut Vec<u64>) -> u64 {
        self.by_last.remove(&(keep.last_ms, keep.id));
        self.by_last.remove(&(gone.last_ms, gone.id));
        for k in &gone.members {
            if let Some(m) = self.members.get_mut(k) {
                m.story = keep.id;
            }
        }
        merged.push(gone.id);
        self.postings.close(gone.slot, gone.terms().count());
        let changed = keep.absorb(gone);
        let (id, slot) = (keep.id, keep.slot);
        self.by_last.insert((keep.last_ms, id));
        self.stories.insert(id, keep);
        self.index(slot, changed);
        id
    }

    /// Drops stories whose last article is older than the window, then
    /// articles older than it from the stories that remain.
    fn expire(&mut self, now: i64) {
        let edge = now.saturating_sub(self.config.window_ms);
        while let Some(&(last, id)) = self.by_last.first() {
            if last >= edge {
                break;
            }
            self.by_last.pop_first();
            if let Some(story) = self.stories.remove(&id) {
                self.postings.close(story.slot, story.terms().count());
                story.members.iter().for_each(|&k| self.forget_member(k));
            }
        }
        while let Some(&(time, key)) = self.member_times.first() {
            if time >= edge {
                break;
            }
            self.forget_member(key);
        }
    }

    /// Bounds the members a long-running story remembers.
    fn trim(&mut self, story: u64) {
        while let Some(key) = self.stories.get_mut(&story).and_then(Story::overflow) {
            self.forget_member(key);
        }
    }

    /// Forgets a live article: its story (if still live) keeps its terms.
    fn forget_member(&mut self, key: u64) {
        let Some(m) = self.members.remove(&key) else { return };
        self.member_times.remove(&(m.time_ms, key));
        if let Some(story) = self.stories.get_mut(&m.story) {
            story.forget(key);
        }
        for band in m.signature.iter().flat_map(|s| s.band_keys()) {
            if self.bands.get_mut(&band).is_some_and(|keys| !keys.remove(key)) {
                self.bands.remove(&band);
            }
        }
    }

    fn index(&mut self, slot: u32, changed: Changed) {
        self.postings.add(slot, changed.new_terms);
        self.postings.dropped(changed.dropped);
    }

    /// Rebuilds the postings once most entries are dead, live stories in id order.
    fn maybe_compact(&mut self) {
        if !self.postings.mostly_dead() {
            return;
        }
        let mut live: Vec<(u64, u32)> = self.stories.values().map(|s| (s.id, s.slot)).collect();
        live.sort_unstable();
        let stories = &self.stories;
        self.postings.rebuild(
            live.into_iter()
                .map(|(id, slot)| (slot, stories[&id].terms().collect())),
        );
    }
}

/// The members' groups, as indices sorted by first member: average-link
/// agglomeration of the pairwise similarities `sim`, joining the two most
/// alike groups first, as long as two groups are not [`separate`]. A story
/// mixing three events thus comes apart in three, where one cut in two
/// would leave a mixed half too loose to compare with.
fn groups(sim: &[Vec<f32>]) -> Vec<Vec<usize>> {
    let mean = |a: &[usize], b: &[usize]| {
        let sum: f32 = a.iter().flat_map(|&i| b.iter().map(move |&j| sim[i][j])).sum();
        sum / (a.len() * b.len()) as f32
    };
    let cohesion = |g: &[usize]| {
        (g.len() > 1).then(|| {
            let sum: f32 = g
                .iter()
                .enumerate()
                .flat_map(|(x, &i)| g[x + 1..].iter().map(move |&j| sim[i][j]))
                .sum();
            sum / (g.len() * (g.len() - 1) / 2) as f32
        })
    };
    let mut groups: Vec<Vec<usize>> = (0..sim.len()).map(|i| vec![i]).collect();
    loop {
        let mut best: Option<(f32, usize, usize)> = None;
        for i in 0..groups.len() {
            for j in i + 1..groups.len() {
                let cross = mean(&groups[i], &groups[j]);
                if !separate(cross, cohesion(&groups[i]), cohesion(&groups[j]))
                    && best.is_none_or(|(b, _, _)| cross > b)
                {
                    best = Some((cross, i, j));
                }
            }
        }
        let Some((_, i, j)) = best else { break };
        let joined = groups.remove(j);
        groups[i].extend(joined);
        groups[i].sort_unstable();
    }
    groups
}

/// Whether two groups with mean cross-pair similarity `cross` and mean
/// within-pair similarities (none for one member) are two stories: `cross`
/// is under [`SPLIT_SHARE`] of their mean within-pair similarity. Not the
/// looser group's: one loose article joining a group would then let every
/// other group join it in turn. Two single articles are never told apart.
fn separate(cross: f32, a: Option<f32>, b: Option<f32>) -> bool {
    let cohesion = match (a, b) {
        (Some(x), Some(y)) => (x + y) / 2.0,
        (Some(x), None) | (None, Some(x)) => x,
        (None, None) => return false,
    };
    cross < SPLIT_SHARE * cohesion
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pairwise similarities of blocks: `within` inside a block, `across` between.
    fn blocks(sizes: &[usize], within: f32, across: f32) -> Vec<Vec<f32>> {
        let block: Vec<usize> = sizes.iter().enumerate().flat_map(|(b, &n)| vec![b; n]).collect();
        (0..block.len())
            .map(|i| {
                (0..block.len())
                    .map(|j| match () {
                        _ if i == j => 1.0,
                        _ if block[i] == block[j] => within,
                        _ => across,
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn three_events_in_one_story_come_apart_in_three() {
        let groups = groups(&blocks(&[3, 3, 3], 0.3, 0.08));
        assert_eq!(groups, vec![vec![0, 1, 2], vec![3, 4, 5], vec![6, 7, 8]]);
    }

    #[test]
    fn one_event_stays_one_group() {
        assert_eq!(groups(&blocks(&[6], 0.2, 0.0)), vec![(0..6).collect::<Vec<_>>()]);
        // Two close halves of one event are one story.
        assert_eq!(groups(&blocks(&[3, 3], 0.3, 0.2)).len(), 1);
    }

    #[test]
    fn a_loose_article_does_not_let_the_other_events_in() {
        // Events 0..3 and 3..6; article 6 is loosely like event 0 only.
        let mut sim = blocks(&[3, 3, 1], 0.3, 0.1);
        for row in &mut sim[..3] {
            row[6] = 0.15;
        }
        sim[6][..3].fill(0.15);
        let groups = groups(&sim);
        assert_eq!(groups, vec![vec![0, 1, 2, 6], vec![3, 4, 5]]);
    }
}
