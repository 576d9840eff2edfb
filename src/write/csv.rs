//! Fast CSV encoding of Arrow batches (each value's text is [`crate::text`]'s).
//!
//! A batch is encoded to bytes in the worker thread that made it, so formatting
//! runs on every core and the single writer only copies bytes. Columns are
//! resolved to their concrete array type once per batch; quoting follows RFC
//! 4180 as the `csv` crate's `QuoteStyle::Necessary` does (a field is quoted
//! when it holds `,`, `"`, CR or LF, and quotes are doubled), so the bytes are
//! those `csv::Writer` would write.

use std::sync::Mutex;

use datafusion::arrow::array::{ArrayRef, RecordBatch};
use datafusion::arrow::datatypes::SchemaRef;

use crate::error::Result;
use crate::text::{Column, ValueWriter, column, normalized, text};
pub use crate::text::{CsvStyle, FloatTexts, float, value_texts};

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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{BooleanArray, Float64Array, StringArray};
    use datafusion::arrow::datatypes::{DataType, TimeUnit};

    use crate::scenario::BoolStyle;
    use crate::text::needs_quotes;

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
