//! Counting the partners of every row under range conditions, and finding the k-th one.
//!
//! A range condition compares a key of one side with a key of the other (`a.x < b.y`, a
//! `BETWEEN`, the two halves of an interval overlap). Keys are mapped to `u64` ordinals that
//! sort as the values do (integers and date-times exactly, floats in IEEE order without NaN),
//! so every comparison becomes an interval of ordinals the other side's key must fall in.
//!
//! Side B's candidates are sorted by their first key: the partners of a row of side A under the
//! conditions on that key are one contiguous run, found by binary search. A second key is
//! handled by a merge-sort tree over that order (each power-of-two block of positions also kept
//! sorted by the second key), which counts the partners in `O(log² n)` and finds the k-th in
//! the same time. Counts are exact, so drawing a row of A with probability proportional to its
//! count, then its k-th partner for a uniform k, is uniform over the pairs that satisfy.

use crate::numeric::float_ordinal;
use datafusion::arrow::array::{ArrayRef, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};

/// A half-open interval `[lo, hi)` of key ordinals (`hi` may be 2^64).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Interval {
    pub lo: u64,
    pub hi: u128,
}

impl Interval {
    /// Every ordinal.
    pub const ALL: Interval = Interval { lo: 0, hi: 1 << 64 };

    /// The ordinals both intervals hold.
    pub fn intersect(self, other: Interval) -> Interval {
        Interval {
            lo: self.lo.max(other.lo),
            hi: self.hi.min(other.hi),
        }
    }

    fn is_empty(self) -> bool {
        self.lo as u128 >= self.hi
    }
}

/// How a comparison `b_key OP a_key` bounds `b_key`, given `a_key`'s ordinal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Bound {
    /// `b = a`
    Equal,
    /// `b < a`
    Less,
    /// `b <= a`
    LessOrEqual,
    /// `b > a`
    Greater,
    /// `b >= a`
    GreaterOrEqual,
}

impl Bound {
    /// The ordinals of `b` the comparison allows for an `a` of ordinal `v`.
    pub fn interval(self, v: u64) -> Interval {
        let v128 = v as u128;
        match self {
            Bound::Equal => Interval {
                lo: v,
                hi: v128 + 1,
            },
            Bound::Less => Interval { lo: 0, hi: v128 },
            Bound::LessOrEqual => Interval {
                lo: 0,
                hi: v128 + 1,
            },
            Bound::Greater => match v.checked_add(1) {
                Some(lo) => Interval { lo, hi: 1 << 64 },
                None => Interval { lo: 0, hi: 0 },
            },
            Bound::GreaterOrEqual => Interval { lo: v, hi: 1 << 64 },
        }
    }

    /// The bound of `a OP b` read as a bound on `b`: the comparison mirrored.
    pub fn mirrored(self) -> Bound {
        match self {
            Bound::Equal => Bound::Equal,
            Bound::Less => Bound::Greater,
            Bound::LessOrEqual => Bound::GreaterOrEqual,
            Bound::Greater => Bound::Less,
            Bound::GreaterOrEqual => Bound::LessOrEqual,
        }
    }
}

/// How keys of two columns are compared: as integers, or as floats when either is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyKind {
    /// Integers, date-times and dates (as their integer representation).
    Integer,
    /// Floats (integers converted).
    Float,
}

impl KeyKind {
    /// How two keys of these types compare, if they compare as numbers.
    pub fn of(a: &DataType, b: &DataType) -> Option<KeyKind> {
        let temporal = |t: &DataType| {
            matches!(
                t,
                DataType::Timestamp(..) | DataType::Date32 | DataType::Date64
            )
        };
        if temporal(a) || temporal(b) {
            // Date-times compare as their integers only in the same unit and time zone.
            return (a == b).then_some(KeyKind::Integer);
        }
        if a.is_integer() && b.is_integer() {
            Some(KeyKind::Integer)
        } else if (a.is_integer() || a.is_floating()) && (b.is_integer() || b.is_floating()) {
            Some(KeyKind::Float)
        } else {
            None
        }
    }

