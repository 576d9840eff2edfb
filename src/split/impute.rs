//! Filling a feature's empty values with a statistic of the training rows (`split.impute`),
//! as scikit-learn's `SimpleImputer` fitted after the split.

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Float64Array, StringArray};
use datafusion::arrow::compute::{cast, concat};
use datafusion::arrow::datatypes::{DataType, Float64Type};
use serde_json::{Value, json};

use super::{FeatureColumn, FeatureValues, split_error};
use crate::error::Result;
use crate::facts::Imputed;
use crate::numeric::{CompensatedSum, float_ordinal, from_float_ordinal};
use crate::plan::{Fill, Impute};
use crate::scenario::Scalar;

/// A feature with its empty values filled: one array over all rows, its 0/1 indicator
/// column when asked for, and what was fitted.
pub(super) struct Filled {
    pub(super) array: ArrayRef,
    pub(super) indicator: Option<FeatureColumn>,
    pub(super) report: Imputed,
}

/// Fills `column` (its batches' arrays) with the statistic of the rows not in `test`.
pub(super) fn fill(imp: &Impute, column: &[&ArrayRef], in_test: &[bool]) -> Result<Filled> {
    let parts: Vec<&dyn Array> = column.iter().map(|a| a.as_ref()).collect();
    let whole = concat(&parts)?;
    let missing = |test: bool| {
        (0..whole.len())
            .filter(|&r| whole.is_null(r) && in_test[r] == test)
            .count()
    };
    let (missing_train, missing_test) = (missing(false), missing(true));
    let training = |r: usize| !in_test[r] && whole.is_valid(r);
    let (array, value) = match whole.data_type() {
        DataType::Boolean => fill_booleans(imp, &whole, &training)?,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            fill_texts(imp, &whole, &training)?
        }
        _ => fill_numbers(imp, &whole, &training)?,
    };
    let name = &imp.column;
    let indicator = imp.indicator.then(|| FeatureColumn {
        name: format!("{name}_missing"),
        values: FeatureValues::Flags((0..whole.len()).map(|r| whole.is_null(r) as u8).collect()),
        integral: true,
    });
    let report = Imputed {
        column: name.clone(),
        strategy: imp.fill.name().to_string(),
        value,
        missing_train,
        missing_test,
        indicator: indicator.as_ref().map(|c| c.name.clone()),
    };
    Ok(Filled {
        array,
        indicator,
        report,
    })
}

/// Booleans: the constant, or the training rows' more frequent value (false on a tie).
fn fill_booleans(
    imp: &Impute,
    whole: &ArrayRef,
    training: &dyn Fn(usize) -> bool,
) -> Result<(ArrayRef, Value)> {
    let a = whole.as_boolean();
    let v = match &imp.fill {
        Fill::Constant(Scalar::Bool(b)) => *b,
        Fill::Constant(other) => return Err(not_a(&imp.column, "boolean", other)),
        _ => {
            let trues = (0..a.len()).filter(|&r| training(r) && a.value(r)).count();
            let falses = (0..a.len()).filter(|&r| training(r) && !a.value(r)).count();
            no_training_value(&imp.column, trues + falses)?;
            trues > falses
        }
    };
    let filled: BooleanArray = (0..a.len())
        .map(|r| Some(if a.is_null(r) { v } else { a.value(r) }))
        .collect();
    Ok((Arc::new(filled), json!(v)))
}

/// Text: the constant, or the training rows' most frequent value (the smallest on a tie).
fn fill_texts(
    imp: &Impute,
    whole: &ArrayRef,
    training: &dyn Fn(usize) -> bool,
) -> Result<(ArrayRef, Value)> {
    let text = cast(whole, &DataType::Utf8)?;
    let a = text.as_string::<i32>();
    let v = match &imp.fill {
        Fill::Constant(s) => s.to_string(),
        _ => {
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            (0..a.len())
                .filter(|&r| training(r))
                .for_each(|r| *counts.entry(a.value(r)).or_default() += 1);
            no_training_value(&imp.column, counts.len())?;
            most_frequent(counts).to_string()
        }
    };
    let filled: StringArray = (0..a.len())
        .map(|r| Some(if a.is_null(r) { v.as_str() } else { a.value(r) }))
        .collect();
    Ok((Arc::new(filled), json!(v)))
}

/// Numbers (as floats): the constant, or the training rows' statistic.
fn fill_numbers(
    imp: &Impute,
    whole: &ArrayRef,
    training: &dyn Fn(usize) -> bool,
) -> Result<(ArrayRef, Value)> {
    let numbers = cast(whole, &DataType::Float64)?;
    let a = numbers.as_primitive::<Float64Type>();
    let mut seen: Vec<f64> = (0..a.len())
        .filter(|&r| training(r))
        .map(|r| a.value(r))
        .collect();
    let v = match &imp.fill {
        Fill::Constant(s) => s
            .as_number()
            .ok_or_else(|| not_a(&imp.column, "number", s))?,
        fill => {
            no_training_value(&imp.column, seen.len())?;
            statistic(fill, &mut seen)
        }
    };
    let filled: Float64Array = (0..a.len())
        .map(|r| Some(if a.is_null(r) { v } else { a.value(r) }))
        .collect();
    Ok((Arc::new(filled), json!(v)))
}

/// Mean, median (the mean of the two middle values for an even count) or most frequent
/// (ties: the smallest) of the training values.
fn statistic(fill: &Fill, values: &mut [f64]) -> f64 {
    match fill {
        Fill::Mean => {
            values.iter().copied().collect::<CompensatedSum>().value() / values.len() as f64
        }
        Fill::Median => {
            values.sort_by(f64::total_cmp);
            let n = values.len();
            match n % 2 {
                1 => values[n / 2],
                _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
            }
        }
        _ => {
            let mut counts: BTreeMap<u64, usize> = BTreeMap::new();
            for v in values.iter() {
                *counts.entry(float_ordinal(*v)).or_default() += 1;
            }
            from_float_ordinal(most_frequent(counts))
        }
    }
}

/// The most frequent key; the smallest among ties.
fn most_frequent<K: Ord + Copy>(counts: BTreeMap<K, usize>) -> K {
    let top = counts.values().copied().max().unwrap_or(0);
    *counts
        .iter()
        .find(|(_, n)| **n == top)
        .expect("at least one value")
        .0
}

fn no_training_value(name: &str, count: usize) -> Result<()> {
    match count {
        0 => Err(split_error(format!(
            "cannot impute `{name}`: every value of it in the training rows is empty"
        ))),
        _ => Ok(()),
    }
}

fn not_a(name: &str, what: &str, value: &Scalar) -> crate::error::Error {
    split_error(format!(
        "`split.impute.{name}`: `{}` is not a {what}, as `{name}` is",
        value
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_follow_numpy() {
        assert_eq!(statistic(&Fill::Median, &mut [3.0, 1.0, 2.0, 10.0]), 2.5);
        assert_eq!(statistic(&Fill::Median, &mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(statistic(&Fill::Mean, &mut [1.0, 2.0]), 1.5);
        assert_eq!(
            statistic(&Fill::MostFrequent, &mut [-2.0, 5.0, -2.0, 5.0, 1.0]),
            -2.0
        );
        for v in [-3.5, 0.0, 2.25, 1e300] {
            assert_eq!(from_float_ordinal(float_ordinal(v)), v);
        }
    }
}
