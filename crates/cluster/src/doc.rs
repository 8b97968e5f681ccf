//! An arriving article as a sparse term vector.

use rustc_hash::FxHashMap;

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
/// unit-length vector used for scoring. Both are sorted by term hash.
/// `embedding` is the article's sentence embedding, when the caller has one.
#[derive(Debug, Clone, Default)]
pub(crate) struct Doc {
    pub tf: Vec<(u64, f32)>,
    pub vector: Vec<(u64, f32)>,
    pub embedding: Option<Box<[f32]>>,
}

impl Doc {
    /// Builds the term weights of a title and text (idf not yet applied).
    pub fn parse(title: &str, text: &str) -> Doc {
        let mut acc: FxHashMap<u64, f32> = FxHashMap::default();
        let mut add = |t: Term, w: f32| {
            *acc.entry(t.hash).or_default() += if t.entity { w * ENTITY_BOOST } else { w };
        };
        terms(title, TITLE_TERMS, |t| add(t, 1.0));
        terms(text, TEXT_TERMS, |t| add(t, TEXT_WEIGHT));
        // Sub-linear: a word repeated in the lead should not drown the rest.
        let mut tf: Vec<(u64, f32)> = acc.into_iter().map(|(h, w)| (h, w.sqrt())).collect();
        tf.sort_unstable_by_key(|&(h, _)| h);
        Doc {
            tf,
            vector: Vec::new(),
            embedding: None,
        }
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
        self.vector = self.tf.iter().map(|&(h, w)| (h, w * df.idf(h))).collect();
        let norm = self.vector.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        if norm > 0.0 {
            self.vector.iter_mut().for_each(|(_, w)| *w /= norm);
        }
    }
}

/// Dot product of two vectors sorted by term hash.
pub(crate) fn dot(a: &[(u64, f32)], b: &[(u64, f32)]) -> f32 {
    let (mut i, mut j, mut sum) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                sum += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    sum
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
        assert!((dot(&a.vector, &b.vector) - 1.0).abs() < 1e-5);
        assert_eq!(dot(&a.vector, &c.vector), 0.0);
    }

    #[test]
    fn empty_input_gives_an_empty_doc() {
        let mut d = Doc::parse("", "   ");
        d.weigh(&DocFreq::new());
        assert!(d.tf.is_empty() && d.vector.is_empty());
    }
}