    /// Each value's ordinal; `None` where the value is NULL (or NaN), which no comparison
    /// satisfies.
    pub fn ordinals(self, values: &ArrayRef) -> Option<Vec<Option<u64>>> {
        Some(match self {
            KeyKind::Integer => {
                let ints = cast(values, &DataType::Int64).ok()?;
                ints.as_primitive::<Int64Type>()
                    .iter()
                    .map(|v| v.map(|v| (v as u64) ^ (1 << 63)))
                    .collect()
            }
            KeyKind::Float => {
                let floats = cast(values, &DataType::Float64).ok()?;
                floats
                    .as_primitive::<Float64Type>()
                    .iter()
                    .map(|v| v.filter(|x| !x.is_nan()).map(float_ordinal))
                    .collect()
            }
        })
    }
}

/// The candidates of side B sorted by their first key, with a merge-sort tree over a second.
pub(super) struct RangeIndex {
    /// The first key of each candidate, ascending.
    keys: Vec<u64>,
    /// The candidate (its index in the caller's list) at each sorted position.
    order: Vec<u32>,
    /// Per level `l ≥ 1`: second keys and sorted positions, sorted by second key within each
    /// block of `2^l` positions. Level 0 is the second key at each position.
    levels: Vec<(Vec<u64>, Vec<u32>)>,
}

impl RangeIndex {
    /// Indexes candidates by `first` (and `second`, when given): one key per candidate.
    pub fn new(first: &[u64], second: Option<&[u64]>) -> RangeIndex {
        let mut order: Vec<u32> = (0..first.len() as u32).collect();
        order.sort_by_key(|&i| (first[i as usize], i));
        let keys = order.iter().map(|&i| first[i as usize]).collect();
        let levels = match second {
            None => Vec::new(),
            Some(second) => merge_levels(order.iter().map(|&i| second[i as usize]).collect()),
        };
        RangeIndex {
            keys,
            order,
            levels,
        }
    }

    /// The sorted positions whose first key lies in `interval`.
    fn run(&self, interval: Interval) -> std::ops::Range<usize> {
        if interval.is_empty() {
            return 0..0;
        }
        let start = self.keys.partition_point(|&k| k < interval.lo);
        let end = self.keys.partition_point(|&k| (k as u128) < interval.hi);
        start..end.max(start)
    }

    /// The blocks of the merge-sort tree that make up `run`, each as (level, block start).
    fn blocks(&self, run: std::ops::Range<usize>) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let (mut lo, hi) = (run.start, run.end);
        while lo < hi {
            let mut level = lo.trailing_zeros().min(usize::BITS - 1) as usize;
            while level > 0 && (lo + (1 << level) > hi || level >= self.levels.len()) {
                level -= 1;
            }
            out.push((level, lo));
            lo += 1 << level;
        }
        out
    }

    /// Within a block, the slice (of its second-key-sorted entries) whose keys lie in `second`.
    fn slice(&self, (level, start): (usize, usize), second: Interval) -> std::ops::Range<usize> {
        let (keys, _) = &self.levels[level];
        let end = (start + (1 << level)).min(keys.len());
        let block = &keys[start..end];
        let lo = block.partition_point(|&k| k < second.lo);
        let hi = block.partition_point(|&k| (k as u128) < second.hi);
        start + lo..start + hi.max(lo)
    }

    /// How many candidates have their first key in `first` and second key in `second`.
    pub fn count(&self, first: Interval, second: Interval) -> u64 {
        let run = self.run(first);
        if self.levels.is_empty() || second == Interval::ALL {
            return run.len() as u64;
        }
        if second.is_empty() {
            return 0;
        }
        self.blocks(run)
            .into_iter()
            .map(|b| self.slice(b, second).len() as u64)
            .sum()
    }

    /// The `k`-th candidate (in a fixed order) of those [`RangeIndex::count`] counts; `None`
    /// when `k` is not below that count.
    pub fn nth(&self, first: Interval, second: Interval, mut k: u64) -> Option<u32> {
        let run = self.run(first);
        if self.levels.is_empty() || second == Interval::ALL {
            return (k < run.len() as u64).then(|| self.order[run.start + k as usize]);
        }
        for b in self.blocks(run) {
            let slice = self.slice(b, second);
            if k < slice.len() as u64 {
                let position = self.levels[b.0].1[slice.start + k as usize];
                return Some(self.order[position as usize]);
            }
            k -= slice.len() as u64;
        }
        None
    }
}

