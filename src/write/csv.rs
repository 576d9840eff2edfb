//! Fast CSV encoding of Arrow batches, and how values are written as text.
//!
//! A batch is encoded to bytes in the worker thread that made it, so formatting
//! runs on every core and the single writer only copies bytes. Columns are
//! resolved to their concrete array type once per batch; quoting follows RFC
//! 4180 as the `csv` crate's `QuoteStyle::Necessary` does (a field is quoted
//! when it holds `,`, `"`, CR or LF, and quotes are doubled), so the bytes are
//! those `csv::Writer` would write.

use std::sync::{Arc, Mutex};

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Float64Array, Int64Array, PrimitiveArray, RecordBatch,
    StringArray, UInt64Array,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    DataType, Float64Type, Int64Type, SchemaRef, TimeUnit, TimestampSecondType, UInt64Type,
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

enum Column<'a> {
    Bool(&'a BooleanArray),
    Int(&'a Int64Array),
    UInt(&'a UInt64Array),
    Float(&'a Float64Array),
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
fn normalized(a: &ArrayRef) -> Result<ArrayRef> {
    let target = match a.data_type() {
        DataType::Boolean
        | DataType::Int64
        | DataType::UInt64
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
        DataType::Float16 | DataType::Float32 => DataType::Float64,
        DataType::LargeUtf8 | DataType::Utf8View => DataType::Utf8,
        _ => return Ok(a.clone()),
    };
    Ok(cast(a, &target)?)
}

/// Ticks per second of a finer date-time type.
fn ticks_per_second(t: &DataType) -> Option<i64> {
    match t {
        DataType::Timestamp(TimeUnit::Millisecond, _) => Some(1_000),
        DataType::Timestamp(TimeUnit::Microsecond, _) => Some(1_000_000),
        DataType::Timestamp(TimeUnit::Nanosecond, _) => Some(1_000_000_000),
        _ => None,
    }
}

/// The column of `normal` (a [`normalized`] array of `original`).
fn column<'a>(normal: &'a ArrayRef, original: &DataType) -> Column<'a> {
    let a = normal;
    if let Some(ticks) = ticks_per_second(original) {
        return Column::FineDateTime(a.as_primitive::<Int64Type>(), ticks);
    }
    match a.data_type() {
        DataType::Boolean => Column::Bool(a.as_boolean()),
        DataType::Int64 => Column::Int(a.as_primitive::<Int64Type>()),
        DataType::UInt64 => Column::UInt(a.as_primitive::<UInt64Type>()),
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

/// The CSV header line of a schema.
pub fn header(schema: &SchemaRef) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, f) in schema.fields().iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        text(f.name(), &mut out);
    }
    out.push(b'\n');
    out
}

/// Writes values as the CSV holds them, with the state one batch reuses.
struct ValueWriter<'s> {
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
    fn new(style: &'s CsvStyle) -> ValueWriter<'s> {
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
    fn write(&mut self, c: &Column, row: usize, quote: bool, out: &mut Vec<u8>) {
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

/// Buffers of written chunks, kept for the next chunks: a fresh buffer is new memory, which the
/// kernel zeroes page by page on first touch (half the page faults of a run, measured).
static SPARE_BUFFERS: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
/// Bytes of spare buffers kept at most: what a few chunks in flight need, and no more held
/// through the stages after writing (a chunk's lines are about 7 MiB for 110-byte rows).
const MAX_SPARE_BYTES: usize = 48 << 20;

/// An empty buffer with room for `capacity` bytes, a spare one when there is one.
fn spare_buffer(capacity: usize) -> Vec<u8> {
    let spare = SPARE_BUFFERS.lock().map(|mut s| s.pop()).unwrap_or(None);
    let mut buffer = spare.unwrap_or_default();
    buffer.clear();
    buffer.reserve(capacity);
    buffer
}

/// Gives back the buffer of a chunk that has been written, for a later chunk.
pub fn recycle(buffer: Vec<u8>) {
    if let Ok(mut spare) = SPARE_BUFFERS.lock()
        && spare.iter().map(Vec::capacity).sum::<usize>() + buffer.capacity() <= MAX_SPARE_BYTES
    {
        spare.push(buffer);
    }
}

/// The CSV lines of a batch (no header).
pub fn encode(batch: &RecordBatch, style: &CsvStyle) -> Result<Vec<u8>> {
    let mut out = spare_buffer(batch.num_rows() * 16 * batch.num_columns().max(1));
    encode_in_pieces(batch, style, usize::MAX, &mut out, |_| Ok(()))?;
    Ok(out)
}

/// Encodes the CSV lines of a batch into `out`, handing `piece` the lines (then clearing
/// them) whenever they reach `piece_bytes`; the lines after the last piece stay in `out`.
/// Small pieces are still in the cache when they are hashed and copied into the file.
pub fn encode_in_pieces(
    batch: &RecordBatch,
    style: &CsvStyle,
    piece_bytes: usize,
    out: &mut Vec<u8>,
    mut piece: impl FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    let arrays: Vec<ArrayRef> = batch
        .columns()
        .iter()
        .map(normalized)
        .collect::<Result<_>>()?;
    let columns: Vec<Column> = arrays
        .iter()
        .zip(batch.columns())
        .map(|(a, original)| column(a, original.data_type()))
        .collect();
    let mut writer = ValueWriter::new(style);
    let nulls: Vec<_> = arrays.iter().map(|a| a.logical_nulls()).collect();
    for row in 0..batch.num_rows() {
        for (j, (c, n)) in columns.iter().zip(&nulls).enumerate() {
            if j > 0 {
                out.push(b',');
            }
            if n.as_ref().is_some_and(|n| n.is_null(row)) {
                continue;
            }
            match c {
                // The most common value, written without a call.
                Column::Str(v, true) => out.extend_from_slice(v.value(row).as_bytes()),
                _ => writer.write(c, row, true, out),
            }
        }
        out.push(b'\n');
        if out.len() >= piece_bytes {
            piece(out)?;
            out.clear();
        }
    }
    Ok(())
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
fn has_byte(word: u64, byte: u8) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let x = word ^ (ONES * byte as u64);
    x.wrapping_sub(ONES) & !x & (ONES << 7) != 0
}

/// The bytes of a text array's values (those of its slice only).
fn used_bytes(s: &StringArray) -> &[u8] {
    let offsets = s.value_offsets();
    let (first, last) = (offsets[0] as usize, offsets[offsets.len() - 1] as usize);
    &s.values()[first..last]
}

/// Whether a field must be quoted: it holds `,`, `"`, CR or LF.
#[inline]
fn needs_quotes(s: &[u8]) -> bool {
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
fn text(s: &str, out: &mut Vec<u8>) {
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{Int32Array, TimestampSecondArray};
    use datafusion::arrow::datatypes::{Field, Schema};

    use super::*;
    use crate::time::DateTimeFormat;

    #[test]
    fn encodes_like_the_csv_crate() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("s", DataType::Utf8, true),
            Field::new("i", DataType::Int32, true),
            Field::new("f", DataType::Float64, true),
            Field::new("b", DataType::Boolean, true),
            Field::new("t", DataType::Timestamp(TimeUnit::Second, None), true),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from(vec![
                    Some("a,b"),
                    Some("say \"hi\""),
                    None,
                    Some("plain"),
                ])),
                Arc::new(Int32Array::from(vec![Some(-1), None, Some(3), Some(40)])),
                Arc::new(Float64Array::from(vec![
                    Some(4.6),
                    Some(400.0),
                    Some(1e-7),
                    None,
                ])),
                Arc::new(BooleanArray::from(vec![
                    Some(true),
                    Some(false),
                    None,
                    Some(true),
                ])),
                Arc::new(TimestampSecondArray::from(vec![
                    Some(0),
                    Some(1_751_331_723),
                    None,
                    Some(-1),
                ])),
            ],
        )
        .unwrap();
        let style = CsvStyle {
            datetime: DateTimeFormat::parse("%Y-%m-%d %H:%M").unwrap(),
            booleans: BoolStyle::Lower,
        };
        let ours = [header(&schema), encode(&batch, &style).unwrap()].concat();
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["s", "i", "f", "b", "t"]).unwrap();
        w.write_record(["a,b", "-1", "4.6", "true", "1970-01-01 00:00"])
            .unwrap();
        w.write_record(["say \"hi\"", "", "400.0", "false", "2025-07-01 01:02"])
            .unwrap();
        w.write_record(["", "3", "1e-7", "", ""]).unwrap();
        w.write_record(["plain", "40", "", "true", "1969-12-31 23:59"])
            .unwrap();
        assert_eq!(
            String::from_utf8(ours).unwrap(),
            String::from_utf8(w.into_inner().unwrap()).unwrap()
        );
    }

    /// What the `csv` crate writes for one field (quoted only when necessary): the first of a
    /// record of two (a record of one empty field alone would be quoted).
    fn csv_crate_field(field: &[u8]) -> Vec<u8> {
        let mut w = csv::WriterBuilder::new()
            .quote_style(csv::QuoteStyle::Necessary)
            .from_writer(Vec::new());
        w.write_record([field, b"x"]).unwrap();
        let mut record = w.into_inner().unwrap();
        record.truncate(record.len() - b",x\n".len());
        record
    }

    #[test]
    fn fields_are_quoted_exactly_when_the_csv_crate_quotes_them() {
        // Both sides of the 64-byte switch to memchr, a special byte at every position.
        for len in [0, 1, 7, 8, 9, 15, 16, 63, 64, 65, 100, 200] {
            for at in 0..len {
                for special in [
                    b',',
                    b'"',
                    b'\n',
                    b'\r',
                    b'a',
                    0x2c ^ 0x80,
                    b'+',
                    b'-',
                    b' ',
                ] {
                    let mut s = vec![b'x'; len];
                    s[at] = special;
                    let quoted = csv_crate_field(&s).first() == Some(&b'"');
                    assert_eq!(needs_quotes(&s), quoted, "{len} {at} {special}");
                }
            }
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(3_000))]

            /// A text field is written as the `csv` crate writes it, whatever it holds.
            #[test]
            fn text_fields_are_the_csv_crates(
                s in prop_oneof![
                    any::<String>(),
                    "[a-z,\"\r\n ]{0,150}",
                    proptest::collection::vec(prop_oneof![Just('x'), Just(','), Just('"'), Just('\n'), Just('é')], 0..200)
                        .prop_map(|c| c.into_iter().collect::<String>()),
                ],
            ) {
                let mut ours = Vec::new();
                text(&s, &mut ours);
                prop_assert_eq!(ours, csv_crate_field(s.as_bytes()));
            }

            /// A float is written as the `csv` crate serializes it, and reads back as itself.
            #[test]
            fn float_texts_are_the_csv_crates_and_read_back(
                x in prop_oneof![any::<f64>(), -1e6f64..1e6, (-1000i32..1000).prop_map(|i| f64::from(i) / 100.0)],
            ) {
                prop_assume!(x.is_finite());
                let mut ours = Vec::new();
                float(x, &mut ours);
                let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
                w.serialize(x).unwrap();
                let theirs = w.into_inner().unwrap();
                prop_assert_eq!(&ours, &theirs[..theirs.len() - 1]);
                let back: f64 = std::str::from_utf8(&ours).unwrap().parse().unwrap();
                prop_assert_eq!(back.to_bits(), x.to_bits());
            }
        }
    }

    #[test]
    fn value_texts_are_unquoted_and_cover_every_type() {
        let style = CsvStyle {
            datetime: DateTimeFormat::parse("%Y-%m-%d %H:%M:%S").unwrap(),
            booleans: BoolStyle::Int,
        };
        let text: ArrayRef = Arc::new(StringArray::from(vec![Some("a,b"), None]));
        assert_eq!(value_texts(&text, &style).unwrap(), ["a,b", ""]);
        let flags: ArrayRef = Arc::new(BooleanArray::from(vec![true, false]));
        assert_eq!(value_texts(&flags, &style).unwrap(), ["1", "0"]);
        // Types without a fast path are written by Arrow's formatter, not left empty.
        let days: ArrayRef = Arc::new(datafusion::arrow::array::Date32Array::from(vec![0, 1]));
        assert_eq!(
            value_texts(&days, &style).unwrap(),
            ["1970-01-01", "1970-01-02"]
        );
    }

    #[test]
    fn cached_float_texts_are_the_texts_of_those_floats() {
        // Few repeated values (the cache pays), values whose bit patterns share a slot, special
        // values, then a long run of distinct values (the cache turns itself off) and repeats.
        let mut values = Vec::new();
        for i in 0..20_000u32 {
            values.push(f64::from(i % 7) * 0.25 - 0.5);
            values.push(-0.0);
            values.push(if i % 2 == 0 { f64::NAN } else { f64::INFINITY });
            values.push(f64::from_bits(
                0x3FF0_0000_0000_0000 + u64::from(i % 3) * 1024,
            ));
        }
        values.extend((0..30_000).map(|i| (f64::from(i) * 0.7311).sin() * 1e3));
        values.extend((0..5_000).map(|i| f64::from(i % 5) + 0.1));
        let array = Float64Array::from(values.clone());
        let batch = RecordBatch::try_new(
            Arc::new(Schema::new(vec![Field::new("f", DataType::Float64, false)])),
            vec![Arc::new(array)],
        )
        .unwrap();
        let style = CsvStyle {
            datetime: DateTimeFormat::parse("%Y-%m-%d").unwrap(),
            booleans: BoolStyle::Lower,
        };
        let mut expected = Vec::new();
        for v in values {
            float(v, &mut expected);
            expected.push(b'\n');
        }
        assert_eq!(
            String::from_utf8(encode(&batch, &style).unwrap()).unwrap(),
            String::from_utf8(expected).unwrap()
        );
    }
}
