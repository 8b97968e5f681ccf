//! The encoder's hot loops: the linear layers' matrix product and GELU.
//!
//! Each has an AVX2+FMA version, chosen at run time, and a portable one that
//! computes the same thing (the matrix product bit for bit); the tests hold
//! them together and to plain f32 arithmetic.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

/// Output columns per panel of packed weights (two AVX registers of i32 sums).
const NR: usize = 16;
/// Input rows per tile: 6 rows × 2 registers of sums, plus the two weight
/// registers and a broadcast, fit AVX2's 16 registers.
const MR: usize = 6;
/// Packed weights kept hot while a group of panels meets every tile of rows:
/// about half of a 512 KiB L2.
const GROUP_BYTES: usize = 256 << 10;

/// Whether the AVX2+FMA kernels can run here.
pub fn simd() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// A linear layer in 16-bit fixed point: weights scaled per output column
/// and inputs per row to at most `limit` in magnitude, where `inp · limit²`
/// fits an i32, so AVX2's vpmaddwd (16 multiply-adds per instruction, twice
/// the f32 FMA's 8) sums a whole row without overflow. With `limit` over a
/// thousand for this model's widths (2364 for 384 inputs, 1182 for 1536),
/// the rounding is under a thousandth of each row's largest value, far finer
/// than int8's hundredth: embeddings keep a cosine above 0.9999 with f32's.
pub struct Linear {
    /// Panels of [`NR`] output columns; each holds `inp / 2` pairs of
    /// inputs, as `[c0 i, c0 i+1, c1 i, c1 i+1, …]` for vpmaddwd.
    panels: Vec<i16>,
    /// Per output column: the weight that 1 in `panels` stands for.
    scales: Vec<f32>,
    bias: Vec<f32>,
    inp: usize,
    /// `inp` rounded up to pairs.
    pairs: usize,
    out: usize,
    limit: f32,
}

impl Linear {
    pub fn new(weight: &[f32], bias: &[f32], out: usize, inp: usize) -> Linear {
        assert_eq!(weight.len(), out * inp);
        assert_eq!(bias.len(), out);
        let pairs = inp.div_ceil(2);
        let limit = ((i32::MAX as f64 / (2 * pairs) as f64).sqrt().floor()).min(i16::MAX as f64) as f32;
        let padded = out.div_ceil(NR) * NR;
        let mut panels = vec![0i16; padded * pairs * 2];
        let mut scales = vec![0.0; padded];
        for o in 0..out {
            let row = &weight[o * inp..(o + 1) * inp];
            let scale = row.iter().fold(0.0f32, |m, v| m.max(v.abs())) / limit;
            scales[o] = scale;
            let inv = if scale > 0.0 { 1.0 / scale } else { 0.0 };
            let (panel, col) = (o / NR, o % NR);
            for (i, v) in row.iter().enumerate() {
                let at = ((panel * pairs + i / 2) * NR + col) * 2 + i % 2;
                panels[at] = (v * inv).round() as i16;
            }
        }
        let mut bias = bias.to_vec();
        bias.resize(padded, 0.0);
        Linear {
            panels,
            scales,
            bias,
            inp,
            pairs,
            out,
            limit,
        }
    }

    pub fn out(&self) -> usize {
        self.out
    }

    /// `y = x · wᵀ + bias` for the `x.len() / inp` rows of `x`.
    pub fn forward(&self, x: &[f32], y: &mut [f32], simd: bool) {
        let rows = x.len() / self.inp;
        assert_eq!(x.len(), rows * self.inp);
        assert_eq!(y.len(), rows * self.out);
        // Quantised rows interleaved by tiles of MR: pair i of a tile's row r
        // at `i · MR + r`, so the kernel walks one pointer through its inputs.
        let tile_len = self.pairs * MR;
        let mut q = vec![0i32; rows.div_ceil(MR) * tile_len];
        let mut row = vec![0i16; 2 * self.pairs];
        let mut row_scales = vec![0.0f32; rows];
        for (r, (xr, s)) in x.chunks_exact(self.inp).zip(&mut row_scales).enumerate() {
            *s = quantize(xr, &mut row, self.limit, simd);
            let tile = &mut q[r / MR * tile_len..][..tile_len];
            for (i, pair) in row.chunks_exact(2).enumerate() {
                tile[i * MR + r % MR] = pack(pair[0], pair[1]);
            }
        }
        let panel_len = self.pairs * 2 * NR;
        let panels = self.bias.len() / NR;
        let group = (GROUP_BYTES / (panel_len * 2)).max(1);
        for first in (0..panels).step_by(group) {
            let last = (first + group).min(panels);
            for r0 in (0..rows).step_by(MR) {
                let r = MR.min(rows - r0);
                for p in first..last {
                    let tile = Tile {
                        x: &q[r0 / MR * tile_len..][..tile_len],
                        row_scales: &row_scales[r0..r0 + r],
                        w: &self.panels[p * panel_len..(p + 1) * panel_len],
                        scales: &self.scales[p * NR..(p + 1) * NR],
                        bias: &self.bias[p * NR..(p + 1) * NR],
                        pairs: self.pairs,
                    };
                    let cols = NR.min(self.out - p * NR);
                    tile.run(r, &mut y[r0 * self.out + p * NR..], self.out, cols, simd);
                }
            }
        }
    }
}

