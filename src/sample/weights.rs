//! Weighted sides: rows drawn in proportion to a weight (`pairs: { p: { table, weight } }`).
//!
//! A pair (a, b) that satisfies a stratum is drawn with probability proportional to
//! `w(a) · w(b)`. Each sampler entry gets a mass, and a proposal from it is kept with the
//! probability that makes every pair's chance `w(a) · w(b) / total`:
//! - a group pair has mass `W(A) · W(B)` (the sums of its groups' weights), and its rows are
//!   drawn in proportion to their weights: kept always;
//! - a listed pair has mass `w(a) · w(b)`: kept always;
//! - counted candidates (side filters, ranges) have mass `count · max(w) · max(w)` and are
//!   proposed uniformly, then kept with probability `w(a) · w(b) / (max(w) · max(w))`
//!   (rejection from an envelope: exact, slower the more uneven the weights).

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type};
use rand::RngExt;

use super::groups::Groups;
use crate::batch::eval;
use crate::error::{Diagnostic, Error, Result};
use crate::generate::rng::Rng;
use crate::plan::PairPlan;

/// The sides' row weights by position in grouped order (1 on an unweighted side).
pub(super) struct Weights {
    /// Per side: running sums of the weights by position.
    cumulative: [Vec<f64>; 2],
    /// Per side: the largest weight.
    pub(super) max: [f64; 2],
}

impl Weights {
    /// Evaluates each weighted side's weight on its rows; `None` when no side is weighted.
    pub(super) fn of(
        plan: &PairPlan,
        sides: [&RecordBatch; 2],
        groups: &[Groups; 2],
    ) -> Result<Option<Weights>> {
        if plan.sides.iter().all(|s| s.weight.is_none()) {
            return Ok(None);
        }
        let mut cumulative = [Vec::new(), Vec::new()];
        let mut max = [1.0, 1.0];
        for side in 0..2 {
            let rows = sides[side].num_rows();
            let weights = match &plan.sides[side].weight {
                None => vec![1.0; rows],
                Some(w) => side_weights(w, sides[side], &plan.sides[side].table)?,
            };
            max[side] = weights.iter().cloned().fold(0.0, f64::max);
            let mut total = 0.0;
            cumulative[side] = groups[side]
                .order
                .iter()
                .map(|&row| {
                    total += weights[row as usize];
                    total
                })
                .collect();
        }
        Ok(Some(Weights { cumulative, max }))
    }

    /// The weight at a position.
    pub(super) fn at(&self, side: usize, position: u32) -> f64 {
        let c = &self.cumulative[side];
        let p = position as usize;
        c[p] - if p == 0 { 0.0 } else { c[p - 1] }
    }

    /// The summed weight of group `g`.
    pub(super) fn group(&self, side: usize, groups: &Groups, g: u32) -> f64 {
        let range = groups.positions(g);
        self.sum(side, range.start as usize, range.end as usize)
    }

    fn sum(&self, side: usize, start: usize, end: usize) -> f64 {
        let c = &self.cumulative[side];
        let before = if start == 0 { 0.0 } else { c[start - 1] };
        if end == 0 { 0.0 } else { c[end - 1] - before }
    }

    /// A position of group `g` drawn in proportion to the weights.
    pub(super) fn draw(&self, side: usize, groups: &Groups, g: u32, rng: &mut Rng) -> u32 {
        let range = groups.positions(g);
        let (start, end) = (range.start as usize, range.end as usize);
        let c = &self.cumulative[side][start..end];
        let before = if start == 0 {
            0.0
        } else {
            self.cumulative[side][start - 1]
        };
        let x = before + rng.random::<f64>() * (c[c.len() - 1] - before);
        (start + c.partition_point(|&v| v <= x).min(c.len() - 1)) as u32
    }

    /// Whether a pair proposed uniformly from counted candidates is kept.
    pub(super) fn keep(&self, a: u32, b: u32, rng: &mut Rng) -> bool {
        rng.random::<f64>() * self.max[0] * self.max[1] < self.at(0, a) * self.at(1, b)
    }
}

/// A side's weights, each a finite number ≥ 0, not all 0.
fn side_weights(w: &crate::plan::SideWeight, rows: &RecordBatch, table: &str) -> Result<Vec<f64>> {
    let values = eval(&w.physical, rows)
        .and_then(|v| Ok(cast(&v, &DataType::Float64)?))
        .map_err(|e| e.at_sql(&w.path))?;
    let values = values.as_primitive::<Float64Type>();
    let bad = (0..values.len())
        .find(|&i| values.is_null(i) || !(values.value(i) >= 0.0 && values.value(i).is_finite()));
    if let Some(i) = bad {
        let shown = match values.is_null(i) {
            true => "empty (NULL)".to_string(),
            false => values.value(i).to_string(),
        };
        return Err(Error::runtime(Diagnostic::at(
            &w.path,
            format!(
                "the weight `{}` is {shown} in row {} of `{table}`; weights must be numbers ≥ 0",
                w.sql.trim(),
                i + 1
            ),
        )));
    }
    let weights: Vec<f64> = values.values().to_vec();
    if weights.iter().all(|&x| x == 0.0) {
        return Err(Error::runtime(Diagnostic::at(
            &w.path,
            format!(
                "the weight `{}` is 0 in every row of `{table}`",
                w.sql.trim()
            ),
        )));
    }
    Ok(weights)
}
