//! The inverted index from terms to the live stories whose centroids hold them.
//!
//! Each live story holds a dense slot; a posting names a slot and the slot's
//! generation when it was written. Looking up candidates then sums weights
//! into a flat array indexed by slot and tells postings of expired or merged
//! stories (an older generation) from live ones without hashing. Dead
//! postings stay in their lists until a rebuild; a freed slot is reused by
//! the next new story.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rustc_hash::FxHashMap;

/// A story with its overlap, ordered best first: more weight, then the
/// older story.
struct Ranked(f32, u64);

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.total_cmp(&self.0).then(self.1.cmp(&other.1))
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ranked {}

#[derive(Debug, Clone, Copy)]
struct Posting {
    slot: u32,
    generation: u32,
}

/// A slot's generation and `overlap`'s scratch for it, side by side: a
/// posting's slot is a random place in memory, read once per posting, and
/// eight bytes a slot keep a window's slots in a core's cache.
#[derive(Debug, Clone, Copy)]
struct Slot {
    generation: u32,
    /// Summed probe weight; `UNTOUCHED` until `overlap` adds to it. Probe
    /// weights are not negative, and -0 plus any of them is that weight
    /// exactly, so the sums are those from +0.
    weight: f32,
}

const UNTOUCHED: f32 = -0.0;

impl Slot {
    fn touched(&self) -> bool {
        self.weight.to_bits() != UNTOUCHED.to_bits()
    }
}

impl Default for Slot {
    fn default() -> Slot {
        Slot {
            generation: 0,
            weight: UNTOUCHED,
        }
    }
}

#[derive(Default)]
pub(crate) struct Postings {
    lists: FxHashMap<u64, Vec<Posting>>,
    len: usize,
    /// Entries known to be dead: of closed stories or of pruned terms.
    dead: usize,
    /// Story id and state per slot.
    ids: Vec<u64>,
    slots: Vec<Slot>,
    free: Vec<u32>,
    /// Scratch for `overlap`: the slots touched.
    touched: Vec<u32>,
}

impl Postings {
    /// A slot for a new story.
    pub fn open(&mut self, id: u64) -> u32 {
        if let Some(slot) = self.free.pop() {
            self.ids[slot as usize] = id;
            return slot;
        }
        self.ids.push(id);
        self.slots.push(Slot::default());
        (self.ids.len() - 1) as u32
    }

    /// The story in `slot` is gone (expired or merged); its `terms` postings are dead.
    pub fn close(&mut self, slot: u32, terms: usize) {
        let Some(s) = self.slots.get_mut(slot as usize) else {
            return;
        };
        s.generation = s.generation.wrapping_add(1);
        self.free.push(slot);
        self.dead += terms;
    }

    /// Indexes terms newly held by the story in `slot`.
    pub fn add(&mut self, slot: u32, terms: impl IntoIterator<Item = u64>) {
        let Some(generation) = self.slots.get(slot as usize).map(|s| s.generation) else {
            return;
        };
        for t in terms {
            self.lists.entry(t).or_default().push(Posting { slot, generation });
            self.len += 1;
        }
    }

    /// `n` terms left a centroid: their postings are dead.
    pub fn dropped(&mut self, n: usize) {
        self.dead += n;
    }

    /// The `k` live stories with the most summed probe weight in the latest
    /// `scanned` postings of the probe terms, best first; ties go to the
    /// older story. Probe weights must not be negative.
    pub fn most_overlapping(&mut self, probes: &[(f32, u64)], scanned: usize, k: usize) -> Vec<u64> {
        self.sum(probes, scanned);
        // A bounded heap: most stories a common term reaches never enter it,
        // and their ids (a random read each) are not needed.
        let mut best: BinaryHeap<Ranked> = BinaryHeap::with_capacity(k + 1);
        for i in self.touched.drain(..) {
            let weight = std::mem::replace(&mut self.slots[i as usize].weight, UNTOUCHED);
            let worst = best.peek().filter(|_| best.len() == k);
            if worst.is_some_and(|worst| weight.total_cmp(&worst.0).is_lt()) {
                continue;
            }
            let ranked = Ranked(weight, self.ids[i as usize]);
            if best.len() < k || best.peek().is_some_and(|worst| ranked < *worst) {
                best.push(ranked);
                if best.len() > k {
                    best.pop();
                }
            }
        }
        best.into_sorted_vec().into_iter().map(|Ranked(_, id)| id).collect()
    }

