//! Rank correlation between columns of a chunk (Iman–Conover): normal scores with the
//! target correlation are drawn, and each member column's values are reordered so that
//! their ranks follow its scores. Every column keeps exactly the values it drew, so its
//! distribution is untouched; the ranks, and so the Spearman correlation, follow the scores.

use datafusion::arrow::array::{ArrayRef, UInt32Array};
use datafusion::arrow::compute::{sort_to_indices, take};
use rand_distr::{Distribution, StandardNormal};

use super::rng::Rng;
use crate::error::Result;
use crate::numeric::float_ordinal;
use crate::plan::Correlation;

/// Reorders the members of `c` among `arrays` by correlated normal scores from `rng`.
pub fn reorder(c: &Correlation, arrays: &mut [ArrayRef], rng: &mut Rng) -> Result<()> {
    let k = c.arrays.len();
    let n = arrays[c.arrays[0]].len();
    // Independent normals, row by row, then the scores z = L·x.
    let x: Vec<f64> = (0..n * k).map(|_| StandardNormal.sample(rng)).collect();
    for (m, &a) in c.arrays.iter().enumerate() {
        let scores: Vec<f64> = (0..n)
            .map(|r| (0..=m).map(|j| c.cholesky[m][j] * x[r * k + j]).sum())
            .collect();
        // (score's ordinal, row): distinct pairs, so an unstable sort is deterministic.
        let mut by_score: Vec<(u64, u32)> = scores
            .iter()
            .enumerate()
            .map(|(r, &z)| (float_ordinal(z), r as u32))
            .collect();
        by_score.sort_unstable();
        let sorted = sort_to_indices(&arrays[a], None, None)?;
        // The row with the i-th smallest score gets the i-th smallest value.
        let mut indices = vec![0u32; n];
        for (i, &(_, row)) in by_score.iter().enumerate() {
            indices[row as usize] = sorted.value(i);
        }
        arrays[a] = take(&arrays[a], &UInt32Array::from(indices), None)?;
    }
    Ok(())
}
