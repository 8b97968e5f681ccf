//! An arriving article as a sparse term vector.

use crate::idf::DocFreq;
use crate::text::{terms, Term};

/// Terms read from a title and from the text after it: a headline and its
/// lead say what the story is; deeper paragraphs drift into background.
const TITLE_TERMS: usize = 40;
const TEXT_TERMS: usize = 60;
/// Text terms count less than title terms: the headline is the editor's
/// own summary of the story.
const TEXT_WEIGHT: f32 = 0.5;
/// Names (capitalised words in mixed-case text) are what two headlines of
/// one story share most reliably, more than their rarity alone says.
const ENTITY_BOOST: f32 = 1.5;

/// A document's terms. `tf` holds the raw, idf-free weights (kept in story
/// centroids so idf can move as the corpus grows); `vector` the idf-weighted,
/// unit-length vector used for scoring, and `idf` each of its terms' idf (so
/// scoring against many stories computes it once). Sorted by term hash.
/// `embedding` is the article's sentence embedding, when the caller has one.
#[derive(Debug, Clone, Default)]
pub(crate) struct Doc {
    pub tf: Vec<(u64, f32)>,
    pub vector: Vec<(u64, f32)>,
    pub idf: Vec<f32>,
    pub embedding: Option<Box<[f32]>>,
}

impl Doc {
    /// Builds the term weights of a title and text (idf not yet applied).
    pub fn parse(title: &str, text: &str) -> Doc {
        let mut seen: Vec<(u64, f32)> = Vec::with_capacity(TITLE_TERMS + TEXT_TERMS);
        let mut add = |t: Term, w: f32| seen.push((t.hash, if t.entity { w * ENTITY_BOOST } else { w }));
        terms(title, TITLE_TERMS, |t| add(t, 1.0));
        terms(text, TEXT_TERMS, |t| add(t, TEXT_WEIGHT));
        // A stable sort keeps each term's weights in text order, so they sum
        // as they are met.
        seen.sort_by_key(|&(h, _)| h);
        let mut tf: Vec<(u64, f32)> = Vec::with_capacity(seen.len());
        for (h, w) in seen {
            match tf.last_mut() {
                Some((last, sum)) if *last == h => *sum += w,
                _ => tf.push((h, w)),
            }
        }
        // Sub-linear: a word repeated in the lead should not drown the rest.
        tf.iter_mut().for_each(|(_, w)| *w = w.sqrt());
        Doc { tf, ..Doc::default() }
    }

    /// Attaches the article's sentence embedding, if any.
    pub fn with_embedding(self, embedding: Option<&[f32]>) -> Doc {
        Doc {
            embedding: embedding.map(Into::into),
            ..self
        }
    }

    /// Applies the current idf and normalises to unit length.
    pub fn weigh(&mut self, df: &DocFreq) {
        self.idf = self.tf.iter().map(|&(h, _)| df.idf(h)).collect();
        self.vector = self
            .tf
            .iter()
            .zip(&self.idf)
            .map(|(&(h, w), idf)| (h, w * idf))
            .collect();
        let norm = self.vector.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        if norm > 0.0 {
            self.vector.iter_mut().for_each(|(_, w)| *w /= norm);
        }
    }
}

/// A vector's weights by term in a flat open-addressed table. Scoring takes
/// the dot product of one article with every recent member of every
/// candidate story; a probe into a small table in cache costs far less than
/// merging two sorted lists with a mispredicted branch per step.
///
/// A lookup reads every slot from a term's home to the farthest any term
/// was placed from its own, with no branch on what the slots hold (whether
/// a member's term is in the article is a coin toss the predictor loses):
/// terms are distinct, so at most one slot matches, and empty slots hold
/// key 0 with weight 0, which also finds term 0 without a special case.
pub(crate) struct Lookup {
    keys: Vec<u64>,
    weights: Vec<f32>,
    mask: usize,
    /// The farthest slot any term sits past its home.
    reach: usize,
}

impl Lookup {
    /// The table of a vector with distinct terms.
    pub fn new(vector: &[(u64, f32)]) -> Lookup {
        // At most a quarter full, so terms sit at or next to their home.
        let size = (vector.len() * 4).next_power_of_two().max(8);
        // Probes run past the end rather than wrap: room for every term.
        let mut table = Lookup {
            keys: vec![0; size + vector.len()],
            weights: vec![0.0; size + vector.len()],
            mask: size - 1,
            reach: 0,
        };
        let mut used = vec![false; size + vector.len()];
        for &(h, w) in vector {
            let home = h as usize & table.mask;
            let at = (home..).find(|&i| !used[i]).unwrap_or(home);
            used[at] = true;
            table.keys[at] = h;
            table.weights[at] = w;
            table.reach = table.reach.max(at - home);
        }
        table
    }

    /// The weight of `term`, zero when absent.
    pub fn get(&self, term: u64) -> f32 {
        let home = term as usize & self.mask;
        let slots = home..=home + self.reach;
        // Adding the zeros of the other slots leaves the match's weight exact.
        self.keys[slots.clone()]
            .iter()
            .zip(&self.weights[slots])
            .map(|(&k, &w)| if k == term { w } else { 0.0 })
            .sum()
    }

    /// Dot product with another vector.
    pub fn dot(&self, other: &[(u64, f32)]) -> f32 {
        other.iter().map(|&(h, w)| self.get(h) * w).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_texts_have_unit_similarity_and_disjoint_ones_none() {
        let df = DocFreq::new();
        let mut a = Doc::parse("Halvard Bridge closed", "corroded anchors");
        let mut b = Doc::parse("Halvard Bridge closed", "corroded anchors");
        let mut c = Doc::parse("Cup final tickets", "");
        [&mut a, &mut b, &mut c].into_iter().for_each(|d| d.weigh(&df));
        let a = Lookup::new(&a.vector);
        assert!((a.dot(&b.vector) - 1.0).abs() < 1e-5);
        assert_eq!(a.dot(&c.vector), 0.0);
    }

    #[test]
    fn lookup_finds_every_term_including_hash_zero_and_colliding_slots() {
        // Hashes that share low bits collide in the table and must probe on.
        let v: Vec<(u64, f32)> = (0..20u64).map(|i| (i << 40, i as f32 + 0.5)).collect();
        let t = Lookup::new(&v);
        assert!(v.iter().all(|&(h, w)| t.get(h) == w));
        assert_eq!(t.get(7), 0.0);
        assert_eq!(t.get(21 << 40), 0.0);
        assert_eq!(Lookup::new(&[]).get(0), 0.0);
    }

    #[test]
    fn empty_input_gives_an_empty_doc() {
        let mut d = Doc::parse("", "   ");
        d.weigh(&DocFreq::new());
        assert!(d.tf.is_empty() && d.vector.is_empty());
    }
}
