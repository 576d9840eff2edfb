//! Messy data: dirty values, missing values and duplicate rows put into a made table.
//!
//! Applied to each chunk once every column of the table is made, so a table's own columns
//! (a label, say) are computed from the clean values, while everything after it (its file,
//! SQL, later tables, the split) sees the messy ones. Each effect has its own key, drawn from
//! the stream `(seed, table, "mess:<column>:<kind>", 0)`, and each row's draw is a hash of
//! that key and the row's position (as in counter-based generators): whether the row is hit
//! and how. So changing one share changes no other value, raising it only adds hit rows, and
//! the draws cost a few nanoseconds a row.

use std::sync::atomic::{AtomicU64, Ordering};

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Float64Array, Int64Array, RecordBatch, StringBuilder,
    UInt32Array,
};
use datafusion::arrow::compute::{nullif, take_record_batch};
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type, SchemaRef};
use rand::RngExt;
use std::sync::Arc;

use super::ChunkSource;
use super::rng::stream;
use crate::batch::eval_mask;
use crate::error::Result;
use crate::facts::MessCount;
use crate::plan::{Mess, MessKind};

/// The made rows whose changes a [`Messy`] counts: all of them, or those a part writes.
#[derive(Debug, Clone, Default)]
pub enum Counted {
    /// Every row.
    #[default]
    All,
    /// The made rows in this range.
    Range(std::ops::Range<u64>),
    /// The made rows marked `true` (a part of a shuffled table).
    Marked(Vec<bool>),
}

impl Counted {
    fn contains(&self, row: u64) -> bool {
        match self {
            Counted::All => true,
            Counted::Range(r) => r.contains(&row),
            Counted::Marked(m) => m.get(row as usize).copied().unwrap_or(false),
        }
    }
}

/// A made table with its mess put in, chunk by chunk.
pub struct Messy<'a> {
    source: &'a dyn ChunkSource,
    mess: &'a Mess,
    schema: SchemaRef,
    /// The first row of each chunk.
    offsets: Vec<u64>,
    /// The end row of each stratum (one segment for the whole of an entity table): a
    /// duplicate copies a row of its own stratum.
    segments: Vec<u64>,
    /// Rows changed by each effect, then duplicated rows.
    counts: Vec<AtomicU64>,
    /// The key of each effect, then of duplicates.
    keys: Vec<u64>,
    /// The rows whose changes are counted.
    counted: Counted,
    /// The table's name, for errors.
    table: String,
}

