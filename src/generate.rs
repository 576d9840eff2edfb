//! Generation of entity tables, chunk by chunk.
//!
//! A table of `n` rows is cut into chunks of [`CHUNK_ROWS`] rows. Each column of
//! each chunk draws from its own stream `(seed, table, column, chunk)`, so a
//! chunk can be generated alone, chunks run in parallel, and the bytes do not
//! depend on the number of threads. SQL columns are evaluated on the chunk's
//! Arrow batch after the generated columns before them.

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, AsArray, BooleanBuilder, Float64Builder, Int64Builder, StringBuilder,
    TimestampSecondBuilder,
};
use datafusion::arrow::datatypes::{
    DataType, Field, Int64Type, SchemaRef, TimeUnit as ArrowTimeUnit,
};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::physical_expr::PhysicalExpr;
use rand::RngExt;
use rand_distr::{Distribution, Exp, LogNormal, Normal, Poisson};

use crate::error::Result;
use crate::locale::{FakeKind, Locale, TextSink, write_fake};
use crate::rng::{Rng, stream};
use crate::sql::append_evaluated;

/// Rows per chunk: the unit of parallel work and of random streams.
pub const CHUNK_ROWS: u64 = 1 << 16;

/// The type of a column's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// Booleans.
    Bool,
    /// 64-bit integers.
    Int,
    /// 64-bit floats.
    Float,
    /// UTF-8 text.
    Str,
    /// Date-times, seconds since 1970 without time zone.
    DateTime,
}

impl ValueType {
    /// The Arrow type used to store the values.
    pub fn arrow(self) -> DataType {
        match self {
            ValueType::Bool => DataType::Boolean,
            ValueType::Int => DataType::Int64,
            ValueType::Float => DataType::Float64,
            ValueType::Str => DataType::Utf8,
            ValueType::DateTime => DataType::Timestamp(ArrowTimeUnit::Second, None),
        }
    }

    /// The value type of an Arrow type, if tutas can generate it.
    pub fn from_arrow(t: &DataType) -> Option<ValueType> {
        match t {
            DataType::Boolean => Some(ValueType::Bool),
            DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => {
                Some(ValueType::Int)
            }
            DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64 => {
                Some(ValueType::Int)
            }
            DataType::Float32 | DataType::Float64 => Some(ValueType::Float),
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Some(ValueType::Str),
            DataType::Timestamp(ArrowTimeUnit::Second, None) => Some(ValueType::DateTime),
            _ => None,
        }
    }

    /// Whether values of this type are numbers (date-times included).
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            ValueType::Int | ValueType::Float | ValueType::DateTime
        )
    }

    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            ValueType::Bool => "boolean",
            ValueType::Int => "integer",
            ValueType::Float => "float",
            ValueType::Str => "string",
            ValueType::DateTime => "date-time",
        }
    }
}

/// Literal values of a `choice` or `constant`.
#[derive(Debug, Clone)]
pub enum Values {
    /// Booleans.
    Bool(Vec<bool>),
    /// Numbers (integers, floats and date-times are drawn as f64).
    Num(Vec<f64>),
    /// Text.
    Str(Vec<String>),
}

/// A compiled generator: what to draw, its value type and its modifiers.
#[derive(Debug, Clone)]
pub struct Gen {
    /// What is drawn.
    pub kind: GenKind,
    /// The type of the values.
    pub ty: ValueType,
    /// Added number (`add`), scaled by the unit in seconds for date-times.
    pub add: Option<(Box<Gen>, f64)>,
    /// Decimals to round to.
    pub round: Option<u32>,
    /// Bounds to clamp into.
    pub clamp: Option<(f64, f64)>,
    /// Date-times are truncated to a multiple of this many seconds.
    pub resolution: i64,
}

