//! The inverted index from terms to the live stories whose centroids hold them.
//!
//! Each live story holds a dense slot; a posting names a slot and the slot's
//! generation when it was written. Looking up candidates then sums weights
//! into a flat array indexed by slot and tells postings of expired or merged
//! stories (an older generation) from live ones without hashing. Dead
//! postings stay in their lists until a rebuild; a freed slot is reused by
//! the next new story.

use rustc_hash::FxHashMap;

#[derive(Debug, Clone, Copy)]
struct Posting {
    slot: u32,
    generation: u32,
}

/// A slot's generation and `overlap`'s scratch for it, side by side: a
/// posting's slot is a random place in memory, read once per posting.
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    generation: u32,
    /// Summed probe weight, and whether `overlap` touched the slot yet.
    weight: f32,
    marked: bool,
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

    /// Calls `visit(story, weight)` for each live story in the latest
    /// `scanned` postings of the probe terms, with the summed weight of the
    /// probes it holds (summed in probe order, so results are reproducible).
    pub fn overlap(&mut self, probes: &[(f32, u64)], scanned: usize, mut visit: impl FnMut(u64, f32)) {
        for &(w, term) in probes {
            let Some(list) = self.lists.get(&term) else { continue };
            for p in list.iter().rev().take(scanned) {
                let slot = &mut self.slots[p.slot as usize];
                if slot.generation != p.generation {
                    continue;
                }
                if !std::mem::replace(&mut slot.marked, true) {
                    self.touched.push(p.slot);
                }
                slot.weight += w;
            }
        }
        for i in self.touched.drain(..) {
            let slot = &mut self.slots[i as usize];
            slot.marked = false;
            visit(self.ids[i as usize], std::mem::take(&mut slot.weight));
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
        let mut v = Vec::new();
        p.overlap(probes, 100, |id, w| v.push((id, w)));
        v.sort_by_key(|&(id, _)| id);
        v
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
