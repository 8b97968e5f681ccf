//! The news section classifier: files an article under one of eight
//! sections ([`Section`]: world, politics, business, technology, science,
//! health, sports, entertainment) from its title and the lead of its text.
//!
//! **Model.** A multinomial logistic regression over hashed sparse features
//! ([`features`]): lowercase words and word pairs of the title and of the
//! lead (kept apart, since a headline word says more than a teaser word),
//! and character 3–5-grams of every word, which let rare names and
//! inflections share weight. Each group is scaled to unit length and then
//! by a group weight the model file records. Training ([`train`]) is
//! stochastic gradient descent with L2 regularisation in a fixed
//! pseudo-random order, with each class's examples weighted so that the
//! classes count alike: readers' feeds are not skewed the way the training
//! data is, and the benchmark is balanced. Weights are stored as one `i8`
//! per section with a per-section scale, for the slots that carry weight.
//!
//! **Data and licence.** `newsdesk-bench train-section` learns the model
//! from `news-sections`: its train and dev splits (105,747 and 2,400 HuffPost
//! headlines with their one-sentence descriptions, 2012–2022; dev adds a
//! quarter to the smallest sections), labelled by the desk they ran under, from Rishabh
//! Misra's News Category Dataset (CC BY 4.0; attribution in
//! `model/NOTICE.md`). The same data gives the same `model/section.bin`,
//! byte for byte; it is compiled in, so nothing is downloaded.
//!
//! **Reading.** Only the title's first words and the text's first
//! [`features::LEAD_WORDS`] words are read, because the training texts are
//! teasers, not whole articles; that also bounds the work on any input.

pub mod features;
pub mod train;

use std::collections::HashMap;
use std::sync::OnceLock;

pub use newsdesk_domain::Section;

use crate::tagger::FxBuild;
use features::GROUPS;

/// The number of sections, and of weights per feature slot.
pub const CLASSES: usize = Section::ALL.len();

/// The model file's first bytes.
const MAGIC: &[u8; 8] = b"NDSEC\x00\x00\x02";

/// Bytes of a row after its slot: the idf, then a weight per section.
const ROW_BYTES: usize = 1 + CLASSES;

/// The classifier's answer for one article.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SectionGuess {
    /// The most probable section.
    pub section: Section,
    /// Its probability under the model, in (0, 1]; labels are one outlet's
    /// desks, so even a right guess is rarely near 1.
    pub probability: f32,
}

/// The section of an article from its title and text (only the text's lead
/// is read). Never panics; empty input gets the model's prior.
pub fn classify(title: &str, text: &str) -> SectionGuess {
    Model::builtin().classify(title, text)
}

/// How sure the model must be of a publisher's label: a desk's name ("Sport",
/// "Markets", "Arts & Culture") reads at 0.77 or more, while labels that name
/// no desk ("News", "Opinion", "Local") stay under 0.6.
const LABEL_CONFIDENCE: f32 = 0.75;

/// The section a publisher's own label for an article names (its page's
/// `article:section`), where it names one of ours: the label itself ("World"),
/// or a label the model reads with confidence ("Football", "Markets").
/// `None` leaves the article's text to decide.
pub fn of_label(label: &str) -> Option<Section> {
    Section::parse(label).or_else(|| {
        let guess = classify(label, "");
        (guess.probability >= LABEL_CONFIDENCE).then_some(guess.section)
    })
}

/// A section model: group weights, biases, and per slot its idf and
/// quantised weights.
pub struct Model {
    groups: [f32; GROUPS],
    bias: [f32; CLASSES],
    scale: [f32; CLASSES],
    rows: HashMap<u32, Row, FxBuild>,
}

/// What the model knows of one feature slot.
struct Row {
    idf: f32,
    weights: [i8; CLASSES],
}

