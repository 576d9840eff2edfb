//! Preprocessing and the stratified train/test split (`processed_2/`).
//!
//! Booleans become 0/1, string columns are one-hot encoded, and the listed
//! columns are standardised with the mean and population standard deviation of
//! the *training* rows only (as scikit-learn's `StandardScaler` fitted after the
//! split). The test part has `ceil(n · test_size)` rows, as scikit-learn's
//! `train_test_split`; with stratification each class's test count is its
//! exact share rounded by the largest-remainder rule, so it is within one row.
//!
//! The leakage audit ([`audit`]) reads the split while its files are written.

pub mod audit;
mod impute;

use std::collections::BTreeMap;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type, SchemaRef};
use rand::seq::SliceRandom;
use rayon::prelude::*;
use std::sync::Arc;

use crate::codes::{self, first_seen};
use crate::error::{Diagnostic, Error, Result};
use crate::facts::{Imputed, Overlap, PartBalance, Scaler};
use crate::generate::rng::stream;
use crate::numeric::{CompensatedSum, largest_remainder};
use crate::plan::SplitPlan;
use crate::scenario::BoolStyle;
use crate::text::{CsvStyle, value_texts};

/// One column of the design matrix X.
#[derive(Debug, Clone)]
pub struct FeatureColumn {
    /// Column name in X.
    pub name: String,
    /// Values, one per row of the source table.
    pub values: FeatureValues,
    /// Written as whole numbers (booleans, integers, one-hot indicators).
    pub integral: bool,
}

/// The values of one column of X, one per row of the source table.
#[derive(Debug, Clone)]
pub enum FeatureValues {
    /// 0 or 1 (booleans, one-hot indicators), a byte each: an eighth of the memory of floats,
    /// which matters with many indicator columns over millions of rows.
    Flags(Vec<u8>),
    /// Numbers.
    Numbers(Vec<f64>),
}

impl FeatureValues {
    /// The value of row `r`.
    #[inline]
    pub fn get(&self, r: usize) -> f64 {
        match self {
            FeatureValues::Flags(v) => v[r] as f64,
            FeatureValues::Numbers(v) => v[r],
        }
    }

    /// The values as numbers.
    fn into_numbers(self) -> Vec<f64> {
        match self {
            FeatureValues::Flags(flags) => flags.iter().map(|&f| f as f64).collect(),
            FeatureValues::Numbers(v) => v,
        }
    }
}

/// The split, ready to write and audit.
pub struct SplitData {
    /// Feature columns (scaled where requested), over all source rows.
    pub columns: Vec<FeatureColumn>,
    /// The target's name.
    pub target_name: String,
    /// The target's classes (as text) and each row's class.
    pub target: Classes,
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
    /// How rows were assigned to the parts, for the report.
    pub method: String,
    /// Text columns left out of X found in both parts.
    pub overlaps: Vec<Overlap>,
    /// Features whose empty values were filled.
    pub imputed: Vec<Imputed>,
}

impl SplitData {
    /// Class balance of the given rows.
    pub fn balance(&self, rows: &[usize]) -> PartBalance {
        let mut counts = vec![0usize; self.target.names.len()];
        for &r in rows {
            counts[self.target.codes[r] as usize] += 1;
        }
        let classes = self.target.names.iter().cloned().zip(counts).collect();
        PartBalance {
            rows: rows.len(),
            classes,
        }
    }
}

/// The distinct values of a column as text (sorted; booleans as 0/1) and each row's index among them.
#[derive(Debug, Clone)]
pub struct Classes {
    /// Distinct values, sorted.
    pub names: Vec<String>,
    /// Per row, the index of its value in `names`.
    pub codes: Vec<u32>,
}

