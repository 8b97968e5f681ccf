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
//!
//! Everything is deterministic: hashes are fixed, maps are iterated only
//! after sorting, ties break on story id.

use std::collections::BTreeSet;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::doc::Doc;
use crate::idf::DocFreq;
use crate::minhash::Signature;
use crate::story::Story;
use crate::{Assignment, Config, Item, Syndicated};

/// Rarest terms of an article used to look up candidate stories.
const PROBE_TERMS: usize = 12;
/// Most recent postings read per probed term: bounds the time per article
/// however common a term becomes.
const POSTINGS_SCANNED: usize = 200;
/// Candidates scored exactly.
const CANDIDATES: usize = 40;
/// Candidates checked for a merge after each assignment.
const MERGE_CHECKS: usize = 5;
/// Related stories reported per assignment.
const RELATED: usize = 5;

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
}

/// Incremental story clustering over a sliding time window.
pub struct Clusterer {
    config: Config,
    df: DocFreq,
    stories: FxHashMap<u64, Story>,
    /// Live stories by last activity, for expiry.
    by_last: BTreeSet<(i64, u64)>,
    members: FxHashMap<u64, Member>,
    /// Term → ids of stories whose centroid holds it, oldest first. Ids of
    /// expired or merged stories linger until the next compaction.
    postings: FxHashMap<u64, Vec<u64>>,
    postings_len: usize,
    /// Postings entries known to point at expired or merged stories.
    dead_postings: usize,
    /// MinHash band key → keys of live members with that band.
    bands: FxHashMap<u64, Vec<u64>>,
    sources: FxHashMap<Box<str>, u32>,
    source_names: Vec<Box<str>>,
    /// Latest article time seen.
    watermark: Option<i64>,
}

impl Clusterer {
    pub fn new(config: Config) -> Clusterer {
        Clusterer {
            config,
            df: DocFreq::new(),
            stories: FxHashMap::default(),
            by_last: BTreeSet::new(),
            members: FxHashMap::default(),
            postings: FxHashMap::default(),
            postings_len: 0,
            dead_postings: 0,
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
            self.stories.insert(item.key, Story::new(item.key, time));
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
        out.related = scored
            .iter()
            .filter(|(s, id)| *s >= self.config.related_threshold && *id != out.story && !out.merged.contains(id))
            .take(RELATED)
            .map(|&(s, id)| (id, s))
            .collect();
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
        self.stories.entry(story).or_insert_with(|| Story::new(story, time));
        self.join(story, item, &doc, source, time, signature);
        if let (Some(m), Some(origin)) = (self.members.get_mut(&item.key), syndicated) {
            m.syndicated = Some(origin.map(Into::into));
        }
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
        let mut scored: Vec<(f32, u64)> = self
            .candidates(doc)
            .into_iter()
            .filter_map(|id| Some((self.similarity(id, doc, source, time)?, id)))
            .collect();
        scored.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored
    }

    /// Live stories sharing the most weight with the document's rarest terms.
    fn candidates(&self, doc: &Doc) -> Vec<u64> {
        let mut probes: Vec<(f32, u64)> = doc.vector.iter().map(|&(h, w)| (w, h)).collect();
        probes.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut overlap: FxHashMap<u64, f32> = FxHashMap::default();
        for &(w, term) in probes.iter().take(PROBE_TERMS) {
            let Some(list) = self.postings.get(&term) else { continue };
            for &id in list.iter().rev().take(POSTINGS_SCANNED) {
                *overlap.entry(id).or_default() += w;
            }
        }
        let mut candidates: Vec<(f32, u64)> = overlap
            .into_iter()
            .filter(|(id, _)| self.stories.contains_key(id))
            .map(|(id, w)| (w, id))
            .collect();
        candidates.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        candidates.truncate(CANDIDATES);
        candidates.into_iter().map(|(_, id)| id).collect()
    }

    fn similarity(&mut self, id: u64, doc: &Doc, source: Option<u32>, time: i64) -> Option<f32> {
        let c = &self.config;
        let (blend, half_life, penalty) = (c.member_weight, c.half_life_ms, c.same_source_factor);
        let semantic = c.semantic_weight;
        let story = self.stories.get_mut(&id)?;
        let centroid = story.centroid_similarity(&doc.vector, &self.df);
        let member = story.member_similarity(&doc.vector);
        let mut s = (1.0 - blend) * centroid + blend * member;
        // Optional semantic hook: blend in the embedding cosine when both sides have one.
        if let Some(cos) = doc.embedding.as_deref().and_then(|e| story.embedding_similarity(e)) {
            s = (1.0 - semantic) * s + semantic * cos;
        }
        let gap = (time - story.last_ms).max(story.first_ms - time).max(0);
        if half_life > 0 {
            s *= 0.5f32.powf(gap as f32 / half_life as f32);
        }
        if source.is_some_and(|src| story.has_source(src)) {
            s *= penalty;
        }
        Some(s)
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
        let new_terms = story.add(item.key, doc, source, time);
        self.by_last.insert((story.last_ms, story_id));
        self.index(story_id, new_terms);
        if let Some(sig) = &signature {
            for band in sig.band_keys() {
                self.bands.entry(band).or_default().push(item.key);
            }
        }
        let byline = item.byline.map(str::trim).filter(|b| !b.is_empty()).map(Into::into);
        self.members.insert(
            item.key,
            Member {
                story: story_id,
                source,
                byline,
                time_ms: time,
                signature,
                syndicated: None,
            },
        );
        story_id
    }

    fn index(&mut self, story: u64, terms: Vec<u64>) {
        self.postings_len += terms.len();
        for t in terms {
            self.postings.entry(t).or_default().push(story);
        }
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
            for &key in self.bands.get(&band).into_iter().flatten() {
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
        if !story.members.len().is_power_of_two() || story.members.len() < 2 {
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
        self.dead_postings += gone.terms().count();
        let new_terms = keep.absorb(gone);
        let id = keep.id;
        self.by_last.insert((keep.last_ms, id));
        self.stories.insert(id, keep);
        self.index(id, new_terms);
        id
    }

    /// Drops stories whose last article is older than the window.
    fn expire(&mut self, now: i64) {
        let edge = now.saturating_sub(self.config.window_ms);
        while let Some(&(last, id)) = self.by_last.first() {
            if last >= edge {
                break;
            }
            self.by_last.pop_first();
            if let Some(story) = self.stories.remove(&id) {
                self.dead_postings += story.terms().count();
                self.forget_members(&story.members);
            }
        }
    }

    fn forget_members(&mut self, keys: &[u64]) {
        for key in keys {
            let Some(m) = self.members.remove(key) else { continue };
            for band in m.signature.iter().flat_map(|s| s.band_keys()) {
                if let Some(list) = self.bands.get_mut(&band) {
                    list.retain(|k| k != key);
                    if list.is_empty() {
                        self.bands.remove(&band);
                    }
                }
            }
        }
    }

    /// Rebuilds the postings once most entries point at dead stories, so
    /// memory follows the live window (amortised O(1) per article).
    fn maybe_compact(&mut self) {
        if self.postings_len < 100_000 || self.dead_postings * 2 < self.postings_len {
            return;
        }
        let mut ids: Vec<u64> = self.stories.keys().copied().collect();
        ids.sort_unstable();
        self.postings.clear();
        self.postings_len = 0;
        self.dead_postings = 0;
        for id in ids {
            let terms: Vec<u64> = self.stories[&id].terms().collect();
            self.index(id, terms);
        }
        self.postings.shrink_to_fit();
    }
}
