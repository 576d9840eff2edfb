//! Streaming column summaries for the run report.
//!
//! Each table is profiled batch by batch as it is written, in chunk order, so
//! the summaries cost one pass over data that is already in memory and never a
//! second read. Numbers and date-times get count, mean, standard deviation,
//! minimum, maximum and an exact histogram whose bins widen (by merging
//! neighbours) whenever a value falls outside them; booleans get their true
//! count; text gets exact value counts up to [`MAX_CATEGORIES`] distinct
//! values; past that it is reported as high-cardinality, with the counts seen
//! until then (so ids and names cost almost nothing).

use std::collections::HashMap;

use foldhash::fast::RandomState;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, SchemaRef, TimeUnit};
use serde::{Deserialize, Serialize};

/// Histogram bins per numeric column.
pub const BINS: usize = 32;
/// Distinct text values counted exactly per column.
pub const MAX_CATEGORIES: usize = 1000;

/// The summary of one column.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ColumnProfile {
    /// Column name.
    pub name: String,
    /// `number`, `datetime`, `boolean`, `text` or `other`.
    pub kind: String,
    /// Rows.
    pub count: u64,
    /// Empty values.
    pub nulls: u64,
    /// Numbers and date-times.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numeric: Option<NumericProfile>,
    /// Booleans: rows that are true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub true_count: Option<u64>,
    /// Text: counts per value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<TextProfile>,
}

/// Moments, range and histogram of a numeric column.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NumericProfile {
    /// Mean.
    pub mean: f64,
    /// Population standard deviation.
    pub std: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Left edge of the first bin.
    pub bin_start: f64,
    /// Width of every bin.
    pub bin_width: f64,
    /// Values per bin.
    pub bins: Vec<u64>,
    /// For whole numbers with at most [`MAX_SMALL_VALUES`] distinct values: the count of each value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<(i64, u64)>>,
}

/// Whole-number columns with at most this many distinct values also get a count per value.
pub const MAX_SMALL_VALUES: usize = 32;

/// Value counts of a text column.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TextProfile {
    /// Distinct values seen (exact while `complete`).
    pub distinct: u64,
    /// Whether every value was counted (at most `MAX_CATEGORIES` distinct values); when not,
    /// `top` holds counts over the rows read until the limit was passed.
    pub complete: bool,
    /// The most frequent values with their counts, most frequent first (at most 20).
    pub top: Vec<(String, u64)>,
}

/// Accumulates the profile of one column.
#[derive(Debug, Clone)]
enum Acc {
    Numeric {
        datetime: bool,
        n: u64,
        sum: f64,
        sumsq: f64,
        min: f64,
        max: f64,
        hist: Option<Histogram>,
        /// Counts per whole value while there are few of them (None once there are too many).
        small: Option<Vec<(i64, u64)>>,
    },
    Boolean {
        trues: u64,
    },
    Text {
        counts: HashMap<String, u64, RandomState>,
        overflow: bool,
    },
    Other,
}

/// An exact histogram with [`BINS`] bins that doubles its bin width to take in outlying values.
#[derive(Debug, Clone)]
struct Histogram {
    start: f64,
    width: f64,
    bins: Vec<u64>,
}

impl Histogram {
    fn new(min: f64, max: f64) -> Histogram {
        let width = if max > min {
            (max - min) / BINS as f64 * (1.0 + 1e-9)
        } else {
            1.0
        };
        Histogram {
            start: min,
            width,
            bins: vec![0; BINS],
        }
    }

    fn add(&mut self, x: f64) {
        while x < self.start {
            // Widen to the left: the old bins become the right half.
            let mut bins = vec![0; BINS];
            for (i, c) in self.bins.iter().enumerate() {
                bins[BINS / 2 + i / 2] += c;
            }
            self.start -= self.width * BINS as f64;
            self.width *= 2.0;
            self.bins = bins;
        }
        while x >= self.start + self.width * BINS as f64 {
            let mut bins = vec![0; BINS];
            for (i, c) in self.bins.iter().enumerate() {
                bins[i / 2] += c;
            }
            self.width *= 2.0;
            self.bins = bins;
        }
        let i = (((x - self.start) / self.width) as usize).min(BINS - 1);
        self.bins[i] += 1;
    }
}

/// Profiles of every column of one table, fed batch by batch.
#[derive(Debug, Clone)]
pub struct TableProfiler {
    names: Vec<String>,
    accs: Vec<Acc>,
    nulls: Vec<u64>,
    count: u64,
}

impl TableProfiler {
    /// A profiler for a schema.
    pub fn new(schema: &SchemaRef) -> TableProfiler {
        let accs = schema
            .fields()
            .iter()
            .map(|f| match f.data_type() {
                DataType::Boolean => Acc::Boolean { trues: 0 },
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Acc::Text {
                    counts: HashMap::default(),
                    overflow: false,
                },
                DataType::Timestamp(..) => numeric(true),
                t if t.is_numeric() => numeric(false),
                _ => Acc::Other,
            })
            .collect();
        TableProfiler {
            names: schema.fields().iter().map(|f| f.name().clone()).collect(),
            accs,
            nulls: vec![0; schema.fields().len()],
            count: 0,
        }
    }

