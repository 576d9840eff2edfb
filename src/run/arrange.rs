//! How a made table's rows are arranged for writing: its mess (`nulls`, `dirty`,
//! `duplicates`), the part a run makes (`--parts`), a deterministic shuffle (`shuffle: true`),
//! and the columns written (`hidden` left out).
//! Each is a [`ChunkSource`] over another, so they compose and stay chunk by chunk.

use std::ops::Range;

use datafusion::arrow::array::{RecordBatch, UInt32Array};
use datafusion::arrow::compute::{concat_batches, take_record_batch};
use indicatif::ProgressBar;
use rand::seq::SliceRandom;

use super::produce::collect;
use crate::error::{Error, Result};
use crate::generate::mess::{Counted, Messy};
use crate::generate::rng::stream;
use crate::generate::{CHUNK_ROWS, ChunkSource, chunk_count};
use crate::plan::TablePlan;
use crate::report::StratumReport;

/// A part of a table: the chunks that hold its rows, the first and last cut to the part.
pub(super) struct PartOf<'a> {
    source: &'a dyn ChunkSource,
    /// (chunk, first row in it, rows) of each piece, in order.
    pieces: Vec<(u64, u64, u64)>,
}

impl<'a> PartOf<'a> {
    /// The pieces of `source` that hold `rows`, a range of the table's rows.
    pub(super) fn new(source: &'a dyn ChunkSource, rows: Range<u64>) -> PartOf<'a> {
        let mut pieces = Vec::new();
        let mut first = 0;
        for c in 0..source.chunk_count() {
            let n = source.chunk_rows(c);
            let (from, to) = (rows.start.max(first), rows.end.min(first + n));
            if from < to {
                pieces.push((c, from - first, to - from));
            }
            first += n;
        }
        PartOf { source, pieces }
    }

    /// The rows of the part.
    pub(super) fn rows(&self) -> u64 {
        self.pieces.iter().map(|p| p.2).sum()
    }

    /// The part's batches cut from the whole table's.
    pub(super) fn cut(&self, batches: &[RecordBatch]) -> Vec<RecordBatch> {
        self.pieces
            .iter()
            .map(|&(c, at, n)| batches[c as usize].slice(at as usize, n as usize))
            .collect()
    }
}

impl ChunkSource for PartOf<'_> {
    fn chunk_count(&self) -> u64 {
        self.pieces.len() as u64
    }

    fn chunk(&self, i: u64) -> Result<RecordBatch> {
        let (c, at, n) = self.pieces[i as usize];
        let batch = self.source.chunk(c)?;
        Ok(if n == batch.num_rows() as u64 {
            batch
        } else {
            batch.slice(at as usize, n as usize)
        })
    }

    fn chunk_rows(&self, i: u64) -> u64 {
        self.pieces[i as usize].2
    }
}

/// A table's rows in a random order drawn from the stream `(seed, table, "shuffle", 0)`:
/// the table is made whole, then each chunk is taken from it.
pub(super) struct Shuffled {
    whole: RecordBatch,
    /// `order[i]` is the made row written at position `i`.
    order: Vec<u32>,
}

impl Shuffled {
    /// Makes every chunk of `source` and puts its rows in `order` ([`shuffle_order`]).
    pub(super) fn new(
        pool: &rayon::ThreadPool,
        source: &dyn ChunkSource,
        table: &TablePlan,
        order: Vec<u32>,
        bar: &ProgressBar,
    ) -> Result<Shuffled> {
        let batches = collect(pool, source, bar)?;
        let whole = concat_batches(&table.schema, &batches)?;
        drop(batches);
        Ok(Shuffled { whole, order })
    }

    /// The made row that position `row` holds.
    pub(super) fn origin(&self, row: u64) -> u64 {
        self.order[row as usize] as u64
    }
}

impl ChunkSource for Shuffled {
    fn chunk_count(&self) -> u64 {
        chunk_count(self.order.len() as u64)
    }

