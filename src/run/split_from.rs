//! `tutas split --from`: the scenario's split, preprocessing and audit on a table made
//! elsewhere: a Parquet file, or a folder of Parquet files as Spark writes them.

use std::path::{Path, PathBuf};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::produce::Stage;
use super::{RunOptions, RunState, TableData};
use crate::error::{Diagnostic, Error, Result};
use crate::plan::{Plan, SplitPlan};
use crate::report::RunReport;

/// Reads the columns the scenario's split needs from `path`, then splits, audits and writes
/// `processed_2` (and the report) into `options.out` as a run does.
pub fn split_from(plan: &Plan, options: &RunOptions, path: &Path) -> Result<RunReport> {
    let sp = plan.split.as_ref().ok_or_else(|| {
        Error::invalid(Diagnostic::new(
            "the scenario has no `split`: there is nothing for `tutas split` to do",
        ))
    })?;
    refuse_inside(path, &options.out)?;
    let files = parquet_files(path)?;
    let mut state = RunState::begin(plan, options)?;
    let stage = Stage::start(format!("read {}", path.display()), 0, options.progress);
    let (schema, batches) = read_columns(&files, &split_columns(sp), &sp.dropped_text, &sp.from)?;
    let rows = batches.iter().map(|b| b.num_rows() as u64).sum();
    stage.done(rows, &mut state.report.timings);
    state
        .data
        .insert(sp.from.clone(), TableData { schema, batches });
    state.split_and_audit()?;
    state.finish()
}

/// The output folder is replaced whole: reading from inside it would lose the input.
fn refuse_inside(from: &Path, out: &Path) -> Result<()> {
    let (Ok(from), Ok(out)) = (from.canonicalize(), out.canonicalize()) else {
        return Ok(());
    };
    if from.starts_with(&out) {
        return Err(Error::invalid(Diagnostic::new(format!(
            "--from `{}` is inside --out `{}`, which the split replaces whole; write to another folder",
            from.display(),
            out.display()
        ))));
    }
    Ok(())
}

/// The target, the stratification, group and order columns and the features, each once.
fn split_columns(sp: &SplitPlan) -> Vec<String> {
    let mut columns = vec![sp.target.clone()];
    columns.extend(sp.stratify.iter().cloned());
    columns.extend(sp.group.iter().cloned());
    columns.extend(sp.order_by.iter().cloned());
    columns.extend(sp.features.iter().cloned());
    let mut seen = std::collections::HashSet::new();
    columns.retain(|c| seen.insert(c.clone()));
    columns
}

/// Whether a file starts with Parquet's magic bytes.
fn is_parquet(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok_and(|_| &magic == b"PAR1")
}

/// `path` itself, or the `.parquet` files in the folder `path` in name order (Spark's part
/// files sort in partition order; `_SUCCESS`, `.crc` and hidden files are skipped).
fn parquet_files(path: &Path) -> Result<Vec<PathBuf>> {
    let cannot = |e: std::io::Error| {
        Error::invalid(Diagnostic::new(format!(
            "cannot read --from `{}`: {e}",
            path.display()
        )))
    };
    if !path.is_dir() {
        std::fs::metadata(path).map_err(cannot)?;
        if !is_parquet(path) {
            return Err(Error::invalid(Diagnostic::new(format!(
                "--from `{}` is not a Parquet file: --from takes a Parquet file or a folder of them (`tutas run --format parquet` writes them)",
                path.display()
            ))));
        }
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(cannot)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            p.is_file() && name.ends_with(".parquet") && !name.starts_with(['.', '_'])
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::invalid(Diagnostic::new(format!(
            "--from `{}` is a folder with no `.parquet` files",
            path.display()
        ))));
    }
    Ok(files)
}

/// Reads `columns` of every file, batch by batch; every file must have them, of one type.
/// `optional` columns (those the audit's overlap reads) are read where every file has them.
fn read_columns(
    files: &[PathBuf],
    columns: &[String],
    optional: &[String],
    source: &str,
) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let mut columns = columns.to_vec();
    for c in optional {
        if files.iter().all(|f| has_column(f, c)) {
            columns.push(c.clone());
        }
    }
    let mut schema: Option<SchemaRef> = None;
    let mut batches = Vec::new();
    for file in files {
        let bad = |e: &dyn std::fmt::Display| {
            Error::msg(format!(
                "cannot read Parquet file `{}`: {e}",
                file.display()
            ))
        };
        let opened = std::fs::File::open(file).map_err(|e| bad(&e))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(opened).map_err(|e| bad(&e))?;
        let arrow = builder.schema().clone();
        let mut indices = Vec::new();
        for c in &columns {
            let i = arrow.index_of(c).map_err(|_| {
                let names: Vec<&str> = arrow.fields().iter().map(|f| f.name().as_str()).collect();
                Error::invalid(
                    Diagnostic::new(format!(
                        "`{}` has no column `{c}`, which the split reads; it has: {}",
                        file.display(),
                        names.join(", ")
                    ))
                    .help(format!(
                        "--from takes the split's source, the feature `{source}`"
                    )),
                )
            })?;
            indices.push(i);
        }
        let mask = ProjectionMask::roots(builder.parquet_schema(), indices);
        let reader = builder.with_projection(mask).build().map_err(|e| bad(&e))?;
        for batch in reader {
            let batch = batch.map_err(|e| bad(&e))?;
            match &schema {
                None => schema = Some(batch.schema()),
                Some(s) if s.fields() != batch.schema().fields() => {
                    return Err(other_types(file, s, &batch.schema()));
                }
                Some(_) => {}
            }
            batches.push(batch);
        }
    }
    let schema = schema.ok_or_else(|| Error::msg("the Parquet input has no rows"))?;
    crate::source::normalize(&files[0], &schema, &batches)
}

/// A file whose columns have other types than the files before it, naming the first such
/// column and both types.
fn other_types(file: &Path, before: &SchemaRef, here: &SchemaRef) -> Error {
    let differs = here.fields().iter().find_map(|f| {
        let b = before.field_with_name(f.name()).ok()?;
        (b.data_type() != f.data_type()).then(|| (f.name(), b.data_type(), f.data_type()))
    });
    let what = match differs {
        Some((name, b, h)) => {
            format!("column `{name}` is {h} there and {b} in the files before it")
        }
        None => "its columns differ from the files before it".to_string(),
    };
    Error::invalid(Diagnostic::new(format!(
        "--from: `{}`: {what}; every file must give the split's columns one type",
        file.display()
    )))
}

/// Whether a Parquet file has a column (false when it cannot be read: reading it will say why).
fn has_column(file: &Path, column: &str) -> bool {
    std::fs::File::open(file)
        .ok()
        .and_then(|f| ParquetRecordBatchReaderBuilder::try_new(f).ok())
        .is_some_and(|b| b.schema().index_of(column).is_ok())
}
