//! Source tables: CSV and Parquet files read as tables, with one contract for their values.
//!
//! - A CSV file is checked with the `csv` crate before the engine reads it: a header naming a
//!   column twice, or a line with another number of fields than the header, is an error that
//!   names the file and the line (the file's own, 1-based). Column types are inferred from
//!   every line, so a value that changes a column's type late in the file widens the type
//!   instead of failing there.
//! - Date-times are whole seconds without a time zone, as tutas makes them: a zoned timestamp
//!   is read as its UTC time (the zone dropped), milli-, micro- and nanosecond timestamps are
//!   read as seconds when every value is a whole second, and refused (naming the value)
//!   otherwise — a fraction is never dropped silently.
//! - Text is plain UTF-8 strings whatever its Arrow type (`Utf8View` and `LargeUtf8` too).
//! - Integers keep their type: unsigned 64-bit and decimal columns stay exact.

use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch, TimestampSecondArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    DataType, Field, Schema, SchemaRef, TimeUnit, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
};

use crate::error::{Diagnostic, Error, Result};
use crate::sql::Engine;

/// The schema of the source at `path` as a run reads it: the file checked, its types
/// normalized ([`normalized_type`]).
pub fn schema(engine: &Engine, path: &Path) -> Result<SchemaRef> {
    let unsigned = match is_csv(path) {
        true => check_csv(path)?,
        false => Vec::new(),
    };
    let schema = engine.file_schema(path).map_err(|e| naming(path, e))?;
    Ok(normalized_schema(&with_unsigned(&schema, &unsigned)))
}

