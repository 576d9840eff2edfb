//! How values are written as text in every file tutas writes: date-times in the scenario's
//! format, booleans in its spelling, floats in their shortest exact form, integers exactly,
//! text quoted as RFC 4180 and the `csv` crate's `QuoteStyle::Necessary` do. The CSV encoder
//! ([`crate::write::csv`]) writes lines of these; the split names classes and categories with
//! them ([`value_texts`]), so a label reads the same in the report as in the file.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Float32Array, Float64Array, Int64Array, PrimitiveArray,
    StringArray, UInt64Array,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    DataType, Float32Type, Float64Type, Int64Type, TimeUnit, TimestampSecondType, UInt64Type,
};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};

use crate::error::Result;
use crate::scenario::BoolStyle;
use crate::time::{DateTimeFormat, DayCache};

/// How values are formatted in CSV files.
#[derive(Debug, Clone)]
pub struct CsvStyle {
    /// Date-time format.
    pub datetime: DateTimeFormat,
    /// Boolean spelling.
    pub booleans: BoolStyle,
}

/// Shortest text that reads back as the same float (`4.6`, `400.0`, `1e-7`).
pub fn float(v: f64, out: &mut Vec<u8>) {
    if v.is_finite() {
        let mut b = ryu::Buffer::new();
        out.extend_from_slice(b.format_finite(v).as_bytes());
    } else if v.is_nan() {
        out.extend_from_slice(b"NaN");
    } else if v > 0.0 {
        out.extend_from_slice(b"inf");
    } else {
        out.extend_from_slice(b"-inf");
    }
}

