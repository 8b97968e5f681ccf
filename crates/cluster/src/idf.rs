//! Document frequencies in fixed memory.
//!
//! Counts live in a fixed array indexed by the term hash, so the table never
//! grows however many distinct words a year of news brings. A rare term that
//! shares a slot with a common one looks a little less rare; with 2^20 slots
//! and news vocabularies that is rare and only dampens one term's weight.

const SLOTS: usize = 1 << 20;
/// Plain idf lets one rare word decide a match; headlines of one story
/// share several middling words ("strike", "transit", "union") as often as
/// one rare name. Dampening idf (power 0.6, chosen on the MStream sets over
/// 0.5 to 1.5) lets those words count.
const IDF_POWER: f32 = 0.6;

pub(crate) struct DocFreq {
    counts: Vec<u32>,
    docs: u64,
}

impl DocFreq {
    pub fn new() -> Self {
        Self {
            counts: vec![0; SLOTS],
            docs: 0,
        }
    }

    /// Counts one document with these distinct terms.
    pub fn add(&mut self, distinct_terms: impl Iterator<Item = u64>) {
        self.docs += 1;
        for t in distinct_terms {
            let c = &mut self.counts[slot(t)];
            *c = c.saturating_add(1);
        }
    }

    /// Smoothed, dampened inverse document frequency; a term never seen
    /// gets the weight of one seen once.
    pub fn idf(&self, term: u64) -> f32 {
        let df = self.counts[slot(term)].max(1) as f32;
        // Never zero: a word in every document still counts a little.
        (1.0 + (self.docs as f32 + 1.0) / df).ln().powf(IDF_POWER)
    }

    pub fn docs(&self) -> u64 {
        self.docs
    }
}

fn slot(term: u64) -> usize {
    (term >> 44) as usize & (SLOTS - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_terms_weigh_less_than_rare_ones() {
        let mut df = DocFreq::new();
        for i in 0..100u64 {
            df.add([1u64 << 50, (i + 7) << 45].into_iter());
        }
        assert!(df.idf(1 << 50) < df.idf(7 << 45));
        assert!(df.idf(1 << 50) > 0.0);
        assert!(df.idf(12345 << 44) >= df.idf(7 << 45), "unseen terms count as rare");
    }
}