/// The levels of a merge-sort tree over `keys` (by position): level `l` sorts each block of
/// `2^l` positions by key, keeping the positions.
fn merge_levels(keys: Vec<u64>) -> Vec<(Vec<u64>, Vec<u32>)> {
    let n = keys.len();
    let mut levels = vec![(keys, (0..n as u32).collect::<Vec<u32>>())];
    let mut width = 1;
    while width < n {
        let (prev_keys, prev_pos) = levels.last().expect("level 0");
        let mut next_keys = Vec::with_capacity(n);
        let mut next_pos = Vec::with_capacity(n);
        for start in (0..n).step_by(2 * width) {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j) = (start, mid);
            while i < mid || j < end {
                let take_left = j >= end || (i < mid && prev_keys[i] <= prev_keys[j]);
                let from = if take_left { &mut i } else { &mut j };
                next_keys.push(prev_keys[*from]);
                next_pos.push(prev_pos[*from]);
                *from += 1;
            }
        }
        levels.push((next_keys, next_pos));
        width *= 2;
    }
    levels
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Brute force: the candidates with first key in `i1` and second in `i2`, by index.
    fn brute(first: &[u64], second: &[u64], i1: Interval, i2: Interval) -> Vec<u32> {
        let inside = |k: u64, i: Interval| k >= i.lo && (k as u128) < i.hi;
        (0..first.len() as u32)
            .filter(|&c| inside(first[c as usize], i1) && inside(second[c as usize], i2))
            .collect()
    }

    #[test]
    fn counts_and_kth_partners_match_brute_force() {
        let mut rng = crate::generate::rng::stream(1, "t", "c", 0);
        use rand::RngExt;
        for n in [0usize, 1, 2, 3, 7, 64, 100, 513] {
            let first: Vec<u64> = (0..n).map(|_| rng.random_range(0..40)).collect();
            let second: Vec<u64> = (0..n).map(|_| rng.random_range(0..40)).collect();
            let index = RangeIndex::new(&first, Some(&second));
            let one = RangeIndex::new(&first, None);
            for _ in 0..200 {
                let (a, b) = (rng.random_range(0..45u64), rng.random_range(0..45u64));
                let (c, d) = (rng.random_range(0..45u64), rng.random_range(0..45u64));
                let i1 = Interval {
                    lo: a.min(b),
                    hi: a.max(b) as u128,
                };
                let i2 = Interval {
                    lo: c.min(d),
                    hi: c.max(d) as u128,
                };
                let mut expected = brute(&first, &second, i1, i2);
                assert_eq!(index.count(i1, i2), expected.len() as u64);
                let mut found: Vec<u32> = (0..expected.len() as u64)
                    .map(|k| index.nth(i1, i2, k).unwrap())
                    .collect();
                assert_eq!(index.nth(i1, i2, expected.len() as u64), None);
                found.sort();
                expected.sort();
                assert_eq!(found, expected, "n {n}");
                let only_first = brute(&first, &vec![0; n], i1, Interval::ALL);
                assert_eq!(one.count(i1, Interval::ALL), only_first.len() as u64);
            }
        }
    }

    #[test]
    fn ordinals_sort_as_the_values() {
        let floats = [-f64::INFINITY, -2.5, -0.0, 0.0, 1e-300, 3.0, f64::INFINITY];
        let ordinals: Vec<u64> = floats.iter().map(|&x| float_ordinal(x)).collect();
        assert!(ordinals.windows(2).all(|w| w[0] <= w[1]), "{ordinals:?}");
        assert_eq!(float_ordinal(-0.0), float_ordinal(0.0));
        let ints: ArrayRef = std::sync::Arc::new(datafusion::arrow::array::Int64Array::from(vec![
            i64::MIN,
            -1,
            0,
            1,
            i64::MAX,
        ]));
        let o: Vec<u64> = KeyKind::Integer
            .ordinals(&ints)
            .unwrap()
            .into_iter()
            .flatten()
            .collect();
        assert!(o.windows(2).all(|w| w[0] < w[1]), "{o:?}");
    }

    #[test]
    fn bounds_are_the_intervals_of_their_comparisons() {
        let inside = |i: Interval, k: u64| k >= i.lo && (k as u128) < i.hi;
        for v in [0u64, 5, u64::MAX] {
            for k in [0u64, 4, 5, 6, u64::MAX] {
                assert_eq!(inside(Bound::Less.interval(v), k), k < v);
                assert_eq!(inside(Bound::LessOrEqual.interval(v), k), k <= v);
                assert_eq!(inside(Bound::Greater.interval(v), k), k > v);
                assert_eq!(inside(Bound::GreaterOrEqual.interval(v), k), k >= v);
                assert_eq!(inside(Bound::Equal.interval(v), k), k == v);
            }
        }
    }
}
