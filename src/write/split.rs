//! X, y and `preprocessing.json` of a split, as `processed_2/` holds them: X's values
//! written as its columns are encoded (flags `0`/`1`, whole numbers as integers, floats in
//! their shortest form), y's labels as the target's classes.

use std::sync::Arc;

use serde_json::json;

use datafusion::arrow::array::{RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use crate::error::Result;
use crate::plan::SplitPlan;
use crate::split::{FeatureValues, SplitData};
use crate::text::FloatTexts;

/// The files of a split.
pub trait SplitFiles {
    /// The schema of X.
    fn x_schema(&self) -> SchemaRef;
    /// The schema of y.
    fn y_schema(&self) -> SchemaRef;
    /// X's CSV lines for the given source rows, in that order.
    fn x_lines(&self, rows: &[usize]) -> Vec<u8>;
    /// y for the given source rows, in that order.
    fn y_batch(&self, rows: &[usize]) -> Result<RecordBatch>;
}

impl SplitFiles for SplitData {
    /// The schema of X: integers for booleans, integer features and one-hot indicators, floats otherwise.
    fn x_schema(&self) -> SchemaRef {
        let fields: Vec<Field> = self
            .columns
            .iter()
            .map(|c| {
                Field::new(
                    &c.name,
                    if c.integral {
                        DataType::Int64
                    } else {
                        DataType::Float64
                    },
                    false,
                )
            })
            .collect();
        Arc::new(Schema::new(fields))
    }

    /// The schema of y.
    fn y_schema(&self) -> SchemaRef {
        Arc::new(Schema::new(vec![Field::new(
            &self.target_name,
            DataType::Utf8,
            false,
        )]))
    }

    /// X's CSV lines for the given source rows, in that order: flags as `0`/`1`, integral
    /// numbers as integers, other numbers as the CSV encoder writes floats.
    fn x_lines(&self, rows: &[usize]) -> Vec<u8> {
        // Gathered column by column first: the loads of one column's rows are independent, so
        // the processor overlaps their cache misses (row by row, formatting came between them
        // and the whole took 10% more CPU time).
        let gathered: Vec<FeatureValues> = self
            .columns
            .iter()
            .map(|c| match &c.values {
                FeatureValues::Flags(v) => {
                    FeatureValues::Flags(rows.iter().map(|&r| v[r]).collect())
                }
                FeatureValues::Numbers(v) => {
                    FeatureValues::Numbers(rows.iter().map(|&r| v[r]).collect())
                }
            })
            .collect();
        let mut out = Vec::with_capacity(rows.len() * 8 * self.columns.len().max(1));
        let mut floats = FloatTexts::default();
        let mut integer = itoa::Buffer::new();
        for i in 0..rows.len() {
            for (j, (c, values)) in self.columns.iter().zip(&gathered).enumerate() {
                if j > 0 {
                    out.push(b',');
                }
                match values {
                    FeatureValues::Flags(v) => out.push(b'0' + v[i]),
                    FeatureValues::Numbers(v) if c.integral => {
                        out.extend_from_slice(integer.format(v[i] as i64).as_bytes())
                    }
                    FeatureValues::Numbers(v) => floats.write(v[i], &mut out),
                }
            }
            out.push(b'\n');
        }
        out
    }

    /// y for the given source rows, in that order.
    fn y_batch(&self, rows: &[usize]) -> Result<RecordBatch> {
        let labels = StringArray::from_iter_values(rows.iter().map(|&r| self.target.label(r)));
        Ok(RecordBatch::try_new(
            self.y_schema(),
            vec![Arc::new(labels)],
        )?)
    }
}

/// `processed_2/preprocessing.json`: what the split fitted and how it encoded X.
pub fn preprocessing(sp: &SplitPlan, s: &SplitData) -> serde_json::Value {
    let mut p = json!({
        "source": sp.from,
        "target": sp.target,
        "features": s.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
        "booleans_as_0_1": s.booleans,
        "one_hot": s.one_hot,
        "standardize": s.scalers,
        "test_size": sp.test_size,
        "stratify": sp.stratify,
        "seed": sp.seed,
    });
    // Written only when set, so files of earlier scenarios stay as they were.
    for (key, value) in [
        ("one_hot_drop_first", sp.drop_first.then_some(json!(true))),
        ("group", sp.group.as_ref().map(|g| json!(g))),
        ("order_by", sp.order_by.as_ref().map(|o| json!(o))),
        ("impute", (!s.imputed.is_empty()).then(|| json!(s.imputed))),
    ] {
        if let Some(v) = value {
            p[key] = v;
        }
    }
    p
}