/// The kinds of generator.
#[derive(Debug, Clone)]
pub enum GenKind {
    /// Row numbers in a pattern: prefix, zero-padded width, suffix, first number.
    Sequence {
        prefix: String,
        width: usize,
        suffix: String,
        start: i64,
    },
    /// A fake value.
    Fake(FakeKind, Locale),
    /// One of the values, uniformly or by cumulative weights.
    Choice {
        values: Values,
        cumulative: Option<Vec<f64>>,
    },
    /// Uniform real in `[lo, hi]`.
    Uniform(f64, f64),
    /// Uniform integer in `[lo, hi]`.
    UniformInt(i64, i64),
    /// Normal distribution.
    Normal(Normal<f64>),
    /// Log-normal distribution.
    LogNormal(LogNormal<f64>),
    /// Exponential distribution.
    Exponential(Exp<f64>),
    /// Poisson distribution.
    Poisson(Poisson<f64>),
    /// `true` with probability p.
    Bernoulli(f64),
    /// Uniform date-time (seconds) in `[lo, hi]`.
    DateTime(i64, i64),
    /// A value of a uniformly chosen row of `table.column`; `source` is bound before generation.
    Pick {
        table: String,
        column: String,
        source: Option<ArrayRef>,
    },
    /// One arm per row, by cumulative weights.
    Mixture {
        arms: Vec<Gen>,
        cumulative: Vec<f64>,
    },
    /// The same value in every row.
    Constant(Values),
}

fn draw_index(rng: &mut Rng, n: usize, cumulative: Option<&[f64]>) -> usize {
    match cumulative {
        None => rng.random_range(0..n),
        Some(c) => {
            let total = c[c.len() - 1];
            let x = rng.random::<f64>() * total;
            c.partition_point(|&w| w <= x).min(c.len() - 1)
        }
    }
}

impl Gen {
    /// Draws a number (for integer, float and date-time generators), modifiers applied.
    pub fn number(&self, rng: &mut Rng, row: u64) -> f64 {
        let mut x = match &self.kind {
            GenKind::Sequence { start, .. } => (*start + row as i64) as f64,
            GenKind::Choice {
                values: Values::Num(v),
                cumulative,
            } => v[draw_index(rng, v.len(), cumulative.as_deref())],
            GenKind::Constant(Values::Num(v)) => v[0],
            GenKind::Uniform(lo, hi) => {
                if lo == hi {
                    *lo
                } else {
                    rng.random_range(*lo..=*hi)
                }
            }
            GenKind::UniformInt(lo, hi) => rng.random_range(*lo..=*hi) as f64,
            GenKind::Normal(d) => d.sample(rng),
            GenKind::LogNormal(d) => d.sample(rng),
            GenKind::Exponential(d) => d.sample(rng),
            GenKind::Poisson(d) => d.sample(rng),
            GenKind::DateTime(lo, hi) => rng.random_range(*lo..=*hi) as f64,
            GenKind::Pick {
                source: Some(a), ..
            } => pick_number(a, rng),
            GenKind::Mixture { arms, cumulative } => {
                let arm = &arms[draw_index(rng, arms.len(), Some(cumulative))];
                arm.number(rng, row)
            }
            _ => 0.0,
        };
        if let Some((generator, scale)) = &self.add {
            x += generator.number(rng, row) * scale;
        }
        if let Some(d) = self.round {
            let p = 10f64.powi(d as i32);
            x = (x * p).round() / p;
        }
        if let Some((lo, hi)) = self.clamp {
            x = x.clamp(lo, hi);
        }
        match self.ty {
            ValueType::Int => x.round(),
            ValueType::DateTime => {
                let s = x.floor() as i64;
                (s - s.rem_euclid(self.resolution)) as f64
            }
            _ => x,
        }
    }

    /// Draws a boolean.
    #[allow(clippy::only_used_in_recursion)]
    pub fn boolean(&self, rng: &mut Rng, row: u64) -> bool {
        match &self.kind {
            GenKind::Bernoulli(p) => rng.random_bool(*p),
            GenKind::Choice {
                values: Values::Bool(v),
                cumulative,
            } => v[draw_index(rng, v.len(), cumulative.as_deref())],
            GenKind::Constant(Values::Bool(v)) => v[0],
            GenKind::Pick {
                source: Some(a), ..
            } => {
                let i = rng.random_range(0..a.len());
                a.as_boolean().value(i)
            }
            GenKind::Mixture { arms, cumulative } => {
                arms[draw_index(rng, arms.len(), Some(cumulative))].boolean(rng, row)
            }
            _ => false,
        }
    }

