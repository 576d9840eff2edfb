//! Row estimates for filters over in-memory tables, so joins build on the smaller side.

use datafusion::arrow::array::RecordBatch;
use datafusion::datasource::memory::{DataSourceExec, MemorySourceConfig};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::filter::FilterExec;
use datafusion::physical_plan::operator_statistics::{
    ExtendedStatistics, StatisticsProvider, StatisticsResult,
};

use crate::batch::eval_mask;

/// Batches a filter over an in-memory table is tried on to estimate how many rows it keeps.
const SELECTIVITY_SAMPLE_BATCHES: usize = 16;
/// Rows of each of those batches (the first ones) it is tried on: at most 65,536 rows in all,
/// so that even a costly condition adds little to planning.
const SELECTIVITY_SAMPLE_ROWS: usize = 4096;

/// Estimates the rows a filter over an in-memory table keeps by running it on the first rows
/// of a few of the table's batches, spread evenly over it (the same rows every time).
///
/// DataFusion's own estimate assumes values spread evenly between a column's bounds, and
/// in-memory tables carry no bounds, so it keeps every row: a join then builds its hash table
/// on whichever side it meets first. With this estimate, joins follow the sizes the data
/// has (the default scenario's feature query builds on its 2.6M failed pairs rather than the
/// 10M joined interactions, and a check on failed interactions builds on those).
#[derive(Debug)]
pub(super) struct SampledFilterStatistics;

impl StatisticsProvider for SampledFilterStatistics {
    fn compute_statistics(
        &self,
        plan: &dyn ExecutionPlan,
        child_stats: &[ExtendedStatistics],
    ) -> datafusion::error::Result<StatisticsResult> {
        let (Some(filter), [input]) = (plan.downcast_ref::<FilterExec>(), child_stats) else {
            return Ok(StatisticsResult::Delegate);
        };
        let Some(kept) = sampled_share(filter) else {
            return Ok(StatisticsResult::Delegate);
        };
        let mut stats = input.base().clone();
        let scale = |n: usize| (n as f64 * kept).round() as usize;
        stats.num_rows = stats.num_rows.map(scale).to_inexact();
        stats.total_byte_size = stats.total_byte_size.map(scale).to_inexact();
        for column in &mut stats.column_statistics {
            *column = column.clone().to_inexact();
        }
        let stats = stats.project(filter.projection().as_ref());
        Ok(StatisticsResult::Computed(ExtendedStatistics::new(stats)))
    }
}

/// The share of rows `filter` keeps on a sample of its input's batches, when its input is an
/// in-memory table.
fn sampled_share(filter: &FilterExec) -> Option<f64> {
    let source = filter.input().downcast_ref::<DataSourceExec>()?;
    let memory = (source.data_source().as_ref() as &dyn std::any::Any)
        .downcast_ref::<MemorySourceConfig>()?;
    let batches: Vec<&RecordBatch> = memory.partitions().iter().flatten().collect();
    if batches.is_empty() {
        return None;
    }
    let picks = SELECTIVITY_SAMPLE_BATCHES.min(batches.len());
    let (mut rows, mut kept) = (0usize, 0usize);
    for i in 0..picks {
        let batch = batches[i * batches.len() / picks];
        let batch = batch.slice(0, batch.num_rows().min(SELECTIVITY_SAMPLE_ROWS));
        let batch = match memory.projection() {
            Some(columns) => batch.project(columns).ok()?,
            None => batch,
        };
        let mask = eval_mask(filter.predicate(), &batch).ok()?;
        rows += batch.num_rows();
        kept += mask.true_count();
    }
    (rows > 0).then(|| kept as f64 / rows as f64)
}
