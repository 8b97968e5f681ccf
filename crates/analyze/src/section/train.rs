//! Training the section classifier: multinomial logistic regression by
//! stochastic gradient descent with L2 regularisation (Bottou's schedule,
//! the step shrinking as 1/(λ·(t₀ + t)), the decay kept as one scale
//! factor so an update touches only the example's own slots), in a fixed
//! pseudo-random order so the same data gives the same bytes.

use super::features::{self, BUCKETS, GROUPS, IDF_STEP};
use super::{idf_of, serialize, softmax, Section, CLASSES};
use crate::tagger::train::shuffle;

/// One labelled article.
#[derive(Debug, Clone)]
pub struct Example {
    /// The headline.
    pub title: String,
    /// The description or text (only its lead is read).
    pub text: String,
    /// The section it ran under.
    pub section: Section,
}

/// What training can be asked to vary.
#[derive(Debug, Clone)]
pub struct Params {
    /// Passes over the data.
    pub epochs: usize,
    /// L2 regularisation per example.
    pub lambda: f32,
    /// The first step's size.
    pub eta0: f32,
    /// How far class weights even out the classes: 0 weighs every example
    /// alike, 1 gives every class the same total weight.
    pub balance: f32,
    /// Weight of each feature group (see [`features::GROUP_NAMES`]).
    pub groups: [f32; GROUPS],
    /// Slots seen in fewer training examples are left out.
    pub min_df: u32,
    /// Folds whose out-of-fold scores set the bias offsets (0 or 1: none).
    pub calibration_folds: usize,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            epochs: 15,
            lambda: 1e-5,
            eta0: 0.5,
            balance: 1.0,
            groups: [1.0, 0.5, 1.0],
            min_df: 3,
            calibration_folds: 4,
        }
    }
}

/// An example ready to learn: its features, class and weight.
struct Prepared {
    features: Vec<(u32, f32)>,
    class: usize,
    weight: f32,
}

/// Each class's weight: (n / (k·n_c))^balance, scaled to average 1 per example.
fn class_weights(examples: &[Example], balance: f32) -> [f32; CLASSES] {
    let mut counts = [0usize; CLASSES];
    examples.iter().for_each(|e| counts[e.section.index()] += 1);
    let n = examples.len().max(1) as f32;
    let raw: [f32; CLASSES] = std::array::from_fn(|c| (n / (CLASSES as f32 * counts[c].max(1) as f32)).powf(balance));
    let mean = (0..CLASSES).map(|c| raw[c] * counts[c] as f32).sum::<f32>() / n;
    raw.map(|w| w / mean.max(f32::MIN_POSITIVE))
}

/// Each slot's idf, 1 + ln((1 + n) / (1 + df)), in file steps; 0 for
/// slots in fewer than `min_df` examples, which the model leaves out.
fn idf_table(slots: &[[Vec<u32>; GROUPS]], min_df: u32) -> Vec<u8> {
    let mut df = vec![0u32; BUCKETS];
    let mut seen: Vec<u32> = Vec::new();
    for groups in slots {
        seen.clear();
        groups.iter().for_each(|g| seen.extend(g));
        seen.sort_unstable();
        seen.dedup();
        seen.iter().for_each(|&s| df[s as usize] += 1);
    }
    let n = slots.len() as f32;
    df.into_iter()
        .map(|d| {
            let idf = 1.0 + ((1.0 + n) / (1.0 + d as f32)).ln();
            if d >= min_df.max(1) {
                (idf / IDF_STEP).round().clamp(1.0, 255.0) as u8
            } else {
                0
            }
        })
        .collect()
}

/// Features, classes and weights of every example, and the idf table.
fn prepare(examples: &[Example], params: &Params) -> (Vec<Prepared>, Vec<u8>) {
    let weights = class_weights(examples, params.balance);
    let slots: Vec<[Vec<u32>; GROUPS]> = examples.iter().map(|e| features::slots(&e.title, &e.text)).collect();
    let idf = idf_table(&slots, params.min_df);
    let known = |s: u32| Some(idf[s as usize]).filter(|&q| q > 0).map(idf_of);
    let data = slots
        .into_iter()
        .zip(examples)
        .map(|(groups, e)| Prepared {
            features: features::vectorize(groups, &params.groups, known),
            class: e.section.index(),
            weight: weights[e.section.index()],
        })
        .collect();
    (data, idf)
}