/// `schema` with the named columns as unsigned 64-bit integers.
fn with_unsigned(schema: &SchemaRef, unsigned: &[String]) -> SchemaRef {
    if unsigned.is_empty() {
        return schema.clone();
    }
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match unsigned.contains(f.name()) {
            true => f.as_ref().clone().with_data_type(DataType::UInt64),
            false => f.as_ref().clone(),
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// Reads the whole source at `path`, its values normalized ([`normalized_type`]).
pub fn read(engine: &Engine, path: &Path) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let unsigned = match is_csv(path) {
        true => check_csv(path)?,
        false => Vec::new(),
    };
    let (schema, batches) = engine.read_file(path).map_err(|e| naming(path, e))?;
    let (schema, batches) = normalize(path, &schema, &batches)?;
    if unsigned.is_empty() {
        return Ok((schema, batches));
    }
    // Whole numbers above 2^63 - 1 the engine read as text: unsigned 64-bit, exactly.
    let typed = with_unsigned(&schema, &unsigned);
    let batches = batches
        .iter()
        .map(|b| {
            let columns = b
                .columns()
                .iter()
                .zip(typed.fields())
                .map(|(a, f)| Ok(cast(a, f.data_type())?))
                .collect::<Result<Vec<_>>>()?;
            Ok(RecordBatch::try_new(typed.clone(), columns)?)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((typed, batches))
}

/// Batches read from `path` with their values normalized ([`normalized_type`]): what
/// `tutas split --from` reads, as a source is read.
pub fn normalize(
    path: &Path,
    schema: &SchemaRef,
    batches: &[RecordBatch],
) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let normal = normalized_schema(schema);
    let mut first_row = 0;
    let mut out = Vec::with_capacity(batches.len());
    for b in batches {
        let columns = b
            .columns()
            .iter()
            .zip(normal.fields())
            .map(|(a, f)| {
                normalized(a, f.data_type(), |row, why| {
                    source_value_error(path, f.name(), first_row + row, why)
                })
            })
            .collect::<Result<Vec<_>>>()?;
        out.push(RecordBatch::try_new(normal.clone(), columns)?);
        first_row += b.num_rows() as u64;
    }
    Ok((normal, out))
}

/// The type a run gives a source column of type `t`: date-times as seconds without a zone,
/// text as `Utf8`; everything else as read.
pub fn normalized_type(t: &DataType) -> DataType {
    match t {
        DataType::Timestamp(..) => DataType::Timestamp(TimeUnit::Second, None),
        DataType::Date64 => DataType::Date32,
        DataType::Utf8View | DataType::LargeUtf8 => DataType::Utf8,
        other => other.clone(),
    }
}

fn normalized_schema(schema: &SchemaRef) -> SchemaRef {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| {
            f.as_ref()
                .clone()
                .with_data_type(normalized_type(f.data_type()))
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// `a` as type `to` ([`normalized_type`]); a date-time with a fraction of a second is refused
/// through `refuse(row, why)`.
fn normalized(
    a: &ArrayRef,
    to: &DataType,
    refuse: impl Fn(u64, String) -> Error,
) -> Result<ArrayRef> {
    let per_second: i64 = match a.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => 1,
        DataType::Timestamp(TimeUnit::Millisecond, _) => 1_000,
        DataType::Timestamp(TimeUnit::Microsecond, _) => 1_000_000,
        DataType::Timestamp(TimeUnit::Nanosecond, _) => 1_000_000_000,
        t if t == to => return Ok(a.clone()),
        _ => return Ok(cast(a, to)?),
    };
    // The stored values are instants in UTC whatever the zone: kept, the zone dropped.
    let values: Vec<Option<i64>> = match a.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => {
            a.as_primitive::<TimestampSecondType>().iter().collect()
        }
        DataType::Timestamp(TimeUnit::Millisecond, _) => a
            .as_primitive::<TimestampMillisecondType>()
            .iter()
            .collect(),
        DataType::Timestamp(TimeUnit::Microsecond, _) => a
            .as_primitive::<TimestampMicrosecondType>()
            .iter()
            .collect(),
        _ => a.as_primitive::<TimestampNanosecondType>().iter().collect(),
    };
    let mut seconds = Vec::with_capacity(values.len());
    for (row, v) in values.into_iter().enumerate() {
        seconds.push(match v {
            Some(v) if v.rem_euclid(per_second) != 0 => {
                let shown = datafusion::arrow::util::display::array_value_to_string(a, row)
                    .unwrap_or_else(|_| v.to_string());
                return Err(refuse(
                    row as u64,
                    format!(
                        "`{shown}` has a fraction of a second; tutas date-times are whole seconds"
                    ),
                ));
            }
            Some(v) => Some(v.div_euclid(per_second)),
            None => None,
        });
    }
    Ok(Arc::new(TimestampSecondArray::from(seconds)))
}

fn is_csv(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
}

/// An engine error reading `path`, naming it (the engine's messages do not).
fn naming(path: &Path, e: Error) -> Error {
    let message = e.render();
    let message = message.trim().trim_start_matches("error: ");
    Error::invalid(Diagnostic::new(format!(
        "cannot read source `{}`: {message}",
        path.display()
    )))
}

/// A value of column `column` that a run cannot read as it is: the row of data (0-based) and
/// why, named with the file (for CSV, the file's own line).
fn source_value_error(path: &Path, column: &str, row: u64, why: String) -> Error {
    let place = match is_csv(path).then(|| csv_line(path, row)).flatten() {
        Some(line) => format!("line {line}"),
        None => format!("row {}", row + 1),
    };
    Error::invalid(
        Diagnostic::new(format!(
            "source `{}`, {place}, column `{column}`: {why}",
            path.display()
        ))
        .help("tutas date-times are whole seconds: truncate the values to seconds where the file is made"),
    )
}

/// The file line (1-based) where data row `row` (0-based) of a CSV file starts.
fn csv_line(path: &Path, row: u64) -> Option<u64> {
    let mut reader = csv::ReaderBuilder::new().from_path(path).ok()?;
    let mut record = csv::ByteRecord::new();
    for _ in 0..=row {
        if !reader.read_byte_record(&mut record).ok()? {
            return None;
        }
    }
    record.position().and_then(|p| line_at(path, p.byte()))
}

/// The line (1-based) of a record the `csv` crate says starts at byte `offset`: one more than
/// the line feeds before it. After a CR LF the crate's record starts on the LF (and its own line
/// count is one short): the record is on the line after it.
fn line_at(path: &Path, offset: u64) -> Option<u64> {
    let bytes = std::fs::read(path).ok()?;
    let offset = offset as usize + usize::from(bytes.get(offset as usize) == Some(&b'\n'));
    let before = bytes.get(..offset.min(bytes.len()))?;
    Some(memchr::memchr_iter(b'\n', before).count() as u64 + 1)
}

/// Checks a CSV file as the engine will read it: a header of distinct, non-empty names, and
/// every line with as many fields as the header. Each error names the file and the line.
/// Returns the columns of whole numbers ≥ 0 of which one is above 2^63 − 1 (the engine would
/// read them as text): they are read as unsigned 64-bit integers.
pub fn check_csv(path: &Path) -> Result<Vec<String>> {
    let shown = path.display();
    let mut reader = csv::ReaderBuilder::new()
        .from_path(path)
        .map_err(|e| csv_error(path, e))?;
    let header = reader.headers().map_err(|e| csv_error(path, e))?.clone();
    if header.is_empty() {
        return Err(Error::invalid(Diagnostic::new(format!(
            "source `{shown}` is empty: expected a header line naming the columns"
        ))));
    }
    for (i, name) in header.iter().enumerate() {
        if name.trim().is_empty() {
            return Err(Error::invalid(Diagnostic::new(format!(
                "source `{shown}`, line 1: column {} has no name in the header",
                i + 1
            ))));
        }
        if let Some(first) = header.iter().position(|n| n == name)
            && first < i
        {
            return Err(Error::invalid(
                Diagnostic::new(format!(
                    "source `{shown}`, line 1: `{name}` names columns {} and {} of the header",
                    first + 1,
                    i + 1
                ))
                .help("give every column its own name"),
            ));
        }
    }
    // Per column: (every value an unsigned integer so far, one above i64::MAX seen).
    let mut unsigned = vec![(true, false); header.len()];
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {
                for (field, state) in record.iter().zip(unsigned.iter_mut()) {
                    if state.0 && !field.is_empty() {
                        match unsigned_integer(field) {
                            Some(v) => state.1 |= v > i64::MAX as u64,
                            None => state.0 = false,
                        }
                    }
                }
            }
            Ok(false) => break,
            Err(e) => return Err(csv_error(path, e)),
        }
    }
    Ok(header
        .iter()
        .zip(unsigned)
        .filter(|(_, (all, big))| *all && *big)
        .map(|(name, _)| name.to_string())
        .collect())
}