    /// Adds a batch.
    pub fn add(&mut self, batch: &RecordBatch) {
        self.count += batch.num_rows() as u64;
        for ((acc, nulls), a) in self
            .accs
            .iter_mut()
            .zip(&mut self.nulls)
            .zip(batch.columns())
        {
            *nulls += a.null_count() as u64;
            add_column(acc, a);
        }
    }

    /// The finished profiles.
    pub fn finish(self) -> Vec<ColumnProfile> {
        let count = self.count;
        self.names
            .into_iter()
            .zip(self.accs)
            .zip(self.nulls)
            .map(|((name, acc), nulls)| finish_column(name, acc, count, nulls))
            .collect()
    }
}

fn numeric(datetime: bool) -> Acc {
    Acc::Numeric {
        datetime,
        n: 0,
        sum: 0.0,
        sumsq: 0.0,
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
        hist: None,
        small: (!datetime).then(Vec::new),
    }
}

fn as_f64(a: &ArrayRef) -> Option<ArrayRef> {
    let a = match a.data_type() {
        DataType::Timestamp(..) => cast(
            &cast(a, &DataType::Timestamp(TimeUnit::Second, None)).ok()?,
            &DataType::Int64,
        )
        .ok()?,
        _ => a.clone(),
    };
    cast(&a, &DataType::Float64).ok()
}

fn add_column(acc: &mut Acc, a: &ArrayRef) {
    match acc {
        Acc::Numeric {
            n,
            sum,
            sumsq,
            min,
            max,
            hist,
            small,
            ..
        } => {
            let Some(f) = as_f64(a) else { return };
            let values = f.as_primitive::<Float64Type>();
            let present: Vec<f64> = values.iter().flatten().filter(|x| x.is_finite()).collect();
            if present.is_empty() {
                return;
            }
            for &x in &present {
                *n += 1;
                *sum += x;
                *sumsq += x * x;
                *min = min.min(x);
                *max = max.max(x);
            }
            let h = hist.get_or_insert_with(|| {
                let lo = present.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = present.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                Histogram::new(lo, hi)
            });
            for &x in &present {
                h.add(x);
            }
            if let Some(counts) = small {
                for &x in &present {
                    let v = x as i64;
                    if v as f64 != x {
                        *small = None;
                        break;
                    }
                    if let Some(i) = counts.iter().position(|(k, _)| *k == v) {
                        counts[i].1 += 1;
                    } else if counts.len() < MAX_SMALL_VALUES {
                        counts.push((v, 1));
                    } else {
                        *small = None;
                        break;
                    }
                }
            }
        }
        Acc::Boolean { trues } => *trues += a.as_boolean().true_count() as u64,
        Acc::Text { counts, overflow } => {
            // Past MAX_CATEGORIES distinct values (ids, names) counting stops: the column is
            // reported as high-cardinality with the counts seen until then.
            if *overflow {
                return;
            }
            let Ok(s) = cast(a, &DataType::Utf8) else {
                return;
            };
            for v in s.as_string::<i32>().iter().flatten() {
                if let Some(c) = counts.get_mut(v) {
                    *c += 1;
                } else if counts.len() < MAX_CATEGORIES {
                    counts.insert(v.to_string(), 1);
                } else {
                    *overflow = true;
                    return;
                }
            }
        }
        Acc::Other => {}
    }
}

fn finish_column(name: String, acc: Acc, count: u64, nulls: u64) -> ColumnProfile {
    let mut p = ColumnProfile {
        name,
        kind: String::new(),
        count,
        nulls,
        numeric: None,
        true_count: None,
        text: None,
    };
    match acc {
        Acc::Numeric {
            datetime,
            n,
            sum,
            sumsq,
            min,
            max,
            hist,
            small,
        } => {
            p.kind = if datetime { "datetime" } else { "number" }.into();
            if let Some(h) = hist {
                let mean = sum / n as f64;
                p.numeric = Some(NumericProfile {
                    mean,
                    std: (sumsq / n as f64 - mean * mean).max(0.0).sqrt(),
                    min,
                    max,
                    bin_start: h.start,
                    bin_width: h.width,
                    bins: h.bins,
                    values: small.map(|mut m| {
                        m.sort();
                        m
                    }),
                });
            }
        }
        Acc::Boolean { trues } => {
            p.kind = "boolean".into();
            p.true_count = Some(trues);
        }
        Acc::Text { counts, overflow } => {
            p.kind = "text".into();
            let distinct = counts.len() as u64;
            let mut top: Vec<(String, u64)> = counts.into_iter().collect();
            top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            top.truncate(20);
            p.text = Some(TextProfile {
                distinct,
                complete: !overflow,
                top,
            });
        }
        Acc::Other => p.kind = "other".into(),
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_widen_and_keep_every_value() {
        let mut h = Histogram::new(0.0, 10.0);
        for x in [0.0, 5.0, 9.99, -100.0, 250.0, 3.0] {
            h.add(x);
        }
        assert_eq!(h.bins.iter().sum::<u64>(), 6);
        assert!(h.start <= -100.0 && h.start + h.width * BINS as f64 > 250.0);
    }
}
