//! Drawing values: what each generator kind makes from its random stream.
//!
//! Each kind consumes a fixed pattern of draws per value, so a column's values depend only
//! on its stream. Every `match` is exhaustive: a generator kind cannot be added without
//! saying here what it draws.

use std::ops::Range;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, AsArray, BooleanArray, Float64Builder, Int64Array, Int64Builder, StringArray,
    TimestampSecondArray, TimestampSecondBuilder,
};
use datafusion::arrow::buffer::{Buffer, OffsetBuffer, ScalarBuffer};
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type, TimestampSecondType};
use rand::RngExt;
use rand_distr::Distribution;

use super::locale::{TextSink, write_fake};
use super::rng::Rng;
use crate::plan::{
    BooleanGenerator, Dist, Fake, FakeLocale, Generator, Modelled, NumberGenerator, NumberKind,
    NumberType, Param, PickId, SequencePattern, TextGenerator,
};

/// The values of a table's `pick` sources, bound before generation (by [`PickId`]).
#[derive(Debug, Clone, Default)]
pub struct PickedColumns(pub(super) Vec<ArrayRef>);

impl PickedColumns {
    fn get(&self, id: PickId) -> &ArrayRef {
        &self.0[id.0]
    }
}

/// What a column's generator reads besides its stream: the picked columns, and its SQL
/// parameters evaluated over the chunk's rows `first..` (Float64, checked, no NULLs).
#[derive(Clone, Copy)]
pub struct Inputs<'a> {
    /// The table's picked columns.
    pub picked: &'a PickedColumns,
    /// The column's parameter values, by [`Param::Row`] index.
    pub params: &'a [ArrayRef],
    /// The chunk's first row.
    pub first: u64,
}

impl<'a> Inputs<'a> {
    /// Inputs with picks and no parameters.
    pub fn picks(picked: &'a PickedColumns, first: u64) -> Inputs<'a> {
        Inputs {
            picked,
            params: &[],
            first,
        }
    }

    /// The locale a text parameter names in row `row` (checked when it was evaluated).
    fn locale(&self, i: usize, row: u64) -> crate::plan::Locale {
        let names = self.params[i].as_string::<i32>();
        crate::plan::Locale::parse(names.value((row - self.first) as usize))
            .unwrap_or(crate::plan::Locale::En)
    }

    /// A parameter's value in row `row`.
    #[inline]
    fn param(&self, p: Param, row: u64) -> f64 {
        match p {
            Param::Fixed(x) => x,
            Param::Row(i) => self.params[i]
                .as_primitive::<Float64Type>()
                .value((row - self.first) as usize),
        }
    }
}

/// Whether `x` is a whole number (a test without a call: date-times and integer draws always
/// are, so the branch is predicted).
#[inline]
fn is_whole(x: f64) -> bool {
    x as i64 as f64 == x
}

/// `x.floor()`, without libm's call when `x` is whole.
#[inline]
fn floor(x: f64) -> f64 {
    if is_whole(x) { x } else { x.floor() }
}

/// `x.round()`, without libm's call when `x` is whole.
#[inline]
fn round(x: f64) -> f64 {
    if is_whole(x) { x } else { x.round() }
}

/// The index of a uniformly drawn value: `cumulative` holds running sums of weights.
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

/// A whole-number draw without floats: `lo..=hi` uniformly, truncated to a multiple of
/// `resolution`. It gives [`NumberGenerator::draw`]'s values from the same draws, exactly,
/// since every value is below 2^53 (where `f64` holds integers exactly).
#[derive(Debug, Clone, Copy)]
struct WholeDraw {
    lo: i64,
    hi: i64,
    resolution: i64,
}

/// Integers below this in magnitude are exact in an `f64`.
const EXACT_IN_F64: i64 = 1 << 53;

impl WholeDraw {
    #[inline]
    fn draw(self, rng: &mut Rng) -> i64 {
        let x = rng.random_range(self.lo..=self.hi);
        if self.resolution > 1 {
            x - x.rem_euclid(self.resolution)
        } else {
            x
        }
    }