impl Classes {
    /// Codes the values of a column given as one array per batch (no NULLs).
    fn of(parts: &[&ArrayRef]) -> Result<Classes> {
        let style = class_style();
        let n = parts.iter().map(|a| a.len()).sum();
        let each = |part: usize| (0..parts[part].len()).map(move |row| (part, row));
        let (mut codes, first) = match parts.first().map(|a| a.data_type()) {
            Some(DataType::Int64) => first_seen(
                n,
                (0..parts.len()).flat_map(|p| {
                    let values = parts[p].as_primitive::<Int64Type>().values();
                    each(p).map(move |(p, r)| ((p, r), values[r]))
                }),
                usize::MAX,
            ),
            Some(DataType::Boolean) => first_seen(
                n,
                (0..parts.len()).flat_map(|p| {
                    let values = parts[p].as_boolean();
                    each(p).map(move |(p, r)| ((p, r), values.value(r)))
                }),
                usize::MAX,
            ),
            Some(DataType::Utf8) => first_seen(
                n,
                (0..parts.len()).flat_map(|p| {
                    let values = parts[p].as_string::<i32>();
                    each(p).map(move |(p, r)| ((p, r), values.value(r)))
                }),
                usize::MAX,
            ),
            _ => {
                let texts = parts
                    .iter()
                    .map(|a| value_texts(a, &style))
                    .collect::<Result<Vec<_>>>()?;
                first_seen(
                    n,
                    (0..parts.len()).flat_map(|p| {
                        let texts = &texts[p];
                        each(p).map(move |(p, r)| ((p, r), texts[r].as_str()))
                    }),
                    usize::MAX,
                )
            }
        }
        .expect("no limit on the number of classes");
        // Each class is named by its text; classes are numbered in the order of their names.
        let mut names: Vec<(String, u32)> = first
            .iter()
            .enumerate()
            .map(|(code, &(part, row))| {
                let name = value_texts(&parts[part].slice(row, 1), &style)?;
                Ok((name.into_iter().next().unwrap_or_default(), code as u32))
            })
            .collect::<Result<_>>()?;
        names.sort();
        codes::renumber(&mut codes, names.iter().map(|(_, code)| *code));
        Ok(Classes {
            names: names.into_iter().map(|(n, _)| n).collect(),
            codes,
        })
    }

    /// The class label of row `r`.
    pub fn label(&self, r: usize) -> &str {
        &self.names[self.codes[r] as usize]
    }
}

/// How class values are written as text: booleans as 0/1, date-times in full.
fn class_style() -> CsvStyle {
    CsvStyle {
        datetime: crate::time::DateTimeFormat::parse("%Y-%m-%d %H:%M:%S").expect("format"),
        booleans: BoolStyle::Int,
    }
}

fn split_error(message: String) -> Error {
    Error::runtime(Diagnostic::at("split", message))
}

/// The split's source table: its batches, read column by column.
struct Input<'a> {
    plan: &'a SplitPlan,
    schema: &'a SchemaRef,
    batches: &'a [RecordBatch],
}

impl<'a> Input<'a> {
    /// A column's arrays, one per batch.
    fn column(&self, name: &str) -> Result<Vec<&'a ArrayRef>> {
        let i = self
            .schema
            .index_of(name)
            .map_err(|_| split_error(format!("no column `{name}`")))?;
        Ok(self.batches.iter().map(|b| b.column(i)).collect())
    }

    /// A column that must have no empty values (the target, a group, a feature not imputed).
    fn complete(&self, name: &str) -> Result<Vec<&'a ArrayRef>> {
        let parts = self.column(name)?;
        let nulls: usize = parts.iter().map(|a| a.null_count()).sum();
        if nulls == 0 {
            return Ok(parts);
        }
        let plan = self.plan;
        let role = [
            (Some(&plan.target), "target", "split.target"),
            (plan.group.as_ref(), "group", "split.group"),
            (plan.order_by.as_ref(), "order_by", "split.order_by"),
            (plan.stratify.as_ref(), "stratify", "split.stratify"),
        ]
        .into_iter()
        .find(|(c, _, _)| c.is_some_and(|c| c == name));
        if let Some((_, role, path)) = role {
            let values = if nulls == 1 { "value" } else { "values" };
            return Err(Error::runtime(
                Diagnostic::at(path, format!("the split's {role} `{name}` has {nulls} empty {values}: every row needs one"))
                    .help("give them a value in the feature query (COALESCE), or leave those rows out (WHERE ... IS NOT NULL)"),
            ));
        }
        let d = Diagnostic::at(
            "split",
            format!("column `{name}` has {nulls} empty values; fill or drop it"),
        );
        let is_feature = self.plan.features.iter().any(|f| f == name);
        let is_number = parts.first().is_some_and(|a| {
            a.data_type().is_numeric() && !matches!(a.data_type(), DataType::Boolean)
        });
        Err(Error::runtime(match (is_feature, is_number) {
            (true, true) => d.help(format!(
                "fill it in the split: `impute: {{ {name}: median }}` (or mean, most_frequent, {{ constant: value }})"
            )),
            (true, false) => d.help(format!(
                "fill it in the split: `impute: {{ {name}: most_frequent }}` (or {{ constant: value }})"
            )),
            (false, _) => d,
        }))
    }
}

