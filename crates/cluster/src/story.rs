//! One live story: its centroid, recent members and sources.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

use crate::doc::{Doc, Lookup};
use crate::embedding::MeanEmbedding;
use crate::idf::DocFreq;

/// Unit vectors of the latest members kept for single-link scoring: a new
/// headline may match one earlier headline closely but the blended
/// centroid only loosely.
const RECENT_MEMBERS: usize = 8;
/// Latest members a story can revise (move out, split off): a young story
/// whole, which is where arrival order decides most.
pub(crate) const REVISABLE_MEMBERS: usize = 16;
/// Live members remembered per story: a story running for days would
/// otherwise keep every article's key (and its syndication data in the
/// engine) while any of its articles is in the window.
const MAX_MEMBERS: usize = 64;
/// Centroid size limits: past `MAX_TERMS` the weakest terms are dropped
/// down to `KEEP_TERMS`, so a long-running story stays small and fast.
const MAX_TERMS: usize = 256;
const KEEP_TERMS: usize = 192;

/// 2,048 bits: an eighth set for a full centroid (`MAX_TERMS`), so few
/// absent terms cost a hash lookup.
const FILTER_WORDS: usize = 32;

/// The filter bit of a term: bits of the hash that neither the idf table
/// nor the document lookup table index by.
fn filter_bit(term: u64) -> (usize, u64) {
    let bit = (term >> 20) as usize % (FILTER_WORDS * 64);
    (bit / 64, 1 << (bit % 64))
}

fn set_bit(filter: &mut [u64; FILTER_WORDS], term: u64) {
    let (word, mask) = filter_bit(term);
    filter[word] |= mask;
}

fn has_bit(filter: &[u64; FILTER_WORDS], term: u64) -> bool {
    let (word, mask) = filter_bit(term);
    filter[word] & mask != 0
}

/// 4,096 bits: the terms of the 16 to 32 members a `MemberTerms` holds
/// set about a sixth of them.
const MEMBER_FILTER_WORDS: usize = 64;

/// A one-hash Bloom filter of the terms of a story's recent members,
/// including members that left since it was rebuilt (clearing their bits
/// would clear other members'). Every recent member's terms are in it, also
/// those a pruned centroid dropped, so it bounds a document's cosine with
/// any member where the centroid cannot.
struct MemberTerms {
    bits: Box<[u64; MEMBER_FILTER_WORDS]>,
    /// Members that left since the last rebuild.
    left: usize,
}

impl MemberTerms {
    fn new() -> MemberTerms {
        MemberTerms {
            bits: Box::new([0; MEMBER_FILTER_WORDS]),
            left: 0,
        }
    }

    /// Bits of the hash no other table indexes by.
    fn bit(term: u64) -> (usize, u64) {
        let bit = (term >> 32) as usize % (MEMBER_FILTER_WORDS * 64);
        (bit / 64, 1 << (bit % 64))
    }

    fn insert(&mut self, vector: &[(u64, f32)]) {
        for &(h, _) in vector {
            let (word, mask) = MemberTerms::bit(h);
            self.bits[word] |= mask;
        }
    }

    fn contains(&self, term: u64) -> bool {
        let (word, mask) = MemberTerms::bit(term);
        self.bits[word] & mask != 0
    }

    /// A member left: once as many have left as a story keeps, the filter
    /// is rebuilt from the members still there, so stale bits stay few.
    fn left(&mut self, recent: &VecDeque<Recent>) {
        self.left += 1;
        if self.left >= REVISABLE_MEMBERS {
            self.rebuild(recent);
        }
    }

    fn rebuild(&mut self, recent: &VecDeque<Recent>) {
        self.bits.fill(0);
        self.left = 0;
        recent.iter().for_each(|m| self.insert(&m.vector));
    }
}

/// How a centroid changed: the terms it gained (to index) and how many
/// terms pruning dropped (their postings are now dead).
pub(crate) struct Changed {
    pub new_terms: Vec<u64>,
    pub dropped: usize,
}

/// A recent member as its story holds it: its unit vector for single-link
/// scoring, and its raw weights and embedding so that it can be scored
/// without itself and moved to another story.
pub(crate) struct Recent {
    pub key: u64,
    pub source: Option<u32>,
    pub time_ms: i64,
    pub tf: Vec<(u64, f32)>,
    vector: Vec<(u64, f32)>,
    /// The largest weight in `vector`.
    peak: f32,
    pub embedding: Option<Box<[f32]>>,
}

impl Recent {
    /// The member as a document weighed by the current idf.
    pub fn doc(&self, df: &DocFreq) -> Doc {
        let mut doc = Doc {
            tf: self.tf.clone(),
            embedding: self.embedding.clone(),
            ..Doc::default()
        };
        doc.weigh(df);
        doc
    }
}