impl<'a> Messy<'a> {
    /// `source`'s chunks with `mess` put in; `segments` end the strata in made order.
    pub fn new(
        source: &'a dyn ChunkSource,
        mess: &'a Mess,
        schema: SchemaRef,
        table: &'a str,
        seed: u64,
        segments: Vec<u64>,
    ) -> Messy<'a> {
        let mut offsets = Vec::new();
        let mut first = 0;
        for c in 0..source.chunk_count() {
            offsets.push(first);
            first += source.chunk_rows(c);
        }
        let segments = match segments.is_empty() {
            true => vec![first],
            false => segments,
        };
        let counts = (0..=mess.effects.len())
            .map(|_| AtomicU64::new(0))
            .collect();
        let key = |name: String| stream(seed, table, &format!("mess:{name}"), 0).random::<u64>();
        let keys = mess
            .effects
            .iter()
            .map(|e| key(format!("{}:{}", e.column, e.kind.name())))
            .chain([key("duplicates".into())])
            .collect();
        Messy {
            source,
            mess,
            schema,
            offsets,
            segments,
            counts,
            keys,
            counted: Counted::All,
            table: table.to_string(),
        }
    }

    /// Counts only the changes of the rows in `counted` (what a part writes).
    pub fn counting(mut self, counted: Counted) -> Self {
        self.counted = counted;
        self
    }

    /// Whether row `r` of chunk `chunk` is counted.
    fn counts_row(&self, chunk: u64, r: usize) -> bool {
        self.counted
            .contains(self.offsets[chunk as usize] + r as u64)
    }

    /// What was put in, over the chunks made so far.
    pub fn counts(&self) -> Vec<MessCount> {
        let mut out: Vec<MessCount> = self
            .mess
            .effects
            .iter()
            .zip(&self.counts)
            .map(|(e, n)| MessCount {
                column: Some(e.column.clone()),
                effect: e.kind.name().to_string(),
                share: e.share,
                rows: n.load(Ordering::Relaxed),
            })
            .collect();
        if let Some(share) = self.mess.duplicates {
            out.push(MessCount {
                column: None,
                effect: "duplicates".into(),
                share,
                rows: self.counts[self.mess.effects.len()].load(Ordering::Relaxed),
            });
        }
        out
    }

    /// Per row of the chunk, from effect `k`'s key and the row's position: whether it is hit
    /// (a uniform number below `share`), and how.
    fn draws(&self, k: usize, chunk: u64, rows: usize, share: f64) -> Vec<Option<u64>> {
        let first = self.offsets[chunk as usize];
        (0..rows as u64)
            .map(|r| {
                let x = mix(self.keys[k] ^ (first + r).wrapping_mul(0x9E37_79B9_7F4A_7C15));
                let u = (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
                (u < share).then(|| mix(x))
            })
            .collect()
    }

    /// Replaces the selected rows by copies of unselected rows of the same stratum in the chunk.
    fn duplicate(&self, batch: RecordBatch, chunk: u64, share: f64) -> Result<RecordBatch> {
        let rows = batch.num_rows();
        let draws = self.draws(self.mess.effects.len(), chunk, rows, share);
        let first = self.offsets[chunk as usize];
        let segment = |r: usize| self.segments.partition_point(|&e| e <= first + r as u64);
        let mut indices: Vec<u32> = (0..rows as u32).collect();
        let mut copied = 0;
        let mut start = 0;
        while start < rows {
            let s = segment(start);
            let end = (start..rows).find(|&r| segment(r) != s).unwrap_or(rows);
            let kept: Vec<u32> = (start..end)
                .filter(|&r| draws[r].is_none())
                .map(|r| r as u32)
                .collect();
            for r in start..end {
                if let (Some(how), false) = (draws[r], kept.is_empty()) {
                    indices[r] = kept[(how % kept.len() as u64) as usize];
                    copied += self.counts_row(chunk, r) as u64;
                }
            }
            start = end;
        }
        self.counts[self.mess.effects.len()].fetch_add(copied, Ordering::Relaxed);
        Ok(take_record_batch(&batch, &UInt32Array::from(indices))?)
    }
}

impl ChunkSource for Messy<'_> {
    fn chunk_count(&self) -> u64 {
        self.source.chunk_count()
    }

    fn chunk(&self, i: u64) -> Result<RecordBatch> {
        let made = self.source.chunk(i)?;
        let rows = made.num_rows();
        let counted = |r: usize| self.counts_row(i, r);
        let mut columns = made.columns().to_vec();
        let effects = &self.mess.effects;
        let mut k = 0;
        while k < effects.len() {
            let e = &effects[k];
            let column = &columns[e.index];
            // The text edits of one column (declared together) are made in one pass.
            let edits: Vec<(usize, Edit)> = (k..effects.len())
                .map_while(|j| Some((j, text_edit(&effects[j].kind)?)))
                .take_while(|(j, _)| effects[*j].index == e.index)
                .collect();
            if !edits.is_empty() {
                let draws: Vec<_> = edits
                    .iter()
                    .map(|&(j, _)| self.draws(j, i, rows, effects[j].share))
                    .collect();
                let fns: Vec<Edit> = edits.iter().map(|&(_, f)| f).collect();
                let (array, changed) = edited(column, &draws, &fns, &counted);
                columns[e.index] = array;
                for ((j, _), n) in edits.iter().zip(changed) {
                    self.counts[*j].fetch_add(n, Ordering::Relaxed);
                }
                k += edits.len();
                continue;
            }
            let draws = self.draws(k, i, rows, e.share);
            let (array, changed) = match &e.kind {
                MessKind::Nulls(when) => {
                    let allowed = when
                        .as_ref()
                        .map(|w| eval_mask(w, &made))
                        .transpose()
                        .map_err(|err| {
                            err.at_sql(&format!("tables.{}.nulls.{}", self.table, e.column))
                        })?;
                    blank(column, &draws, allowed.as_ref(), &counted)?
                }
                MessKind::Outliers(scale) => scaled(column, &draws, *scale, &counted),
                MessKind::Typos | MessKind::Case | MessKind::Whitespace => {
                    let edit = text_edit(&e.kind).into_iter().collect::<Vec<_>>();
                    let (array, changed) = edited(column, &[draws], &edit, &counted);
                    (array, changed[0])
                }
            };
            columns[e.index] = array;
            self.counts[k].fetch_add(changed, Ordering::Relaxed);
            k += 1;
        }
        let batch = RecordBatch::try_new(self.schema.clone(), columns)?;
        match self.mess.duplicates {
            Some(share) => self.duplicate(batch, i, share),
            None => Ok(batch),
        }
    }

    fn chunk_rows(&self, i: u64) -> u64 {
        self.source.chunk_rows(i)
    }
}

