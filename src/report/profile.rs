//! Streaming column summaries for the run report.
//!
//! Each table is profiled batch by batch as it is written, in chunk order, so
//! the summaries cost one pass over data that is already in memory and never a
//! second read. Numbers and date-times get count, mean, standard deviation (Welford's
//! method, stable for values far from zero such as date-times in seconds),
//! minimum, maximum and an exact histogram whose bins widen (by merging
//! neighbours) whenever a value falls outside them; booleans get their true
//! count; text gets exact value counts up to [`MAX_CATEGORIES`] distinct
//! values; past that it is reported as high-cardinality, with the counts seen
//! until then (so ids and names cost almost nothing).

use std::collections::HashMap;

use foldhash::fast::RandomState;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    DataType, Float64Type, Int64Type, SchemaRef, TimeUnit, TimestampSecondType,
};

use super::{ColumnProfile, NumericProfile, TextProfile};
use crate::numeric::CompensatedSum;

/// Whole-number columns with at most this many distinct values also get a count per value.
pub const MAX_SMALL_VALUES: usize = 32;

/// Histogram bins per numeric column.
pub const BINS: usize = 32;
/// Distinct text values counted exactly per column.
pub const MAX_CATEGORIES: usize = 1000;

/// Accumulates the profile of one column.
#[derive(Debug, Clone)]
enum ColumnAccumulator {
    Numeric {
        datetime: bool,
        moments: Moments,
        min: f64,
        max: f64,
        hist: Option<Histogram>,
        /// Counts per whole value while there are few of them (None once there are too many).
        small: Option<Vec<(i64, u64)>>,
    },
    Boolean {
        trues: u64,
    },
    Text(TextCounts),
    Other,
}

/// Count, mean and sum of squared deviations of the values' distances from the first value:
/// the sum with Neumaier's compensation (so the mean of whole numbers is exact), the squared
/// deviations updated one value at a time (Welford). Neither cancels, unlike a sum of squares,
/// however far the values lie from zero (date-times in seconds lie near 1.7e9).
#[derive(Debug, Clone, Default)]
struct Moments {
    n: u64,
    shift: f64,
    sum: CompensatedSum,
    /// Welford's running mean of `x - shift`.
    running: f64,
    m2: f64,
}

impl Moments {
    /// Adds a batch of values: its own mean and squared deviations in two passes, merged with
    /// what came before (Chan et al.), so no value costs a division.
    fn add_batch(&mut self, xs: &[f64]) {
        let Some(&first) = xs.first() else {
            return;
        };
        if self.n == 0 {
            self.shift = first;
        }
        let shift = self.shift;
        let batch: CompensatedSum = xs.iter().map(|&x| x - shift).collect();
        let m = xs.len() as f64;
        let batch_mean = batch.value() / m;
        let batch_m2: f64 = xs.iter().map(|&x| (x - shift - batch_mean).powi(2)).sum();
        let before = self.n as f64;
        let total = before + m;
        let delta = batch_mean - self.running;
        self.running += delta * m / total;
        self.m2 += batch_m2 + delta * delta * before * m / total;
        self.sum.add(batch.value());
        self.n += xs.len() as u64;
    }

    /// The mean.
    fn mean(&self) -> f64 {
        if self.n == 0 {
            return 0.0;
        }
        self.shift + self.sum.value() / self.n as f64
    }

    /// The population standard deviation.
    fn std(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            (self.m2 / self.n as f64).max(0.0).sqrt()
        }
    }
}

/// Fine bins kept while a column is read; at the end they are merged into at most [`BINS`].
const FINE_BINS: usize = BINS * 64;

/// An exact histogram of [`FINE_BINS`] bins that doubles its bin width to take in outlying
/// values (each new bin is the union of two old ones, so no count is ever split). At the end,
/// [`Histogram::coarse`] merges runs of fine bins into at most [`BINS`] bins that cover the
/// values' range: the data spans at least a quarter of the fine bins, so the coarse bins end
/// within a few percent of the minimum and maximum, and every count stays exact.
#[derive(Debug, Clone)]
struct Histogram {
    start: f64,
    width: f64,
    bins: Vec<u64>,
}