pub(crate) struct Story {
    pub id: u64,
    /// Its slot in the postings.
    pub slot: u32,
    /// Sum of members' idf-free term weights.
    centroid: FxHashMap<u64, f32>,
    /// A one-hash Bloom filter of the centroid's terms: most terms of an
    /// article are in none of its candidates' centroids, and a bit test is
    /// far cheaper than a hash lookup into a story's table.
    filter: [u64; FILTER_WORDS],
    /// Length of the idf-weighted centroid, and the corpus size it was computed at.
    norm: (f32, u64),
    /// The latest live members: what scoring and revising need of them.
    recent: VecDeque<Recent>,
    /// The largest weight in any recent member's vector.
    peak: f32,
    /// The recent members' terms.
    member_terms: MemberTerms,
    /// Terms were ever dropped from the centroid, so recent members may hold
    /// terms it lacks.
    pruned: bool,
    /// Keys of the live members, oldest first, at most `MAX_MEMBERS`.
    pub members: VecDeque<u64>,
    /// Articles ever added, including those that have left.
    pub size: usize,
    /// Interned source ids with their article counts.
    pub sources: Vec<(u32, u32)>,
    pub first_ms: i64,
    pub last_ms: i64,
    /// Mean of the members' sentence embeddings (empty without them).
    embedding: MeanEmbedding,
}

impl Story {
    pub fn new(id: u64, slot: u32, time_ms: i64) -> Story {
        Story {
            id,
            slot,
            centroid: FxHashMap::default(),
            filter: [0; FILTER_WORDS],
            norm: (0.0, 0),
            recent: VecDeque::new(),
            peak: 0.0,
            member_terms: MemberTerms::new(),
            pruned: false,
            members: VecDeque::new(),
            size: 0,
            sources: Vec::new(),
            first_ms: time_ms,
            last_ms: time_ms,
            embedding: MeanEmbedding::default(),
        }
    }

    /// Adds a member.
    pub fn add(&mut self, key: u64, doc: &Doc, source: Option<u32>, time_ms: i64) -> Changed {
        let mut new_terms = Vec::new();
        for &(h, w) in &doc.tf {
            let slot = self.centroid.entry(h).or_insert_with(|| {
                new_terms.push(h);
                0.0
            });
            *slot += w;
            set_bit(&mut self.filter, h);
        }
        let dropped = self.prune();
        if !doc.vector.is_empty() {
            let full = self.recent.len() == REVISABLE_MEMBERS;
            if full {
                self.recent.pop_front();
            }
            self.member_terms.insert(&doc.vector);
            self.recent.push_back(Recent {
                key,
                source,
                time_ms,
                tf: doc.tf.clone(),
                vector: doc.vector.clone(),
                peak: doc.vector.iter().map(|&(_, w)| w).fold(0.0, f32::max),
                embedding: doc.embedding.clone(),
            });
            self.repeak();
            if full {
                self.member_terms.left(&self.recent);
            }
        }
        if let Some(e) = &doc.embedding {
            self.embedding.add(e);
        }
        self.members.push_back(key);
        self.size += 1;
        if let Some(s) = source {
            match self.sources.iter_mut().find(|(id, _)| *id == s) {
                Some((_, n)) => *n += 1,
                None => self.sources.push((s, 1)),
            }
        }
        self.first_ms = self.first_ms.min(time_ms);
        self.last_ms = self.last_ms.max(time_ms);
        self.norm = (0.0, 0);
        Changed { new_terms, dropped }
    }

    /// Folds `other` into this story.
    pub fn absorb(&mut self, other: Story) -> Changed {
        let mut new_terms = Vec::new();
        for (h, w) in other.centroid {
            let slot = self.centroid.entry(h).or_insert_with(|| {
                new_terms.push(h);
                0.0
            });
            *slot += w;
        }
        self.filter.iter_mut().zip(other.filter).for_each(|(a, b)| *a |= b);
        self.pruned |= other.pruned;
        let dropped = self.prune();
        for v in other.recent {
            if self.recent.len() == REVISABLE_MEMBERS {
                self.recent.pop_front();
            }
            self.recent.push_back(v);
        }
        self.repeak();
        self.member_terms.rebuild(&self.recent);
        self.embedding.absorb(other.embedding);
        self.members.extend(other.members);
        self.size += other.size;
        for (s, n) in other.sources {
            match self.sources.iter_mut().find(|(id, _)| *id == s) {
                Some((_, m)) => *m += n,
                None => self.sources.push((s, n)),
            }
        }
        self.first_ms = self.first_ms.min(other.first_ms);
        self.last_ms = self.last_ms.max(other.last_ms);
        self.norm = (0.0, 0);
        new_terms.sort_unstable();
        Changed { new_terms, dropped }
    }

