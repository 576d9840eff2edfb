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

/// Evaluates a column's SQL parameters over the rows made so far (`batch`, whose first row is
/// row `first` of the table or chunk) as Float64, each value checked against its domain: a
/// value out of it is an error that names the row and the values the expression read.
pub fn evaluate_params(
    params: &[crate::plan::ParamExpr],
    batch: &RecordBatch,
    first: u64,
) -> Result<Vec<ArrayRef>> {
    use datafusion::arrow::datatypes::{DataType, Float64Type};
    params
        .iter()
        .map(|p| {
            let values = eval(&p.physical, batch).map_err(|e| e.at_sql(&p.path))?;
            if let crate::plan::Domain::LocaleFor(kind) = p.domain {
                return locale_names(p, kind, &values, first);
            }
            let values = datafusion::arrow::compute::cast(&values, &DataType::Float64)
                .map_err(|e| crate::error::Error::from(e).at_sql(&p.path))?;
            let numbers = values.as_primitive::<Float64Type>();
            let bad = (0..numbers.len())
                .find(|&i| numbers.is_null(i) || !p.domain.holds(numbers.value(i)));
            if let Some(i) = bad {
                return Err(param_error(p, batch, i, first, numbers));
            }
            Ok(values)
        })
        .collect()
}

/// A `locale_from` parameter's values as text, each a locale that provides `kind`; an empty
/// or unknown name, or a locale without `kind`, is an error naming the row.
fn locale_names(
    p: &crate::plan::ParamExpr,
    kind: crate::plan::FakeKind,
    values: &ArrayRef,
    first: u64,
) -> Result<ArrayRef> {
    use crate::plan::{LOCALES, Locale};
    let values =
        datafusion::arrow::compute::cast(values, &datafusion::arrow::datatypes::DataType::Utf8)
            .map_err(|e| crate::error::Error::from(e).at_sql(&p.path))?;
    let names = values.as_string::<i32>();
    // Whether each locale has the kind, asked once per batch rather than once per row.
    let has_kind: Vec<Locale> = Locale::all()
        .filter(|l| crate::generate::locale::provides(kind, *l))
        .collect();
    for i in 0..names.len() {
        let problem = match names.is_null(i) {
            true => Some("empty (NULL)".to_string()),
            false => match Locale::parse(names.value(i)) {
                None => Some(format!(
                    "`{}`, not a locale (expected one of {})",
                    names.value(i),
                    LOCALES.join(", ")
                )),
                Some(l) if !has_kind.contains(&l) => Some(format!(
                    "{}, which has no `{}`; the locales that have it: {}",
                    l.name(),
                    kind.name(),
                    crate::generate::locale::locales_providing(kind).join(", ")
                )),
                Some(_) => None,
            },
        };
        if let Some(problem) = problem {
            return Err(crate::error::Error::runtime(crate::error::Diagnostic::at(
                &p.path,
                format!(
                    "in row {}, `{}` is {problem}",
                    first + i as u64 + 1,
                    p.sql.trim()
                ),
            )));
        }
    }
    Ok(values)
}

fn param_error(
    p: &crate::plan::ParamExpr,
    batch: &RecordBatch,
    i: usize,
    first: u64,
    numbers: &datafusion::arrow::array::Float64Array,
) -> crate::error::Error {
    use datafusion::arrow::util::display::array_value_to_string;
    let value = match numbers.is_null(i) {
        true => "empty (NULL)".to_string(),
        false => numbers.value(i).to_string(),
    };
    // By the expression's own column indices: a name can be in the batch twice (a linked
    // row's column and the row's own of the same name).
    let mut columns: Vec<_> = datafusion::physical_expr::utils::collect_columns(&p.physical)
        .into_iter()
        .collect();
    columns.sort_by_key(|c| c.index());
    let read: Vec<String> = columns
        .iter()
        .filter_map(|c| {
            let column = batch.columns().get(c.index())?;
            let text = match column.is_null(i) {
                true => "empty (NULL)".to_string(),
                false => array_value_to_string(column, i).ok()?,
            };
            Some(format!("{} = {text}", c.name()))
        })
        .collect();
    let context = match read.is_empty() {
        true => String::new(),
        false => format!(", where {}", read.join(", ")),
    };
    let d = crate::error::Diagnostic::at(
        &p.path,
        format!(
            "`{}` is {value} in row {}{context}; expected {}",
            p.sql.trim(),
            first + i as u64 + 1,
            p.domain.describe()
        ),
    );
    crate::error::Error::runtime(match numbers.is_null(i) {
        true => d.help("a parameter needs a value in every row: give empty ones a default, e.g. COALESCE(x, 0)"),
        false => d,
    })
}
