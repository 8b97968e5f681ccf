//! A small multiplicative hasher for the tagger's tables: its keys are short
//! words and feature hashes read millions of times, where SipHash's
//! resistance to chosen keys buys nothing (the tables are built from our
//! own model and word lists, or from one document's words) and costs a
//! tenth of the analysis time.

use std::hash::{BuildHasherDefault, Hasher};

/// FxHash's mixing step (rustc's hasher).
#[derive(Default, Clone, Copy)]
pub struct Fx(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(SEED);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(n)).wrapping_mul(SEED);
    }
}

/// Builds [`Fx`] hashers for `HashMap` and `HashSet`.
pub type FxBuild = BuildHasherDefault<Fx>;