    pub fn has_source(&self, source: u32) -> bool {
        self.sources.iter().any(|(s, _)| *s == source)
    }

    /// Cosine of a weighed document with the idf-weighted centroid, and an
    /// upper bound on its cosine with any recent member (a unit vector) from
    /// the centroid alone: unless the centroid was pruned, a member shares
    /// only terms the centroid holds, so the cosine is at most the length of
    /// the document's part in the centroid (Cauchy–Schwarz) and at most the
    /// members' largest weight times that part's summed weights.
    /// [`Story::member_bound`] tightens it.
    pub fn centroid_similarity(&mut self, doc: &Doc, df: &DocFreq) -> (f32, f32) {
        let (mut dot, mut shared, mut summed) = (0.0f32, 0.0f32, 0.0f32);
        for (&(h, w), idf) in doc.vector.iter().zip(&doc.idf) {
            if !has_bit(&self.filter, h) {
                continue;
            }
            if let Some(c) = self.centroid.get(&h) {
                dot += w * c * idf;
                shared += w * w;
                summed += w;
            }
        }
        let member_bound = match self.pruned {
            true => 1.0,
            false => self.bound(shared, summed).min(1.0),
        };
        if shared == 0.0 {
            return (0.0, member_bound);
        }
        let norm = self.norm(df);
        (if norm == 0.0 { 0.0 } else { dot / norm }, member_bound)
    }

    /// An upper bound on a unit document's cosine with any recent member,
    /// from the part of it in `member_terms` (which holds also terms a
    /// pruned centroid dropped), no looser than `centroid_bound`.
    pub fn member_bound(&self, doc: &Doc, centroid_bound: f32) -> f32 {
        let (mut near, mut near_summed) = (0.0f32, 0.0f32);
        for &(h, w) in &doc.vector {
            if self.member_terms.contains(h) {
                near += w * w;
                near_summed += w;
            }
        }
        self.bound(near, near_summed).min(centroid_bound)
    }

    /// The bound of a part with squared length `sq` and summed weights `sum`.
    fn bound(&self, sq: f32, sum: f32) -> f32 {
        sq.sqrt().min(self.peak * sum)
    }

    /// Cosine of a member's document with the centroid of the other
    /// members: its own weights (`doc.tf`) taken out of the sums.
    pub fn centroid_similarity_without(&mut self, doc: &Doc, df: &DocFreq) -> f32 {
        let norm = self.norm(df);
        let (mut dot, mut norm2) = (0.0f32, norm * norm);
        for ((&(h, w), &(_, tf)), idf) in doc.vector.iter().zip(&doc.tf).zip(&doc.idf) {
            let Some(&c) = self.centroid.get(&h) else { continue };
            let rest = (c - tf).max(0.0);
            dot += w * rest * idf;
            norm2 += ((rest * idf).powi(2) - (c * idf).powi(2)).min(0.0);
        }
        if norm2 <= 1e-9 || dot <= 0.0 {
            return 0.0;
        }
        (dot / norm2.sqrt()).min(1.0)
    }

    /// Best cosine of a unit document vector with one of the latest
    /// members, `without` one of them.
    pub fn member_similarity(&self, doc: &Lookup, without: Option<u64>) -> f32 {
        self.recent
            .iter()
            .rev()
            .filter(|m| Some(m.key) != without)
            .take(RECENT_MEMBERS)
            .map(|m| doc.dot(&m.vector))
            .fold(0.0, f32::max)
    }

    /// The latest members, oldest first.
    pub fn recent(&self) -> impl Iterator<Item = &Recent> {
        self.recent.iter()
    }