/// The features encoded for X, with what encoding and imputation fitted.
#[derive(Default)]
struct Features {
    columns: Vec<FeatureColumn>,
    one_hot: BTreeMap<String, Vec<String>>,
    booleans: Vec<String>,
    imputed: Vec<Imputed>,
}

/// Encodes, splits and standardises the source table, batch by batch (no copy of the whole table).
pub fn split(plan: &SplitPlan, schema: &SchemaRef, batches: &[RecordBatch]) -> Result<SplitData> {
    if let Ok(field) = schema.field_with_name(&plan.target)
        && let Some(d) = crate::plan::target_type_problem(&plan.target, field.data_type())
    {
        return Err(Error::invalid(d));
    }
    let input = Input {
        plan,
        schema,
        batches,
    };
    let n: usize = batches.iter().map(|b| b.num_rows()).sum();
    let target = Classes::of(&input.complete(&plan.target)?)?;
    let (train, test, method) = assign(&input, n, &target)?;
    let mut in_test = vec![false; n];
    test.iter().for_each(|&r| in_test[r] = true);
    let Features {
        mut columns,
        one_hot,
        booleans,
        imputed,
    } = features(&input, n, &in_test)?;
    let mut overlaps = Vec::new();
    // Only those the data has: `tutas split --from` may be given a table without them.
    for name in plan
        .dropped_text
        .iter()
        .filter(|n| schema.index_of(n).is_ok())
    {
        let values = input.column(name)?;
        if values.iter().all(|a| a.null_count() == 0) {
            overlaps.push(overlap(name, &Classes::of(&values)?, &train, &test));
        }
    }
    let scalers = plan
        .standardize
        .iter()
        .map(|name| standardize(&mut columns, name, &test))
        .collect::<Result<Vec<_>>>()?;
    Ok(SplitData {
        columns,
        target_name: plan.target.clone(),
        target,
        train,
        test,
        scalers,
        one_hot,
        booleans,
        method,
        overlaps,
        imputed,
    })
}

/// The training and test rows, and how they were assigned.
fn assign(input: &Input, n: usize, target: &Classes) -> Result<(Vec<usize>, Vec<usize>, String)> {
    let plan = input.plan;
    let strata = match &plan.stratify {
        None => None,
        Some(c) if *c == plan.target => Some(target.clone()),
        Some(c) => Some(Classes::of(&input.complete(c)?)?),
    };
    Ok(match (&plan.group, &plan.order_by) {
        (Some(g), _) => group_split(
            plan,
            n,
            strata.as_ref(),
            &Classes::of(&input.complete(g)?)?,
            g,
        )?,
        (None, Some(o)) => time_split(plan, &input.complete(o)?, o)?,
        (None, None) => {
            let (train, test) = shuffle_split(plan, n, strata.as_ref())?;
            let method = match &plan.stratify {
                Some(c) => format!("stratified by `{c}`"),
                None => "random".to_string(),
            };
            (train, test, method)
        }
    })
}