/// A field that is a whole number ≥ 0 written plainly (no sign, no leading zero), as a u64.
fn unsigned_integer(field: &[u8]) -> Option<u64> {
    let plain = field.iter().all(u8::is_ascii_digit) && (field.len() == 1 || field[0] != b'0');
    plain
        .then(|| std::str::from_utf8(field).ok()?.parse().ok())
        .flatten()
}

/// A `csv` crate error as a message naming the file, the line and what was expected.
fn csv_error(path: &Path, e: csv::Error) -> Error {
    let shown = path.display();
    let line = e.position().and_then(|p| line_at(path, p.byte()));
    let message = match (e.kind(), line) {
        (
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            },
            Some(line),
        ) => format!(
            "source `{shown}`, line {line}: {len} field{} where the header has {expected_len}",
            if *len == 1 { "" } else { "s" }
        ),
        (csv::ErrorKind::Utf8 { .. }, Some(line)) => {
            format!("source `{shown}`, line {line}: the text is not UTF-8")
        }
        (_, Some(line)) => format!("source `{shown}`, line {line}: {e}"),
        (_, None) => format!("cannot read source `{shown}`: {e}"),
    };
    Error::invalid(Diagnostic::new(message))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv_file(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.csv");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    fn message<T: std::fmt::Debug>(r: Result<T>) -> String {
        r.unwrap_err().diagnostics[0].message.clone()
    }

    #[test]
    fn a_csv_header_naming_a_column_twice_is_refused_with_its_line() {
        let (_d, p) = csv_file("a,b,a\n1,2,3\n");
        assert!(
            message(check_csv(&p)).ends_with("line 1: `a` names columns 1 and 3 of the header")
        );
    }

    #[test]
    fn a_ragged_line_is_named_by_its_line_in_crlf_files_too() {
        let (_d, p) = csv_file("a,b,c\r\n1,2,3\r\n4,5,6\r\n7,8\r\n");
        assert!(message(check_csv(&p)).ends_with("line 4: 2 fields where the header has 3"));
    }

    #[test]
    fn a_ragged_csv_line_is_named_by_the_files_own_line() {
        // A quoted field over two lines: the ragged record starts on line 4 of the file.
        let (_d, p) = csv_file("a,b\n1,\"x\ny\"\n2,3,4\n");
        assert!(message(check_csv(&p)).ends_with("line 4: 3 fields where the header has 2"));
    }

    #[test]
    fn whole_numbers_above_2_to_the_63_are_unsigned_columns() {
        let (_d, p) =
            csv_file("big,small,mixed\n18446744073709551615,1,9223372036854775808\n7,2,x\n");
        assert_eq!(check_csv(&p).unwrap(), ["big"]);
        assert_eq!(unsigned_integer(b"0"), Some(0));
        assert_eq!(unsigned_integer(b"007"), None);
        assert_eq!(unsigned_integer(b"18446744073709551616"), None);
    }

    #[test]
    fn date_times_become_whole_seconds_and_a_fraction_is_refused() {
        use datafusion::arrow::array::TimestampMillisecondArray;
        let whole: ArrayRef = Arc::new(
            TimestampMillisecondArray::from(vec![Some(1_000), None, Some(-2_000)])
                .with_timezone("+07:00"),
        );
        let to = DataType::Timestamp(TimeUnit::Second, None);
        let refuse = |row, why| Error::msg(format!("row {row}: {why}"));
        let s = normalized(&whole, &to, refuse).unwrap();
        let s = s.as_primitive::<TimestampSecondType>();
        assert_eq!(s.data_type(), &to);
        assert_eq!((s.value(0), s.is_null(1), s.value(2)), (1, true, -2));
        let fraction: ArrayRef = Arc::new(TimestampMillisecondArray::from(vec![1_000, 1_500]));
        let e = normalized(&fraction, &to, refuse).unwrap_err();
        assert!(e.render().contains("row 1:"), "{}", e.render());
    }
}
