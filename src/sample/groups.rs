//! Grouping the rows of a side by their key columns' values.
//!
//! A key column is coded by the rank of each row's value among the column's distinct values
//! (NULL first), so groups are ordered by value and never by hashing; rows are then grouped
//! by their tuple of codes with a counting sort, and sampling works on *positions* in that
//! grouped order.

use std::collections::HashMap;

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::DataType;

use crate::codes;

/// Rows of one side grouped by their key tuple. Sampling works on *positions* in grouped
/// order (rows sorted by group, stably), so group `g` is the positions `start[g]..start[g + 1]`
/// and drawing a row of a group needs no memory access.
pub(super) struct Groups {
    /// The row at each position.
    pub(super) order: Vec<u32>,
    /// The first position of each group, then the number of rows.
    pub(super) start: Vec<u32>,
}

impl Groups {
    pub(super) fn count(&self) -> usize {
        self.start.len() - 1
    }

    pub(super) fn size(&self, g: u32) -> u64 {
        (self.start[g as usize + 1] - self.start[g as usize]) as u64
    }

    pub(super) fn positions(&self, g: u32) -> std::ops::Range<u32> {
        self.start[g as usize]..self.start[g as usize + 1]
    }
}

/// A key column coded: per row, the rank of its value among the column's distinct values.
pub(super) struct KeyCodes {
    pub(super) codes: Vec<u32>,
    pub(super) distinct: usize,
}

/// Codes a column that can be a key (boolean, integer or string) with at most `limit` distinct
/// values; `None` otherwise. NULL ranks first; ranks follow value order, so groups are ordered
/// by value and never by hashing.
pub(super) fn key_codes(a: &ArrayRef, limit: usize) -> Option<KeyCodes> {
    let present = |i: usize| a.is_valid(i);
    match a.data_type() {
        DataType::Boolean => {
            let v = a.as_boolean();
            rank_codes(a.len(), |i| present(i).then(|| v.value(i)), limit)
        }
        DataType::Int64 => {
            let v = a.as_primitive::<datafusion::arrow::datatypes::Int64Type>();
            rank_codes(a.len(), |i| present(i).then(|| v.value(i)), limit)
        }
        DataType::Int32 => {
            let v = a.as_primitive::<datafusion::arrow::datatypes::Int32Type>();
            rank_codes(a.len(), |i| present(i).then(|| v.value(i)), limit)
        }
        DataType::Utf8 => {
            let v = a.as_string::<i32>();
            rank_codes(a.len(), |i| present(i).then(|| v.value(i)), limit)
        }
        _ => None,
    }
}

fn rank_codes<K: std::hash::Hash + Eq + Ord>(
    n: usize,
    value: impl Fn(usize) -> Option<K>,
    limit: usize,
) -> Option<KeyCodes> {
    let (mut codes, first) = codes::first_seen(n, (0..n).map(|i| (i, value(i))), limit)?;
    let mut distinct: Vec<(Option<K>, u32)> = first
        .iter()
        .enumerate()
        .map(|(code, &row)| (value(row), code as u32))
        .collect();
    distinct.sort();
    codes::renumber(&mut codes, distinct.iter().map(|(_, code)| *code));
    Some(KeyCodes {
        codes,
        distinct: distinct.len(),
    })
}

/// Groups rows by their key tuple (groups ordered by key value); returns groups and a representative row of each.
pub(super) fn group_rows(n: usize, keys: &[(usize, KeyCodes)]) -> (Groups, Vec<u32>) {
    // Each row's key tuple as one number, mixed radix over the key columns.
    let mut tuple = vec![0u64; n];
    for (_, k) in keys {
        let radix = k.distinct as u64;
        for (t, &c) in tuple.iter_mut().zip(&k.codes) {
            *t = *t * radix + c as u64;
        }
    }
    let mut present: Vec<u64> = tuple.clone();
    present.sort_unstable();
    present.dedup();
    let group_of: HashMap<u64, u32, foldhash::fast::FixedState> = present
        .iter()
        .enumerate()
        .map(|(g, &t)| (t, g as u32))
        .collect();
    let group: Vec<u32> = tuple.iter().map(|t| group_of[t]).collect();
    // Counting sort of the rows by group: positions in grouped order.
    let mut start = vec![0u32; present.len() + 1];
    for &g in &group {
        start[g as usize + 1] += 1;
    }
    for g in 0..present.len() {
        start[g + 1] += start[g];
    }
    let mut next = start.clone();
    let mut order = vec![0u32; n];
    for (row, &g) in group.iter().enumerate() {
        order[next[g as usize] as usize] = row as u32;
        next[g as usize] += 1;
    }
    let reps = start[..present.len()]
        .iter()
        .map(|&p| order[p as usize])
        .collect();
    (Groups { order, start }, reps)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{BooleanArray, Int64Array, StringArray};

    use super::*;

    #[test]
    fn key_codes_rank_values_with_null_first() {
        let a: ArrayRef = Arc::new(StringArray::from(vec![
            Some("b"),
            None,
            Some("a"),
            Some("b"),
        ]));
        let k = key_codes(&a, 10).unwrap();
        assert_eq!((k.codes, k.distinct), (vec![2, 0, 1, 2], 3));
        let flags: ArrayRef = Arc::new(BooleanArray::from(vec![true, false, true]));
        assert_eq!(key_codes(&flags, 10).unwrap().codes, vec![1, 0, 1]);
    }

    #[test]
    fn columns_with_too_many_values_are_not_keys() {
        let a: ArrayRef = Arc::new(Int64Array::from_iter_values(0..300));
        assert!(key_codes(&a, 256).is_none());
        assert!(key_codes(&a, 300).is_some());
        let floats: ArrayRef = Arc::new(datafusion::arrow::array::Float64Array::from(vec![1.0]));
        assert!(key_codes(&floats, 10).is_none(), "floats are never keys");
    }

    #[test]
    fn rows_are_grouped_by_their_key_tuple_in_value_order() {
        // Two keys: k1 in {x, y}, k2 in {1, 2}; rows 0..6.
        let k1: ArrayRef = Arc::new(StringArray::from(vec!["y", "x", "y", "x", "x", "y"]));
        let k2: ArrayRef = Arc::new(Int64Array::from(vec![1, 2, 1, 1, 2, 2]));
        let keys = vec![
            (0, key_codes(&k1, 10).unwrap()),
            (1, key_codes(&k2, 10).unwrap()),
        ];
        let (groups, reps) = group_rows(6, &keys);
        // Groups (x,1) (x,2) (y,1) (y,2), each row in its group in row order.
        assert_eq!(groups.start, vec![0, 1, 3, 5, 6]);
        assert_eq!(groups.order, vec![3, 1, 4, 0, 2, 5]);
        assert_eq!(reps, vec![3, 1, 0, 5]);
        assert_eq!(
            (0..groups.count() as u32)
                .map(|g| groups.size(g))
                .collect::<Vec<_>>(),
            vec![1, 2, 2, 1]
        );
        // Without keys every row is one group.
        let (all, _) = group_rows(6, &[]);
        assert_eq!((all.count(), all.size(0)), (1, 6));
    }
}
