//! The non-linear head: a one-hidden-layer perceptron over the sparse features (ReLU, softmax
//! cross-entropy), trained by plain SGD with a linearly decaying learning rate and hidden-unit dropout.
//!
//! The first layer is stored feature-major, so a query costs `nonzeros × hidden + hidden × classes`
//! multiply-adds. Training is single-threaded and deterministic for a given seed.

use super::features::SparseVec;
use super::rng::Rng;

/// MLP training settings.
#[derive(Clone, Debug, PartialEq)]
pub struct MlpOptions {
    /// Most hidden units. Fewer intents need fewer: a set of `n` intents gets `2n`, at least 32, so an
    /// intents file of 20 intents trains with 40, several times faster and as accurate.
    pub hidden: usize,
    /// Passes over the training data (at least; see `min_updates`).
    pub epochs: usize,
    /// Fewest SGD updates: small training sets get more passes (an intents file of 200 phrases gets 20),
    /// since a few passes over a few phrases leave the MLP undertrained. Cheap, as such sets are small.
    pub min_updates: usize,
    /// Initial learning rate (decays linearly to 0).
    pub learning_rate: f32,
    /// Probability of dropping a hidden unit during training.
    pub dropout: f32,
    /// Seed of the initial weights, the example order and dropout.
    pub seed: u64,
}

impl Default for MlpOptions {
    fn default() -> Self {
        MlpOptions { hidden: 128, epochs: 5, min_updates: 4_000, learning_rate: 0.1, dropout: 0.3, seed: 7 }
    }
}

/// Trained MLP weights.
#[derive(Clone, Debug)]
pub(crate) struct Mlp {
    pub(crate) hidden: usize,
    /// `dim × hidden`, feature-major.
    pub(crate) w1: Vec<f32>,
    pub(crate) b1: Vec<f32>,
    /// `hidden × classes`, hidden-major.
    pub(crate) w2: Vec<f32>,
    pub(crate) b2: Vec<f32>,
}

impl Mlp {
    /// Hidden activations (after ReLU) for `x`.
    fn hidden_into(&self, x: &SparseVec, h: &mut Vec<f32>) {
        h.clear();
        h.extend_from_slice(&self.b1);
        let hd = self.hidden;
        for &(j, v) in x {
            let row = &self.w1[j as usize * hd..][..hd];
            for (a, &w) in h.iter_mut().zip(row) {
                *a += v * w;
            }
        }
        relu(h);
    }

    fn output_into(&self, h: &[f32], out: &mut Vec<f32>) {
        output_into(&self.w2, &self.b2, h, out);
    }
}

pub(crate) fn relu(h: &mut [f32]) {
    for a in h {
        *a = a.max(0.0);
    }
}

/// Logits for hidden activations `h` with output weights `w2` (`h.len() × b2.len()`, hidden-major) and
/// biases `b2`; inactive units are skipped.
pub(crate) fn output_into(w2: &[f32], b2: &[f32], h: &[f32], out: &mut Vec<f32>) {
    out.clear();
    out.extend_from_slice(b2);
    let c = b2.len();
    for (k, &a) in h.iter().enumerate() {
        if a != 0.0 {
            let row = &w2[k * c..][..c];
            for (o, &w) in out.iter_mut().zip(row) {
                *o += a * w;
            }
        }
    }
}

/// Trains an MLP on sparse inputs `xs` with classes `y` in `0..classes`.
pub(crate) fn train_mlp(xs: &[SparseVec], y: &[usize], classes: usize, dim: usize, opts: &MlpOptions) -> Mlp {
    let hd = opts.hidden.min((2 * classes).max(32)).max(1);
    let mut rng = Rng::new(opts.seed);
    let mut uniform = |scale: f32| (2.0 * rng.unit() - 1.0) * scale;
    // Inputs have about a dozen active features of norm ~1 per block: a smaller first-layer scale than
    // Glorot's keeps early activations moderate.
    let s1 = (6.0 / (hd as f32 + 16.0)).sqrt() * 0.5;
    let s2 = (6.0 / (hd + classes) as f32).sqrt();
    let mut m = Mlp {
        hidden: hd,
        w1: (0..dim * hd).map(|_| uniform(s1)).collect(),
        b1: vec![0.01; hd],
        w2: (0..hd * classes).map(|_| uniform(s2)).collect(),
        b2: vec![0.0; classes],
    };
    if xs.is_empty() {
        return m;
    }
    let epochs = opts.epochs.max(opts.min_updates.div_ceil(xs.len())).max(1);
    let total = (epochs * xs.len()) as f32;
    let keep = 1.0 - opts.dropout;
    let mut order: Vec<usize> = (0..xs.len()).collect();
    let mut rng = Rng::new(opts.seed ^ 0xdead_beef);
    let mut step = 0usize;
    let mut h = Vec::with_capacity(hd);
    let mut mask = vec![0f32; hd];
    let mut out = Vec::with_capacity(classes);
    let mut dh = vec![0f32; hd];
    for _ in 0..epochs {
        rng.shuffle(&mut order);
        for &i in &order {
            let lr = opts.learning_rate * (1.0 - step as f32 / total);
            step += 1;
            let x = &xs[i];
            m.hidden_into(x, &mut h);
            for (a, mk) in h.iter_mut().zip(mask.iter_mut()) {
                *mk = if rng.unit() >= opts.dropout { 1.0 / keep } else { 0.0 };
                *a *= *mk;
            }
            m.output_into(&h, &mut out);
            // Softmax, then the cross-entropy gradient on the logits: p - onehot(y).
            let top = out.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let mut z = 0f32;
            for o in out.iter_mut() {
                *o = (*o - top).exp();
                z += *o;
            }
            for o in out.iter_mut() {
                *o /= z;
            }
            out[y[i]] -= 1.0;
            for (k, d) in dh.iter_mut().enumerate() {
                let row = &m.w2[k * classes..][..classes];
                let g: f32 = row.iter().zip(&out).map(|(&w, &o)| w * o).sum();
                *d = if h[k] > 0.0 { g * mask[k] } else { 0.0 };
            }
            for (k, &a) in h.iter().enumerate() {
                if a != 0.0 {
                    let row = &mut m.w2[k * classes..][..classes];
                    for (w, &o) in row.iter_mut().zip(&out) {
                        *w -= lr * a * o;
                    }
                }
            }
            for (b, &o) in m.b2.iter_mut().zip(&out) {
                *b -= lr * o;
            }
            for &(j, v) in x {
                let row = &mut m.w1[j as usize * hd..][..hd];
                for (w, &d) in row.iter_mut().zip(&dh) {
                    *w -= lr * v * d;
                }
            }
            for (b, &d) in m.b1.iter_mut().zip(&dh) {
                *b -= lr * d;
            }
        }
    }
    m
}