    /// Keys of the latest `n` revisable members, oldest first.
    pub fn latest(&self, n: usize) -> impl Iterator<Item = u64> + '_ {
        self.recent
            .iter()
            .skip(self.recent.len().saturating_sub(n))
            .map(|m| m.key)
    }

    /// Every article the story ever had is a revisable member: nothing
    /// left it for age or count, so it can be split exactly.
    pub fn whole(&self) -> bool {
        self.size == self.recent.len() && self.members.len() == self.recent.len()
    }

    /// Takes a recent member out: its weights leave the centroid (its terms
    /// stay, at what the others give them, so the postings stay true), its
    /// embedding the mean, its publisher the counts.
    pub fn remove(&mut self, key: u64) -> Option<Recent> {
        let at = self.recent.iter().position(|m| m.key == key)?;
        let m = self.recent.remove(at)?;
        self.after_leaving();
        for &(h, w) in &m.tf {
            if let Some(c) = self.centroid.get_mut(&h) {
                *c = (*c - w).max(0.0);
            }
        }
        if let Some(e) = &m.embedding {
            self.embedding.remove(e);
        }
        if let Some(s) = m.source {
            if let Some(i) = self.sources.iter().position(|(id, _)| *id == s) {
                self.sources[i].1 -= 1;
                if self.sources[i].1 == 0 {
                    self.sources.swap_remove(i);
                }
            }
        }
        self.members.retain(|k| *k != key);
        self.size = self.size.saturating_sub(1);
        self.norm = (0.0, 0);
        Some(m)
    }

    /// Whether the story has an article from `source` besides `without`'s.
    pub fn has_other_source(&self, source: u32, without: u64) -> bool {
        let own = self.recent.iter().any(|m| m.key == without && m.source == Some(source));
        self.sources.iter().any(|&(s, n)| s == source && n > u32::from(own))
    }

    /// Cosine of a member's embedding with the mean of the others'.
    pub fn embedding_similarity_without(&self, embedding: &[f32]) -> Option<f32> {
        self.embedding.cosine_without(embedding)
    }

    /// The oldest member past `MAX_MEMBERS`, removed.
    pub fn overflow(&mut self) -> Option<u64> {
        if self.members.len() <= MAX_MEMBERS {
            return None;
        }
        let key = self.members.pop_front()?;
        self.recent.retain(|m| m.key != key);
        self.after_leaving();
        Some(key)
    }

    /// Removes a member that left the window; the centroid keeps its terms.
    pub fn forget(&mut self, key: u64) {
        self.members.retain(|k| *k != key);
        self.recent.retain(|m| m.key != key);
        self.after_leaving();
    }

    /// Recomputes `peak` after the recent members changed.
    fn repeak(&mut self) {
        self.peak = self.recent.iter().map(|m| m.peak).fold(0.0, f32::max);
    }

    /// Bookkeeping after a recent member may have left.
    fn after_leaving(&mut self) {
        self.repeak();
        self.member_terms.left(&self.recent);
    }

    /// Cosine of a sentence embedding with the members' mean, if comparable.
    pub fn embedding_similarity(&self, embedding: &[f32]) -> Option<f32> {
        self.embedding.cosine(embedding)
    }

    /// Cosine between two stories' idf-weighted centroids.
    pub fn similarity_to(&mut self, other: &mut Story, df: &DocFreq) -> f32 {
        let (na, nb) = (self.norm(df), other.norm(df));
        if na == 0.0 || nb == 0.0 {
            return 0.0;
        }
        let (small, large) = if self.centroid.len() <= other.centroid.len() {
            (&self.centroid, &other.centroid)
        } else {
            (&other.centroid, &self.centroid)
        };
        let dot: f32 = small
            .iter()
            .filter_map(|(h, a)| large.get(h).map(|b| a * b * df.idf(*h).powi(2)))
            .sum();
        dot / (na * nb)
    }

    /// The centroid as a unit idf-weighted vector sorted by term, for
    /// looking up stories like this one.
    pub fn vector(&mut self, df: &DocFreq) -> Vec<(u64, f32)> {
        let norm = self.norm(df).max(f32::MIN_POSITIVE);
        let mut v: Vec<(u64, f32)> = self.centroid.iter().map(|(h, w)| (*h, w * df.idf(*h) / norm)).collect();
        v.sort_unstable_by_key(|&(h, _)| h);
        v
    }

    /// The centroid's terms (for re-indexing after a compaction).
    pub fn terms(&self) -> impl Iterator<Item = u64> + '_ {
        self.centroid.keys().copied()
    }

    /// The idf-weighted length, recomputed when the story changed or the
    /// corpus grew by a tenth since (idf drifts slowly).
    pub fn norm(&mut self, df: &DocFreq) -> f32 {
        let (norm, at) = self.norm;
        if at == 0 || df.docs() > at + at / 10 {
            let n = self
                .centroid
                .iter()
                .map(|(h, w)| (w * df.idf(*h)).powi(2))
                .sum::<f32>()
                .sqrt();
            self.norm = (n, df.docs().max(1));
            return n;
        }
        norm
    }

    /// Drops the weakest terms past `MAX_TERMS`; returns how many.
    fn prune(&mut self) -> usize {
        if self.centroid.len() <= MAX_TERMS {
            return 0;
        }
        let dropped = self.centroid.len() - KEEP_TERMS;
        self.pruned = true;
        let mut all: Vec<(u64, f32)> = self.centroid.drain().collect();
        // Heaviest first; ties by hash so pruning is deterministic.
        all.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        all.truncate(KEEP_TERMS);
        self.filter = [0; FILTER_WORDS];
        all.iter().for_each(|&(h, _)| set_bit(&mut self.filter, h));
        self.centroid = all.into_iter().collect();
        dropped
    }
}
