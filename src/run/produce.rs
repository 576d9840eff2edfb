//! Making a table's chunks on the thread pool and writing them: streamed straight to the file,
//! or kept in memory and written on a thread of its own while later stages run.

use std::time::Instant;

use datafusion::arrow::array::RecordBatch;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use super::check_interrupt;
use crate::error::{Error, Result};
use crate::generate::ChunkSource;
use crate::report::profile::TableProfiler;
use crate::report::{RunReport, StageTiming};
use crate::write::csv::CsvStyle;
use crate::write::staging::OutputDir;
use crate::write::{Chunk, TableWriter};

/// One stage of the run: a progress bar while it runs, a timing when it ends.
pub(super) struct Stage {
    name: String,
    pub(super) started: Instant,
    pub(super) bar: ProgressBar,
    /// Bytes of the files the stage wrote.
    pub(super) bytes: u64,
    /// When the work before writing ended, if marked.
    computed: Option<Instant>,
}

impl Stage {
    pub(super) fn start(name: impl Into<String>, rows: u64, progress: bool) -> Stage {
        let name = name.into();
        let bar = if progress {
            ProgressBar::new(rows)
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:>28} [{bar:30}] {human_pos}/{human_len} rows {per_sec} {eta}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.set_prefix(name.clone());
        Stage {
            name,
            started: Instant::now(),
            bar,
            bytes: 0,
            computed: None,
        }
    }

    pub(super) fn done(self, rows: u64, timings: &mut Vec<StageTiming>) {
        self.bar.finish_and_clear();
        let seconds = self.started.elapsed().as_secs_f64();
        timings.push(StageTiming {
            stage: self.name,
            rows,
            bytes: self.bytes,
            seconds,
            compute_seconds: self.computed.map(|at| (at - self.started).as_secs_f64()),
        });
    }

    /// Marks the end of the stage's work before writing.
    pub(super) fn computed(&mut self) {
        self.computed = Some(Instant::now());
    }
}

/// Makes the chunk (batch and, for CSV, its lines) with a given index.
pub(super) type ChunkMaker<'a> = dyn Fn(u64) -> Result<Chunk> + Sync + 'a;

/// Makes `chunks` chunks in waves on the pool; `sink` takes each wave in order while the next
/// is made, and each chunk is dropped once the sink has it.
pub(super) fn produce(
    pool: &rayon::ThreadPool,
    chunks: u64,
    make: &ChunkMaker,
    sink: &mut (dyn FnMut(&Chunk) -> Result<()> + Send),
    bar: &ProgressBar,
) -> Result<()> {
    // Two chunks per thread keep every thread busy while the previous wave is written; one
    // thread writes in between anyway, so one chunk a wave holds half the memory.
    let wave = match pool.current_num_threads() {
        1 => 1,
        n => n as u64 * 2,
    };
    let mut pending: Vec<Chunk> = Vec::new();
    let mut next = 0;
    loop {
        check_interrupt()?;
        let range = next..(next + wave).min(chunks);
        next = range.end;
        let (made, written) = pool.install(|| {
            rayon::join(
                || range.into_par_iter().map(make).collect::<Vec<_>>(),
                || pending.iter().try_for_each(&mut *sink),
            )
        });
        // The first failed chunk's error, whatever thread finished first.
        let made: Result<Vec<Chunk>> = made.into_iter().collect();
        written?;
        for c in pending.drain(..) {
            bar.inc(c.batch.num_rows() as u64);
            c.recycle();
        }
        pending = made?;
        if pending.is_empty() {
            return Ok(());
        }
    }
}

/// Makes every chunk of `source` and writes it to `writer` as it comes (nothing is kept).
pub(super) fn stream_to_file(
    pool: &rayon::ThreadPool,
    source: &dyn ChunkSource,
    writer: &mut TableWriter,
    profiler: &mut TableProfiler,
    style: Option<&CsvStyle>,
    bar: &ProgressBar,
) -> Result<()> {
    if let (1, Some(style)) = (pool.current_num_threads(), style) {
        return pool.install(|| stream_on_one_thread(source, writer, profiler, style, bar));
    }
    produce(
        pool,
        source.chunk_count(),
        &|c| Chunk::new(source.chunk(c)?, style),
        &mut write_and_profile(writer, profiler),
        bar,
    )
}