pub(crate) enum Column<'a> {
    Bool(&'a BooleanArray),
    Int(&'a Int64Array),
    UInt(&'a UInt64Array),
    Float(&'a Float64Array),
    /// 32-bit floats: their own shortest text, not that of the double they widen to.
    Float32(&'a Float32Array),
    /// Text, and whether no value of the batch needs quotes (checked once for the column).
    Str(&'a StringArray, bool),
    DateTime(&'a PrimitiveArray<TimestampSecondType>),
    /// Date-times in a finer unit (ticks per second): written in the date-time format, then a
    /// fraction of a second when there is one (never dropped).
    FineDateTime(&'a PrimitiveArray<Int64Type>, i64),
    Other(ArrayFormatter<'a>),
}

/// The array in the representation the encoder reads (integers as i64, unsigned 64-bit
/// integers as u64, text as Utf8, date-times as their UTC ticks, ...). No value changes.
pub(crate) fn normalized(a: &ArrayRef) -> Result<ArrayRef> {
    let target = match a.data_type() {
        DataType::Boolean
        | DataType::Int64
        | DataType::UInt64
        | DataType::Float32
        | DataType::Float64
        | DataType::Utf8
        | DataType::Timestamp(TimeUnit::Second, None) => return Ok(a.clone()),
        // The stored values are UTC instants whatever the zone.
        DataType::Timestamp(TimeUnit::Second, Some(_)) => {
            return Ok(Arc::new(
                a.as_primitive::<TimestampSecondType>()
                    .clone()
                    .with_timezone_opt(None::<String>),
            ));
        }
        DataType::Timestamp(..) => DataType::Int64,
        t if t.is_integer() => DataType::Int64,
        DataType::Float16 => DataType::Float64,
        DataType::LargeUtf8 | DataType::Utf8View => DataType::Utf8,
        _ => return Ok(a.clone()),
    };
    Ok(cast(a, &target)?)
}

/// Ticks per second of a finer date-time type.
pub(crate) fn ticks_per_second(t: &DataType) -> Option<i64> {
    match t {
        DataType::Timestamp(TimeUnit::Millisecond, _) => Some(1_000),
        DataType::Timestamp(TimeUnit::Microsecond, _) => Some(1_000_000),
        DataType::Timestamp(TimeUnit::Nanosecond, _) => Some(1_000_000_000),
        _ => None,
    }
}

/// The column of `normal` (a [`normalized`] array of `original`).
pub(crate) fn column<'a>(normal: &'a ArrayRef, original: &DataType) -> Column<'a> {
    let a = normal;
    if let Some(ticks) = ticks_per_second(original) {
        return Column::FineDateTime(a.as_primitive::<Int64Type>(), ticks);
    }
    match a.data_type() {
        DataType::Boolean => Column::Bool(a.as_boolean()),
        DataType::Int64 => Column::Int(a.as_primitive::<Int64Type>()),
        DataType::UInt64 => Column::UInt(a.as_primitive::<UInt64Type>()),
        DataType::Float32 => Column::Float32(a.as_primitive::<Float32Type>()),
        DataType::Float64 => Column::Float(a.as_primitive::<Float64Type>()),
        DataType::Utf8 => {
            let s = a.as_string::<i32>();
            Column::Str(s, !needs_quotes(used_bytes(s)))
        }
        DataType::Timestamp(TimeUnit::Second, None) => {
            Column::DateTime(a.as_primitive::<TimestampSecondType>())
        }
        _ => Column::Other(
            ArrayFormatter::try_new(a.as_ref(), &FormatOptions::default()).expect("displayable"),
        ),
    }
}

/// Writes values as the CSV holds them, with the state one batch reuses.
pub(crate) struct ValueWriter<'s> {
    style: &'s CsvStyle,
    /// How `true` and `false` are written.
    words: (&'static [u8], &'static [u8]),
    days: DayCache,
    int: itoa::Buffer,
    floats: FloatTexts,
}

/// Slots of [`FloatTexts`]: a power of two, small enough to stay in the L1/L2 cache.
const FLOAT_SLOTS: usize = 1024;
/// Lookups between two checks of whether the cache pays.
const FLOAT_PROBE: u32 = 4096;

/// The text of recently written floats, by bit pattern (direct-mapped). Generated and derived
/// columns repeat few values (prices with two decimals, standardised scores of a few levels),
/// and formatting a float costs several times more than copying its text. A batch whose
/// floats keep missing turns the cache off, so columns of distinct values pay little for it.
pub struct FloatTexts {
    keys: Vec<u64>,
    lens: Vec<u8>,
    texts: Vec<[u8; 24]>,
    lookups: u32,
    misses: u32,
    enabled: bool,
}

impl Default for FloatTexts {
    fn default() -> Self {
        FloatTexts {
            keys: vec![0; FLOAT_SLOTS],
            lens: vec![0; FLOAT_SLOTS],
            texts: vec![[0; 24]; FLOAT_SLOTS],
            lookups: 0,
            misses: 0,
            enabled: true,
        }
    }
}

impl FloatTexts {
    /// Appends the text of `v`, as [`float`] writes it.
    #[inline]
    pub fn write(&mut self, v: f64, out: &mut Vec<u8>) {
        if !self.enabled {
            return float(v, out);
        }
        let bits = v.to_bits();
        // Fibonacci hashing: the top bits of the product index the slots.
        let slot = (bits.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - FLOAT_SLOTS.trailing_zeros()))
            as usize;
        let len = self.lens[slot] as usize;
        if len != 0 && self.keys[slot] == bits {
            out.extend_from_slice(&self.texts[slot][..len]);
        } else {
            let start = out.len();
            float(v, out);
            let written = &out[start..];
            self.keys[slot] = bits;
            self.lens[slot] = written.len() as u8;
            self.texts[slot][..written.len()].copy_from_slice(written);
            self.misses += 1;
        }
        self.lookups += 1;
        if self.lookups == FLOAT_PROBE {
            self.enabled = self.misses < FLOAT_PROBE / 2;
            self.lookups = 0;
            self.misses = 0;
        }
    }
}

impl<'s> ValueWriter<'s> {
    /// A writer of values in `style`.
    pub(crate) fn new(style: &'s CsvStyle) -> ValueWriter<'s> {
        let words: (&[u8], &[u8]) = match style.booleans {
            BoolStyle::Lower => (b"true", b"false"),
            BoolStyle::Title => (b"True", b"False"),
            BoolStyle::Int => (b"1", b"0"),
        };
        ValueWriter {
            style,
            words,
            days: DayCache::default(),
            int: itoa::Buffer::new(),
            floats: FloatTexts::default(),
        }
    }

    /// Appends the value at `row` (not NULL); text is CSV-quoted when `quote` is set.
    #[inline]
    pub(crate) fn write(&mut self, c: &Column, row: usize, quote: bool, out: &mut Vec<u8>) {
        let text = |s: &str, out: &mut Vec<u8>| {
            if quote {
                text(s, out)
            } else {
                out.extend_from_slice(s.as_bytes())
            }
        };
        match c {
            Column::Bool(b) => out.extend_from_slice(if b.value(row) {
                self.words.0
            } else {
                self.words.1
            }),
            Column::Int(v) => out.extend_from_slice(self.int.format(v.value(row)).as_bytes()),
            Column::UInt(v) => out.extend_from_slice(self.int.format(v.value(row)).as_bytes()),
            Column::Float(v) => self.floats.write(v.value(row), out),
            Column::Float32(v) => match v.value(row) {
                x if x.is_finite() => {
                    out.extend_from_slice(ryu::Buffer::new().format_finite(x).as_bytes())
                }
                x => float(f64::from(x), out),
            },
            Column::Str(v, true) => out.extend_from_slice(v.value(row).as_bytes()),
            Column::Str(v, false) => text(v.value(row), out),
            Column::DateTime(v) => {
                self.style
                    .datetime
                    .write_cached(v.value(row), &mut self.days, out)
            }
            Column::FineDateTime(v, ticks) => {
                let (secs, fraction) = (
                    v.value(row).div_euclid(*ticks),
                    v.value(row).rem_euclid(*ticks),
                );
                self.style.datetime.write_cached(secs, &mut self.days, out);
                if fraction != 0 {
                    let digits = ticks.ilog10() as usize;
                    let text = format!(".{fraction:0digits$}");
                    out.extend_from_slice(text.trim_end_matches('0').as_bytes());
                }
            }
            Column::Other(fmt) => text(&fmt.value(row).to_string(), out),
        }
    }
}

/// Each value of an array as the CSV holds it, unquoted (empty for NULL): names such as
/// class labels.
pub fn value_texts(a: &ArrayRef, style: &CsvStyle) -> Result<Vec<String>> {
    let normal = normalized(a)?;
    let c = column(&normal, a.data_type());
    let mut writer = ValueWriter::new(style);
    let mut out = Vec::new();
    Ok((0..normal.len())
        .map(|row| {
            out.clear();
            if normal.is_valid(row) {
                writer.write(&c, row, false, &mut out);
            }
            String::from_utf8_lossy(&out).into_owned()
        })
        .collect())
}

const NEEDS_QUOTES: [bool; 256] = {
    let mut table = [false; 256];
    table[b',' as usize] = true;
    table[b'"' as usize] = true;
    table[b'\n' as usize] = true;
    table[b'\r' as usize] = true;
    table
};

/// Whether any byte of the 8 in `word` is `byte` (the bit trick of "has a zero byte").
#[inline]
pub(crate) fn has_byte(word: u64, byte: u8) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let x = word ^ (ONES * byte as u64);
    x.wrapping_sub(ONES) & !x & (ONES << 7) != 0
}

/// The bytes of a text array's values (those of its slice only).
pub(crate) fn used_bytes(s: &StringArray) -> &[u8] {
    let offsets = s.value_offsets();
    let (first, last) = (offsets[0] as usize, offsets[offsets.len() - 1] as usize);
    &s.values()[first..last]
}

/// Whether a field must be quoted: it holds `,`, `"`, CR or LF.
#[inline]
pub(crate) fn needs_quotes(s: &[u8]) -> bool {
    if s.len() >= 64 {
        return memchr::memchr3(b',', b'"', b'\n', s).is_some()
            || memchr::memchr(b'\r', s).is_some();
    }
    let mut words = s.chunks_exact(8);
    for w in &mut words {
        let w = u64::from_le_bytes(w.try_into().expect("8 bytes"));
        if has_byte(w, b',') | has_byte(w, b'"') | has_byte(w, b'\n') | has_byte(w, b'\r') {
            return true;
        }
    }
    words
        .remainder()
        .iter()
        .fold(false, |acc, &b| acc | NEEDS_QUOTES[b as usize])
}

/// Appends a text field, quoted when it must be.
pub(crate) fn text(s: &str, out: &mut Vec<u8>) {
    if needs_quotes(s.as_bytes()) {
        out.push(b'"');
        for b in s.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(s.as_bytes());
    }
}