    /// The largest magnitude drawn.
    fn magnitude(self) -> i64 {
        self.lo.abs().max(self.hi.abs())
    }
}

impl NumberGenerator {
    /// This generator as a [`WholeDraw`], when it is one: a uniform date-time or integer
    /// without modifiers, within ±2^53.
    fn whole_draw(&self) -> Option<WholeDraw> {
        let plain = self.add.is_none() && self.round.is_none() && self.clamp.is_none();
        let whole = matches!(self.ty, NumberType::Int | NumberType::DateTime);
        let (lo, hi) = match self.kind {
            NumberKind::DateTime(lo, hi) | NumberKind::UniformInt(lo, hi) => (lo, hi),
            _ => return None,
        };
        let within = lo.checked_abs().is_some_and(|a| a < EXACT_IN_F64)
            && hi.checked_abs().is_some_and(|a| a < EXACT_IN_F64);
        (plain && whole && within && lo <= hi && self.resolution >= 1).then_some(WholeDraw {
            lo,
            hi,
            resolution: self.resolution,
        })
    }

    /// Draws a number for row `row`, modifiers applied.
    pub fn draw(&self, rng: &mut Rng, row: u64, inputs: &Inputs) -> f64 {
        let mut x = match &self.kind {
            NumberKind::Sequence { start } => (*start + row as i64) as f64,
            NumberKind::Choice(c) => {
                c.values[draw_index(rng, c.values.len(), c.cumulative.as_deref())].as_f64()
            }
            NumberKind::Constant(v) => v.as_f64(),
            NumberKind::Uniform(lo, hi) => {
                if lo == hi {
                    *lo
                } else {
                    rng.random_range(*lo..=*hi)
                }
            }
            NumberKind::UniformInt(lo, hi) => rng.random_range(*lo..=*hi) as f64,
            NumberKind::Normal(d) => d.sample(rng),
            NumberKind::LogNormal(d) => d.sample(rng),
            NumberKind::Exponential(d) => d.sample(rng),
            NumberKind::Poisson(d) => d.sample(rng),
            NumberKind::DateTime(lo, hi) => rng.random_range(*lo..=*hi) as f64,
            NumberKind::DateTimeByHour {
                first_day,
                days,
                cumulative,
            } => {
                let day = first_day + rng.random_range(0..*days);
                let hour = draw_index(rng, 24, Some(cumulative)) as i64;
                (day * 86_400 + hour * 3_600 + rng.random_range(0..3_600)) as f64
            }
            NumberKind::Pick(id) => pick_number(inputs.picked.get(*id), rng),
            NumberKind::Modelled(m) => draw_modelled(m, rng, row, inputs),
            NumberKind::Mixture(m) => {
                let arm = &m.arms[draw_index(rng, m.arms.len(), Some(&m.cumulative))];
                arm.draw(rng, row, inputs)
            }
        };
        if self.resolution > 1 {
            let s = floor(x) as i64;
            x = (s - s.rem_euclid(self.resolution)) as f64;
        }
        if let Some((generator, scale)) = &self.add {
            x += generator.draw(rng, row, inputs) * scale;
        }
        if let Some(d) = self.round {
            let p = 10f64.powi(d as i32);
            x = (x * p).round() / p;
        }
        if let Some((lo, hi)) = self.clamp {
            x = x.clamp(lo.as_f64(), hi.as_f64());
        }
        match self.ty {
            NumberType::Int => round(x),
            NumberType::DateTime => floor(x),
            NumberType::Float => x,
        }
    }
}

impl NumberGenerator {
    /// Draws a whole number for row `row`, exactly in 64 bits where the kind makes whole
    /// numbers (sequences, constants, choices, `uniform_int`, picks of integers, their
    /// mixtures and sums); the others are drawn as [`NumberGenerator::draw`] draws them, then
    /// rounded. Below 2^53 both give the same values from the same draws.
    pub fn draw_int(&self, rng: &mut Rng, row: u64, inputs: &Inputs) -> i64 {
        let exact = self.resolution <= 1
            && self
                .add
                .as_ref()
                .is_none_or(|(g, scale)| *scale == 1.0 && g.ty == NumberType::Int);
        let mut x = match &self.kind {
            _ if !exact => return self.draw(rng, row, inputs) as i64,
            NumberKind::Sequence { start } => start.saturating_add_unsigned(row),
            NumberKind::Choice(c) => {
                c.values[draw_index(rng, c.values.len(), c.cumulative.as_deref())].as_i64()
            }
            NumberKind::Constant(v) => v.as_i64(),
            NumberKind::UniformInt(lo, hi) => rng.random_range(*lo..=*hi),
            NumberKind::Pick(id) => pick_int(inputs.picked.get(*id), rng),
            NumberKind::Mixture(m) => m.arms[draw_index(rng, m.arms.len(), Some(&m.cumulative))]
                .draw_int(rng, row, inputs),
            _ => return self.draw(rng, row, inputs) as i64,
        };
        if let Some((generator, _)) = &self.add {
            x = x.saturating_add(generator.draw_int(rng, row, inputs));
        }
        if let Some((lo, hi)) = self.clamp {
            // Whole bounds, set so at analysis for integer generators.
            x = x.clamp(lo.as_i64(), hi.as_i64());
        }
        x
    }
}

impl BooleanGenerator {
    /// Draws a boolean for row `row`.
    pub fn draw(&self, rng: &mut Rng, row: u64, inputs: &Inputs) -> bool {
        match self {
            BooleanGenerator::Bernoulli(p) => rng.random_bool(*p),
            BooleanGenerator::BernoulliRow(i) => rng.random_bool(inputs.param(Param::Row(*i), row)),
            BooleanGenerator::Choice(c) => {
                c.values[draw_index(rng, c.values.len(), c.cumulative.as_deref())]
            }
            BooleanGenerator::Constant(v) => *v,
            BooleanGenerator::Pick(id) => {
                let a = inputs.picked.get(*id);
                let i = rng.random_range(0..a.len());
                a.as_boolean().value(i)
            }
            BooleanGenerator::Mixture(m) => {
                m.arms[draw_index(rng, m.arms.len(), Some(&m.cumulative))].draw(rng, row, inputs)
            }
        }
    }
}

impl TextGenerator {
    /// Appends a drawn string for each row of `rows` to `column`: the values and draws of
    /// [`TextGenerator::draw`] row by row, with the hot kinds matched once per column.
    fn fill(&self, rng: &mut Rng, rows: Range<u64>, inputs: &Inputs, column: &mut TextColumn) {
        match self {
            TextGenerator::Sequence(p) => fill_sequence(p, rows, column),
            TextGenerator::Fake(Fake {
                kind,
                locale: FakeLocale::Fixed(locale),
                range,
            }) => {
                for _ in rows {
                    write_fake(*kind, *locale, *range, rng, column);
                    column.end_value();
                }
            }
            TextGenerator::Choice(c) if c.cumulative.is_none() => {
                for _ in rows {
                    column.push_text(&c.values[rng.random_range(0..c.values.len())]);
                    column.end_value();
                }
            }
            _ => {
                for row in rows {
                    self.draw(rng, row, inputs, column);
                    column.end_value();
                }
            }
        }
    }

