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

/// Document frequencies up to this are looked up in a table of their idf
/// rather than computed: a logarithm and a power per term per scoring was
/// a twentieth of the clustering profile.
const TABLE: usize = 1024;

pub(crate) struct DocFreq {
    counts: Vec<u32>,
    docs: u64,
    /// idf by document frequency (index 0 unused), as of `table_docs` documents.
    table: Vec<f32>,
    table_docs: u64,
}

impl DocFreq {
    pub fn new() -> Self {
        Self {
            counts: vec![0; SLOTS],
            docs: 0,
            table: Vec::new(),
            table_docs: 0,
        }
    }

    /// Counts one document with these distinct terms.
    pub fn add(&mut self, distinct_terms: impl Iterator<Item = u64>) {
        self.docs += 1;
        for t in distinct_terms {
            let c = &mut self.counts[slot(t)];
            *c = c.saturating_add(1);
        }
        // Exact while the corpus is small; after that idf moves by well
        // under a percent before the table is refreshed.
        if self.docs > self.table_docs + self.table_docs / 100 {
            self.table_docs = self.docs;
            let docs = self.docs;
            self.table = (0..=TABLE).map(|df| idf_of(docs, df.max(1) as f32)).collect();
        }
    }

    /// Smoothed, dampened inverse document frequency; a term never seen
    /// gets the weight of one seen once.
    pub fn idf(&self, term: u64) -> f32 {
        let df = self.counts[slot(term)].max(1);
        match self.table.get(df as usize) {
            Some(&idf) => idf,
            None => idf_of(self.docs, df as f32),
        }
    }

    pub fn docs(&self) -> u64 {
        self.docs
    }
}

/// Never zero: a word in every document still counts a little.
fn idf_of(docs: u64, df: f32) -> f32 {
    (1.0 + (docs as f32 + 1.0) / df).ln().powf(IDF_POWER)
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
