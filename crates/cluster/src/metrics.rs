//! Clustering quality against gold labels: NMI and B-cubed precision,
//! recall and F1. Used by the benchmark and by tests.

use std::collections::HashMap;
use std::hash::Hash;

/// B-cubed scores, each in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BCubed {
    /// Per item, the share of its predicted cluster that shares its gold label; averaged.
    pub precision: f64,
    /// Per item, the share of its gold class that shares its predicted cluster; averaged.
    pub recall: f64,
    /// Harmonic mean of the two.
    pub f1: f64,
}

/// Normalised mutual information, `I(G;P) / sqrt(H(G) H(P))` (the
/// geometric normalisation of Strehl & Ghosh, which the MStream paper's
/// tooling used). Both slices give one label per item, in the same order.
/// 1.0 when both partitions are trivial and equal.
pub fn nmi<G: Hash + Eq, P: Hash + Eq>(gold: &[G], predicted: &[P]) -> f64 {
    let n = gold.len().min(predicted.len());
    if n == 0 {
        return 1.0;
    }
    let mut joint: HashMap<(&G, &P), f64> = HashMap::new();
    let mut g_count: HashMap<&G, f64> = HashMap::new();
    let mut p_count: HashMap<&P, f64> = HashMap::new();
    for (g, p) in gold.iter().zip(predicted).take(n) {
        *joint.entry((g, p)).or_default() += 1.0;
        *g_count.entry(g).or_default() += 1.0;
        *p_count.entry(p).or_default() += 1.0;
    }
    let n = n as f64;
    let mi: f64 = joint
        .iter()
        .map(|((g, p), &c)| c / n * (c * n / (g_count[g] * p_count[p])).ln())
        .sum();
    let (hg, hp) = (entropy(g_count.values(), n), entropy(p_count.values(), n));
    if hg == 0.0 || hp == 0.0 {
        return if hg == hp { 1.0 } else { 0.0 };
    }
    mi / (hg * hp).sqrt()
}

fn entropy<'a>(counts: impl Iterator<Item = &'a f64>, n: f64) -> f64 {
    -counts.map(|&c| c / n * (c / n).ln()).sum::<f64>()
}

/// B-cubed precision and recall: for each item, the share of its predicted
/// cluster that shares its gold label, and the share of its gold cluster
/// that shares its predicted cluster, averaged over items.
pub fn bcubed<G: Hash + Eq, P: Hash + Eq>(gold: &[G], predicted: &[P]) -> BCubed {
    let n = gold.len().min(predicted.len());
    if n == 0 {
        return BCubed {
            precision: 1.0,
            recall: 1.0,
            f1: 1.0,
        };
    }
    let mut joint: HashMap<(&G, &P), f64> = HashMap::new();
    let mut g_count: HashMap<&G, f64> = HashMap::new();
    let mut p_count: HashMap<&P, f64> = HashMap::new();
    for (g, p) in gold.iter().zip(predicted).take(n) {
        *joint.entry((g, p)).or_default() += 1.0;
        *g_count.entry(g).or_default() += 1.0;
        *p_count.entry(p).or_default() += 1.0;
    }
    // Every item in cell (g, p) has the same precision c/|p| and recall c/|g|.
    let (mut precision, mut recall) = (0.0, 0.0);
    for ((g, p), &c) in &joint {
        precision += c * c / p_count[p];
        recall += c * c / g_count[g];
    }
    let n = n as f64;
    let (precision, recall) = (precision / n, recall / n);
    BCubed {
        precision,
        recall,
        f1: 2.0 * precision * recall / (precision + recall),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_perfect_clustering_scores_one_under_any_names() {
        let gold = [1, 1, 2, 2, 3];
        let pred = ["a", "a", "b", "b", "c"];
        assert!((nmi(&gold, &pred) - 1.0).abs() < 1e-9);
        assert!((bcubed(&gold, &pred).f1 - 1.0).abs() < 1e-9);
    }

    #[test]
    fn lumping_everything_together_loses_precision_and_information() {
        let gold = [1, 1, 2, 2];
        let pred = [0, 0, 0, 0];
        let b = bcubed(&gold, &pred);
        assert!((b.precision - 0.5).abs() < 1e-9 && (b.recall - 1.0).abs() < 1e-9);
        assert_eq!(nmi(&gold, &pred), 0.0);
    }

    #[test]
    fn splitting_everything_loses_recall() {
        let gold = [1, 1, 1, 1];
        let pred = [1, 2, 3, 4];
        let b = bcubed(&gold, &pred);
        assert!((b.precision - 1.0).abs() < 1e-9 && (b.recall - 0.25).abs() < 1e-9);
    }
}