impl Histogram {
    fn new(min: f64, max: f64) -> Histogram {
        let width = if max > min {
            (max - min) / FINE_BINS as f64 * (1.0 + 1e-9)
        } else {
            1.0
        };
        Histogram {
            start: min,
            width,
            bins: vec![0; FINE_BINS],
        }
    }

    /// Adds values whose minimum is `lo` and maximum `hi`.
    fn add_batch(&mut self, xs: &[f64], lo: f64, hi: f64) {
        let (start, width) = (self.start, self.width);
        if lo < start || hi >= start + width * FINE_BINS as f64 {
            // Some value widens the bins: one at a time, in order.
            return xs.iter().for_each(|&x| self.add(x));
        }
        for &x in xs {
            self.bins[bin(x, start, width)] += 1;
        }
    }

    fn add(&mut self, x: f64) {
        while x < self.start {
            // Widen to the left: the old bins become the right half.
            let mut bins = vec![0; FINE_BINS];
            for (i, c) in self.bins.iter().enumerate() {
                bins[FINE_BINS / 2 + i / 2] += c;
            }
            self.start -= self.width * FINE_BINS as f64;
            self.width *= 2.0;
            self.bins = bins;
        }
        while x >= self.start + self.width * FINE_BINS as f64 {
            let mut bins = vec![0; FINE_BINS];
            for (i, c) in self.bins.iter().enumerate() {
                bins[i / 2] += c;
            }
            self.width *= 2.0;
            self.bins = bins;
        }
        self.bins[bin(x, self.start, self.width)] += 1;
    }

    /// At most [`BINS`] bins, each a run of whole fine bins, from the first fine bin that
    /// holds a value to the last: (start, width, counts).
    fn coarse(&self) -> (f64, f64, Vec<u64>) {
        let first = self.bins.iter().position(|&c| c > 0).unwrap_or(0);
        let last = self.bins.iter().rposition(|&c| c > 0).unwrap_or(0);
        let span = last - first + 1;
        let run = span.div_ceil(BINS);
        let bins = self.bins[first..=last]
            .chunks(run)
            .map(|c| c.iter().sum())
            .collect();
        (
            self.start + first as f64 * self.width,
            self.width * run as f64,
            bins,
        )
    }
}

/// The fine bin of `x` (within the bins' range).
#[inline]
fn bin(x: f64, start: f64, width: f64) -> usize {
    (((x - start) / width) as usize).min(FINE_BINS - 1)
}

/// Profiles of every column of one table, fed batch by batch.
#[derive(Debug, Clone)]
pub struct TableProfiler {
    names: Vec<String>,
    accs: Vec<ColumnAccumulator>,
    nulls: Vec<u64>,
    count: u64,
    /// With exact profiles: each column's values kept to count them and find the median.
    exact: Option<Vec<ExactColumn>>,
}

/// What an exact profile keeps of a column: its numbers, or a 128-bit hash of each distinct
/// text (collisions are beyond reach: about n² / 2¹²⁹).
#[derive(Debug, Clone)]
struct ExactColumn {
    data_type: DataType,
    numbers: Vec<f64>,
    texts: std::collections::HashSet<u128, RandomState>,
    falses: u64,
    /// Non-empty values that are not finite numbers.
    non_finite: u64,
    /// An integer column's smallest and largest value.
    whole: Option<(i64, i64)>,
}

