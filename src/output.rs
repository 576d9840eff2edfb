//! Writing outputs: CSV formatting and the all-or-nothing output folder.
//!
//! Every file of a run is written under `DIR/.tutas-staging-<pid>/`. Only when
//! the whole run has succeeded are its entries (`unprocessed/`, `processed_1/`,
//! `processed_2/`, `report.json`) moved into `DIR`, replacing the previous ones.
//! A failed or interrupted run removes its staging folder and leaves `DIR` as it
//! was. Nothing is written outside `DIR`.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;

use crate::error::{Diagnostic, Error, Result};
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
    /// Size and SHA-256 of files hashed while they were written.
    hashed: Mutex<BTreeMap<String, (u64, String)>>,
}

/// A file being written in the staging folder; its SHA-256 is computed as it is written.
pub struct StagedFile {
    relative: String,
    writer: BufWriter<File>,
    hasher: Sha256,
    bytes: u64,
}

impl Write for StagedFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.writer.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush()
    }
}

/// Creates the output folder (and its parents) if needed.
pub fn create_output_folder(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(|e| {
        Error::invalid(
            Diagnostic::new(format!(
                "cannot create output folder `{}`: {e}",
                dir.display()
            ))
            .help("choose another folder with --out"),
        )
    })
}

impl OutputDir {
    /// Creates `dir` if needed and a fresh staging folder inside it.
    pub fn begin(dir: &Path) -> Result<OutputDir> {
        create_output_folder(dir)?;
        let staging = dir.join(format!(".tutas-staging-{}", std::process::id()));
        if staging.exists() {
            fs::remove_dir_all(&staging)?;
        }
        fs::create_dir(&staging).map_err(|e| {
            Error::invalid(
                Diagnostic::new(format!(
                    "output folder `{}` is not writable: {e}",
                    dir.display()
                ))
                .help("choose another folder with --out"),
            )
        })?;
        Ok(OutputDir {
            dir: dir.to_path_buf(),
            staging,
            committed: false,
            hashed: Mutex::new(BTreeMap::new()),
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

    /// Creates a staged file that is hashed as it is written.
    pub fn create(&self, relative: &str) -> Result<StagedFile> {
        let path = self.path(relative)?;
        let file = File::create(&path)
            .map_err(|e| Error::msg(format!("cannot write `{}`: {e}", path.display())))?;
        Ok(StagedFile {
            relative: relative.to_string(),
            writer: BufWriter::with_capacity(1 << 20, file),
            hasher: Sha256::new(),
            bytes: 0,
        })
    }

    /// Flushes a staged file, records its size and hash, and returns its size.
    pub fn close(&self, mut file: StagedFile) -> Result<u64> {
        file.writer.flush()?;
        let hash = hex(&file.hasher.finalize());
        let bytes = file.bytes;
        self.hashed
            .lock()
            .expect("not poisoned")
            .insert(file.relative, (bytes, hash));
        Ok(bytes)
    }

    /// Every file staged so far as (relative path, bytes, SHA-256), sorted by path.
    pub fn staged_files(&self) -> Result<Vec<(String, u64, String)>> {
        let mut files = Vec::new();
        collect_files(&self.staging, &self.staging, &mut files)?;
        files.sort();
        let hashed = self.hashed.lock().expect("not poisoned");
        files
            .into_iter()
            .map(|(rel, path)| match hashed.get(&rel) {
                Some((bytes, hash)) => Ok((rel, *bytes, hash.clone())),
                None => Ok((rel, fs::metadata(&path)?.len(), sha256_file(&path)?)),
            })
            .collect()
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
    let mut h = Sha256::new();
    let mut f = File::open(path)?;
    std::io::copy(&mut f, &mut h)?;
    Ok(hex(&h.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
        let csv = style
            .map(|s| crate::encode::encode(&batch, s))
            .transpose()?;
        Ok(Chunk { batch, csv })
    }

    /// A chunk of `rows` CSV lines encoded by the caller (nothing to profile or write as Parquet).
    pub fn from_lines(rows: usize, lines: Vec<u8>) -> Result<Chunk> {
        Ok(Chunk {
            batch: crate::sql::batch(Vec::new(), Vec::new(), rows)?,
            csv: Some(lines),
        })
    }
}

/// Writes one table, chunk by chunk, in CSV or Parquet.
pub enum TableWriter {
    /// CSV: header, then each chunk's encoded lines.
    Csv(StagedFile),
    /// Parquet: one row group per chunk or more.
    Parquet(Box<parquet::arrow::ArrowWriter<StagedFile>>),
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
                file.write_all(&crate::encode::header(schema))?;
                TableWriter::Csv(file)
            }
            Format::Parquet => {
                let props = parquet::file::properties::WriterProperties::builder()
                    .set_compression(parquet::basic::Compression::SNAPPY)
                    .build();
                let w = parquet::arrow::ArrowWriter::try_new(file, schema.clone(), Some(props))
                    .map_err(|e| Error::msg(format!("cannot write Parquet: {e}")))?;
                TableWriter::Parquet(Box::new(w))
            }
        })
    }

    /// Appends a chunk.
    pub fn write(&mut self, chunk: &Chunk) -> Result<()> {
        match self {
            TableWriter::Csv(f) => {
                f.write_all(chunk.csv.as_deref().expect("CSV chunks are encoded"))?
            }
            TableWriter::Parquet(w) => w
                .write(&chunk.batch)
                .map_err(|e| Error::msg(format!("cannot write Parquet: {e}")))?,
        }
        Ok(())
    }

    /// Finishes the file, records its hash and returns its size in bytes.
    pub fn finish(self, out: &OutputDir) -> Result<u64> {
        match self {
            TableWriter::Csv(f) => out.close(f),
            TableWriter::Parquet(w) => {
                let f = w
                    .into_inner()
                    .map_err(|e| Error::msg(format!("cannot write Parquet: {e}")))?;
                out.close(f)
            }
        }
    }
}