    /// Appends a drawn string for row `row` to `out`.
    pub fn draw(&self, rng: &mut Rng, row: u64, inputs: &Inputs, out: &mut impl TextSink) {
        match self {
            TextGenerator::Sequence(pattern) => write_sequence(pattern, row, out),
            TextGenerator::Fake(f) => {
                let locale = match f.locale {
                    FakeLocale::Fixed(locale) => locale,
                    FakeLocale::Row(i) => inputs.locale(i, row),
                };
                write_fake(f.kind, locale, f.range, rng, out)
            }
            TextGenerator::Pattern(p) => super::pattern::write_pattern(p, rng, row, out),
            TextGenerator::Choice(c) => {
                out.push_text(&c.values[draw_index(rng, c.values.len(), c.cumulative.as_deref())])
            }
            TextGenerator::Constant(v) => out.push_text(v),
            TextGenerator::Pick(id) => {
                let a = inputs.picked.get(*id);
                let i = rng.random_range(0..a.len());
                out.push_text(a.as_string::<i32>().value(i));
            }
            TextGenerator::Mixture(m) => m.arms[draw_index(rng, m.arms.len(), Some(&m.cumulative))]
                .draw(rng, row, inputs, out),
        }
    }
}

/// Draws from a distribution with the row's parameters (checked to be in their domains
/// before drawing). Each consumes the same draws as its fixed-parameter kind, so a SQL
/// parameter that is the same in every row gives that kind's values.
fn draw_modelled(m: &Modelled, rng: &mut Rng, row: u64, inputs: &Inputs) -> f64 {
    use rand_distr::{Exp, LogNormal, Normal, Poisson};
    let (a, b) = (inputs.param(m.a, row), inputs.param(m.b, row));
    match m.dist {
        Dist::Uniform if a == b => a,
        Dist::Uniform => rng.random_range(a.min(b)..=a.max(b)),
        Dist::UniformInt => {
            let (lo, hi) = (a.round() as i64, b.round() as i64);
            rng.random_range(lo.min(hi)..=lo.max(hi)) as f64
        }
        Dist::Normal => Normal::new(a, b).map_or(f64::NAN, |d| d.sample(rng)),
        Dist::LogNormal => LogNormal::new(a, b).map_or(f64::NAN, |d| d.sample(rng)),
        Dist::Exponential => Exp::new(a).map_or(f64::NAN, |d| d.sample(rng)),
        Dist::Poisson if a == 0.0 => 0.0,
        Dist::Poisson => Poisson::new(a).map_or(f64::NAN, |d| d.sample(rng)),
    }
}

/// Writes the number `start + row` in a sequence pattern, zero-padded as Python's `{:0N}`.
fn write_sequence(p: &SequencePattern, row: u64, out: &mut impl TextSink) {
    let n = p.start + row as i64;
    let mut b = itoa::Buffer::new();
    let digits = b.format(n.unsigned_abs());
    out.push_text(&p.prefix);
    let sign = if n < 0 { "-" } else { "" };
    out.push_text(sign);
    for _ in (digits.len() + sign.len())..p.width {
        out.push_text("0");
    }
    out.push_text(digits);
    out.push_text(&p.suffix);
}

/// Appends the sequence's values for `rows`: [`write_sequence`]'s text, made by counting up
/// in place (a digit or two per row) instead of formatting each number.
fn fill_sequence(p: &SequencePattern, rows: Range<u64>, column: &mut TextColumn) {
    let fits = i64::try_from(rows.end).is_ok_and(|end| p.start.checked_add(end).is_some());
    if !fits || p.start + (rows.start as i64) < 0 || !p.prefix.is_ascii() || !p.suffix.is_ascii() {
        for row in rows {
            write_sequence(p, row, column);
            column.end_value();
        }
        return;
    }
    let mut text = Vec::new();
    let mut digits = 0..0;
    for row in rows {
        if digits.is_empty() {
            // First row, or the number outgrew its digits (…999 + 1): written afresh.
            let mut fresh = String::new();
            write_sequence(p, row, &mut fresh);
            text = fresh.into_bytes();
            digits = p.prefix.len()..text.len() - p.suffix.len();
        }
        column.push_ascii(&text);
        column.end_value();
        if !count_up(&mut text[digits.clone()]) {
            digits = 0..0;
        }
    }
}

/// Adds one to the decimal number in `digits` (ASCII, zero-padded); false when it
/// overflows (all nines).
fn count_up(digits: &mut [u8]) -> bool {
    for d in digits.iter_mut().rev() {
        if *d == b'9' {
            *d = b'0';
        } else {
            *d += 1;
            return true;
        }
    }
    false
}

/// A uniformly drawn value of a picked column (bound as Int64, Float64 or seconds).
fn pick_number(a: &ArrayRef, rng: &mut Rng) -> f64 {
    let i = rng.random_range(0..a.len());
    match a.data_type() {
        DataType::Float64 => a.as_primitive::<Float64Type>().value(i),
        DataType::Timestamp(..) => a.as_primitive::<TimestampSecondType>().value(i) as f64,
        _ => a.as_primitive::<Int64Type>().value(i) as f64,
    }
}

/// A uniformly drawn value of a picked column as a whole number: exact from integers.
fn pick_int(a: &ArrayRef, rng: &mut Rng) -> i64 {
    match a.data_type() {
        DataType::Int64 => {
            let i = rng.random_range(0..a.len());
            a.as_primitive::<Int64Type>().value(i)
        }
        _ => round(pick_number(a, rng)) as i64,
    }
}

/// The values and offsets of a text column being drawn: a value is written in parts, then
/// ended (cheaper than a `StringBuilder`'s append per value).
struct TextColumn {
    values: Vec<u8>,
    offsets: Vec<i32>,
}

impl TextColumn {
    fn with_capacity(rows: usize, bytes: usize) -> TextColumn {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        TextColumn {
            values: Vec::with_capacity(bytes),
            offsets,
        }
    }

