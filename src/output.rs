//! Writing outputs: CSV formatting and the all-or-nothing output folder.
//!
//! Every file of a run is written under `DIR/.tutas-staging-<pid>/`. Only when
//! the whole run has succeeded are its entries (`unprocessed/`, `processed_1/`,
//! `processed_2/`, `report.json`) moved into `DIR`, replacing the previous ones.
//! A failed or interrupted run removes its staging folder and leaves `DIR` as it
//! was. Nothing is written outside `DIR`.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{
    DataType, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, SchemaRef,
    TimeUnit, TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};

use crate::error::{Error, Result};
use crate::scenario::BoolStyle;
use crate::time::DateTimeFormat;

/// How values are formatted in CSV files.
#[derive(Debug, Clone)]
pub struct CsvStyle {
    /// Date-time format.
    pub datetime: DateTimeFormat,
    /// Boolean spelling.
    pub booleans: BoolStyle,
}

/// The output folder of one run, with its staging folder.
pub struct OutputDir {
    dir: PathBuf,
    staging: PathBuf,
    committed: bool,
}

impl OutputDir {
    /// Creates `dir` if needed and a fresh staging folder inside it.
    pub fn begin(dir: &Path) -> Result<OutputDir> {
        fs::create_dir_all(dir).map_err(|e| {
            Error::msg(format!(
                "cannot create output folder `{}`: {e}",
                dir.display()
            ))
        })?;
        let staging = dir.join(format!(".tutas-staging-{}", std::process::id()));
        if staging.exists() {
            fs::remove_dir_all(&staging)?;
        }
        fs::create_dir(&staging).map_err(|e| {
            Error::msg(format!(
                "output folder `{}` is not writable: {e}",
                dir.display()
            ))
        })?;
        Ok(OutputDir {
            dir: dir.to_path_buf(),
            staging,
            committed: false,
        })
    }

    /// The final folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A path inside the staging folder (parents created).
    pub fn path(&self, relative: &str) -> Result<PathBuf> {
        let p = self.staging.join(relative);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent)?;
        }
        Ok(p)
    }

    /// Every file staged so far, as (relative path, absolute staging path), sorted.
    pub fn staged_files(&self) -> Result<Vec<(String, PathBuf)>> {
        let mut out = Vec::new();
        collect_files(&self.staging, &self.staging, &mut out)?;
        out.sort();
        Ok(out)
    }

    /// Moves every staged entry into the output folder, replacing what was there.
    pub fn commit(mut self) -> Result<()> {
        let trash = self.dir.join(format!(".tutas-old-{}", std::process::id()));
        fs::create_dir_all(&trash)?;
        let mut entries: Vec<_> = fs::read_dir(&self.staging)?.collect::<std::io::Result<_>>()?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name();
            let target = self.dir.join(&name);
            if target.exists() {
                fs::rename(&target, trash.join(&name))?;
            }
            fs::rename(entry.path(), &target)?;
        }
        fs::remove_dir_all(&trash)?;
        fs::remove_dir_all(&self.staging)?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

fn collect_files(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> Result<()> {
    for entry in fs::read_dir(dir)? {
        let p = entry?.path();
        if p.is_dir() {
            collect_files(root, &p, out)?;
        } else {
            let rel = p
                .strip_prefix(root)
                .unwrap_or(&p)
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, p));
        }
    }
    Ok(())
}

/// Streams batches to one CSV file, header first.
pub struct CsvFile {
    writer: csv::Writer<BufWriter<File>>,
    style: CsvStyle,
    buf: Vec<u8>,
}

impl CsvFile {
    /// Creates the file and writes the header.
    pub fn create(path: &Path, schema: &SchemaRef, style: &CsvStyle) -> Result<CsvFile> {
        let mut writer = csv_writer(path)?;
        writer
            .write_record(schema.fields().iter().map(|f| f.name().as_str()))
            .map_err(csv_error)?;
        Ok(CsvFile {
            writer,
            style: style.clone(),
            buf: Vec::with_capacity(64),
        })
    }

    /// Appends the rows of a batch.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let columns = batch.columns();
        let fallback: Vec<Option<ArrayFormatter>> = columns
            .iter()
            .map(|c| {
                if natively_formatted(c.data_type()) {
                    None
                } else {
                    ArrayFormatter::try_new(c.as_ref(), &FormatOptions::default()).ok()
                }
            })
            .collect();
        for row in 0..batch.num_rows() {
            for (col, fmt) in columns.iter().zip(&fallback) {
                self.buf.clear();
                format_value(col, row, &self.style, fmt.as_ref(), &mut self.buf);
                self.writer.write_field(&self.buf).map_err(csv_error)?;
            }
            self.writer.write_record(None::<&[u8]>).map_err(csv_error)?;
        }
        Ok(())
    }

    /// Flushes the file.
    pub fn finish(mut self) -> Result<()> {
        self.writer.flush()?;
        Ok(())
    }
}