/// Bytes of CSV lines encoded before they are written, on one thread: small enough to stay in
/// the cache while they are hashed and copied into the file.
const PIECE_BYTES: usize = 256 << 10;

/// [`stream_to_file`] on one thread, where nothing runs beside the writer: each chunk is
/// written as soon as it is made, while its columns are in the cache, in pieces of
/// [`PIECE_BYTES`] (the same bytes as whole chunks).
fn stream_on_one_thread(
    source: &dyn ChunkSource,
    writer: &mut TableWriter,
    profiler: &mut TableProfiler,
    style: &CsvStyle,
    bar: &ProgressBar,
) -> Result<()> {
    let mut lines = Vec::with_capacity(PIECE_BYTES + (64 << 10));
    for c in 0..source.chunk_count() {
        check_interrupt()?;
        let batch = source.chunk(c)?;
        crate::write::csv::encode_in_pieces(&batch, style, PIECE_BYTES, &mut lines, |piece| {
            writer.write_lines(piece)
        })?;
        writer.write_lines(&lines)?;
        lines.clear();
        profiler.add(&batch);
        bar.inc(batch.num_rows() as u64);
    }
    Ok(())
}

/// Makes every chunk of `source` and keeps the batches, in order.
pub(super) fn collect(
    pool: &rayon::ThreadPool,
    source: &dyn ChunkSource,
    bar: &ProgressBar,
) -> Result<Vec<RecordBatch>> {
    let mut batches = Vec::new();
    produce(
        pool,
        source.chunk_count(),
        &|c| Chunk::new(source.chunk(c)?, None),
        &mut |c: &Chunk| {
            batches.push(c.batch.clone());
            Ok(())
        },
        bar,
    )?;
    Ok(batches)
}

/// A sink that writes each chunk and adds it to the table's profile.
fn write_and_profile<'a>(
    writer: &'a mut TableWriter,
    profiler: &'a mut TableProfiler,
) -> impl FnMut(&Chunk) -> Result<()> + Send + 'a {
    move |c| {
        writer.write(c)?;
        profiler.add(&c.batch);
        Ok(())
    }
}

/// Which entry of the report a background write profiles.
pub(super) enum ReportSlot {
    /// `tables[i]`.
    Table(usize),
    /// `features[i]`.
    Feature(usize),
}

/// A kept table's file, written on its own thread while later stages run. Stages then
/// overlap: a stage's seconds run until its file is complete.
pub(super) struct BackgroundWrite {
    thread: std::thread::JoinHandle<Result<(TableWriter, TableProfiler, Instant)>>,
    started: Instant,
    timing: usize,
    slot: ReportSlot,
}

impl BackgroundWrite {
    /// Starts writing `batches`; `timing` is the index of the stage's timing in the report.
    pub(super) fn start(
        batches: Vec<RecordBatch>,
        mut writer: TableWriter,
        mut profiler: TableProfiler,
        style: Option<CsvStyle>,
        started: Instant,
        timing: usize,
        slot: ReportSlot,
    ) -> BackgroundWrite {
        let thread = std::thread::spawn(move || {
            {
                let mut sink = write_and_profile(&mut writer, &mut profiler);
                for batch in batches {
                    check_interrupt()?;
                    let chunk = Chunk::new(batch, style.as_ref())?;
                    sink(&chunk)?;
                    chunk.recycle();
                }
            }
            Ok((writer, profiler, Instant::now()))
        });
        BackgroundWrite {
            thread,
            started,
            timing,
            slot,
        }
    }

    /// Waits for the file, then records its size, the stage's time and the table's profile.
    pub(super) fn finish(self, out: &OutputDir, report: &mut RunReport) -> Result<()> {
        let (writer, profiler, ended) = self
            .thread
            .join()
            .unwrap_or_else(|_| Err(Error::msg("a writer thread panicked")))?;
        let timing = &mut report.timings[self.timing];
        timing.bytes += writer.finish(out)?;
        timing.seconds = (ended - self.started).as_secs_f64();
        let table = match self.slot {
            ReportSlot::Table(i) => &mut report.tables[i],
            ReportSlot::Feature(i) => &mut report.features[i],
        };
        table.profile = profiler.finish();
        Ok(())
    }
}