    /// Ends the value written since the last one ended.
    #[inline]
    fn end_value(&mut self) {
        let end = i32::try_from(self.values.len()).expect("a chunk's text column under 2 GiB");
        self.offsets.push(end);
    }

    fn finish(self) -> StringArray {
        debug_assert!(std::str::from_utf8(&self.values).is_ok());
        let offsets = OffsetBuffer::new(ScalarBuffer::from(self.offsets));
        // SAFETY: every part pushed was a `&str` or checked ASCII, so the values are UTF-8 and
        // each offset (the end of a value) is a char boundary: what `StringArray::new` would
        // check again at ~16 instructions a value.
        unsafe { StringArray::new_unchecked(offsets, Buffer::from_vec(self.values), None) }
    }
}

impl TextSink for TextColumn {
    #[inline]
    fn push_text(&mut self, s: &str) {
        self.values.extend_from_slice(s.as_bytes());
    }

    #[inline]
    fn push_ascii(&mut self, s: &[u8]) {
        // Checked, not trusted: `finish` relies on the values being UTF-8.
        if s.is_ascii() {
            self.values.extend_from_slice(s);
        } else {
            self.values
                .extend_from_slice(String::from_utf8_lossy(s).as_bytes());
        }
    }
}

/// Fills one generated column for the rows `first..first + n` of a chunk.
pub fn generate_column(
    generator: &Generator,
    rng: &mut Rng,
    n: usize,
    inputs: &Inputs,
) -> ArrayRef {
    let rows = inputs.first..inputs.first + n as u64;
    match generator {
        Generator::Text(g) => {
            let mut column = TextColumn::with_capacity(n, n * 16);
            g.fill(rng, rows, inputs, &mut column);
            Arc::new(column.finish())
        }
        Generator::Boolean(g) => {
            // Drawn into bytes, packed into bits once (cheaper than a builder's per-bit append).
            // `random_bool`'s draws, its distribution made once per column.
            let bernoulli = match g {
                BooleanGenerator::Bernoulli(p) => rand::distr::Bernoulli::new(*p).ok(),
                _ => None,
            };
            let values: Vec<bool> = match bernoulli {
                Some(d) => rows.map(|_| d.sample(rng)).collect(),
                None => rows.map(|row| g.draw(rng, row, inputs)).collect(),
            };
            Arc::new(BooleanArray::from(values))
        }
        Generator::Number(g) => match (g.ty, g.whole_draw()) {
            (ty, Some(whole)) => {
                let values: Vec<i64> = rows.map(|_| whole.draw(rng)).collect();
                if ty == NumberType::Int {
                    Arc::new(Int64Array::from(values))
                } else {
                    Arc::new(TimestampSecondArray::from(values))
                }
            }
            (NumberType::Int, None) => {
                let mut b = Int64Builder::with_capacity(n);
                for row in rows {
                    b.append_value(g.draw_int(rng, row, inputs));
                }
                Arc::new(b.finish())
            }
            (NumberType::Float, None) => {
                let mut b = Float64Builder::with_capacity(n);
                for row in rows {
                    b.append_value(g.draw(rng, row, inputs));
                }
                Arc::new(b.finish())
            }
            (NumberType::DateTime, None) => {
                let mut b = TimestampSecondBuilder::with_capacity(n);
                for row in rows {
                    b.append_value(g.draw(rng, row, inputs) as i64);
                }
                Arc::new(b.finish())
            }
        },
    }
}

/// Fills a window's start and end columns.
pub fn generate_window(
    start: &NumberGenerator,
    length: &NumberGenerator,
    unit: i64,
    rng: &mut Rng,
    n: usize,
    inputs: &Inputs,
) -> (ArrayRef, ArrayRef) {
    if let Some((start, length)) = whole_window(start, length, unit) {
        let (mut s, mut e) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for _ in 0..n {
            let a = start.draw(rng);
            s.push(a);
            e.push(a + length.draw(rng) * unit);
        }
        return (
            Arc::new(TimestampSecondArray::from(s)),
            Arc::new(TimestampSecondArray::from(e)),
        );
    }
    let mut s = TimestampSecondBuilder::with_capacity(n);
    let mut e = TimestampSecondBuilder::with_capacity(n);
    for row in inputs.first..inputs.first + n as u64 {
        let a = start.draw(rng, row, inputs) as i64;
        let len = length.draw(rng, row, inputs);
        s.append_value(a);
        e.append_value(a + round(len * unit as f64) as i64);
    }
    (Arc::new(s.finish()), Arc::new(e.finish()))
}

/// A window's start and length as [`WholeDraw`]s, when both are and every end is exact in
/// integers (start + length × unit within ±2^53, as the float way computes it exactly).
fn whole_window(
    start: &NumberGenerator,
    length: &NumberGenerator,
    unit: i64,
) -> Option<(WholeDraw, WholeDraw)> {
    let (s, l) = (start.whole_draw()?, length.whole_draw()?);
    let span = l.magnitude().checked_mul(unit.checked_abs()?)?;
    (span < EXACT_IN_F64 && s.magnitude().checked_add(span)? < i64::MAX).then_some((s, l))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::rng::stream;

    #[test]
    fn floor_and_round_are_the_standard_ones_bit_for_bit() {
        let mut values = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            2.5,
            -2.5,
            0.49999999999999994,
            9_223_372_036_854_775_808.0, // 2^63
            -9_223_372_036_854_775_808.0,
            1e300,
            -1e300,
            f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        let mut rng = stream(3, "t", "c", 0);
        for _ in 0..100_000 {
            values.push(f64::from_bits(rng.random::<u64>()));
            values.push(rng.random_range(-1e6..1e6_f64));
            values.push(rng.random_range(-1_000_000i64..1_000_000) as f64);
        }
        for v in values.into_iter().filter(|v| !v.is_nan()) {
            assert_eq!(floor(v).to_bits(), v.floor().to_bits(), "floor({v:e})");
            assert_eq!(round(v).to_bits(), v.round().to_bits(), "round({v:e})");
        }
        assert!(floor(f64::NAN).is_nan() && round(f64::NAN).is_nan());
    }

    #[test]
    fn sequences_pad_like_python_format() {
        let mut out = String::new();
        for (prefix, width, start, row, expected) in [
            ("M", 4, 1, 0, "M0001x"),
            ("M", 4, 1, 12344, "M12345x"),
            ("", 0, 7, 0, "7x"),
            ("N", 4, -5, 0, "N-005x"),
        ] {
            out.clear();
            let pattern = SequencePattern {
                prefix: prefix.into(),
                width,
                suffix: "x".into(),
                start,
            };
            write_sequence(&pattern, row, &mut out);
            assert_eq!(out, expected);
        }
    }

    #[test]
    fn booleans_drawn_for_a_column_are_those_drawn_one_by_one() {
        let picked = PickedColumns::default();
        let inputs = Inputs::picks(&picked, 0);
        for p in [0.0, 0.3, 0.5, 1.0] {
            let g = BooleanGenerator::Bernoulli(p);
            let column = generate_column(
                &Generator::Boolean(g.clone()),
                &mut stream(5, "t", "b", 0),
                1_000,
                &inputs,
            );
            let mut rng = stream(5, "t", "b", 0);
            for row in 0..1_000 {
                assert_eq!(
                    column.as_boolean().value(row as usize),
                    g.draw(&mut rng, row, &inputs),
                    "p = {p}"
                );
            }
        }
    }

    #[test]
    fn a_counted_sequence_is_the_formatted_one() {
        for (prefix, width, suffix, start, first) in [
            ("M", 4, "", 1, 0),
            ("M", 2, "-x", 0, 90),
            ("", 0, "", 0, 0),
            ("id ", 3, "", 995, 0),
            ("é", 4, "", 9_990, 0),
            ("N", 4, "", -5, 0),
            ("", 0, "", i64::MAX - 20, 0),
        ] {
            let pattern = SequencePattern {
                prefix: prefix.into(),
                width,
                suffix: suffix.into(),
                start,
            };
            let rows = first..first + 20;
            let mut column = TextColumn::with_capacity(20, 0);
            fill_sequence(&pattern, rows.clone(), &mut column);
            let counted = column.finish();
            for (i, row) in rows.enumerate() {
                let mut formatted = String::new();
                write_sequence(&pattern, row, &mut formatted);
                assert_eq!(counted.value(i), formatted, "{pattern:?}, row {row}");
            }
        }
    }

    #[test]
    fn whole_draws_are_the_float_draws() {
        let picked = PickedColumns::default();
        let inputs = Inputs::picks(&picked, 0);
        let generators = [
            (
                NumberKind::DateTime(1_751_328_000, 1_767_139_200),
                NumberType::DateTime,
                60,
            ),
            (
                NumberKind::DateTime(-86_400 * 400, 86_400 * 3),
                NumberType::DateTime,
                86_400,
            ),
            (NumberKind::UniformInt(1, 3), NumberType::Int, 1),
            (NumberKind::UniformInt(-7, 7), NumberType::Int, 1),
            (
                NumberKind::UniformInt(-(1 << 52), 1 << 52),
                NumberType::Int,
                1,
            ),
        ];
        for (i, (kind, ty, resolution)) in generators.into_iter().enumerate() {
            let g = NumberGenerator {
                resolution,
                ..NumberGenerator::plain(kind, ty)
            };
            let whole = g.whole_draw().expect("a whole draw");
            let (mut a, mut b) = (stream(3, "t", "c", i as u64), stream(3, "t", "c", i as u64));
            for row in 0..2_000 {
                assert_eq!(
                    whole.draw(&mut a),
                    g.draw(&mut b, row, &inputs) as i64,
                    "{g:?}"
                );
            }
            let unit = 3_600;
            let length = NumberGenerator::plain(NumberKind::UniformInt(1, 3), NumberType::Int);
            let (starts, ends) = generate_window(&g, &length, unit, &mut a, 500, &inputs);
            let (starts, ends) = (
                starts.as_primitive::<TimestampSecondType>(),
                ends.as_primitive::<TimestampSecondType>(),
            );
            for row in 0..500 {
                let start = g.draw(&mut b, row, &inputs) as i64;
                let len = length.draw(&mut b, row, &inputs);
                assert_eq!(starts.value(row as usize), start);
                assert_eq!(
                    ends.value(row as usize),
                    start + round(len * unit as f64) as i64
                );
            }
        }
        let beyond = NumberGenerator::plain(NumberKind::UniformInt(0, 1 << 53), NumberType::Int);
        assert!(beyond.whole_draw().is_none());
    }

    #[test]
    fn a_date_time_is_truncated_before_what_is_added() {
        // 2025-01-01 to 2025-03-31 at day resolution, plus minutes: the minutes survive.
        let day = NumberGenerator {
            resolution: 86_400,
            add: Some((
                Box::new(NumberGenerator::plain(
                    NumberKind::UniformInt(0, 1439),
                    NumberType::Int,
                )),
                60.0,
            )),
            ..NumberGenerator::plain(
                NumberKind::DateTime(1_735_689_600, 1_743_379_200),
                NumberType::DateTime,
            )
        };
        let mut rng = stream(1, "t", "c", 0);
        let minutes: std::collections::HashSet<i64> = (0..1000)
            .map(|row| {
                day.draw(&mut rng, row, &Inputs::picks(&PickedColumns::default(), 0)) as i64
                    % 86_400
                    / 60
            })
            .collect();
        assert!(
            minutes.len() > 500,
            "{} distinct minutes of the day",
            minutes.len()
        );
    }
}