/// Rounds `x` to integers of magnitude at most `limit` into `q` (its tail,
/// if longer, stays 0) and returns the value of 1.
fn quantize(x: &[f32], q: &mut [i16], limit: f32, simd: bool) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if simd {
        // SAFETY: `simd` is only true when `simd()` found AVX2 and FMA.
        return unsafe { quantize_avx2(x, q, limit) };
    }
    let _ = simd;
    quantize_portable(x, q, limit)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn quantize_avx2(x: &[f32], q: &mut [i16], limit: f32) -> f32 {
    quantize_portable(x, q, limit)
}

#[inline(always)]
fn quantize_portable(x: &[f32], q: &mut [i16], limit: f32) -> f32 {
    let max = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let scale = max / limit;
    let inv = if scale > 0.0 { 1.0 / scale } else { 0.0 };
    // Round half to even by the 1.5·2^23 trick: the sum's low mantissa bits
    // are then the integer (round() and saturating casts are scalar code).
    const SHIFT: f32 = 12_582_912.0;
    for (qi, v) in q.iter_mut().zip(x) {
        *qi = ((v * inv + SHIFT).to_bits() as i32).wrapping_sub(SHIFT.to_bits() as i32) as i16;
    }
    scale
}

/// Two i16 as one i32, `lo` in the low half (as vpmaddwd pairs them).
fn pack(lo: i16, hi: i16) -> i32 {
    (lo as u16 as u32 | (hi as u16 as u32) << 16) as i32
}

/// Up to [`MR`] quantised rows against one panel of quantised weights.
struct Tile<'a> {
    /// Pairs of inputs of [`MR`] rows (the last tile's missing rows are 0),
    /// pair by pair: `x[i · MR + r]`.
    x: &'a [i32],
    row_scales: &'a [f32],
    w: &'a [i16],
    scales: &'a [f32],
    bias: &'a [f32],
    pairs: usize,
}

