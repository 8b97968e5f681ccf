//! One live story: its centroid, recent members and sources.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

use crate::doc::{dot, Doc};
use crate::embedding::MeanEmbedding;
use crate::idf::DocFreq;

/// Unit vectors of the latest members kept for single-link scoring: a new
/// headline may match one earlier headline closely but the blended
/// centroid only loosely.
const RECENT_MEMBERS: usize = 8;
/// Centroid size limits: past `MAX_TERMS` the weakest terms are dropped
/// down to `KEEP_TERMS`, so a long-running story stays small and fast.
const MAX_TERMS: usize = 256;
const KEEP_TERMS: usize = 192;

pub(crate) struct Story {
    pub id: u64,
    /// Sum of members' idf-free term weights.
    centroid: FxHashMap<u64, f32>,
    /// Length of the idf-weighted centroid, and the corpus size it was computed at.
    norm: (f32, u64),
    recent: VecDeque<Vec<(u64, f32)>>,
    /// Member keys in arrival order.
    pub members: Vec<u64>,
    /// Interned source ids with their article counts.
    pub sources: Vec<(u32, u32)>,
    pub first_ms: i64,
    pub last_ms: i64,
    /// Mean of the members' sentence embeddings (empty without them).
    embedding: MeanEmbedding,
}

impl Story {
    pub fn new(id: u64, time_ms: i64) -> Story {
        Story {
            id,
            centroid: FxHashMap::default(),
            norm: (0.0, 0),
            recent: VecDeque::new(),
            members: Vec::new(),
            sources: Vec::new(),
            first_ms: time_ms,
            last_ms: time_ms,
            embedding: MeanEmbedding::default(),
        }
    }

    /// Adds a member; returns the terms new to the centroid (to index).
    pub fn add(&mut self, key: u64, doc: &Doc, source: Option<u32>, time_ms: i64) -> Vec<u64> {
        let mut new_terms = Vec::new();
        for &(h, w) in &doc.tf {
            let slot = self.centroid.entry(h).or_insert_with(|| {
                new_terms.push(h);
                0.0
            });
            *slot += w;
        }
        self.prune();
        if !doc.vector.is_empty() {
            if self.recent.len() == RECENT_MEMBERS {
                self.recent.pop_front();
            }
            self.recent.push_back(doc.vector.clone());
        }
        if let Some(e) = &doc.embedding {
            self.embedding.add(e);
        }
        self.members.push(key);
        if let Some(s) = source {
            match self.sources.iter_mut().find(|(id, _)| *id == s) {
                Some((_, n)) => *n += 1,
                None => self.sources.push((s, 1)),
            }
        }
        self.first_ms = self.first_ms.min(time_ms);
        self.last_ms = self.last_ms.max(time_ms);
        self.norm = (0.0, 0);
        new_terms
    }

    /// Folds `other` into this story; returns the terms new to the centroid.
    pub fn absorb(&mut self, other: Story) -> Vec<u64> {
        let mut new_terms = Vec::new();
        for (h, w) in other.centroid {
            let slot = self.centroid.entry(h).or_insert_with(|| {
                new_terms.push(h);
                0.0
            });
            *slot += w;
        }
        self.prune();
        for v in other.recent {
            if self.recent.len() == RECENT_MEMBERS {
                self.recent.pop_front();
            }
            self.recent.push_back(v);
        }
        self.embedding.absorb(other.embedding);
        self.members.extend(other.members);
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
        new_terms
    }

    pub fn has_source(&self, source: u32) -> bool {
        self.sources.iter().any(|(s, _)| *s == source)
    }

    /// Cosine of a unit document vector with the idf-weighted centroid.
    pub fn centroid_similarity(&mut self, doc: &[(u64, f32)], df: &DocFreq) -> f32 {
        let norm = self.norm(df);
        if norm == 0.0 {
            return 0.0;
        }
        let dot: f32 = doc
            .iter()
            .filter_map(|&(h, w)| self.centroid.get(&h).map(|c| w * c * df.idf(h)))
            .sum();
        dot / norm
    }

    /// Best cosine with one of the latest members.
    pub fn member_similarity(&self, doc: &[(u64, f32)]) -> f32 {
        self.recent.iter().map(|m| dot(doc, m)).fold(0.0, f32::max)
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
    fn norm(&mut self, df: &DocFreq) -> f32 {
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

    fn prune(&mut self) {
        if self.centroid.len() <= MAX_TERMS {
            return;
        }
        let mut all: Vec<(u64, f32)> = self.centroid.drain().collect();
        // Heaviest first; ties by hash so pruning is deterministic.
        all.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        all.truncate(KEEP_TERMS);
        self.centroid = all.into_iter().collect();
    }
}
