//! The SQL stages of a run: what checks return, and how a failing query is reported.

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::error::DataFusionError;

use crate::error::{Diagnostic, Error, Result, engine_message};
use crate::plan::NamedQuery;
use crate::report::CheckResult;

/// A query that failed at run time, with a hint when it ran out of memory.
pub(super) fn query_error(kind: &str, q: &NamedQuery, e: &DataFusionError) -> Error {
    let mut diagnostic = Diagnostic::at(&q.path, format!("{kind} `{}` failed", q.name))
        .note(format!("SQL engine: {}", engine_message(e)));
    if matches!(e.find_root(), DataFusionError::ResourcesExhausted(_)) {
        diagnostic = diagnostic.help(
            "raise --memory-limit: sorts and aggregations spill to disk, but a join's hash table \
             (built on the side estimated smaller) must fit in memory",
        );
    }
    Error::runtime(diagnostic)
}

/// A check passes when it returns no rows, or one row of one boolean that is true.
pub(super) fn check_result(name: &str, batches: &[RecordBatch]) -> CheckResult {
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    let single_bool = batches.iter().find(|b| b.num_rows() == 1).filter(|b| {
        rows == 1 && b.num_columns() == 1 && b.column(0).data_type() == &DataType::Boolean
    });
    let (passed, detail) = match single_bool {
        Some(b) => {
            let v = b.column(0).as_boolean();
            let ok = !v.is_null(0) && v.value(0);
            (ok, format!("returned {ok}"))
        }
        None if rows == 0 => (true, "returned no rows".to_string()),
        None => (
            false,
            format!("returned {rows} rows; a check must return no rows"),
        ),
    };
    CheckResult {
        name: name.to_string(),
        passed,
        detail,
    }
}

/// The error of a failed check, with its first rows.
pub(super) fn check_failure(
    q: &NamedQuery,
    result: &CheckResult,
    batches: &[RecordBatch],
) -> Error {
    let shown = first_rows(batches, 10).unwrap_or_default();
    Error::runtime(
        Diagnostic::at(
            &q.path,
            format!("check `{}` failed: {}", q.name, result.detail),
        )
        .note(format!("query: {}", q.sql.trim()))
        .note(format!("first offending rows:\n{shown}")),
    )
}

fn first_rows(batches: &[RecordBatch], n: usize) -> Result<String> {
    let mut left = n;
    let mut shown = Vec::new();
    for b in batches {
        if left == 0 {
            break;
        }
        let take = b.num_rows().min(left);
        shown.push(b.slice(0, take));
        left -= take;
    }
    Ok(pretty_format_batches(&shown)?.to_string())
}