impl TableProfiler {
    /// A profiler for a schema.
    pub fn new(schema: &SchemaRef) -> TableProfiler {
        let accs = schema
            .fields()
            .iter()
            .map(|f| match f.data_type() {
                DataType::Boolean => ColumnAccumulator::Boolean { trues: 0 },
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                    ColumnAccumulator::Text(TextCounts::default())
                }
                DataType::Timestamp(..) => numeric(true),
                t if t.is_numeric() => numeric(false),
                _ => ColumnAccumulator::Other,
            })
            .collect();
        TableProfiler {
            names: schema.fields().iter().map(|f| f.name().clone()).collect(),
            accs,
            nulls: vec![0; schema.fields().len()],
            count: 0,
            exact: None,
        }
    }

    /// A profiler that also keeps every value, for exact distinct counts and medians and the
    /// columns' types (`tutas snapshot`; memory grows with the rows).
    pub fn exact(schema: &SchemaRef) -> TableProfiler {
        let columns = schema
            .fields()
            .iter()
            .map(|f| ExactColumn {
                data_type: f.data_type().clone(),
                numbers: Vec::new(),
                texts: Default::default(),
                falses: 0,
                non_finite: 0,
                whole: None,
            })
            .collect();
        TableProfiler {
            exact: Some(columns),
            ..TableProfiler::new(schema)
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
        if let Some(exact) = &mut self.exact {
            for (column, (acc, a)) in exact.iter_mut().zip(self.accs.iter().zip(batch.columns())) {
                column.add(acc, a);
            }
        }
    }

    /// The finished profiles.
    pub fn finish(self) -> Vec<ColumnProfile> {
        let count = self.count;
        let mut exact = self.exact.map(|e| e.into_iter());
        self.names
            .into_iter()
            .zip(self.accs)
            .zip(self.nulls)
            .map(|((name, acc), nulls)| {
                let mut p = finish_column(name, acc, count, nulls);
                if let Some(column) = exact.as_mut().and_then(Iterator::next) {
                    column.finish(&mut p);
                }
                p
            })
            .collect()
    }
}

impl ExactColumn {
    fn add(&mut self, acc: &ColumnAccumulator, a: &ArrayRef) {
        match acc {
            ColumnAccumulator::Numeric { .. } => {
                let finite = finite_values(a);
                self.non_finite += (a.len() - a.null_count() - finite.len()) as u64;
                self.numbers.extend(finite);
                if a.data_type().is_integer()
                    && let Ok(ints) = cast(a, &DataType::Int64)
                {
                    let ints = ints.as_primitive::<Int64Type>();
                    for v in ints.iter().flatten() {
                        let (lo, hi) = self.whole.get_or_insert((v, v));
                        (*lo, *hi) = ((*lo).min(v), (*hi).max(v));
                    }
                }
            }
            ColumnAccumulator::Boolean { .. } => {
                let b = a.as_boolean();
                self.falses += (b.len() - b.null_count() - b.true_count()) as u64;
            }
            ColumnAccumulator::Text(_) => {
                if let Ok(s) = cast(a, &DataType::Utf8) {
                    let s = s.as_string::<i32>();
                    self.texts.extend(s.iter().flatten().map(text_hash));
                }
            }
            ColumnAccumulator::Other => {}
        }
    }

    /// Puts the type, the exact distinct count and the median into `p`.
    fn finish(mut self, p: &mut ColumnProfile) {
        p.data_type = Some(self.data_type.to_string());
        p.whole_range = self.whole;
        p.non_finite = (self.non_finite > 0).then_some(self.non_finite);
        p.distinct = match p.kind.as_str() {
            "number" | "datetime" => {
                self.numbers.sort_by(f64::total_cmp);
                let n = self.numbers.len();
                p.median = match n {
                    0 => None,
                    n if n % 2 == 1 => Some(self.numbers[n / 2]),
                    n => Some((self.numbers[n / 2 - 1] + self.numbers[n / 2]) / 2.0),
                };
                if let Some(numeric) = &mut p.numeric {
                    numeric.bins = equal_bins(&self.numbers, numeric.min, numeric.max);
                    numeric.bin_start = numeric.min;
                    numeric.bin_width = (numeric.max - numeric.min) / SNAPSHOT_BINS as f64;
                }
                self.numbers.dedup();
                Some(self.numbers.len() as u64)
            }
            "boolean" => {
                let trues = p.true_count.unwrap_or(0);
                Some(u64::from(trues > 0) + u64::from(self.falses > 0))
            }
            "text" => Some(self.texts.len() as u64),
            _ => None,
        };
    }
}