/// A buffered CSV writer for a new file.
pub fn csv_writer(path: &Path) -> Result<csv::Writer<BufWriter<File>>> {
    let file = File::create(path)
        .map_err(|e| Error::msg(format!("cannot write `{}`: {e}", path.display())))?;
    Ok(csv::WriterBuilder::new().from_writer(BufWriter::with_capacity(1 << 20, file)))
}

/// A CSV write failure as a tutas error.
pub fn csv_error(e: csv::Error) -> Error {
    Error::msg(format!("CSV write error: {e}"))
}

/// Writes a whole table to a CSV file.
pub fn write_csv(
    path: &Path,
    schema: &SchemaRef,
    batches: &[RecordBatch],
    style: &CsvStyle,
) -> Result<()> {
    let mut f = CsvFile::create(path, schema, style)?;
    for b in batches {
        f.write(b)?;
    }
    f.finish()
}

fn natively_formatted(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Boolean
            | DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64
            | DataType::Float32
            | DataType::Float64
            | DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Timestamp(_, None)
    )
}

macro_rules! int {
    ($col:expr, $t:ty, $row:expr, $out:expr) => {{
        let mut b = itoa::Buffer::new();
        $out.extend_from_slice(b.format($col.as_primitive::<$t>().value($row)).as_bytes());
    }};
}

/// Appends the CSV text of one value (without quoting; the csv writer quotes).
pub fn format_value(
    col: &ArrayRef,
    row: usize,
    style: &CsvStyle,
    fallback: Option<&ArrayFormatter>,
    out: &mut Vec<u8>,
) {
    if col.is_null(row) {
        return;
    }
    match col.data_type() {
        DataType::Boolean => {
            let v = col.as_boolean().value(row);
            out.extend_from_slice(match (style.booleans, v) {
                (BoolStyle::Lower, true) => b"true",
                (BoolStyle::Lower, false) => b"false",
                (BoolStyle::Title, true) => b"True",
                (BoolStyle::Title, false) => b"False",
                (BoolStyle::Int, true) => b"1",
                (BoolStyle::Int, false) => b"0",
            })
        }
        DataType::Int8 => int!(col, Int8Type, row, out),
        DataType::Int16 => int!(col, Int16Type, row, out),
        DataType::Int32 => int!(col, Int32Type, row, out),
        DataType::Int64 => int!(col, Int64Type, row, out),
        DataType::UInt8 => int!(col, UInt8Type, row, out),
        DataType::UInt16 => int!(col, UInt16Type, row, out),
        DataType::UInt32 => int!(col, UInt32Type, row, out),
        DataType::UInt64 => int!(col, UInt64Type, row, out),
        DataType::Float32 => float(col.as_primitive::<Float32Type>().value(row) as f64, out),
        DataType::Float64 => float(col.as_primitive::<Float64Type>().value(row), out),
        DataType::Utf8 => out.extend_from_slice(col.as_string::<i32>().value(row).as_bytes()),
        DataType::LargeUtf8 => out.extend_from_slice(col.as_string::<i64>().value(row).as_bytes()),
        DataType::Utf8View => out.extend_from_slice(col.as_string_view().value(row).as_bytes()),
        DataType::Timestamp(unit, None) => {
            let secs = match unit {
                TimeUnit::Second => col.as_primitive::<TimestampSecondType>().value(row),
                TimeUnit::Millisecond => col
                    .as_primitive::<TimestampMillisecondType>()
                    .value(row)
                    .div_euclid(1000),
                TimeUnit::Microsecond => col
                    .as_primitive::<TimestampMicrosecondType>()
                    .value(row)
                    .div_euclid(1_000_000),
                TimeUnit::Nanosecond => col
                    .as_primitive::<TimestampNanosecondType>()
                    .value(row)
                    .div_euclid(1_000_000_000),
            };
            style.datetime.write(secs, out)
        }
        _ => {
            if let Some(f) = fallback {
                out.extend_from_slice(f.value(row).to_string().as_bytes());
            }
        }
    }
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

/// The SHA-256 of a file, in hex.
pub fn sha256_file(path: &Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let mut f = File::open(path)?;
    std::io::copy(&mut f, &mut h)?;
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Writes pretty JSON.
pub fn write_json(path: &Path, value: &serde_json::Value) -> Result<()> {
    let mut f = BufWriter::new(File::create(path)?);
    serde_json::to_writer_pretty(&mut f, value)
        .map_err(|e| Error::msg(format!("JSON write error: {e}")))?;
    f.write_all(b"\n")?;
    f.flush()?;
    Ok(())
}