/// SplitMix64's finaliser: a bijection of 64-bit words that mixes every bit into every bit.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Leaves the selected (and allowed) values empty; counts the `counted` values it emptied.
fn blank(
    column: &ArrayRef,
    draws: &[Option<u64>],
    allowed: Option<&BooleanArray>,
    counted: &dyn Fn(usize) -> bool,
) -> Result<(ArrayRef, u64)> {
    let mut changed = 0;
    let mask: BooleanArray = (0..column.len())
        .map(|r| {
            let hit =
                draws[r].is_some() && allowed.is_none_or(|a| a.value(r)) && column.is_valid(r);
            changed += (hit && counted(r)) as u64;
            Some(hit)
        })
        .collect();
    Ok((nullif(column, &mask)?, changed))
}

/// Multiplies the selected numbers by `scale` (integers rounded); counts the `counted`
/// values it changed.
fn scaled(
    column: &ArrayRef,
    draws: &[Option<u64>],
    scale: f64,
    counted: &dyn Fn(usize) -> bool,
) -> (ArrayRef, u64) {
    let mut changed = 0;
    let hit = |r: usize| draws[r].is_some() && column.is_valid(r);
    // Counted only where the value is another one (0 scaled is 0; an integer at the end of the
    // 64-bit range stays there).
    let mut count = |r: usize, differs: bool| changed += (differs && counted(r)) as u64;
    let array: ArrayRef = match column.data_type() {
        DataType::Int64 => {
            let a = column.as_primitive::<Int64Type>();
            let values: Int64Array = (0..a.len())
                .map(|r| match hit(r) {
                    true => {
                        let v = (a.value(r) as f64 * scale).round() as i64;
                        count(r, v != a.value(r));
                        Some(v)
                    }
                    false => a.is_valid(r).then(|| a.value(r)),
                })
                .collect();
            Arc::new(values)
        }
        _ => {
            let a = column.as_primitive::<Float64Type>();
            let values: Float64Array = (0..a.len())
                .map(|r| match hit(r) {
                    true => {
                        let v = a.value(r) * scale;
                        count(r, v != a.value(r));
                        Some(v)
                    }
                    false => a.is_valid(r).then(|| a.value(r)),
                })
                .collect();
            Arc::new(values)
        }
    };
    (array, changed)
}

/// A text edit: the value and the row's draw give the new value.
type Edit = fn(&str, u64) -> String;

/// The edit of a text effect; `None` for the others.
fn text_edit(kind: &MessKind) -> Option<Edit> {
    match kind {
        MessKind::Typos => Some(typo),
        MessKind::Case => Some(recase),
        MessKind::Whitespace => Some(spaced),
        MessKind::Outliers(_) | MessKind::Nulls(_) => None,
    }
}