/// Bins of an exact profile's histogram, from the smallest value to the largest.
const SNAPSHOT_BINS: usize = 10;

/// Counts of sorted `values` in [`SNAPSHOT_BINS`] equal bins of `[min, max]` (the last bin
/// holds `max`; all in the first when `min == max`).
fn equal_bins(values: &[f64], min: f64, max: f64) -> Vec<u64> {
    let mut bins = vec![0; SNAPSHOT_BINS];
    let width = (max - min) / SNAPSHOT_BINS as f64;
    for &x in values {
        let k = match width > 0.0 {
            true => (((x - min) / width) as usize).min(SNAPSHOT_BINS - 1),
            false => 0,
        };
        bins[k] += 1;
    }
    bins
}

/// A 128-bit hash of a text, from BLAKE3.
fn text_hash(s: &str) -> u128 {
    let bytes = blake3::hash(s.as_bytes());
    u128::from_le_bytes(bytes.as_bytes()[..16].try_into().expect("16 bytes"))
}

fn numeric(datetime: bool) -> ColumnAccumulator {
    ColumnAccumulator::Numeric {
        datetime,
        moments: Moments::default(),
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
        hist: None,
        small: (!datetime).then(Vec::new),
    }
}

/// The finite values of a numeric or date-time column (date-times in seconds), in order.
fn finite_values(a: &ArrayRef) -> Vec<f64> {
    // Generated date-times and whole numbers, read without converting the array first.
    let whole: Option<&[i64]> = match a.data_type() {
        DataType::Timestamp(TimeUnit::Second, None) => {
            Some(a.as_primitive::<TimestampSecondType>().values())
        }
        DataType::Int64 => Some(a.as_primitive::<Int64Type>().values()),
        _ => None,
    };
    match whole {
        Some(values) if a.null_count() == 0 => values.iter().map(|&v| v as f64).collect(),
        _ => as_f64(a).map_or_else(Vec::new, |f| {
            let values = f.as_primitive::<Float64Type>();
            values.iter().flatten().filter(|x| x.is_finite()).collect()
        }),
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

fn add_column(acc: &mut ColumnAccumulator, a: &ArrayRef) {
    match acc {
        ColumnAccumulator::Numeric {
            moments,
            min,
            max,
            hist,
            small,
            ..
        } => {
            let present = finite_values(a);
            if present.is_empty() {
                return;
            }
            moments.add_batch(&present);
            let (lo, hi) = present
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
                    (lo.min(x), hi.max(x))
                });
            *min = min.min(lo);
            *max = max.max(hi);
            hist.get_or_insert_with(|| Histogram::new(lo, hi))
                .add_batch(&present, lo, hi);
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
        ColumnAccumulator::Boolean { trues } => *trues += a.as_boolean().true_count() as u64,
        ColumnAccumulator::Text(counts) => {
            if let Ok(s) = cast(a, &DataType::Utf8) {
                counts.add(s.as_string::<i32>());
            }
        }
        ColumnAccumulator::Other => {}
    }
}

/// Exact counts of a text column's values up to [`MAX_CATEGORIES`] distinct values; past
/// that, counting stops (ids, names): the column is reported as high-cardinality with the
/// counts seen until then.
#[derive(Debug, Clone)]
struct TextCounts {
    /// Each value seen, with its count, in order of first appearance.
    counts: Vec<(String, u64)>,
    /// Where each value is in `counts`.
    index: HashMap<String, usize, RandomState>,
    /// Where each long value (over [`LONG_TEXT`] bytes) is in `counts`, by its length and
    /// BLAKE3 hash: the report keeps a short sample of it, not the text.
    long_index: HashMap<(usize, [u8; 32]), usize, RandomState>,
    /// Values of at most 16 bytes seen lately, by a hash of their [`ShortKey`], with their
    /// place in `counts`: a category is counted without hashing or comparing its text.
    recent: Box<[(ShortKey, usize); RECENT_SLOTS]>,
    overflow: bool,
}

impl Default for TextCounts {
    fn default() -> Self {
        TextCounts {
            counts: Vec::new(),
            index: HashMap::default(),
            long_index: HashMap::default(),
            recent: Box::new([(ShortKey::NONE, 0); RECENT_SLOTS]),
            overflow: false,
        }
    }
}

/// Slots of [`TextCounts::recent`].
const RECENT_SLOTS: usize = 256;

/// A text of at most 16 bytes, exactly: its length and its bytes, zero-padded to 16.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ShortKey {
    first: u64,
    last: u64,
    len: u64,
}