    /// Appends a drawn string to `out`.
    pub fn string(&self, rng: &mut Rng, row: u64, out: &mut impl TextSink) {
        match &self.kind {
            GenKind::Sequence {
                prefix,
                width,
                suffix,
                start,
            } => {
                let n = *start + row as i64;
                let mut b = itoa::Buffer::new();
                let digits = b.format(n.unsigned_abs());
                out.push_text(prefix);
                let sign = if n < 0 { "-" } else { "" };
                out.push_text(sign);
                for _ in (digits.len() + sign.len())..*width {
                    out.push_text("0");
                }
                out.push_text(digits);
                out.push_text(suffix);
            }
            GenKind::Fake(kind, locale) => write_fake(*kind, *locale, rng, out),
            GenKind::Choice {
                values: Values::Str(v),
                cumulative,
            } => out.push_text(&v[draw_index(rng, v.len(), cumulative.as_deref())]),
            GenKind::Constant(Values::Str(v)) => out.push_text(&v[0]),
            GenKind::Pick {
                source: Some(a), ..
            } => {
                let i = rng.random_range(0..a.len());
                out.push_text(string_value(a, i));
            }
            GenKind::Mixture { arms, cumulative } => {
                arms[draw_index(rng, arms.len(), Some(cumulative))].string(rng, row, out)
            }
            _ => {}
        }
    }

    /// Visits this generator and every generator inside it.
    pub fn visit_mut(&mut self, f: &mut impl FnMut(&mut Gen)) {
        f(self);
        if let Some((g, _)) = &mut self.add {
            g.visit_mut(f);
        }
        if let GenKind::Mixture { arms, .. } = &mut self.kind {
            for arm in arms {
                arm.visit_mut(f);
            }
        }
    }
}

fn string_value(a: &ArrayRef, i: usize) -> &str {
    match a.data_type() {
        DataType::LargeUtf8 => a.as_string::<i64>().value(i),
        DataType::Utf8View => a.as_string_view().value(i),
        _ => a.as_string::<i32>().value(i),
    }
}

fn pick_number(a: &ArrayRef, rng: &mut Rng) -> f64 {
    let i = rng.random_range(0..a.len());
    match a.data_type() {
        DataType::Float64 => a
            .as_primitive::<datafusion::arrow::datatypes::Float64Type>()
            .value(i),
        DataType::Timestamp(_, _) => a
            .as_primitive::<datafusion::arrow::datatypes::TimestampSecondType>()
            .value(i) as f64,
        _ => a.as_primitive::<Int64Type>().value(i) as f64,
    }
}

/// One column of a generated table.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum ColumnPlan {
    /// A generator column.
    Generated {
        /// Column name.
        name: String,
        /// The generator.
        generator: Gen,
    },
    /// A window: two date-time columns from one stream keyed by `key`.
    Window {
        /// The declared name (stream key).
        key: String,
        /// Name of the start column.
        start_name: String,
        /// Name of the end column.
        end_name: String,
        /// Generator of the start.
        start: Gen,
        /// Generator of the length.
        length: Gen,
        /// Seconds per unit of length.
        unit: i64,
    },
    /// A SQL expression over the columns before it.
    Sql {
        /// Column name.
        name: String,
        /// The expression, planned against the preceding columns.
        expr: Arc<dyn PhysicalExpr>,
    },
}

impl ColumnPlan {
    /// Visits every generator of the column.
    pub fn visit_gens_mut(&mut self, f: &mut impl FnMut(&mut Gen)) {
        match self {
            ColumnPlan::Generated { generator, .. } => generator.visit_mut(f),
            ColumnPlan::Window { start, length, .. } => {
                start.visit_mut(f);
                length.visit_mut(f);
            }
            ColumnPlan::Sql { .. } => {}
        }
    }
}

