//! The BERT encoder's forward pass, written out over the model's weights.
//!
//! Titles are a dozen or so word pieces, where candle's graph spent its
//! time padding a batch to its longest title, in per-operation tensors and
//! in its thread barrier. Here every title's tokens are rows of one matrix
//! (no padding: the linear layers do not mix rows) and only attention looks
//! at one title at a time.

use safetensors::{Dtype, SafeTensors};

use super::kernels::{self, Linear};
use super::Config;

pub struct Encoder {
    /// Word, position and (type 0) token-type embeddings, `hidden` per row.
    word: Vec<f32>,
    position: Vec<f32>,
    token_type: Vec<f32>,
    norm: Norm,
    layers: Vec<Layer>,
    hidden: usize,
    heads: usize,
    simd: bool,
}

struct Layer {
    /// Query, key and value in one product: rows `[q | k | v]`.
    qkv: Linear,
    attention_out: Linear,
    attention_norm: Norm,
    up: Linear,
    down: Linear,
    out_norm: Norm,
}

struct Norm {
    gamma: Vec<f32>,
    beta: Vec<f32>,
    eps: f32,
}

/// The safetensors' tensors by name, as f32, with their shape checked.
struct Weights<'a>(&'a SafeTensors<'a>);

impl Weights<'_> {
    fn get(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>, String> {
        // Exported from BertModel or from a task model (`bert.` prefix).
        let tensor = self
            .0
            .tensor(name)
            .or_else(|_| self.0.tensor(&format!("bert.{name}")))
            .map_err(|_| format!("no tensor {name}"))?;
        if tensor.shape() != shape {
            return Err(format!("{name} has shape {:?}, expected {shape:?}", tensor.shape()));
        }
        // sentence-transformers ships this model in f32, little-endian as
        // the format prescribes; other precisions are not worth a converter.
        if tensor.dtype() != Dtype::F32 {
            return Err(format!("{name} is {:?}, expected F32", tensor.dtype()));
        }
        let bytes = tensor.data();
        if bytes.len() != shape.iter().product::<usize>() * 4 {
            return Err(format!("{name} holds {} bytes, not {shape:?} f32 values", bytes.len()));
        }
        Ok(bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }

    fn linear(&self, prefix: &str, out: usize, inp: usize) -> Result<Linear, String> {
        let weight = self.get(&format!("{prefix}.weight"), &[out, inp])?;
        let bias = self.get(&format!("{prefix}.bias"), &[out])?;
        Ok(Linear::new(&weight, &bias, out, inp))
    }

    fn norm(&self, prefix: &str, width: usize, eps: f64) -> Result<Norm, String> {
        Ok(Norm {
            gamma: self.get(&format!("{prefix}.weight"), &[width])?,
            beta: self.get(&format!("{prefix}.bias"), &[width])?,
            eps: eps as f32,
        })
    }
}

impl Encoder {
    /// The encoder of `config` from its safetensors' tensors.
    pub fn load(tensors: &SafeTensors<'_>, config: &Config) -> Result<Encoder, String> {
        let w = Weights(tensors);
        let (h, ffn, eps) = (config.hidden_size, config.intermediate_size, config.layer_norm_eps);
        let mut token_type = w.get("embeddings.token_type_embeddings.weight", &[config.type_vocab_size, h])?;
        token_type.truncate(h);
        let mut layers = Vec::with_capacity(config.num_hidden_layers);
        for l in 0..config.num_hidden_layers {
            let at = |part: &str| format!("encoder.layer.{l}.{part}");
            let mut weight = Vec::with_capacity(3 * h * h);
            let mut bias = Vec::with_capacity(3 * h);
            for part in ["query", "key", "value"] {
                weight.extend(w.get(&at(&format!("attention.self.{part}.weight")), &[h, h])?);
                bias.extend(w.get(&at(&format!("attention.self.{part}.bias")), &[h])?);
            }
            layers.push(Layer {
                qkv: Linear::new(&weight, &bias, 3 * h, h),
                attention_out: w.linear(&at("attention.output.dense"), h, h)?,
                attention_norm: w.norm(&at("attention.output.LayerNorm"), h, eps)?,
                up: w.linear(&at("intermediate.dense"), ffn, h)?,
                down: w.linear(&at("output.dense"), h, ffn)?,
                out_norm: w.norm(&at("output.LayerNorm"), h, eps)?,
            });
        }
        Ok(Encoder {
            word: w.get("embeddings.word_embeddings.weight", &[config.vocab_size, h])?,
            position: w.get(
                "embeddings.position_embeddings.weight",
                &[config.max_position_embeddings, h],
            )?,
            token_type,
            norm: w.norm("embeddings.LayerNorm", h, eps)?,
            layers,
            hidden: h,
            heads: config.num_attention_heads,
            simd: kernels::simd(),
        })
    }

    /// Vocabulary size: token ids must be below it.
    pub fn vocab(&self) -> usize {
        self.word.len() / self.hidden
    }

    /// The mean of each sequence's output token vectors, unit length
    /// (sentence-transformers' Pooling(mean) then Normalize). Ids must be
    /// below [`Encoder::vocab`], lengths within the position embeddings.
    pub fn embed(&self, seqs: &[&[u32]]) -> Vec<Vec<f32>> {
        let h = self.hidden;
        let lens: Vec<usize> = seqs.iter().map(|s| s.len()).collect();
        let n: usize = lens.iter().sum();
        let mut x = Vec::with_capacity(n * h);
        for seq in seqs {
            for (pos, &id) in seq.iter().enumerate() {
                let word = &self.word[id as usize * h..][..h];
                let position = &self.position[pos * h..][..h];
                x.extend(
                    word.iter()
                        .zip(position)
                        .zip(&self.token_type)
                        .map(|((a, b), c)| a + b + c),
                );
            }
        }
        self.norm.apply(&mut x);
        let ffn = self.layers.first().map_or(0, |l| l.up.out());
        let mut qkv = vec![0.0; n * 3 * h];
        let mut context = vec![0.0; n * h];
        let mut y = vec![0.0; n * h];
        let mut inter = vec![0.0; n * ffn];
        for layer in &self.layers {
            layer.qkv.forward(&x, &mut qkv, self.simd);
            attention(&qkv, &lens, h, self.heads, &mut context, self.simd);
            layer.attention_out.forward(&context, &mut y, self.simd);
            add_norm(&mut x, &y, &layer.attention_norm);
            layer.up.forward(&x, &mut inter, self.simd);
            kernels::gelu(&mut inter, self.simd);
            layer.down.forward(&inter, &mut y, self.simd);
            add_norm(&mut x, &y, &layer.out_norm);
        }
        let mut rows = x.chunks_exact(h);
        seqs.iter()
            .map(|seq| {
                let mut mean = vec![0.0f32; h];
                for row in rows.by_ref().take(seq.len()) {
                    mean.iter_mut().zip(row).for_each(|(m, v)| *m += v);
                }
                // Dividing by the length does not change the direction.
                let norm = mean.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
                mean.iter_mut().for_each(|m| *m /= norm);
                mean
            })
            .collect()
    }
}

/// Scaled dot-product attention of each sequence (`lens` rows each, in
/// order) with itself, head by head: `qkv` rows are `[q | k | v]`, each
/// `hidden` wide, and `context` gets one `hidden`-wide row per token.
fn attention(qkv: &[f32], lens: &[usize], hidden: usize, heads: usize, context: &mut [f32], simd: bool) {
    #[cfg(target_arch = "x86_64")]
    if simd {
        // SAFETY: `simd` is only true when `kernels::simd()` found AVX2 and FMA.
        unsafe { attention_avx2(qkv, lens, hidden, heads, context) };
        return;
    }
    let _ = simd;
    attention_portable(qkv, lens, hidden, heads, context);
}

/// The same code with AVX2 (the dot products' eight lanes in one register).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn attention_avx2(qkv: &[f32], lens: &[usize], hidden: usize, heads: usize, context: &mut [f32]) {
    attention_portable(qkv, lens, hidden, heads, context);
}

