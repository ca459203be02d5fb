//! The linear head: one-vs-rest L2-regularised, L2-loss (squared hinge) linear SVMs, trained by dual
//! coordinate descent with shrinking (Hsieh et al., ICML 2008, liblinear's default solver).
//!
//! The binary problems are independent: [`OvrJob`] hands classes out to any number of threads from a
//! shared counter, and each class shuffles with its own seed, so the weights do not depend on the thread
//! count or on scheduling.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::features::SparseVec;
use super::rng::Rng;

/// Linear SVM solver settings.
#[derive(Clone, Debug, PartialEq)]
pub struct SvmOptions {
    /// Inverse regularisation strength.
    pub c: f32,
    /// Stopping tolerance on the spread of projected gradients.
    pub eps: f32,
    /// Most passes over the data per class.
    pub max_iter: usize,
    /// Value of the constant bias feature (0 turns the bias off).
    pub bias: f32,
    /// Base seed of the per-class shuffles.
    pub seed: u64,
}

impl Default for SvmOptions {
    fn default() -> Self {
        SvmOptions { c: 1.0, eps: 0.1, max_iter: 200, bias: 1.0, seed: 42 }
    }
}

/// Trained one-vs-rest weights, feature-major: row `j` holds the weights of feature `j` for every class,
/// so scoring a sparse query reads one contiguous row per feature.
#[derive(Clone, Debug)]
pub(crate) struct LinearHead {
    pub(crate) classes: usize,
    pub(crate) weights: Vec<f32>,
    pub(crate) bias: Vec<f32>,
}

/// Weights of one binary problem: `(class, w, b)`.
type ClassWeights = (usize, Vec<f32>, f32);

/// The one-vs-rest problems of a training set, to be worked off by one or more threads.
pub(crate) struct OvrJob<'a> {
    /// The training vectors, cut to their columns below `dim`.
    xs: Vec<&'a [(u32, f32)]>,
    y: &'a [usize],
    classes: usize,
    dim: usize,
    opts: &'a SvmOptions,
    squared_norms: Vec<f32>,
    next: AtomicUsize,
}

impl<'a> OvrJob<'a> {
    /// The problems of `xs` (classes `y` in `0..classes`) on their first `dim` columns; columns from `dim` on
    /// are left out.
    pub(crate) fn new(xs: &'a [SparseVec], y: &'a [usize], classes: usize, dim: usize, opts: &'a SvmOptions) -> Self {
        let xs: Vec<&[(u32, f32)]> = xs.iter().map(|x| &x[..x.partition_point(|&(j, _)| (j as usize) < dim)]).collect();
        let squared_norms = xs.iter().map(|x| x.iter().map(|&(_, v)| v * v).sum()).collect();
        OvrJob { xs, y, classes, dim, opts, squared_norms, next: AtomicUsize::new(0) }
    }

    /// Trains classes until none is left; call from as many threads as wanted.
    pub(crate) fn work(&self) -> Vec<ClassWeights> {
        let mut done = Vec::new();
        let mut positive = vec![false; self.xs.len()];
        loop {
            let class = self.next.fetch_add(1, Ordering::Relaxed);
            if class >= self.classes {
                return done;
            }
            for (p, &y) in positive.iter_mut().zip(self.y) {
                *p = y == class;
            }
            let seed = self.opts.seed ^ (class as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            let (w, b) = self.train_binary(&positive, seed);
            done.push((class, w, b));
        }
    }

    /// Gathers the classes trained by every worker.
    pub(crate) fn assemble(&self, parts: impl IntoIterator<Item = Vec<ClassWeights>>) -> LinearHead {
        let c = self.classes;
        let mut head = LinearHead { classes: c, weights: vec![0.0; self.dim * c], bias: vec![0.0; c] };
        for (class, w, b) in parts.into_iter().flatten() {
            for (j, &v) in w.iter().enumerate() {
                head.weights[j * c + class] = v;
            }
            head.bias[class] = b;
        }
        head
    }

    /// Dual coordinate descent for one binary problem; returns the weights and the bias term.
    fn train_binary(&self, positive: &[bool], seed: u64) -> (Vec<f32>, f32) {
        let opts = self.opts;
        let n = self.xs.len();
        // Squared hinge loss: the dual has a diagonal term 1 / (2C) and no upper bound on alpha.
        let diag = 0.5 / opts.c;
        let bias2 = opts.bias * opts.bias;
        let mut w = vec![0f32; self.dim];
        let mut wb = 0f32;
        let mut alpha = vec![0f32; n];
        let qd: Vec<f32> = self.squared_norms.iter().map(|&q| q + bias2 + diag).collect();
        let mut index: Vec<usize> = (0..n).collect();
        let mut active = n;
        let mut pg_max_old = f32::INFINITY;
        let mut rng = Rng::new(seed);
        for _ in 0..opts.max_iter {
            let mut pg_max = f32::NEG_INFINITY;
            let mut pg_min = f32::INFINITY;
            rng.shuffle(&mut index[..active]);
            let mut s = 0;
            while s < active {
                let i = index[s];
                let yi = if positive[i] { 1f32 } else { -1f32 };
                let x = self.xs[i];
                let dot = wb * opts.bias + x.iter().map(|&(j, v)| w[j as usize] * v).sum::<f32>();
                let g = yi * dot - 1.0 + alpha[i] * diag;
                let pg = if alpha[i] == 0.0 {
                    if g > pg_max_old {
                        // Shrinking: at the bound and unlikely to move; skip until the final check.
                        active -= 1;
                        index.swap(s, active);
                        continue;
                    }
                    g.min(0.0)
                } else {
                    g
                };
                pg_max = pg_max.max(pg);
                pg_min = pg_min.min(pg);
                if pg.abs() > 1e-12 {
                    let old = alpha[i];
                    alpha[i] = (old - g / qd[i]).max(0.0);
                    let d = (alpha[i] - old) * yi;
                    for &(j, v) in x {
                        w[j as usize] += d * v;
                    }
                    wb += d * opts.bias;
                }
                s += 1;
            }
            if pg_max - pg_min <= opts.eps {
                if active == n {
                    break;
                }
                // Converged on the shrunk set: check once more on everything.
                active = n;
                pg_max_old = f32::INFINITY;
                continue;
            }
            pg_max_old = if pg_max <= 0.0 { f32::INFINITY } else { pg_max };
        }
        (w, wb * opts.bias)
    }
}