/// Fills one generated column for the rows `first..first + n` of a chunk.
pub fn generate_column(generator: &Gen, rng: &mut Rng, first: u64, n: usize) -> ArrayRef {
    match generator.ty {
        ValueType::Str => {
            let mut b = StringBuilder::with_capacity(n, n * 16);
            for i in 0..n as u64 {
                // The generator writes into the builder's current value; an empty append ends the row.
                generator.string(rng, first + i, &mut b);
                b.append_value("");
            }
            Arc::new(b.finish())
        }
        ValueType::Bool => {
            let mut b = BooleanBuilder::with_capacity(n);
            for i in 0..n as u64 {
                b.append_value(generator.boolean(rng, first + i));
            }
            Arc::new(b.finish())
        }
        ValueType::Int => {
            let mut b = Int64Builder::with_capacity(n);
            for i in 0..n as u64 {
                b.append_value(generator.number(rng, first + i) as i64);
            }
            Arc::new(b.finish())
        }
        ValueType::Float => {
            let mut b = Float64Builder::with_capacity(n);
            for i in 0..n as u64 {
                b.append_value(generator.number(rng, first + i));
            }
            Arc::new(b.finish())
        }
        ValueType::DateTime => {
            let mut b = TimestampSecondBuilder::with_capacity(n);
            for i in 0..n as u64 {
                b.append_value(generator.number(rng, first + i) as i64);
            }
            Arc::new(b.finish())
        }
    }
}

/// Fills a window's start and end columns.
fn generate_window(
    start: &Gen,
    length: &Gen,
    unit: i64,
    rng: &mut Rng,
    first: u64,
    n: usize,
) -> (ArrayRef, ArrayRef) {
    let mut s = TimestampSecondBuilder::with_capacity(n);
    let mut e = TimestampSecondBuilder::with_capacity(n);
    for i in 0..n as u64 {
        let a = start.number(rng, first + i) as i64;
        let len = length.number(rng, first + i);
        s.append_value(a);
        e.append_value(a + (len * unit as f64).round() as i64);
    }
    (Arc::new(s.finish()), Arc::new(e.finish()))
}

/// The plan of a generated table.
#[derive(Debug, Clone)]
pub struct EntityPlan {
    /// Table name (stream key).
    pub table: String,
    /// Rows to generate.
    pub rows: u64,
    /// Columns in declared order.
    pub columns: Vec<ColumnPlan>,
    /// The output schema.
    pub schema: SchemaRef,
}

/// Generates one chunk of an entity table.
pub fn generate_chunk(plan: &EntityPlan, seed: u64, chunk: u64) -> Result<RecordBatch> {
    let first = chunk * CHUNK_ROWS;
    let n = (plan.rows - first).min(CHUNK_ROWS) as usize;
    let mut fields: Vec<Field> = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for column in &plan.columns {
        match column {
            ColumnPlan::Generated { name, generator } => {
                let mut rng = stream(seed, &plan.table, name, chunk);
                arrays.push(generate_column(generator, &mut rng, first, n));
                fields.push(Field::new(name, generator.ty.arrow(), false));
            }
            ColumnPlan::Window {
                key,
                start_name,
                end_name,
                start,
                length,
                unit,
            } => {
                let mut rng = stream(seed, &plan.table, key, chunk);
                let (s, e) = generate_window(start, length, *unit, &mut rng, first, n);
                arrays.push(s);
                arrays.push(e);
                fields.push(Field::new(start_name, ValueType::DateTime.arrow(), false));
                fields.push(Field::new(end_name, ValueType::DateTime.arrow(), false));
            }
            ColumnPlan::Sql { name, expr } => {
                append_evaluated(&mut fields, &mut arrays, n, name, expr)?;
            }
        }
    }
    Ok(RecordBatch::try_new(plan.schema.clone(), arrays)?)
}

/// Number of chunks of a table of `rows` rows.
pub fn chunk_count(rows: u64) -> u64 {
    rows.div_ceil(CHUNK_ROWS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sequence(prefix: &str, width: usize, start: i64) -> Gen {
        let kind = GenKind::Sequence {
            prefix: prefix.into(),
            width,
            suffix: "x".into(),
            start,
        };
        Gen {
            kind,
            ty: ValueType::Str,
            add: None,
            round: None,
            clamp: None,
            resolution: 1,
        }
    }

    #[test]
    fn sequences_pad_like_python_format() {
        let mut rng = stream(1, "t", "c", 0);
        let mut out = String::new();
        for (g, row, expected) in [
            (sequence("M", 4, 1), 0, "M0001x"),
            (sequence("M", 4, 1), 12344, "M12345x"),
            (sequence("", 0, 7), 0, "7x"),
            (sequence("N", 4, -5), 0, "N-005x"),
        ] {
            out.clear();
            g.string(&mut rng, row, &mut out);
            assert_eq!(out, expected);
        }
    }
}