/// Float weights, slot by slot, kept as `scale · w` so that the L2 decay
/// of every weight is one multiplication.
struct Learner {
    w: Vec<f32>,
    scale: f64,
    bias: [f32; CLASSES],
}

impl Learner {
    fn scores(&self, features: &[(u32, f32)]) -> [f32; CLASSES] {
        let mut sums = [0f32; CLASSES];
        for &(slot, x) in features {
            let row = &self.w[slot as usize * CLASSES..][..CLASSES];
            sums.iter_mut().zip(row).for_each(|(s, w)| *s += x * w);
        }
        std::array::from_fn(|c| self.bias[c] + sums[c] * self.scale as f32)
    }

    /// One step on one example; returns its weighted log loss.
    fn step(&mut self, p: &Prepared, eta: f32, lambda: f32) -> f64 {
        let probs = softmax(&self.scores(&p.features));
        let grad: [f32; CLASSES] =
            std::array::from_fn(|c| p.weight * (probs[c] - if c == p.class { 1.0 } else { 0.0 }));
        self.scale *= 1.0 - f64::from(eta * lambda);
        let step = eta / self.scale as f32;
        for &(slot, x) in &p.features {
            let row = &mut self.w[slot as usize * CLASSES..][..CLASSES];
            row.iter_mut().zip(&grad).for_each(|(w, g)| *w -= step * g * x);
        }
        self.bias.iter_mut().zip(&grad).for_each(|(b, g)| *b -= eta * g);
        if self.scale < 1e-6 {
            self.rescale();
        }
        -f64::from(p.weight) * f64::from(probs[p.class].max(f32::MIN_POSITIVE)).ln()
    }

    /// Folds the scale factor into the weights.
    fn rescale(&mut self) {
        let s = self.scale as f32;
        self.w.iter_mut().for_each(|w| *w *= s);
        self.scale = 1.0;
    }
}

/// Trains on every example with Bottou's schedule; `report` hears each
/// epoch's mean weighted log loss.
fn fit(data: &[&Prepared], params: &Params, report: &mut impl FnMut(usize, f64)) -> Learner {
    let mut learner = Learner {
        w: vec![0.0; BUCKETS * CLASSES],
        scale: 1.0,
        bias: [0.0; CLASSES],
    };
    let t0 = 1.0 / (params.lambda * params.eta0);
    let mut t = 0f32;
    let mut order: Vec<usize> = (0..data.len()).collect();
    let mut seed: u64 = 0x5ec7_10e5_d00d_f00d;
    for epoch in 0..params.epochs {
        shuffle(&mut order, &mut seed);
        let mut loss = 0.0;
        for &k in &order {
            let eta = 1.0 / (params.lambda * (t0 + t));
            loss += learner.step(data[k], eta, params.lambda);
            t += 1.0;
        }
        report(epoch + 1, loss / data.len().max(1) as f64);
    }
    learner.rescale();
    learner
}

/// Bias offsets that even out the sections on unseen articles. A model
/// fits its training examples, so its biases say little about how often
/// it will pick each section on new text (the rare sections' words are the
/// ones it has seen least). Each of `folds` models scores the examples it
/// was not trained on; the offsets then minimise the class-balanced log
/// loss of those scores.
fn calibrate(data: &[Prepared], params: &Params) -> [f32; CLASSES] {
    let folds = params.calibration_folds;
    let mut scored: Vec<([f32; CLASSES], usize, f32)> = Vec::with_capacity(data.len());
    for k in 0..folds {
        let rest: Vec<&Prepared> = data
            .iter()
            .enumerate()
            .filter(|(i, _)| i % folds != k)
            .map(|(_, p)| p)
            .collect();
        let learner = fit(&rest, params, &mut |_, _| {});
        scored.extend(
            data.iter()
                .skip(k)
                .step_by(folds)
                .map(|p| (learner.scores(&p.features), p.class, p.weight)),
        );
    }
    fit_offsets(&scored)
}