impl Model {
    /// The model built into newsdesk.
    pub fn builtin() -> &'static Model {
        static MODEL: OnceLock<Model> = OnceLock::new();
        MODEL.get_or_init(|| {
            Model::parse(include_bytes!("../../model/section.bin")).expect("the committed section model is well formed")
        })
    }

    /// Reads a model file: magic; group weights, biases and scales (f32,
    /// little-endian); then rows in rising slot order, each its slot (the
    /// gap after the previous row's slot as a LEB128 varint: most gaps take
    /// one byte where a u32 took four), its idf in steps of
    /// [`features::IDF_STEP`] (u8) and one i8 weight per section.
    pub fn parse(bytes: &[u8]) -> Option<Model> {
        let rest = bytes.strip_prefix(MAGIC)?;
        let f32_at =
            |i: usize| -> Option<f32> { Some(f32::from_le_bytes(rest.get(i * 4..i * 4 + 4)?.try_into().ok()?)) };
        let groups = array(f32_at)?;
        let bias = array(|c| f32_at(GROUPS + c))?;
        let scale = array(|c| f32_at(GROUPS + CLASSES + c))?;
        let mut body = rest.get((GROUPS + 2 * CLASSES) * 4..)?;
        let mut rows = HashMap::default();
        let mut next_slot = 0u32;
        while !body.is_empty() {
            let (gap, after) = varint(body)?;
            let slot = next_slot.checked_add(gap)?;
            let row = after.get(..ROW_BYTES)?;
            let weights = std::array::from_fn(|c| row[1 + c] as i8);
            rows.insert(
                slot,
                Row {
                    idf: idf_of(row[0]),
                    weights,
                },
            );
            next_slot = slot.checked_add(1)?;
            body = &after[ROW_BYTES..];
        }
        Some(Model {
            groups,
            bias,
            scale,
            rows,
        })
    }

    /// One score per section (log-odds up to a constant).
    pub fn scores(&self, title: &str, text: &str) -> [f32; CLASSES] {
        let mut sums = [0f32; CLASSES];
        let idf = |slot| self.rows.get(&slot).map(|r| r.idf);
        for (slot, x) in features::vectorize(features::slots(title, text), &self.groups, idf) {
            if let Some(row) = self.rows.get(&slot) {
                sums.iter_mut()
                    .zip(&row.weights)
                    .for_each(|(s, &w)| *s += x * f32::from(w));
            }
        }
        std::array::from_fn(|c| self.bias[c] + sums[c] * self.scale[c])
    }

    /// The most probable section and its probability.
    pub fn classify(&self, title: &str, text: &str) -> SectionGuess {
        let probs = softmax(&self.scores(title, text));
        let best = (0..CLASSES).max_by(|&a, &b| probs[a].total_cmp(&probs[b])).unwrap_or(0);
        SectionGuess {
            section: Section::ALL[best],
            probability: probs[best],
        }
    }
}

/// A LEB128 varint at the start of `bytes` (at most five bytes for a u32),
/// and what follows it.
fn varint(bytes: &[u8]) -> Option<(u32, &[u8])> {
    let mut value = 0u32;
    for (i, &b) in bytes.iter().enumerate().take(5) {
        value |= u32::from(b & 0x7f).checked_shl(7 * i as u32)?;
        if b & 0x80 == 0 {
            return Some((value, &bytes[i + 1..]));
        }
    }
    None
}

fn push_varint(out: &mut Vec<u8>, mut value: u32) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn array<const N: usize>(mut at: impl FnMut(usize) -> Option<f32>) -> Option<[f32; N]> {
    let mut out = [0.0; N];
    for (i, x) in out.iter_mut().enumerate() {
        *x = at(i)?;
    }
    Some(out)
}

/// Probabilities from scores, computed without overflow.
pub fn softmax(scores: &[f32; CLASSES]) -> [f32; CLASSES] {
    let top = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp = scores.map(|s| (s - top).exp());
    let sum: f32 = exp.iter().sum();
    exp.map(|e| e / sum)
}

/// An idf as the file stores it (0: not a known slot).
fn idf_of(q: u8) -> f32 {
    f32::from(q) * features::IDF_STEP
}