/// Every feature encoded for X (in parallel), empty values filled where `impute` says.
fn features(input: &Input, n: usize, in_test: &[bool]) -> Result<Features> {
    let plan = input.plan;
    let encoded = plan
        .features
        .par_iter()
        .map(|name| {
            let encode = |data_type: &DataType, arrays: &[&ArrayRef]| {
                encode(
                    name,
                    data_type,
                    arrays,
                    n,
                    plan.max_categories,
                    plan.drop_first,
                )
            };
            match plan.impute.iter().find(|i| i.column == *name) {
                None => {
                    let data_type = input.schema.field_with_name(name)?.data_type();
                    Ok((encode(data_type, &input.complete(name)?)?, None))
                }
                Some(imp) => {
                    let filled = impute::fill(imp, &input.column(name)?, in_test)?;
                    let mut e = encode(filled.array.data_type(), &[&filled.array])?;
                    e.columns.extend(filled.indicator);
                    Ok((e, Some(filled.report)))
                }
            }
        })
        .collect::<Result<Vec<_>>>()?;
    let mut out = Features::default();
    for (name, (e, filled)) in plan.features.iter().zip(encoded) {
        out.columns.extend(e.columns);
        if let Some(categories) = e.one_hot {
            out.one_hot.insert(name.clone(), categories);
        }
        if e.boolean {
            out.booleans.push(name.clone());
        }
        out.imputed.extend(filled);
    }
    Ok(out)
}

/// How many values of a column are found in the training part, the test part, and both.
fn overlap(name: &str, values: &Classes, train: &[usize], test: &[usize]) -> Overlap {
    let seen = |rows: &[usize]| {
        let mut seen = vec![false; values.names.len()];
        rows.iter()
            .for_each(|&r| seen[values.codes[r] as usize] = true);
        seen
    };
    let (a, b) = (seen(train), seen(test));
    Overlap {
        column: name.to_string(),
        train_values: a.iter().filter(|&&x| x).count(),
        test_values: b.iter().filter(|&&x| x).count(),
        in_both: a.iter().zip(&b).filter(|(x, y)| **x && **y).count(),
    }
}

/// Assigns whole groups: groups in a random order, each to test when that brings the test
/// part's class counts closer to their exact shares (summed squared distance), else to train.
fn group_split(
    plan: &SplitPlan,
    n: usize,
    strata: Option<&Classes>,
    groups: &Classes,
    column: &str,
) -> Result<(Vec<usize>, Vec<usize>, String)> {
    let n_test = test_rows(plan, n)?;
    let classes = strata.map_or(1, |s| s.names.len());
    let class_of = |r: usize| strata.map_or(0, |s| s.codes[r] as usize);
    let mut counts = vec![vec![0usize; classes]; groups.names.len()];
    let mut totals = vec![0usize; classes];
    for r in 0..n {
        counts[groups.codes[r] as usize][class_of(r)] += 1;
        totals[class_of(r)] += 1;
    }
    let targets: Vec<f64> = totals
        .iter()
        .map(|&t| n_test as f64 * t as f64 / n as f64)
        .collect();
    let mut rng = stream(plan.seed, "split", "groups", 0);
    let mut order: Vec<usize> = (0..groups.names.len()).collect();
    order.shuffle(&mut rng);
    let mut in_test = vec![false; groups.names.len()];
    let mut test_counts = vec![0usize; classes];
    for g in order {
        let gain: f64 = (0..classes)
            .map(|k| {
                let (now, add) = (test_counts[k] as f64 - targets[k], counts[g][k] as f64);
                (now + add).powi(2) - now.powi(2)
            })
            .sum();
        if gain < 0.0 {
            in_test[g] = true;
            (0..classes).for_each(|k| test_counts[k] += counts[g][k]);
        }
    }
    let (mut train, mut test): (Vec<usize>, Vec<usize>) =
        (0..n).partition(|&r| !in_test[groups.codes[r] as usize]);
    if train.is_empty() || test.is_empty() {
        return Err(split_error(format!(
            "cannot split {} groups of `{column}` with test_size {}: each part needs at least one group",
            groups.names.len(),
            plan.test_size
        )));
    }
    train.shuffle(&mut rng);
    test.shuffle(&mut rng);
    let test_groups = in_test.iter().filter(|&&t| t).count();
    let method = format!(
        "grouped by `{column}`: {} groups in train, {test_groups} in test, none in both",
        groups.names.len() - test_groups
    );
    Ok((train, test, method))
}