impl ShortKey {
    /// The key of no text.
    const NONE: ShortKey = ShortKey {
        first: 0,
        last: 0,
        len: u64::MAX,
    };

    /// The key of `values[start..end]`, when it is at most 16 bytes long and 16 bytes from
    /// `start` lie in `values` (read whole, then masked: no branch on the length).
    #[inline]
    fn of(values: &[u8], start: usize, end: usize) -> Option<ShortKey> {
        /// The masks of a `k`-byte text's two words, for k = 0..=16.
        const MASKS: [(u64, u64); 17] = {
            const fn low_bytes(bytes: usize) -> u64 {
                ((1u128 << (8 * bytes)) - 1) as u64
            }
            let mut masks = [(0, 0); 17];
            let mut k = 0;
            while k <= 16 {
                let first = if k < 8 { k } else { 8 };
                masks[k] = (low_bytes(first), low_bytes(k.saturating_sub(8)));
                k += 1;
            }
            masks
        };
        let n = end.wrapping_sub(start);
        let window: &[u8; 16] = values.get(start..start + 16)?.try_into().ok()?;
        let (first_mask, last_mask) = *MASKS.get(n)?;
        let word = |at: usize| u64::from_le_bytes(window[at..at + 8].try_into().expect("8"));
        Some(ShortKey {
            first: word(0) & first_mask,
            last: word(8) & last_mask,
            len: n as u64,
        })
    }

    #[inline]
    fn slot(&self) -> u8 {
        let h =
            (self.first ^ self.last.rotate_left(29) ^ self.len).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (h >> 56) as u8
    }
}

impl TextCounts {
    fn add(&mut self, a: &StringArray) {
        if self.overflow {
            return;
        }
        let (values, offsets) = (a.values().as_slice(), a.value_offsets());
        let nulls = a.logical_nulls();
        for (row, ends) in offsets.windows(2).enumerate() {
            if nulls.as_ref().is_some_and(|n| n.is_null(row)) {
                continue;
            }
            let (start, end) = (ends[0] as usize, ends[1] as usize);
            let counted = match ShortKey::of(values, start, end) {
                Some(key) => self.add_short(key, a, row),
                None => self.add_value(a.value(row)).is_some(),
            };
            if !counted {
                self.overflow = true;
                return;
            }
        }
    }

    /// Counts a value of at most 16 bytes; false when it is one too many.
    #[inline]
    fn add_short(&mut self, key: ShortKey, a: &StringArray, row: usize) -> bool {
        let slot = usize::from(key.slot());
        let (seen, i) = self.recent[slot];
        if seen == key
            && let Some((_, count)) = self.counts.get_mut(i)
        {
            *count += 1;
            return true;
        }
        let Some(i) = self.add_value(a.value(row)) else {
            return false;
        };
        self.recent[slot] = (key, i);
        true
    }