/// Gradient descent on the weighted log loss of `scores + offsets`.
fn fit_offsets(scored: &[([f32; CLASSES], usize, f32)]) -> [f32; CLASSES] {
    let mut offsets = [0f32; CLASSES];
    let total: f32 = scored.iter().map(|s| s.2).sum::<f32>().max(f32::MIN_POSITIVE);
    for _ in 0..OFFSET_STEPS {
        let mut grad = [0f32; CLASSES];
        for (scores, class, weight) in scored {
            let probs = softmax(&std::array::from_fn(|c| scores[c] + offsets[c]));
            for c in 0..CLASSES {
                grad[c] += weight * (probs[c] - if c == *class { 1.0 } else { 0.0 });
            }
        }
        offsets
            .iter_mut()
            .zip(grad)
            .for_each(|(o, g)| *o -= OFFSET_RATE * g / total);
    }
    offsets
}

/// Steps and step size of the offset fit (converged well before on news-sections).
const OFFSET_STEPS: usize = 300;
const OFFSET_RATE: f32 = 2.0;

/// Trains for `params.epochs` passes and returns the model file's bytes.
/// `report` hears each epoch's mean weighted log loss of the final model.
pub fn train(examples: &[Example], params: &Params, mut report: impl FnMut(usize, f64)) -> Vec<u8> {
    let (data, idf) = prepare(examples, params);
    let offsets = if params.calibration_folds > 1 {
        calibrate(&data, params)
    } else {
        [0.0; CLASSES]
    };
    let all: Vec<&Prepared> = data.iter().collect();
    let learner = fit(&all, params, &mut report);
    let bias: [f32; CLASSES] = std::array::from_fn(|c| learner.bias[c] + offsets[c]);
    serialize(&params.groups, &bias, &idf, &learner.w)
}

#[cfg(test)]
mod tests {
    use super::super::Model;
    use super::*;

    fn example(title: &str, section: Section) -> Example {
        Example {
            title: title.to_string(),
            text: String::new(),
            section,
        }
    }

    fn tiny_set() -> Vec<Example> {
        let mut out = Vec::new();
        for i in 0..20 {
            out.push(example(
                &format!("Goalkeeper saves penalty in match {i}"),
                Section::Sports,
            ));
            out.push(example(
                &format!("Parliament votes on budget law {i}"),
                Section::Politics,
            ));
            out.push(example(
                &format!("Vaccine trial shows fewer infections {i}"),
                Section::Health,
            ));
        }
        out
    }

    #[test]
    fn training_is_deterministic_and_learns_a_tiny_set() {
        let params = Params {
            epochs: 3,
            min_df: 1,
            calibration_folds: 2,
            ..Params::default()
        };
        let a = train(&tiny_set(), &params, |_, _| {});
        assert_eq!(a, train(&tiny_set(), &params, |_, _| {}));
        let model = Model::parse(&a).unwrap();
        assert_eq!(model.classify("Striker misses penalty", "").section, Section::Sports);
        assert_eq!(
            model.classify("Budget vote in parliament", "").section,
            Section::Politics
        );
        assert_eq!(model.classify("New vaccine trial", "").section, Section::Health);
    }

    #[test]
    fn balanced_weights_give_each_class_the_same_total() {
        let mut set = tiny_set();
        set.extend((0..60).map(|i| example(&format!("Extra match report {i}"), Section::Sports)));
        let w = class_weights(&set, 1.0);
        let sports = w[Section::Sports.index()] * 80.0;
        assert!((sports - w[Section::Health.index()] * 20.0).abs() < 1e-3);
        assert_eq!(class_weights(&set, 0.0), [1.0; CLASSES]);
    }
}