/// The latest rows by `column` go to test; rows tied with the last training row stay in train,
/// so every test row is strictly later.
fn time_split(
    plan: &SplitPlan,
    column: &[&ArrayRef],
    name: &str,
) -> Result<(Vec<usize>, Vec<usize>, String)> {
    use datafusion::arrow::compute::{SortColumn, lexsort_to_indices};
    let arrays: Vec<&dyn Array> = column.iter().map(|a| a.as_ref()).collect();
    let values = datafusion::arrow::compute::concat(&arrays)?;
    let n = values.len();
    let n_test = test_rows(plan, n)?;
    let rows: ArrayRef = Arc::new(datafusion::arrow::array::UInt64Array::from_iter_values(
        0..n as u64,
    ));
    let sorted = lexsort_to_indices(
        &[
            SortColumn {
                values: values.clone(),
                options: None,
            },
            SortColumn {
                values: rows,
                options: None,
            },
        ],
        None,
    )?;
    let sorted: Vec<usize> = sorted.values().iter().map(|&i| i as usize).collect();
    let same = datafusion::arrow::array::make_comparator(
        values.as_ref(),
        values.as_ref(),
        Default::default(),
    )?;
    let mut boundary = n - n_test;
    while boundary < n && same(sorted[boundary - 1], sorted[boundary]).is_eq() {
        boundary += 1;
    }
    if boundary == n {
        return Err(split_error(format!(
            "cannot split by `{name}`: the latest {n_test} rows all have its last training value, so no row is later"
        )));
    }
    let text = |r: usize| value_texts(&values.slice(r, 1), &class_style()).map(|t| t.join(""));
    let method = format!(
        "by time: the latest {} rows by `{name}` in test (from {}), the training rows up to {}",
        n - boundary,
        text(sorted[boundary])?,
        text(sorted[boundary - 1])?
    );
    let mut rng = stream(plan.seed, "split", "shuffle", 0);
    let (mut train, mut test) = (sorted[..boundary].to_vec(), sorted[boundary..].to_vec());
    train.shuffle(&mut rng);
    test.shuffle(&mut rng);
    Ok((train, test, method))
}

/// Rows of the test part: `ceil(n · test_size)`, with at least one row in each part.
fn test_rows(plan: &SplitPlan, n: usize) -> Result<usize> {
    let n_test = (n as f64 * plan.test_size).ceil() as usize;
    if n < 2 || n_test == 0 || n_test >= n {
        return Err(split_error(format!(
            "cannot split {n} rows with test_size {}: each part needs at least one row",
            plan.test_size
        )));
    }
    Ok(n_test)
}

/// Standardises feature `name` with the mean and population standard deviation of the
/// training rows (every row not in `test`).
fn standardize(columns: &mut [FeatureColumn], name: &str, test: &[usize]) -> Result<Scaler> {
    let col = columns
        .iter_mut()
        .find(|c| c.name == name)
        .ok_or_else(|| split_error(format!("no feature `{name}` to standardise")))?;
    let mut values =
        std::mem::replace(&mut col.values, FeatureValues::Numbers(Vec::new())).into_numbers();
    let mut in_test = vec![false; values.len()];
    for &r in test {
        in_test[r] = true;
    }
    // Sums over the training rows in source row order (a sequential pass, not a gather).
    let training = || {
        values
            .iter()
            .zip(&in_test)
            .filter(|(_, t)| !**t)
            .map(|(v, _)| *v)
    };
    let m = (values.len() - test.len()) as f64;
    let mean = training().collect::<CompensatedSum>().value() / m;
    let var = training()
        .map(|v| (v - mean).powi(2))
        .collect::<CompensatedSum>()
        .value()
        / m;
    let std = var.sqrt();
    if std == 0.0 || !std.is_finite() {
        return Err(Error::runtime(Diagnostic::at("split.standardize", format!(
            "cannot standardise `{name}`: it is constant ({mean}) on the training rows, so its standard deviation is 0"
        )).help("drop the column or remove it from `standardize`")));
    }
    for v in values.iter_mut() {
        *v = (*v - mean) / std;
    }
    col.values = FeatureValues::Numbers(values);
    col.integral = false;
    Ok(Scaler {
        column: name.to_string(),
        mean,
        std,
    })
}

/// One source column encoded for X.
struct Encoded {
    columns: Vec<FeatureColumn>,
    /// The categories, when one-hot encoded.
    one_hot: Option<Vec<String>>,
    /// Whether it was a boolean.
    boolean: bool,
}

