//! A story's mean sentence embedding, for the optional semantic score.
//!
//! The vectors come from outside (the `semantic` feature's embedder, or any
//! other model): this part needs no model and is always compiled, so the
//! engine has one code path whether or not the feature is on.

/// Running sum of the members' embeddings; its direction is the mean's.
#[derive(Debug, Default)]
pub(crate) struct MeanEmbedding {
    sum: Vec<f32>,
}

impl MeanEmbedding {
    /// Adds one member's embedding. One of another dimension (a different
    /// model) is ignored rather than mixed in.
    pub fn add(&mut self, v: &[f32]) {
        if self.sum.is_empty() {
            self.sum = v.to_vec();
        } else if self.sum.len() == v.len() {
            self.sum.iter_mut().zip(v).for_each(|(s, x)| *s += x);
        }
    }

    /// Folds in another story's members.
    pub fn absorb(&mut self, other: MeanEmbedding) {
        self.add(&other.sum);
    }

    /// Takes one member's embedding back out (it moved to another story).
    pub fn remove(&mut self, v: &[f32]) {
        if self.sum.len() == v.len() {
            self.sum.iter_mut().zip(v).for_each(|(s, x)| *s -= x);
        }
    }

    /// Cosine of `v` with the mean; `None` when either has no direction or
    /// the dimensions differ.
    pub fn cosine(&self, v: &[f32]) -> Option<f32> {
        self.cosine_of(v, false)
    }

    /// Cosine of a member's `v` with the mean of the other members.
    pub fn cosine_without(&self, v: &[f32]) -> Option<f32> {
        self.cosine_of(v, true)
    }

    fn cosine_of(&self, v: &[f32], without: bool) -> Option<f32> {
        if self.sum.len() != v.len() {
            return None;
        }
        let own = if without { 1.0 } else { 0.0 };
        let (dot, nv, ns) = self
            .sum
            .iter()
            .zip(v)
            .fold((0.0f32, 0.0f32, 0.0f32), |(d, a, b), (s, x)| {
                let s = s - own * x;
                (d + s * x, a + x * x, b + s * s)
            });
        // Without its only member, a story's sum is rounding noise.
        let floor = if without { 1e-6 } else { 0.0 };
        let norms = (nv * ns).sqrt();
        (ns > floor && norms > 0.0).then(|| dot / norms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_is_with_the_members_mean() {
        let mut m = MeanEmbedding::default();
        assert_eq!(m.cosine(&[1.0, 0.0]), None);
        m.add(&[1.0, 0.0]);
        m.add(&[0.0, 1.0]);
        let c = m.cosine(&[1.0, 1.0]).unwrap();
        assert!((c - 1.0).abs() < 1e-6, "{c}");
        assert!((m.cosine(&[1.0, 0.0]).unwrap() - 0.5f32.sqrt()).abs() < 1e-6);
    }

    #[test]
    fn other_dimensions_and_zero_vectors_are_not_scored() {
        let mut m = MeanEmbedding::default();
        m.add(&[1.0, 0.0]);
        m.add(&[1.0, 0.0, 0.0]);
        assert_eq!(m.cosine(&[1.0, 0.0, 0.0]), None);
        assert_eq!(m.cosine(&[0.0, 0.0]), None);
        let mut other = MeanEmbedding::default();
        other.add(&[0.0, 3.0]);
        m.absorb(other);
        assert!((m.cosine(&[1.0, 3.0]).unwrap() - 1.0).abs() < 1e-6);
    }
}
