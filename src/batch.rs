//! Arrow batches: building them, and evaluating planned expressions on them.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, RecordBatch};
use datafusion::arrow::compute::prep_null_mask_filter;
use datafusion::arrow::datatypes::{Field, Schema};
use datafusion::arrow::record_batch::RecordBatchOptions;
use datafusion::physical_expr::PhysicalExpr;

use crate::error::{Error, Result};

/// Evaluates a boolean physical expression on a batch; NULL counts as false.
pub fn eval_mask(expr: &Arc<dyn PhysicalExpr>, batch: &RecordBatch) -> Result<BooleanArray> {
    let array = eval(expr, batch)?;
    let mask = array.as_boolean_opt().ok_or_else(|| {
        Error::msg(format!(
            "condition returned {} instead of boolean",
            array.data_type()
        ))
    })?;
    Ok(if mask.null_count() > 0 {
        prep_null_mask_filter(mask)
    } else {
        mask.clone()
    })
}

/// A batch with an explicit row count, so a batch of no columns still has rows.
pub fn batch(fields: Vec<Field>, columns: Vec<ArrayRef>, rows: usize) -> Result<RecordBatch> {
    Ok(RecordBatch::try_new_with_options(
        Arc::new(Schema::new(fields)),
        columns,
        &RecordBatchOptions::new().with_row_count(Some(rows)),
    )?)
}

/// Evaluates `expr` on the columns so far and appends its result as column `name`.
pub fn append_evaluated(
    fields: &mut Vec<Field>,
    columns: &mut Vec<ArrayRef>,
    rows: usize,
    name: &str,
    expr: &Arc<dyn PhysicalExpr>,
) -> Result<()> {
    let value = eval(expr, &batch(fields.clone(), columns.clone(), rows)?)?;
    fields.push(Field::new(name, value.data_type().clone(), true));
    columns.push(value);
    Ok(())
}

/// Evaluates a physical expression on a batch into an array.
pub fn eval(expr: &Arc<dyn PhysicalExpr>, batch: &RecordBatch) -> Result<ArrayRef> {
    Ok(expr.evaluate(batch)?.into_array(batch.num_rows())?)
}