#[inline(always)]
fn attention_portable(qkv: &[f32], lens: &[usize], hidden: usize, heads: usize, context: &mut [f32]) {
    let h = hidden;
    let d = h / heads;
    let scale = 1.0 / (d as f32).sqrt();
    let mut start = 0;
    let mut scores = Vec::new();
    for &len in lens {
        let rows = &qkv[start * 3 * h..(start + len) * 3 * h];
        for head in 0..heads {
            let (q_at, k_at, v_at) = (head * d, h + head * d, 2 * h + head * d);
            for i in 0..len {
                let q = &rows[i * 3 * h + q_at..][..d];
                scores.clear();
                // A loop, not extend(map): the iterator's fold would be
                // compiled outside this function, without AVX2.
                for r in rows.chunks_exact(3 * h) {
                    scores.push(dot(q, &r[k_at..k_at + d]) * scale);
                }
                softmax(&mut scores);
                let out = &mut context[(start + i) * h + head * d..][..d];
                out.fill(0.0);
                for (p, r) in scores.iter().zip(rows.chunks_exact(3 * h)) {
                    out.iter_mut().zip(&r[v_at..v_at + d]).for_each(|(o, v)| *o += p * v);
                }
            }
        }
        start += len;
    }
}

impl Norm {
    /// Layer normalisation of each row, in place.
    fn apply(&self, x: &mut [f32]) {
        let width = self.gamma.len() as f32;
        for row in x.chunks_exact_mut(self.gamma.len()) {
            let mean = lanes(row, row, |v, _| v) / width;
            let var = lanes(row, row, |v, _| (v - mean) * (v - mean)) / width;
            let inv = 1.0 / (var + self.eps).sqrt();
            for ((v, g), b) in row.iter_mut().zip(&self.gamma).zip(&self.beta) {
                *v = (*v - mean) * inv * g + b;
            }
        }
    }
}

