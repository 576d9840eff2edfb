//! Preprocessing and the stratified train/test split (`processed_2/`).
//!
//! Booleans become 0/1, string columns are one-hot encoded, and the listed
//! columns are standardised with the mean and population standard deviation of
//! the *training* rows only (as scikit-learn's `StandardScaler` fitted after the
//! split). The test part has `ceil(n · test_size)` rows, as scikit-learn's
//! `train_test_split`; with stratification each class's test count is its
//! exact share rounded by the largest-remainder rule, so it is within one row.

use std::collections::BTreeMap;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::compute::{cast, concat_batches};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use rand::seq::SliceRandom;
use serde::Serialize;

use crate::analyze::{SplitPlan, largest_remainder};
use crate::error::{Diagnostic, Error, Result};
use crate::output::{CsvStyle, csv_error, csv_writer, float, format_value};
use crate::rng::stream;
use crate::scenario::BoolStyle;

/// One column of the design matrix X.
#[derive(Debug, Clone)]
pub struct FeatureColumn {
    /// Column name in X.
    pub name: String,
    /// Values, one per row of the source table.
    pub values: Vec<f64>,
    /// Written as whole numbers (booleans, integers, one-hot indicators).
    pub integral: bool,
}

/// Fitted standardisation of one column.
#[derive(Debug, Clone, Serialize)]
pub struct Scaler {
    /// Column.
    pub column: String,
    /// Mean of the training rows.
    pub mean: f64,
    /// Population standard deviation of the training rows.
    pub std: f64,
}

/// The split, ready to write and audit.
pub struct SplitData {
    /// Feature columns (scaled where requested), over all source rows.
    pub columns: Vec<FeatureColumn>,
    /// The target column.
    pub target: ArrayRef,
    /// The target's name.
    pub target_name: String,
    /// Class label (as text) of each row's target.
    pub target_labels: Vec<String>,
    /// Source row indices of the training part, in output order.
    pub train: Vec<usize>,
    /// Source row indices of the test part, in output order.
    pub test: Vec<usize>,
    /// Fitted scalers.
    pub scalers: Vec<Scaler>,
    /// One-hot encoded columns and their categories.
    pub one_hot: BTreeMap<String, Vec<String>>,
    /// Columns encoded from booleans.
    pub booleans: Vec<String>,
}

/// Class balance of one part.
#[derive(Debug, Clone, Serialize)]
pub struct PartBalance {
    /// Rows.
    pub rows: usize,
    /// Rows per class of the target.
    pub classes: BTreeMap<String, usize>,
}

impl SplitData {
    /// Class balance of the given rows.
    pub fn balance(&self, rows: &[usize]) -> PartBalance {
        let mut classes = BTreeMap::new();
        for &r in rows {
            *classes.entry(self.target_labels[r].clone()).or_insert(0) += 1;
        }
        PartBalance {
            rows: rows.len(),
            classes,
        }
    }
}

/// Every value of a column as text (booleans as 0/1), for class labels and one-hot categories.
fn labels_of(a: &ArrayRef) -> Vec<String> {
    let style = CsvStyle {
        datetime: crate::time::DateTimeFormat::parse("%Y-%m-%d %H:%M:%S").expect("format"),
        booleans: BoolStyle::Int,
    };
    let mut out = Vec::new();
    (0..a.len())
        .map(|row| {
            out.clear();
            format_value(a, row, &style, None, &mut out);
            String::from_utf8_lossy(&out).into_owned()
        })
        .collect()
}

fn split_error(message: String) -> Error {
    Error::runtime(Diagnostic::at("split", message))
}

