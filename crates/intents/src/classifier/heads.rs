//! The two heads packed for queries. Each feature's SVM weights and MLP first-layer weights sit side by
//! side in one row, so a query reads one contiguous row per feature it has: with 50,000 features the
//! weights far exceed the caches, and half the row look-ups halve the cache and TLB misses that dominate a
//! query. Dense columns (the mean word vector), which only the MLP reads, keep their weights apart.

use super::features::SparseVec;
use super::mlp::{Mlp, output_into, relu};
use super::svm::LinearHead;

/// Inference form of a trained SVM head (optional) and MLP head.
#[derive(Clone, Debug)]
pub(crate) struct Heads {
    /// SVM weights per row: the number of classes, or 0 without an SVM head.
    svm_width: usize,
    hidden: usize,
    /// Columns with a packed row; the columns from here on are dense.
    sparse_dim: usize,
    /// Per sparse column: its SVM weights for every class, then its MLP first-layer weights.
    rows: Vec<f32>,
    /// Per dense column: its MLP first-layer weights.
    dense: Vec<f32>,
    svm_bias: Vec<f32>,
    b1: Vec<f32>,
    w2: Vec<f32>,
    b2: Vec<f32>,
}

/// Buffers of [`Heads::scores_into`].
#[derive(Clone, Debug, Default)]
pub(crate) struct HeadBuffers {
    hidden: Vec<f32>,
    pub(crate) mlp: Vec<f32>,
    /// Empty without an SVM head.
    pub(crate) svm: Vec<f32>,
}

impl Heads {
    /// Packs the trained heads: the MLP was trained on `dim` columns, the SVM on the first `sparse_dim`.
    pub(crate) fn new(svm: Option<LinearHead>, mlp: Mlp, sparse_dim: usize, dim: usize) -> Heads {
        let svm_width = svm.as_ref().map_or(0, |s| s.classes);
        let hidden = mlp.hidden;
        let stride = svm_width + hidden;
        let mut rows = Vec::with_capacity(sparse_dim * stride);
        for j in 0..sparse_dim {
            if let Some(svm) = &svm {
                rows.extend_from_slice(&svm.weights[j * svm_width..][..svm_width]);
            }
            rows.extend_from_slice(&mlp.w1[j * hidden..][..hidden]);
        }
        Heads {
            svm_width,
            hidden,
            sparse_dim,
            rows,
            dense: mlp.w1[sparse_dim * hidden..dim * hidden].to_vec(),
            svm_bias: svm.map(|s| s.bias).unwrap_or_default(),
            b1: mlp.b1,
            w2: mlp.w2,
            b2: mlp.b2,
        }
    }

    /// Whether there is an SVM head.
    pub(crate) fn has_svm(&self) -> bool {
        self.svm_width > 0
    }

    /// MLP logits and SVM scores for `x` into `buffers`.
    pub(crate) fn scores_into(&self, x: &SparseVec, buffers: &mut HeadBuffers) {
        let HeadBuffers { hidden, mlp, svm } = buffers;
        svm.clear();
        svm.extend_from_slice(&self.svm_bias);
        hidden.clear();
        hidden.extend_from_slice(&self.b1);
        let stride = self.svm_width + self.hidden;
        let (sparse, dense) = x.split_at(x.partition_point(|&(j, _)| (j as usize) < self.sparse_dim));
        for &(j, v) in sparse {
            let (svm_row, mlp_row) = self.rows[j as usize * stride..][..stride].split_at(self.svm_width);
            for (s, &w) in svm.iter_mut().zip(svm_row) {
                *s += v * w;
            }
            for (a, &w) in hidden.iter_mut().zip(mlp_row) {
                *a += v * w;
            }
        }
        for &(j, v) in dense {
            let row = &self.dense[(j as usize - self.sparse_dim) * self.hidden..][..self.hidden];
            for (a, &w) in hidden.iter_mut().zip(row) {
                *a += v * w;
            }
        }
        relu(hidden);
        output_into(&self.w2, &self.b2, hidden, mlp);
    }

    #[cfg(test)]
    pub(crate) fn rows(&self) -> &[f32] {
        &self.rows
    }
}