    fn chunk(&self, i: u64) -> Result<RecordBatch> {
        let from = (i * CHUNK_ROWS) as usize;
        let to = (from + CHUNK_ROWS as usize).min(self.order.len());
        let indices = UInt32Array::from(self.order[from..to].to_vec());
        Ok(take_record_batch(&self.whole, &indices)?)
    }

    fn chunk_rows(&self, i: u64) -> u64 {
        (self.order.len() as u64 - i * CHUNK_ROWS).min(CHUNK_ROWS)
    }
}

/// The order a shuffled table of `rows` rows is written in (`order[i]` is the made row at
/// position `i`), drawn from the stream `(seed, table, "shuffle", 0)` alone.
pub(super) fn shuffle_order(seed: u64, table: &str, rows: u64) -> Result<Vec<u32>> {
    let rows = u32::try_from(rows).map_err(|_| {
        Error::msg(format!(
            "table `{table}`: `shuffle` takes at most {} rows",
            u32::MAX
        ))
    })?;
    let mut order: Vec<u32> = (0..rows).collect();
    order.shuffle(&mut stream(seed, table, "shuffle", 0));
    Ok(order)
}

/// The made rows a part writes: `rows` (written positions), mapped through a shuffle's
/// `order` when there is one.
pub(super) fn counted_rows(rows: Range<u64>, order: Option<&[u32]>) -> Counted {
    match order {
        None => Counted::Range(rows),
        Some(order) => {
            let mut marked = vec![false; order.len()];
            for r in rows {
                marked[order[r as usize] as usize] = true;
            }
            Counted::Marked(marked)
        }
    }
}

/// The made chunks with the table's mess put in, when it declares some; a duplicate stays in
/// its stratum (`strata` in made order).
pub(super) fn messy<'a>(
    made: &'a dyn ChunkSource,
    table: &'a TablePlan,
    seed: u64,
    strata: &[StratumReport],
) -> Option<Messy<'a>> {
    let mess = table.mess.as_ref()?;
    let ends = strata.iter().scan(0, |end, s| {
        *end += s.requested;
        Some(*end)
    });
    Some(Messy::new(
        made,
        mess,
        table.schema.clone(),
        &table.name,
        seed,
        ends.collect(),
    ))
}

/// A table's chunks as written: its hidden columns left out.
pub(super) struct Written<'a> {
    pub(super) source: &'a dyn ChunkSource,
    pub(super) table: &'a TablePlan,
}

impl ChunkSource for Written<'_> {
    fn chunk_count(&self) -> u64 {
        self.source.chunk_count()
    }

    fn chunk(&self, i: u64) -> Result<RecordBatch> {
        Ok(self.table.written_batch(&self.source.chunk(i)?))
    }

    fn chunk_rows(&self, i: u64) -> u64 {
        self.source.chunk_rows(i)
    }
}

/// The strata as a part holds them: each stratum's rows among the part's `rows`, where
/// `origin` gives the made row (strata are made one after another) at a written position.
pub(super) fn part_strata(
    mut strata: Vec<StratumReport>,
    rows: Range<u64>,
    origin: Option<&dyn Fn(u64) -> u64>,
) -> Vec<StratumReport> {
    if strata.is_empty() {
        return strata;
    }
    let mut ends = Vec::new();
    let mut end = 0;
    for s in &strata {
        end += s.requested;
        ends.push(end);
    }
    let mut counts = vec![0; strata.len()];
    match origin {
        None => {
            let mut start = 0;
            for (s, &end) in ends.iter().enumerate() {
                counts[s] = rows.end.min(end).saturating_sub(rows.start.max(start));
                start = end;
            }
        }
        Some(origin) => {
            for row in rows {
                counts[ends.partition_point(|&e| e <= origin(row))] += 1;
            }
        }
    }
    for (s, n) in strata.iter_mut().zip(counts) {
        s.produced = n;
    }
    strata
}