/// Applies each edit, in order, to the texts its draws select; counts per edit the
/// `counted` values it changed.
fn edited(
    column: &ArrayRef,
    draws: &[Vec<Option<u64>>],
    edits: &[Edit],
    counted: &dyn Fn(usize) -> bool,
) -> (ArrayRef, Vec<u64>) {
    let mut changed = vec![0; edits.len()];
    let hit = |r: usize| draws.iter().any(|d| d[r].is_some());
    if !(0..column.len()).any(hit) {
        return (column.clone(), changed);
    }
    let a = column.as_string::<i32>();
    let mut out = StringBuilder::with_capacity(a.len(), a.value_data().len() + a.len());
    for r in 0..a.len() {
        if a.is_null(r) {
            out.append_null();
        } else if !hit(r) {
            out.append_value(a.value(r));
        } else {
            let mut value = a.value(r).to_string();
            for ((edit, d), n) in edits.iter().zip(draws).zip(changed.iter_mut()) {
                if let Some(how) = d[r] {
                    let new = edit(&value, how);
                    *n += (new != value && counted(r)) as u64;
                    value = new;
                }
            }
            out.append_value(value);
        }
    }
    (Arc::new(out.finish()), changed)
}

/// One edit: a letter deleted, inserted, replaced, or two neighbours swapped.
fn typo(value: &str, how: u64) -> String {
    let mut chars: Vec<char> = value.chars().collect();
    let letter = |x: u64, like: char| {
        let c = (b'a' + (x % 26) as u8) as char;
        if like.is_uppercase() {
            c.to_ascii_uppercase()
        } else {
            c
        }
    };
    if chars.is_empty() {
        return letter(how >> 8, 'a').to_string();
    }
    let at = ((how >> 8) % chars.len() as u64) as usize;
    let replace = |chars: &mut Vec<char>| {
        let mut c = letter(how >> 32, chars[at]);
        if c == chars[at] {
            c = letter((how >> 32) + 1, chars[at]);
        }
        chars[at] = c;
    };
    match how % 4 {
        0 if chars.len() > 1 => {
            chars.remove(at);
        }
        1 => chars.insert(at, letter(how >> 32, chars[at])),
        3 if chars.len() > 1 => {
            let p = at.min(chars.len() - 2);
            match chars[p] == chars[p + 1] {
                true => replace(&mut chars),
                false => chars.swap(p, p + 1),
            }
        }
        _ => replace(&mut chars),
    }
    chars.into_iter().collect()
}

/// The value in upper or lower case (the other when the first changes nothing).
fn recase(value: &str, how: u64) -> String {
    let (upper, lower) = (value.to_uppercase(), value.to_lowercase());
    let (first, second) = match how % 2 {
        0 => (upper, lower),
        _ => (lower, upper),
    };
    if first != value { first } else { second }
}

/// A space before or after the value, or its first inner space doubled.
fn spaced(value: &str, how: u64) -> String {
    match how % 3 {
        0 => format!(" {value}"),
        2 if value.contains(' ') => value.replacen(' ', "  ", 1),
        _ => format!("{value} "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_edit_changes_the_value() {
        for value in ["", "a", "aa", "Budi Santoso", "ÄÖÜ", "x y"] {
            for how in 0..2000u64 {
                let h = how.wrapping_mul(0x9E37_79B9_7F4A_7C15);
                assert_ne!(typo(value, h), value, "typo of {value:?} with {h}");
                assert_ne!(spaced(value, h), value);
                let t = typo(value, h).chars().count() as i64 - value.chars().count() as i64;
                assert!(t.abs() <= 1, "one edit: {value:?} → {:?}", typo(value, h));
            }
        }
        assert_eq!(recase("Budi", 0), "BUDI");
        assert_eq!(recase("Budi", 1), "budi");
        assert_eq!(recase("BUDI", 0), "budi");
    }
}
