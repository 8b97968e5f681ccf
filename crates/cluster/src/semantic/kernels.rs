//! The encoder's hot loops: the linear layers' matrix product and GELU.
//!
//! Each has an AVX2+FMA version, chosen at run time, and a portable one that
//! computes the same thing; the tests hold them together.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

/// Output columns per panel of packed weights (two AVX registers of f32).
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

/// A linear layer's weights (`out × inp`, row-major as PyTorch stores them)
/// and bias, repacked as panels of [`NR`] output columns, each panel `inp`
/// rows of `NR` values, so the kernel reads weights sequentially.
pub struct Linear {
    panels: Vec<f32>,
    bias: Vec<f32>,
    inp: usize,
    out: usize,
}

impl Linear {
    pub fn new(weight: &[f32], bias: &[f32], out: usize, inp: usize) -> Linear {
        assert_eq!(weight.len(), out * inp);
        assert_eq!(bias.len(), out);
        let padded = out.div_ceil(NR) * NR;
        let mut panels = vec![0.0; padded * inp];
        for o in 0..out {
            let (panel, col) = (o / NR, o % NR);
            for i in 0..inp {
                panels[(panel * inp + i) * NR + col] = weight[o * inp + i];
            }
        }
        let mut bias = bias.to_vec();
        bias.resize(padded, 0.0);
        Linear { panels, bias, inp, out }
    }

    pub fn out(&self) -> usize {
        self.out
    }

    /// `y = x · wᵀ + bias` for the `x.len() / inp` rows of `x`.
    pub fn forward(&self, x: &[f32], y: &mut [f32], simd: bool) {
        let rows = x.len() / self.inp;
        assert_eq!(x.len(), rows * self.inp);
        assert_eq!(y.len(), rows * self.out);
        let panel_len = self.inp * NR;
        let panels = self.bias.len() / NR;
        let group = (GROUP_BYTES / (panel_len * 4)).max(1);
        for first in (0..panels).step_by(group) {
            let last = (first + group).min(panels);
            for r0 in (0..rows).step_by(MR) {
                let r = MR.min(rows - r0);
                for p in first..last {
                    let tile = Tile {
                        x: &x[r0 * self.inp..(r0 + r) * self.inp],
                        w: &self.panels[p * panel_len..(p + 1) * panel_len],
                        bias: &self.bias[p * NR..(p + 1) * NR],
                        inp: self.inp,
                    };
                    let mut sums = [[0.0f32; NR]; MR];
                    tile.run(r, &mut sums, simd);
                    let cols = NR.min(self.out - p * NR);
                    for (i, row) in sums.iter().take(r).enumerate() {
                        let at = (r0 + i) * self.out + p * NR;
                        y[at..at + cols].copy_from_slice(&row[..cols]);
                    }
                }
            }
        }
    }
}

/// Up to [`MR`] rows of input against one panel of weights.
struct Tile<'a> {
    x: &'a [f32],
    w: &'a [f32],
    bias: &'a [f32],
    inp: usize,
}

impl Tile<'_> {
    fn run(&self, rows: usize, sums: &mut [[f32; NR]; MR], simd: bool) {
        #[cfg(target_arch = "x86_64")]
        if simd {
            // SAFETY: `simd` is only true when `simd()` found AVX2 and FMA;
            // `rows` rows of `inp` values are in `x` and `inp` × NR in `w`.
            unsafe {
                match rows {
                    6 => self.avx2::<6>(sums),
                    5 => self.avx2::<5>(sums),
                    4 => self.avx2::<4>(sums),
                    3 => self.avx2::<3>(sums),
                    2 => self.avx2::<2>(sums),
                    _ => self.avx2::<1>(sums),
                }
            }
            return;
        }
        let _ = simd;
        self.portable(rows, sums);
    }

    fn portable(&self, rows: usize, sums: &mut [[f32; NR]; MR]) {
        for (r, sum) in sums.iter_mut().take(rows).enumerate() {
            sum.copy_from_slice(self.bias);
            let x = &self.x[r * self.inp..(r + 1) * self.inp];
            for (xi, w) in x.iter().zip(self.w.chunks_exact(NR)) {
                for (s, wj) in sum.iter_mut().zip(w) {
                    *s += xi * wj;
                }
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn avx2<const R: usize>(&self, sums: &mut [[f32; NR]; MR]) {
        debug_assert!(self.x.len() >= R * self.inp && self.w.len() == self.inp * NR);
        let (x, w, inp) = (self.x.as_ptr(), self.w.as_ptr(), self.inp);
        let mut acc = [[
            _mm256_loadu_ps(self.bias.as_ptr()),
            _mm256_loadu_ps(self.bias.as_ptr().add(8)),
        ]; R];
        for i in 0..inp {
            let w0 = _mm256_loadu_ps(w.add(i * NR));
            let w1 = _mm256_loadu_ps(w.add(i * NR + 8));
            for (r, a) in acc.iter_mut().enumerate() {
                let xv = _mm256_broadcast_ss(&*x.add(r * inp + i));
                a[0] = _mm256_fmadd_ps(xv, w0, a[0]);
                a[1] = _mm256_fmadd_ps(xv, w1, a[1]);
            }
        }
        for (a, s) in acc.iter().zip(sums.iter_mut()) {
            _mm256_storeu_ps(s.as_mut_ptr(), a[0]);
            _mm256_storeu_ps(s.as_mut_ptr().add(8), a[1]);
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
    fn both_kernels_match_the_plain_product() {
        // Odd row counts exercise every tile height, 40 columns a partial panel,
        // and 1536 inputs a group of one panel.
        for (rows, out, inp) in [(1, 16, 8), (13, 40, 24), (7, 48, 1536), (17, 1152, 384)] {
            let (x, w, b) = (noise(rows * inp, 1), noise(out * inp, 2), noise(out, 3));
            let want = plain(&x, &w, &b, out, inp);
            let linear = Linear::new(&w, &b, out, inp);
            for simd in [false, simd()] {
                let mut y = vec![f32::NAN; rows * out];
                linear.forward(&x, &mut y, simd);
                let worst = y.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
                assert!(
                    worst < 1e-4 * (inp as f32).sqrt(),
                    "{rows}×{inp}·{inp}×{out} simd {simd}: {worst}"
                );
            }
        }
    }

    #[test]
    fn gelu_matches_erf_gelu_to_f32_precision() {
        let xs: Vec<f32> = (-1200..=1200)
            .map(|i| i as f32 / 100.0)
            .chain([-100.0, 100.0, 0.0])
            .collect();
        let want = candle_core::Tensor::new(xs.as_slice(), &candle_core::Device::Cpu)
            .and_then(|t| t.gelu_erf())
            .and_then(|t| t.to_vec1::<f32>())
            .unwrap();
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