/// Encodes, splits and standardises the source table.
pub fn split(plan: &SplitPlan, schema: &SchemaRef, batches: &[RecordBatch]) -> Result<SplitData> {
    let all = concat_batches(schema, batches)?;
    let n = all.num_rows();
    let target = all
        .column_by_name(&plan.target)
        .ok_or_else(|| split_error(format!("no target column `{}`", plan.target)))?
        .clone();
    if target.null_count() > 0 {
        return Err(split_error(format!(
            "the target `{}` has {} empty values",
            plan.target,
            target.null_count()
        )));
    }
    let target_labels = labels_of(&target);
    let mut columns = Vec::new();
    let mut one_hot = BTreeMap::new();
    let mut booleans = Vec::new();
    for name in &plan.features {
        let a = all.column_by_name(name).expect("planned column");
        if a.null_count() > 0 {
            return Err(split_error(format!(
                "feature `{name}` has {} empty values; fill or drop it",
                a.null_count()
            )));
        }
        match a.data_type() {
            DataType::Boolean => {
                booleans.push(name.clone());
                let b = a.as_boolean();
                columns.push(FeatureColumn {
                    name: name.clone(),
                    values: (0..n).map(|i| b.value(i) as u8 as f64).collect(),
                    integral: true,
                });
            }
            t if t.is_integer() || t.is_floating() || matches!(t, DataType::Decimal128(..)) => {
                let f = cast(a, &DataType::Float64)?;
                columns.push(FeatureColumn {
                    name: name.clone(),
                    values: f
                        .as_primitive::<datafusion::arrow::datatypes::Float64Type>()
                        .values()
                        .to_vec(),
                    integral: t.is_integer(),
                });
            }
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                let labels = labels_of(a);
                let mut categories: Vec<String> = labels.clone();
                categories.sort();
                categories.dedup();
                for c in &categories {
                    columns.push(FeatureColumn {
                        name: format!("{name}_{c}"),
                        values: labels.iter().map(|l| (l == c) as u8 as f64).collect(),
                        integral: true,
                    });
                }
                one_hot.insert(name.clone(), categories);
            }
            other => {
                return Err(split_error(format!(
                    "feature `{name}` is {other}, which cannot be encoded: add it to `split.drop`"
                )));
            }
        }
    }
    let (train, test) = shuffle_split(plan, &all, &target_labels)?;
    let mut scalers = Vec::new();
    for name in &plan.standardize {
        let col = columns
            .iter_mut()
            .find(|c| &c.name == name)
            .expect("planned numeric column");
        let m = train.len() as f64;
        let mean = train.iter().map(|&r| col.values[r]).sum::<f64>() / m;
        let var = train
            .iter()
            .map(|&r| (col.values[r] - mean).powi(2))
            .sum::<f64>()
            / m;
        let std = var.sqrt();
        if std == 0.0 || !std.is_finite() {
            return Err(Error::runtime(Diagnostic::at("split.standardize", format!(
                "cannot standardise `{name}`: it is constant ({mean}) on the training rows, so its standard deviation is 0"
            )).help("drop the column or remove it from `standardize`")));
        }
        for v in &mut col.values {
            *v = (*v - mean) / std;
        }
        col.integral = false;
        scalers.push(Scaler {
            column: name.clone(),
            mean,
            std,
        });
    }
    Ok(SplitData {
        columns,
        target,
        target_name: plan.target.clone(),
        target_labels,
        train,
        test,
        scalers,
        one_hot,
        booleans,
    })
}

fn shuffle_split(
    plan: &SplitPlan,
    all: &RecordBatch,
    target_labels: &[String],
) -> Result<(Vec<usize>, Vec<usize>)> {
    let n = all.num_rows();
    let n_test = (n as f64 * plan.test_size).ceil() as usize;
    if n < 2 || n_test == 0 || n_test >= n {
        return Err(split_error(format!(
            "cannot split {n} rows with test_size {}: each part needs at least one row",
            plan.test_size
        )));
    }
    let mut rng = stream(plan.seed, "split", "shuffle", 0);
    let mut train = Vec::with_capacity(n - n_test);
    let mut test = Vec::with_capacity(n_test);
    match &plan.stratify {
        None => {
            let mut rows: Vec<usize> = (0..n).collect();
            rows.shuffle(&mut rng);
            test.extend_from_slice(&rows[..n_test]);
            train.extend_from_slice(&rows[n_test..]);
        }
        Some(column) => {
            let labels: Vec<String> = if *column == plan.target {
                target_labels.to_vec()
            } else {
                let a = all.column_by_name(column).expect("planned column");
                labels_of(a)
            };
            let mut classes: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
            for (r, l) in labels.iter().enumerate() {
                classes.entry(l.as_str()).or_default().push(r);
            }
            if let Some((label, rows)) = classes.iter().find(|(_, rows)| rows.len() < 2) {
                return Err(Error::runtime(Diagnostic::at(
                    "split.stratify",
                    format!(
                        "class `{label}` of `{column}` has {} row: stratifying needs at least 2 rows per class",
                        rows.len()
                    ),
                )));
            }
            let shares: Vec<f64> = classes
                .values()
                .map(|r| r.len() as f64 / n as f64)
                .collect();
            let counts = largest_remainder(n_test as u64, &shares);
            for ((_, mut rows), k) in classes.into_iter().zip(counts) {
                rows.shuffle(&mut rng);
                test.extend_from_slice(&rows[..k as usize]);
                train.extend_from_slice(&rows[k as usize..]);
            }
            train.shuffle(&mut rng);
            test.shuffle(&mut rng);
        }
    }
    Ok((train, test))
}

/// Writes X (header = feature names) for the given rows.
pub fn write_x(path: &std::path::Path, data: &SplitData, rows: &[usize]) -> Result<()> {
    let mut w = csv_writer(path)?;
    w.write_record(data.columns.iter().map(|c| c.name.as_str()))
        .map_err(csv_error)?;
    let mut buf = Vec::new();
    for &r in rows {
        for c in &data.columns {
            buf.clear();
            if c.integral {
                let mut b = itoa::Buffer::new();
                buf.extend_from_slice(b.format(c.values[r] as i64).as_bytes());
            } else {
                float(c.values[r], &mut buf);
            }
            w.write_field(&buf).map_err(csv_error)?;
        }
        w.write_record(None::<&[u8]>).map_err(csv_error)?;
    }
    w.flush()?;
    Ok(())
}

/// Writes y (header = target name) for the given rows.
pub fn write_y(path: &std::path::Path, data: &SplitData, rows: &[usize]) -> Result<()> {
    let mut w = csv_writer(path)?;
    w.write_record([data.target_name.as_str()])
        .map_err(csv_error)?;
    for &r in rows {
        w.write_record([data.target_labels[r].as_str()])
            .map_err(csv_error)?;
    }
    w.flush()?;
    Ok(())
}
