//! Queries on every core, with a row order that does not depend on the thread count.
//!
//! A query is planned on one partition. Many plans (a feature query joining a large table to
//! smaller ones) are a *probe spine*: from the scan of an in-memory table up to the root,
//! every operator streams its input in order — filters, projections, and hash joins that
//! build a table from their other input once and probe it with this one (keeping probe rows,
//! never adding unmatched build rows at the end). Such a plan runs unchanged on *parts* of
//! the scanned table — runs of [`BATCHES_PER_PART`] consecutive batches (chunks), a number
//! fixed by the data, never by the threads — in parallel, sharing each join's build. The
//! output is the parts' outputs in part order, each part's rows in the order one partition
//! gives for them. With one part (up to 4 chunks, 262,144 rows) that is exactly the
//! one-partition order; with more, the order within each part is, but a join may emit a
//! part's matched rows before its unmatched ones, so the whole is not the one-partition order.
//!
//! Any other plan (aggregations, sorts, limits, joins that emit unmatched build rows) runs
//! on one partition as planned.

use std::sync::Arc;

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::JoinType;
use datafusion::datasource::memory::{DataSourceExec, MemorySourceConfig};
use datafusion::error::Result;
use datafusion::execution::TaskContext;
use datafusion::physical_plan::coop::CooperativeExec;
use datafusion::physical_plan::execution_plan::{ChildrenPropertiesMode, ReplaceChildrenOptions};
use datafusion::physical_plan::filter::FilterExec;
use datafusion::physical_plan::joins::{HashJoinExec, PartitionMode};
use datafusion::physical_plan::projection::ProjectionExec;
use datafusion::physical_plan::{
    ExecutionPlan, ExecutionPlanProperties, collect, collect_partitioned,
};

/// Consecutive batches of the scanned table in one part: 262,144 rows of generated tables.
pub const BATCHES_PER_PART: usize = 4;

/// Runs a one-partition plan, split into parts when its probe spine allows; the parts run on
/// the engine's threads and their batches come in part order.
pub(super) async fn collect_in_parts(
    plan: Arc<dyn ExecutionPlan>,
    context: Arc<TaskContext>,
) -> Result<Vec<RecordBatch>> {
    match split_spine(&plan) {
        Some(split) => Ok(collect_partitioned(split, context)
            .await?
            .into_iter()
            .flatten()
            .collect()),
        _ => collect(plan, context).await,
    }
}

/// The plan with the table at the bottom of its probe spine scanned in parts, or `None` when
/// it has one part or some operator of the spine could change the order or the rows.
pub(super) fn split_spine(plan: &Arc<dyn ExecutionPlan>) -> Option<Arc<dyn ExecutionPlan>> {
    if plan.fetch().is_some() || plan.output_partitioning().partition_count() != 1 {
        return None;
    }
    let children = plan.children();
    if let Some(source) = plan.downcast_ref::<DataSourceExec>() {
        return split_scan(source);
    }
    let streaming = plan.downcast_ref::<FilterExec>().is_some()
        || plan.downcast_ref::<ProjectionExec>().is_some()
        || plan.downcast_ref::<CooperativeExec>().is_some();
    if streaming && children.len() == 1 {
        let child = split_spine(children[0])?;
        return with_children(plan, vec![child]);
    }
    let join = plan.downcast_ref::<HashJoinExec>()?;
    let keeps_probe_order = matches!(
        join.join_type(),
        JoinType::Inner | JoinType::Right | JoinType::RightSemi | JoinType::RightAnti
    );
    if join.mode != PartitionMode::CollectLeft || join.null_aware || !keeps_probe_order {
        return None;
    }
    let probe = split_spine(children[1])?;
    with_children(plan, vec![children[0].clone(), probe])
}

/// The plan over new children, its properties (the partitioning) recomputed.
fn with_children(
    plan: &Arc<dyn ExecutionPlan>,
    children: Vec<Arc<dyn ExecutionPlan>>,
) -> Option<Arc<dyn ExecutionPlan>> {
    let options = ReplaceChildrenOptions::new(ChildrenPropertiesMode::Recompute);
    plan.clone().replace_children(children, options).ok()
}

/// An in-memory scan of one partition, its batches cut into parts of [`BATCHES_PER_PART`].
fn split_scan(source: &DataSourceExec) -> Option<Arc<dyn ExecutionPlan>> {
    let memory = (source.data_source().as_ref() as &dyn std::any::Any)
        .downcast_ref::<MemorySourceConfig>()?;
    let [batches] = memory.partitions() else {
        return None;
    };
    if source.fetch().is_some() || batches.len() <= BATCHES_PER_PART {
        return None;
    }
    let ranges: Vec<Vec<RecordBatch>> = batches
        .chunks(BATCHES_PER_PART)
        .map(<[_]>::to_vec)
        .collect();
    let split = MemorySourceConfig::try_new(
        &ranges,
        memory.original_schema(),
        memory.projection().clone(),
    )
    .ok()?;
    Some(DataSourceExec::from_data_source(split))
}
