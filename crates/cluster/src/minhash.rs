//! Near-duplicate detection for syndicated copies: MinHash over word
//! shingles, with banded locality-sensitive hashing to find candidates.
//!
//! Wire stories are republished with small edits: a new headline, a dropped
//! closing paragraph, a local standfirst. Word 3-shingles of the body catch
//! that; MinHash estimates the Jaccard similarity of two shingle sets from
//! 64 minima, and the bands find pairs above about 0.5 without comparing
//! every article with every other.

use crate::text::{fnv, mix, FNV_OFFSET};

/// Hash functions per signature.
pub(crate) const PERMS: usize = 64;
/// Bands of `ROWS` rows; two signatures become candidates when one band matches.
const BANDS: usize = 16;
const ROWS: usize = PERMS / BANDS;
/// Shingles below this make no signature: short texts (headlines, one-line
/// leads) are too alike across stories to call copies.
const MIN_SHINGLES: usize = 24;
/// Words read from a body: a copy shows itself within its first paragraphs.
const MAX_WORDS: usize = 400;

/// A MinHash signature plus the shingle count, used to estimate containment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Signature {
    mins: [u32; PERMS],
    shingles: u32,
}

impl Signature {
    /// The signature of a body, or `None` when it is too short to tell copies apart.
    pub fn of(text: &str) -> Option<Signature> {
        let words: Vec<u64> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .take(MAX_WORDS)
            .map(hash_lowercase)
            .collect();
        // Too few words cannot make enough distinct shingles: skip the work.
        if words.len() < MIN_SHINGLES + 2 {
            return None;
        }
        // Rotations keep the shingle ordered: "a b c" and "c b a" differ.
        let mut shingles: Vec<u64> = words
            .windows(3)
            .map(|w| mix(w[0] ^ w[1].rotate_left(21) ^ w[2].rotate_left(42)))
            .collect();
        shingles.sort_unstable();
        shingles.dedup();
        if shingles.len() < MIN_SHINGLES {
            return None;
        }
        let mut mins = [u32::MAX; PERMS];
        for s in &shingles {
            for (i, m) in mins.iter_mut().enumerate() {
                let v = (mix(s ^ SEEDS[i]) >> 32) as u32;
                *m = (*m).min(v);
            }
        }
        Some(Signature {
            mins,
            shingles: shingles.len() as u32,
        })
    }

    /// Estimated Jaccard similarity of the two shingle sets.
    pub fn jaccard(&self, other: &Signature) -> f32 {
        let same = self.mins.iter().zip(&other.mins).filter(|(a, b)| a == b).count();
        same as f32 / PERMS as f32
    }

    /// True when one text is a near-copy of the other, or of a part of it
    /// (a copy cut short after a few paragraphs).
    pub fn near_duplicate(&self, other: &Signature) -> bool {
        let j = self.jaccard(other);
        if j >= 0.5 {
            return true;
        }
        // |A ∩ B| = J (|A| + |B|) / (1 + J); containment of the smaller set.
        let (a, b) = (self.shingles as f32, other.shingles as f32);
        let inter = j * (a + b) / (1.0 + j);
        j >= 0.2 && inter / a.min(b) >= 0.8
    }

    /// Keys of the LSH bands: equal keys make candidate pairs.
    pub fn band_keys(&self) -> impl Iterator<Item = u64> + '_ {
        self.mins.chunks(ROWS).enumerate().map(|(band, rows)| {
            let mut h = band as u64;
            for r in rows {
                h = mix(h ^ u64::from(*r));
            }
            h
        })
    }
}

/// The hash of a word's lower-case form, without allocating it.
fn hash_lowercase(word: &str) -> u64 {
    if word.is_ascii() {
        let h = word.bytes().fold(FNV_OFFSET, |h, b| fnv(h, &[b.to_ascii_lowercase()]));
        return mix(h);
    }
    let mut buf = [0u8; 4];
    let mut h = FNV_OFFSET;
    for c in word.chars().flat_map(char::to_lowercase) {
        h = fnv(h, c.encode_utf8(&mut buf).as_bytes());
    }
    mix(h)
}

/// Fixed seeds so signatures are reproducible across runs.
static SEEDS: [u64; PERMS] = {
    let mut s = [0u64; PERMS];
    let mut i = 0;
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    while i < PERMS {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        s[i] = x;
        i += 1;
    }
    s
};

#[cfg(test)]
mod tests {
    use super::*;

    const WIRE: &str = "Hackers encrypted patient records at St Brennan's Hospital overnight, forcing \
        staff to cancel planned operations and divert ambulances to neighbouring towns, the health \
        authority said on Tuesday. The attack was detected shortly after midnight when clinicians \
        found they could not open scans or prescriptions. Officials said there was no evidence so far \
        that data had been taken, but the police cyber unit had been called in and the hospital was \
        running on paper records while engineers restored systems from backups.";

    #[test]
    fn an_edited_or_shortened_copy_is_a_near_duplicate() {
        let original = Signature::of(WIRE).unwrap();
        let edited = Signature::of(&WIRE.replace("on Tuesday", "late on Tuesday evening")).unwrap();
        assert!(original.near_duplicate(&edited));
        let cut = &WIRE[..WIRE.find("Officials").unwrap()];
        assert!(original.near_duplicate(&Signature::of(cut).unwrap()));
        assert!(original.band_keys().zip(edited.band_keys()).any(|(a, b)| a == b));
    }

    #[test]
    fn a_different_report_of_the_same_event_is_not() {
        let other = "St Brennan's Hospital was hit by a ransomware attack, and the hospital's chief \
            executive apologised to patients whose operations were postponed. She said the hospital \
            had invested in security but no system was perfect, and thanked nurses who had gone back \
            to paper charts to keep wards running through the night while police investigated.";
        let a = Signature::of(WIRE).unwrap();
        let b = Signature::of(other).unwrap();
        assert!(!a.near_duplicate(&b), "jaccard {}", a.jaccard(&b));
    }

    #[test]
    fn short_texts_make_no_signature() {
        assert!(Signature::of("Hospital hit by cyberattack").is_none());
        assert!(Signature::of("").is_none());
    }
}
