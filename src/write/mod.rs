//! Writing outputs: tables and features as CSV ([`csv`]) or Parquet, each file hashed while
//! it is written, all of them in a staging folder that replaces the output folder in one
//! step when the run succeeds ([`staging`]).

pub mod csv;
pub mod split;
pub mod staging;

use std::io::Write;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;

use crate::error::{Error, Result};
use csv::CsvStyle;
use staging::{OutputDir, StagedFile};

/// `e` as the failure to write `path`, naming it; its kind is kept (a full disk stays one).
pub fn cannot_write(path: &std::path::Path, e: std::io::Error) -> std::io::Error {
    std::io::Error::new(e.kind(), format!("cannot write `{}`: {e}", path.display()))
}

/// Writes `relative` in the output folder as pretty JSON with a final newline.
pub fn write_json(out: &OutputDir, relative: &str, value: &serde_json::Value) -> Result<()> {
    let mut bytes = serde_json::to_vec_pretty(value)
        .map_err(|e| Error::msg(format!("JSON write error: {e}")))?;
    bytes.push(b'\n');
    out.write_file(relative, &bytes)
}

/// File format of tables and feature results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// CSV with a header (`output` options apply).
    Csv,
    /// Parquet with typed columns.
    Parquet,
}

impl Format {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Parquet => "parquet",
        }
    }
}

/// One chunk ready to write: the batch and, for CSV, its encoded lines.
pub struct Chunk {
    /// The rows.
    pub batch: RecordBatch,
    /// The CSV lines (made in the worker thread), when writing CSV.
    pub csv: Option<Vec<u8>>,
}

impl Chunk {
    /// Encodes the batch as CSV when `style` is given.
    pub fn new(batch: RecordBatch, style: Option<&CsvStyle>) -> Result<Chunk> {
        let csv = style.map(|s| csv::encode(&batch, s)).transpose()?;
        Ok(Chunk { batch, csv })
    }

    /// Gives the chunk's CSV buffer back for a later chunk, once the chunk is written.
    pub fn recycle(self) {
        if let Some(lines) = self.csv {
            csv::recycle(lines);
        }
    }

    /// A chunk of `rows` CSV lines encoded by the caller (nothing to profile or write as Parquet).
    pub fn from_lines(rows: usize, lines: Vec<u8>) -> Result<Chunk> {
        Ok(Chunk {
            batch: crate::batch::batch(Vec::new(), Vec::new(), rows)?,
            csv: Some(lines),
        })
    }
}

/// Writes one table, chunk by chunk, in CSV or Parquet.
pub enum TableWriter {
    /// CSV: header, then each chunk's encoded lines.
    Csv(StagedFile),
    /// Parquet: one row group per chunk or more, with the schema the file declares.
    Parquet(Box<parquet::arrow::ArrowWriter<StagedFile>>, SchemaRef),
}

/// The schema of a table in Parquet: date-times without a time zone, in microseconds
/// (Parquet's TIMESTAMP has no seconds; finer units are kept), which every engine reads as a
/// timestamp; text as plain strings.
pub fn parquet_schema(schema: &SchemaRef) -> SchemaRef {
    use datafusion::arrow::datatypes::{DataType, Schema, TimeUnit};
    let fields: Vec<_> = schema
        .fields()
        .iter()
        .map(|f| {
            let t = match f.data_type() {
                DataType::Timestamp(TimeUnit::Second, _) => {
                    DataType::Timestamp(TimeUnit::Microsecond, None)
                }
                DataType::Timestamp(unit, _) => DataType::Timestamp(*unit, None),
                DataType::Utf8View | DataType::LargeUtf8 => DataType::Utf8,
                other => other.clone(),
            };
            f.as_ref().clone().with_data_type(t)
        })
        .collect();
    std::sync::Arc::new(Schema::new(fields))
}

/// `a` as type `to` for a Parquet file: a date-time keeps its UTC instant when its zone is
/// dropped (a cast would move it to the zone's wall-clock time).
fn parquet_column(
    a: &datafusion::arrow::array::ArrayRef,
    to: &datafusion::arrow::datatypes::DataType,
) -> Result<datafusion::arrow::array::ArrayRef> {
    use datafusion::arrow::datatypes::DataType;
    let a = match a.data_type() {
        DataType::Timestamp(unit, Some(_)) => datafusion::arrow::array::make_array(
            a.to_data()
                .into_builder()
                .data_type(DataType::Timestamp(*unit, None))
                .build()?,
        ),
        _ => a.clone(),
    };
    Ok(datafusion::arrow::compute::cast(&a, to)?)
}

/// A Parquet writer's error; a failed write to the file is reported as the I/O error it is
/// (naming the file, with what to do when the disk is full).
fn parquet_error(e: parquet::errors::ParquetError) -> Error {
    match e {
        parquet::errors::ParquetError::External(inner) => {
            match inner.downcast::<std::io::Error>() {
                Ok(io) => Error::from(*io),
                Err(other) => Error::msg(format!("cannot write Parquet: {other}")),
            }
        }
        other => Error::msg(format!("cannot write Parquet: {other}")),
    }
}

impl TableWriter {
    /// Creates `<folder>/<name>.<ext>` in the staging folder.
    pub fn create(
        out: &OutputDir,
        folder: &str,
        name: &str,
        schema: &SchemaRef,
        format: Format,
    ) -> Result<TableWriter> {
        let mut file = out.create(&format!("{folder}/{name}.{}", format.extension()))?;
        Ok(match format {
            Format::Csv => {
                file.write_all(&csv::header(schema))?;
                TableWriter::Csv(file)
            }
            Format::Parquet => {
                let props = parquet::file::properties::WriterProperties::builder()
                    .set_compression(parquet::basic::Compression::SNAPPY)
                    .build();
                let schema = parquet_schema(schema);
                let w = parquet::arrow::ArrowWriter::try_new(file, schema.clone(), Some(props))
                    .map_err(parquet_error)?;
                TableWriter::Parquet(Box::new(w), schema)
            }
        })
    }

    /// Appends a chunk.
    pub fn write(&mut self, chunk: &Chunk) -> Result<()> {
        match self {
            TableWriter::Csv(f) => {
                f.write_all(chunk.csv.as_deref().expect("CSV chunks are encoded"))?
            }
            TableWriter::Parquet(w, schema) => {
                let columns = chunk
                    .batch
                    .columns()
                    .iter()
                    .zip(schema.fields())
                    .map(|(c, f)| parquet_column(c, f.data_type()))
                    .collect::<Result<Vec<_>>>()?;
                let batch = RecordBatch::try_new(schema.clone(), columns)?;
                w.write(&batch).map_err(parquet_error)?
            }
        }
        Ok(())
    }

    /// Appends CSV lines encoded by the caller.
    pub fn write_lines(&mut self, lines: &[u8]) -> Result<()> {
        match self {
            TableWriter::Csv(f) => Ok(f.write_all(lines)?),
            TableWriter::Parquet(..) => Err(Error::msg("CSV lines written to a Parquet file")),
        }
    }

    /// Finishes the file, records its hash and returns its size in bytes.
    pub fn finish(self, out: &OutputDir) -> Result<u64> {
        match self {
            TableWriter::Csv(f) => out.close(f),
            TableWriter::Parquet(w, _) => {
                let f = w.into_inner().map_err(parquet_error)?;
                out.close(f)
            }
        }
    }
}