/// Encodes one feature: booleans as 0/1, numbers as they are, strings one-hot.
fn encode(
    name: &str,
    data_type: &DataType,
    column: &[&ArrayRef],
    n: usize,
    max_categories: usize,
    drop_first: bool,
) -> Result<Encoded> {
    let single = |values: FeatureValues, integral: bool, boolean: bool| Encoded {
        columns: vec![FeatureColumn {
            name: name.to_string(),
            values,
            integral,
        }],
        one_hot: None,
        boolean,
    };
    Ok(match data_type {
        DataType::Boolean => {
            let mut values = Vec::with_capacity(n);
            for a in column {
                values.extend(a.as_boolean().values().iter().map(|b| b as u8));
            }
            single(FeatureValues::Flags(values), true, true)
        }
        t if t.is_integer() || t.is_floating() || matches!(t, DataType::Decimal128(..)) => {
            let mut values = Vec::with_capacity(n);
            for a in column {
                let f = cast(a, &DataType::Float64)?;
                values.extend_from_slice(
                    f.as_primitive::<datafusion::arrow::datatypes::Float64Type>()
                        .values(),
                );
            }
            single(FeatureValues::Numbers(values), t.is_integer(), false)
        }
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            let classes = Classes::of(column)?;
            if classes.names.len() > max_categories {
                return Err(Error::runtime(
                    Diagnostic::at(
                        "split.drop",
                        format!(
                            "text feature `{name}` has {} distinct values: one-hot encoding would make {} columns of X, more than `split.max_categories` ({max_categories})",
                            classes.names.len(),
                            classes.names.len()
                        ),
                    )
                    .help(format!("if `{name}` identifies rows, add it to `split.drop`; else raise `split.max_categories`")),
                ));
            }
            let columns = (usize::from(drop_first)..classes.names.len())
                .map(|k| FeatureColumn {
                    name: format!("{name}_{}", classes.names[k]),
                    values: FeatureValues::Flags(
                        classes
                            .codes
                            .iter()
                            .map(|&code| (code as usize == k) as u8)
                            .collect(),
                    ),
                    integral: true,
                })
                .collect();
            Encoded {
                columns,
                one_hot: Some(classes.names),
                boolean: false,
            }
        }
        other => {
            return Err(split_error(format!(
                "feature `{name}` is {other}, which cannot be encoded: add it to `split.drop`"
            )));
        }
    })
}

fn shuffle_split(
    plan: &SplitPlan,
    n: usize,
    strata: Option<&Classes>,
) -> Result<(Vec<usize>, Vec<usize>)> {
    let n_test = test_rows(plan, n)?;
    let mut rng = stream(plan.seed, "split", "shuffle", 0);
    let mut train = Vec::with_capacity(n - n_test);
    let mut test = Vec::with_capacity(n_test);
    match strata {
        None => {
            let mut rows: Vec<usize> = (0..n).collect();
            rows.shuffle(&mut rng);
            test.extend_from_slice(&rows[..n_test]);
            train.extend_from_slice(&rows[n_test..]);
        }
        Some(classes) => {
            let mut members: Vec<Vec<usize>> = vec![Vec::new(); classes.names.len()];
            for (r, &c) in classes.codes.iter().enumerate() {
                members[c as usize].push(r);
            }
            if let Some((k, rows)) = members.iter().enumerate().find(|(_, rows)| rows.len() < 2) {
                let single = members.iter().filter(|rows| rows.len() < 2).count();
                return Err(Error::runtime(
                    Diagnostic::at(
                        "split.stratify",
                        format!(
                            "class `{}` of `{}` has {} row: stratifying needs at least 2 rows per class",
                            classes.names[k],
                            plan.stratify.as_deref().unwrap_or_default(),
                            rows.len()
                        ),
                    )
                    .note(format!(
                        "{single} of its {} classes {} fewer than 2 rows",
                        classes.names.len(),
                        if single == 1 { "has" } else { "have" }
                    ))
                    .help(
                        "stratify by a column with few values, or split at random with \
                         `split.stratify: none`",
                    ),
                ));
            }
            let shares: Vec<f64> = members.iter().map(|r| r.len() as f64 / n as f64).collect();
            let counts = largest_remainder(n_test as u64, &shares);
            for (mut rows, k) in members.into_iter().zip(counts) {
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