/// Writes a model file (see [`Model::parse`]) from stored idfs and float
/// weights, both slot by slot. Each section's weights are scaled so its
/// largest is 127; slots with no idf or whose weights all round to zero
/// are left out; rows are in slot order, so the same weights always give
/// the same bytes.
fn serialize(groups: &[f32; GROUPS], bias: &[f32; CLASSES], idf: &[u8], weights: &[f32]) -> Vec<u8> {
    let scale: [f32; CLASSES] = std::array::from_fn(|c| {
        let largest = weights
            .iter()
            .skip(c)
            .step_by(CLASSES)
            .fold(0f32, |m, w| m.max(w.abs()));
        largest.max(f32::MIN_POSITIVE) / 127.0
    });
    let mut out = MAGIC.to_vec();
    for x in groups.iter().chain(bias).chain(&scale) {
        out.extend(x.to_le_bytes());
    }
    let mut next_slot = 0;
    for (slot, (row, &idf)) in weights.chunks_exact(CLASSES).zip(idf).enumerate() {
        let q: [i8; CLASSES] = std::array::from_fn(|c| (row[c] / scale[c]).round().clamp(-127.0, 127.0) as i8);
        if idf > 0 && q.iter().any(|&w| w != 0) {
            let slot = slot as u32;
            push_varint(&mut out, slot - next_slot);
            next_slot = slot + 1;
            out.push(idf);
            out.extend(q.map(|w| w as u8));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_model_loads_and_files_plain_headlines() {
        let cases = [
            (
                "Lakers Beat Celtics In Overtime Thriller",
                "LeBron James scored 40 points.",
                Section::Sports,
            ),
            ("Senate Passes Budget Bill After Long Debate", "", Section::Politics),
            ("Apple Unveils New iPhone With Faster Chip", "", Section::Technology),
            ("Stocks Slide As Fed Signals More Rate Hikes", "", Section::Business),
        ];
        for (title, text, want) in cases {
            assert_eq!(classify(title, text).section, want, "{title}");
        }
    }

    #[test]
    fn any_input_gets_a_section() {
        let huge = "word ".repeat(1_000_000);
        let unspaced = "x".repeat(5_000_000);
        for (title, text) in [
            ("", ""),
            ("Привет, 世界", "مرحبا"),
            ("", huge.as_str()),
            (unspaced.as_str(), ""),
        ] {
            let guess = classify(title, text);
            assert!(guess.probability > 0.0 && guess.probability <= 1.0);
        }
    }

    #[test]
    fn only_the_lead_is_read() {
        // 63 words: the lead ends before the sports tail begins.
        let lead = "The central bank raised interest rates again on Tuesday. ".repeat(7);
        let tail = "The team won the championship game. ".repeat(50);
        let model = Model::builtin();
        assert_eq!(model.scores("", &lead), model.scores("", &format!("{lead}{tail}")));
        assert_ne!(model.scores("", &lead), model.scores("", &tail));
    }

    #[test]
    fn a_publishers_label_decides_only_when_it_names_a_desk() {
        assert_eq!(of_label(" world "), Some(Section::World));
        assert_eq!(of_label("Football"), Some(Section::Sports));
        assert_eq!(of_label("Markets"), Some(Section::Business));
        for vague in ["News", "Opinion", "Local", ""] {
            assert_eq!(of_label(vague), None, "{vague:?}");
        }
    }

    #[test]
    fn bad_files_are_refused() {
        assert!(Model::parse(b"").is_none());
        assert!(Model::parse(b"NDSEC\x00\x00\x01short").is_none());
        let mut ok = serialize(&[1.0; GROUPS], &[0.0; CLASSES], &[20, 0, 20], &[0.5; CLASSES * 3]);
        assert!(Model::parse(&ok).is_some_and(|m| m.rows.len() == 2 && m.rows[&2].idf == 1.0));
        ok.push(0);
        assert!(Model::parse(&ok).is_none(), "a row cut short");

        // Slots far apart: the gap takes a two-byte varint.
        let mut idf = vec![0; 300];
        (idf[0], idf[299]) = (20, 20);
        let far = serialize(&[1.0; GROUPS], &[0.0; CLASSES], &idf, &vec![0.5; CLASSES * 300]);
        let model = Model::parse(&far).expect("parses");
        assert_eq!((model.rows.len(), model.rows.contains_key(&299)), (2, true));
    }
}