impl Tile<'_> {
    /// Writes the `rows` × `cols` outputs to `y[r · stride + c]`.
    fn run(&self, rows: usize, y: &mut [f32], stride: usize, cols: usize, simd: bool) {
        #[cfg(target_arch = "x86_64")]
        if simd && cols == NR {
            assert!(rows <= MR && y.len() >= (rows - 1) * stride + NR);
            assert!(self.x.len() == self.pairs * MR && self.w.len() == self.pairs * 2 * NR);
            // SAFETY: `simd` is only true when `simd()` found AVX2 and FMA;
            // the asserts bound every read and write of the kernel.
            unsafe {
                match rows {
                    6 => self.avx2::<6>(y, stride),
                    5 => self.avx2::<5>(y, stride),
                    4 => self.avx2::<4>(y, stride),
                    3 => self.avx2::<3>(y, stride),
                    2 => self.avx2::<2>(y, stride),
                    _ => self.avx2::<1>(y, stride),
                }
            }
            return;
        }
        let _ = simd;
        let mut acc = [[0i32; NR]; MR];
        self.portable(rows, &mut acc);
        for ((a, rs), y) in acc.iter().zip(self.row_scales).zip(y.chunks_mut(stride)) {
            for (((y, a), ws), b) in y[..cols].iter_mut().zip(a).zip(self.scales).zip(self.bias) {
                // As the AVX2 epilogue rounds: two products, then the sum.
                *y = *a as f32 * (rs * ws) + b;
            }
        }
    }

    fn portable(&self, rows: usize, acc: &mut [[i32; NR]; MR]) {
        for (r, a) in acc.iter_mut().take(rows).enumerate() {
            for (xp, w) in self.x.chunks_exact(MR).zip(self.w.chunks_exact(2 * NR)) {
                let (lo, hi) = (xp[r] as i16 as i32, (xp[r] >> 16) as i16 as i32);
                for (s, wp) in a.iter_mut().zip(w.chunks_exact(2)) {
                    *s += lo * wp[0] as i32 + hi * wp[1] as i32;
                }
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn avx2<const R: usize>(&self, y: &mut [f32], stride: usize) {
        let (x, w) = (self.x.as_ptr(), self.w.as_ptr());
        let mut acc = [[_mm256_setzero_si256(); 2]; R];
        for i in 0..self.pairs {
            let w0 = _mm256_loadu_si256(w.add(i * 2 * NR) as *const __m256i);
            let w1 = _mm256_loadu_si256(w.add(i * 2 * NR + NR) as *const __m256i);
            for (r, a) in acc.iter_mut().enumerate() {
                let xv = _mm256_set1_epi32(*x.add(i * MR + r));
                a[0] = _mm256_add_epi32(a[0], _mm256_madd_epi16(xv, w0));
                a[1] = _mm256_add_epi32(a[1], _mm256_madd_epi16(xv, w1));
            }
        }
        let scales = [
            _mm256_loadu_ps(self.scales.as_ptr()),
            _mm256_loadu_ps(self.scales.as_ptr().add(8)),
        ];
        let bias = [
            _mm256_loadu_ps(self.bias.as_ptr()),
            _mm256_loadu_ps(self.bias.as_ptr().add(8)),
        ];
        for (r, a) in acc.iter().enumerate() {
            let rs = _mm256_set1_ps(self.row_scales[r]);
            for j in 0..2 {
                let v = _mm256_mul_ps(_mm256_cvtepi32_ps(a[j]), _mm256_mul_ps(rs, scales[j]));
                _mm256_storeu_ps(y.as_mut_ptr().add(r * stride + 8 * j), _mm256_add_ps(v, bias[j]));
            }
        }
    }
}

/// The exact (erf) GELU that BERT uses, in place. erf is Abramowitz and
/// Stegun's 7.1.26 (absolute error under 1.5e-7, below f32's resolution
/// near 1) with an exp that vectorises, where libm's scalar erff took a
/// fifth of the encoder's time.
pub fn gelu(xs: &mut [f32], simd: bool) {
    #[cfg(target_arch = "x86_64")]
    if simd {
        // SAFETY: `simd` is only true when `simd()` found AVX2 and FMA.
        unsafe { gelu_avx2(xs) };
        return;
    }
    let _ = simd;
    gelu_portable(xs);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn gelu_avx2(xs: &mut [f32]) {
    gelu_portable(xs);
}

/// Branch-free, so the compiler vectorises it (with AVX2 when inlined into
/// [`gelu_avx2`]).
#[inline(always)]
fn gelu_portable(xs: &mut [f32]) {
    for x in xs {
        let z = *x * std::f32::consts::FRAC_1_SQRT_2;
        let a = z.abs();
        let t = 1.0 / (1.0 + 0.327_591_1 * a);
        let poly = t * (0.254_829_6 + t * (-0.284_496_74 + t * (1.421_413_7 + t * (-1.453_152 + t * 1.061_405_4))));
        // erfc(|z|); erf(z) = ±(1 - erfc(|z|)).
        let erfc = poly * exp_neg(a * a);
        let half_one_plus_erf = if z >= 0.0 { 1.0 - 0.5 * erfc } else { 0.5 * erfc };
        *x *= half_one_plus_erf;
    }
}

/// e^(-y) for y ≥ 0 (flushing to about 1e-38 beyond f32's range), to about
/// 1 ulp: 2^n by the exponent bits times a degree-6 Taylor polynomial on
/// |r| ≤ ln2/2.
#[inline(always)]
pub fn exp_neg(y: f32) -> f32 {
    let v = (-y).max(-87.0);
    // Round to nearest by the 1.5·2^23 trick: t's low mantissa bits then
    // hold n as an integer, so neither round() nor a saturating `as i32`
    // (both scalar code) is needed.
    const SHIFT: f32 = 12_582_912.0;
    let t = v * std::f32::consts::LOG2_E + SHIFT;
    let n = t - SHIFT;
    let r = v - n * 0.693_145_75 - n * 1.428_606_8e-6;
    let p = 1.0
        + r * (1.0 + r * (0.5 + r * (0.166_666_67 + r * (0.041_666_668 + r * (0.008_333_334 + r * 0.001_388_889)))));
    let n_bits = (t.to_bits() as i32).wrapping_sub(SHIFT.to_bits() as i32);
    let scale = f32::from_bits((n_bits.wrapping_add(127) << 23) as u32);
    p * scale
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic values in [-1, 1).
    fn noise(n: usize, seed: u64) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
            })
            .collect()
    }

    fn plain(x: &[f32], w: &[f32], b: &[f32], out: usize, inp: usize) -> Vec<f32> {
        let rows = x.len() / inp;
        let mut y = vec![0.0; rows * out];
        for r in 0..rows {
            for o in 0..out {
                let dot: f64 = (0..inp).map(|i| x[r * inp + i] as f64 * w[o * inp + i] as f64).sum();
                y[r * out + o] = (dot + b[o] as f64) as f32;
            }
        }
        y
    }

    #[test]
    fn both_kernels_match_the_plain_product_to_the_rounding() {
        // Odd row counts exercise every tile height, 40 columns a partial
        // panel, an odd width a padded pair, 1536 inputs a group of one panel.
        for (rows, out, inp) in [(1, 16, 8), (13, 40, 25), (7, 48, 1536), (17, 1152, 384)] {
            let (x, w, b) = (noise(rows * inp, 1), noise(out * inp, 2), noise(out, 3));
            let want = plain(&x, &w, &b, out, inp);
            let linear = Linear::new(&w, &b, out, inp);
            let limit = linear.limit as f64;
            assert!((inp.div_ceil(2) * 2) as f64 * limit * limit <= i32::MAX as f64);
            let mut portable = vec![f32::NAN; rows * out];
            linear.forward(&x, &mut portable, false);
            for r in 0..rows {
                let xr = &x[r * inp..(r + 1) * inp];
                for o in 0..out {
                    let wo = &w[o * inp..(o + 1) * inp];
                    let max = |v: &[f32]| v.iter().fold(0.0f64, |m, a| m.max(a.abs() as f64));
                    let sum = |v: &[f32]| v.iter().map(|a| a.abs() as f64).sum::<f64>();
                    // Each value is off by at most half its row's step (max / limit).
                    let bound = (sum(xr) * max(wo) + sum(wo) * max(xr)) / (2.0 * limit)
                        + inp as f64 * max(xr) * max(wo) / (4.0 * limit * limit);
                    let err = (portable[r * out + o] - want[r * out + o]).abs() as f64;
                    assert!(
                        err <= bound * 1.001 + 1e-5,
                        "{rows}×{inp}·{inp}×{out} [{r}][{o}]: {err} > {bound}"
                    );
                }
            }
            let mut fast = vec![f32::NAN; rows * out];
            linear.forward(&x, &mut fast, simd());
            assert_eq!(fast, portable, "{rows}×{inp}·{inp}×{out}");
        }
    }

    /// erf in f64, to about 1e-15: its Taylor series near zero, and past 3
    /// erfc's continued fraction (the series would cancel catastrophically).
    fn erf(z: f64) -> f64 {
        if z.abs() <= 3.0 {
            let (mut term, mut sum) = (z, z);
            for n in 1..100 {
                term *= -z * z / n as f64;
                sum += term / (2 * n + 1) as f64;
            }
            return sum * 2.0 / std::f64::consts::PI.sqrt();
        }
        // erfc(a) = exp(-a²)/√π · 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + …)))), from the innermost term out.
        let a = z.abs();
        let fraction = (1..60).rev().fold(a, |inner, k| a + (k as f64 / 2.0) / inner);
        let erfc = (-a * a).exp() / std::f64::consts::PI.sqrt() / fraction;
        (1.0 - erfc).copysign(z)
    }

    #[test]
    fn gelu_matches_the_exact_erf_gelu_to_f32_precision() {
        let xs: Vec<f32> = (-1200..=1200)
            .map(|i| i as f32 / 100.0)
            .chain([-100.0, 100.0, 0.0])
            .collect();
        let want: Vec<f32> = xs
            .iter()
            .map(|&x| {
                let x = f64::from(x);
                (0.5 * x * (1.0 + erf(x / std::f64::consts::SQRT_2))) as f32
            })
            .collect();
        for simd in [false, simd()] {
            let mut got = xs.clone();
            gelu(&mut got, simd);
            for ((x, g), w) in xs.iter().zip(&got).zip(&want) {
                // erf's 1.5e-7 scaled by x/2, plus f32 rounding.
                assert!(
                    (g - w).abs() <= 1e-7 * (1.0 + x.abs()) + 2e-6 * w.abs(),
                    "gelu({x}) = {g}, want {w} (simd {simd})"
                );
            }
        }
    }
}