/// The residual step: `x = norm(x + y)`.
fn add_norm(x: &mut [f32], y: &[f32], norm: &Norm) {
    x.iter_mut().zip(y).for_each(|(a, b)| *a += b);
    norm.apply(x);
}

/// Sum of `f` over pairs, in eight independent lanes: a single running sum
/// is a chain of dependent adds the compiler may not reorder, so it would
/// neither vectorise nor pipeline.
#[inline(always)]
fn lanes(a: &[f32], b: &[f32], f: impl Fn(f32, f32) -> f32) -> f32 {
    let mut acc = [0.0f32; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a8.remainder().iter().zip(b8.remainder()).map(|(x, y)| f(*x, *y)).sum();
    for (x, y) in a8.zip(b8) {
        for i in 0..8 {
            acc[i] += f(x[i], y[i]);
        }
    }
    acc.iter().sum::<f32>() + tail
}

#[inline(always)]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    lanes(a, b, |x, y| x * y)
}

#[inline(always)]
fn softmax(xs: &mut [f32]) {
    let max = xs.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    xs.iter_mut().for_each(|x| *x = kernels::exp_neg(max - *x));
    let sum: f32 = xs.iter().sum();
    xs.iter_mut().for_each(|x| *x /= sum);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plain attention of one sequence: f64 sums, libm's exp.
    fn plain(qkv: &[f32], len: usize, hidden: usize, heads: usize) -> Vec<f32> {
        let d = hidden / heads;
        let mut out = vec![0.0; len * hidden];
        for head in 0..heads {
            for i in 0..len {
                let at = |t: usize, part: usize, j: usize| qkv[t * 3 * hidden + part * hidden + head * d + j] as f64;
                let scores: Vec<f64> = (0..len)
                    .map(|t| (0..d).map(|j| at(i, 0, j) * at(t, 1, j)).sum::<f64>() / (d as f64).sqrt())
                    .collect();
                let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let total: f64 = scores.iter().map(|s| (s - max).exp()).sum();
                for j in 0..d {
                    let v: f64 = (0..len).map(|t| (scores[t] - max).exp() / total * at(t, 2, j)).sum();
                    out[i * hidden + head * d + j] = v as f32;
                }
            }
        }
        out
    }

    #[test]
    fn attention_matches_the_plain_formula_with_and_without_simd() {
        let (hidden, heads, lens) = (48, 4, [3usize, 1, 11]);
        let n: usize = lens.iter().sum();
        let mut s = 7u64;
        let qkv: Vec<f32> = (0..n * 3 * hidden)
            .map(|_| {
                s = s
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                ((s >> 40) as f32 / (1u64 << 24) as f32) * 6.0 - 3.0
            })
            .collect();
        let mut want = Vec::new();
        let mut start = 0;
        for len in lens {
            want.extend(plain(
                &qkv[start * 3 * hidden..(start + len) * 3 * hidden],
                len,
                hidden,
                heads,
            ));
            start += len;
        }
        for simd in [false, kernels::simd()] {
            let mut got = vec![f32::NAN; n * hidden];
            attention(&qkv, &lens, hidden, heads, &mut got, simd);
            let worst = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
            assert!(worst < 1e-5, "simd {simd}: {worst}");
        }
    }
}