    /// Counts a value; its place in `counts`, or None when it is one too many.
    fn add_value(&mut self, value: &str) -> Option<usize> {
        if value.len() > LONG_TEXT {
            return self.add_long_value(value);
        }
        if let Some(&i) = self.index.get(value) {
            self.counts[i].1 += 1;
            Some(i)
        } else if self.counts.len() < MAX_CATEGORIES {
            self.index.insert(value.to_string(), self.counts.len());
            self.counts.push((value.to_string(), 1));
            Some(self.counts.len() - 1)
        } else {
            None
        }
    }
    /// Counts a long value by its length and hash, keeping only a sample of its text.
    fn add_long_value(&mut self, value: &str) -> Option<usize> {
        let key = (value.len(), *blake3::hash(value.as_bytes()).as_bytes());
        if let Some(&i) = self.long_index.get(&key) {
            self.counts[i].1 += 1;
            return Some(i);
        }
        if self.counts.len() >= MAX_CATEGORIES {
            return None;
        }
        self.long_index.insert(key, self.counts.len());
        self.counts.push((sample_of_long_text(value), 1));
        Some(self.counts.len() - 1)
    }
}

/// Texts longer than this (in bytes) are kept in a profile as a sample: the report stays small
/// whatever the data.
pub const LONG_TEXT: usize = 200;

/// The first 80 characters of a long text, and how long it is.
fn sample_of_long_text(value: &str) -> String {
    let head: String = value.chars().take(80).collect();
    format!("{head}… ({} characters)", value.chars().count())
}