    /// Sums each live story's probe weights into its slot (in probe order,
    /// so results are reproducible) and lists the slots touched.
    fn sum(&mut self, probes: &[(f32, u64)], scanned: usize) {
        for &(w, term) in probes {
            let Some(list) = self.lists.get(&term) else { continue };
            for p in list.iter().rev().take(scanned) {
                let slot = &mut self.slots[p.slot as usize];
                if slot.generation != p.generation {
                    continue;
                }
                if !slot.touched() {
                    self.touched.push(p.slot);
                }
                slot.weight += w;
            }
        }
    }

    /// True once most entries are dead: time to `rebuild`.
    pub fn mostly_dead(&self) -> bool {
        self.len >= 100_000 && self.dead * 2 >= self.len
    }

    /// Drops every entry and indexes the given live stories afresh, so memory
    /// follows the live window (amortised O(1) per article).
    pub fn rebuild(&mut self, live: impl Iterator<Item = (u32, Vec<u64>)>) {
        self.lists.clear();
        self.len = 0;
        self.dead = 0;
        for (slot, terms) in live {
            self.add(slot, terms);
        }
        self.lists.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overlap(p: &mut Postings, probes: &[(f32, u64)]) -> Vec<(u64, f32)> {
        p.sum(probes, 100);
        let touched: Vec<u32> = p.touched.drain(..).collect();
        let mut v: Vec<(u64, f32)> = touched
            .into_iter()
            .map(|i| {
                (
                    p.ids[i as usize],
                    std::mem::replace(&mut p.slots[i as usize].weight, UNTOUCHED),
                )
            })
            .collect();
        v.sort_by_key(|&(id, _)| id);
        v
    }

    #[test]
    fn most_overlapping_ranks_by_weight_then_age() {
        let mut p = Postings::default();
        for (id, terms) in [(30, vec![1, 2]), (10, vec![1]), (20, vec![1]), (40, vec![3])] {
            let slot = p.open(id);
            p.add(slot, terms);
        }
        let probes = [(0.5, 1), (0.25, 2), (0.1, 3)];
        assert_eq!(p.most_overlapping(&probes, 100, 3), vec![30, 10, 20]);
        assert_eq!(p.most_overlapping(&probes, 100, 10), vec![30, 10, 20, 40]);
        assert_eq!(p.most_overlapping(&probes, 100, 0), Vec::<u64>::new());
    }

    #[test]
    fn overlap_sums_probe_weights_of_live_stories_only() {
        let mut p = Postings::default();
        let a = p.open(10);
        let b = p.open(20);
        p.add(a, [1, 2]);
        p.add(b, [2, 3]);
        assert_eq!(overlap(&mut p, &[(0.5, 1), (0.25, 2)]), vec![(10, 0.75), (20, 0.25)]);
        p.close(b, 2);
        assert_eq!(overlap(&mut p, &[(0.5, 3), (0.25, 2)]), vec![(10, 0.25)]);
        // The freed slot's old postings do not count for the story reusing it.
        let c = p.open(30);
        assert_eq!(c, b);
        assert_eq!(overlap(&mut p, &[(0.5, 3)]), vec![]);
        p.add(c, [3]);
        assert_eq!(overlap(&mut p, &[(0.5, 3)]), vec![(30, 0.5)]);
    }

    #[test]
    fn unknown_slots_are_ignored() {
        let mut p = Postings::default();
        p.add(7, [1]);
        p.close(7, 1);
        assert_eq!(overlap(&mut p, &[(1.0, 1)]), vec![]);
    }
}