fn finish_column(name: String, acc: ColumnAccumulator, count: u64, nulls: u64) -> ColumnProfile {
    let mut p = ColumnProfile {
        name,
        kind: String::new(),
        count,
        nulls,
        numeric: None,
        true_count: None,
        text: None,
        data_type: None,
        distinct: None,
        median: None,
        whole_range: None,
        non_finite: None,
    };
    match acc {
        ColumnAccumulator::Numeric {
            datetime,
            moments,
            min,
            max,
            hist,
            small,
        } => {
            p.kind = if datetime { "datetime" } else { "number" }.into();
            if let Some(h) = hist {
                let (bin_start, bin_width, bins) = h.coarse();
                p.numeric = Some(NumericProfile {
                    mean: moments.mean(),
                    std: moments.std(),
                    min,
                    max,
                    bin_start,
                    bin_width,
                    bins,
                    values: small.map(|mut m| {
                        m.sort();
                        m
                    }),
                });
            }
        }
        ColumnAccumulator::Boolean { trues } => {
            p.kind = "boolean".into();
            p.true_count = Some(trues);
        }
        ColumnAccumulator::Text(TextCounts {
            counts, overflow, ..
        }) => {
            p.kind = "text".into();
            let distinct = counts.len() as u64;
            let mut top = counts;
            top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            top.truncate(20);
            p.text = Some(TextProfile {
                distinct,
                complete: !overflow,
                top,
            });
        }
        ColumnAccumulator::Other => p.kind = "other".into(),
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_counts_are_exact_for_any_length_and_slice() {
        use datafusion::arrow::array::StringArray;
        // Values of 0..=40 bytes that share prefixes, suffixes and lengths, and hold NULs.
        let mut vocab: Vec<String> = Vec::new();
        for len in 0..=40 {
            vocab.push("a".repeat(len));
            vocab.push(format!("{}b", "a".repeat(len)));
            vocab.push(format!("{}\0", "a".repeat(len)));
        }
        vocab.push("é".into());
        let mut x = 7u64;
        let values: Vec<Option<&str>> = (0..20_000)
            .map(|i| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (i % 97 != 0).then(|| vocab[(x >> 33) as usize % vocab.len()].as_str())
            })
            .collect();
        let array = StringArray::from(values.clone());
        let mut counts = TextCounts::default();
        // Sliced: the array's buffer holds bytes before and after the slice.
        counts.add(&array.slice(0, 7_000));
        counts.add(&array.slice(7_000, 13_000));
        let mut expected: Vec<(String, u64)> = Vec::new();
        for v in values.into_iter().flatten() {
            match expected.iter_mut().find(|(k, _)| k == v) {
                Some(e) => e.1 += 1,
                None => expected.push((v.to_string(), 1)),
            }
        }
        assert_eq!(counts.counts, expected);
        assert!(!counts.overflow);
    }

    #[test]
    fn text_counting_stops_at_the_first_value_past_the_limit() {
        use datafusion::arrow::array::StringArray;
        let values: Vec<String> = (0..MAX_CATEGORIES + 5).map(|i| format!("v{i}")).collect();
        let mut counts = TextCounts::default();
        counts.add(&StringArray::from(values));
        assert!(counts.overflow);
        assert_eq!(counts.counts.len(), MAX_CATEGORIES);
    }

    #[test]
    fn moments_of_date_times_in_a_narrow_window_are_exact() {
        // Three million date-times within one minute of 2025-07-01: a sum of squares loses
        // every digit of the variance here (x² ≈ 3e18 against a spread of 60).
        let base = 1_751_328_000i64;
        let values: Vec<i64> = (0..3_000_000i64).map(|i| base + (i * 7919) % 61).collect();
        let mut m = Moments::default();
        let floats: Vec<f64> = values.iter().map(|&v| v as f64).collect();
        for batch in floats.chunks(65_536) {
            m.add_batch(batch);
        }
        // Exact, in integers: n·Σ(x-b)² - (Σ(x-b))², over n².
        let n = values.len() as i128;
        let s: i128 = values.iter().map(|&v| (v - base) as i128).sum();
        let s2: i128 = values.iter().map(|&v| ((v - base) as i128).pow(2)).sum();
        let mean = base as f64 + s as f64 / n as f64;
        let var = (n * s2 - s * s) as f64 / (n * n) as f64;
        assert!((m.mean() - mean).abs() < 1e-6, "{} vs {mean}", m.mean());
        assert!(
            (m.std() - var.sqrt()).abs() < 1e-6,
            "{} vs {}",
            m.std(),
            var.sqrt()
        );
        let naive_mean = values.iter().map(|&v| v as f64).sum::<f64>() / n as f64;
        let naive = values.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / n as f64
            - naive_mean * naive_mean;
        assert!(
            (naive.max(0.0).sqrt() - var.sqrt()).abs() > 1.0,
            "the naive formula should fail here: {naive}"
        );
    }

    #[test]
    fn histograms_widen_and_keep_every_value() {
        let mut h = Histogram::new(0.0, 10.0);
        for x in [0.0, 5.0, 9.99, -100.0, 250.0, 3.0] {
            h.add(x);
        }
        let (start, width, bins) = h.coarse();
        assert_eq!(bins.iter().sum::<u64>(), 6);
        assert!(start <= -100.0 && start + width * bins.len() as f64 > 250.0);
    }

    #[test]
    fn histogram_bins_cover_the_range_of_the_values() {
        // A year of date-times whose first batch covers one month: the histogram widens
        // several times, yet its bins end near the first and last value.
        let day = 86_400.0;
        let mut h = Histogram::new(0.0, 30.0 * day);
        for i in 0..=36_500 {
            h.add(i as f64 * day / 100.0);
        }
        let (start, width, bins) = h.coarse();
        let end = start + width * bins.len() as f64;
        assert!(
            bins.len() <= BINS && bins.len() >= BINS / 2,
            "{} bins",
            bins.len()
        );
        assert!(start <= 0.0 && end > 365.0 * day);
        assert!(
            end - start < 365.0 * day * 1.07,
            "bins span {} days",
            (end - start) / day
        );
        assert!(bins.iter().all(|&c| c > 0), "no empty bin: {bins:?}");
        assert_eq!(bins.iter().sum::<u64>(), 36_501);
    }
}
