//! Numeric helpers: sums that do not lose what naive sums lose, and splitting a count by shares.

/// A sum with Neumaier's compensation: nearly the exactly rounded sum, whatever the order of
/// the terms (a naive sum of `1e16, 1, -1e16` is 0).
#[derive(Debug, Clone, Copy, Default)]
pub struct CompensatedSum {
    sum: f64,
    compensation: f64,
}

impl CompensatedSum {
    /// Adds a term.
    #[inline]
    pub fn add(&mut self, v: f64) {
        let t = self.sum + v;
        self.compensation += if self.sum.abs() >= v.abs() {
            (self.sum - t) + v
        } else {
            (v - t) + self.sum
        };
        self.sum = t;
    }

    /// The sum.
    pub fn value(&self) -> f64 {
        self.sum + self.compensation
    }
}

impl FromIterator<f64> for CompensatedSum {
    fn from_iter<I: IntoIterator<Item = f64>>(iter: I) -> Self {
        let mut s = CompensatedSum::default();
        iter.into_iter().for_each(|v| s.add(v));
        s
    }
}

/// Splits `n` rows by `shares`: each gets `floor(n·share)`, and the rows left over go one each to
/// the largest fractional parts (earlier strata first on ties). For 2,000 rows and shares
/// 0.7/0.1/0.1/0.1 this gives 1,400/200/200/200, the original generator's counts.
pub fn largest_remainder(n: u64, shares: &[f64]) -> Vec<u64> {
    let exact: Vec<f64> = shares.iter().map(|s| n as f64 * s).collect();
    let mut counts: Vec<u64> = exact.iter().map(|x| (x + 1e-9).floor() as u64).collect();
    let mut left = n.saturating_sub(counts.iter().sum());
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| {
        let fa = exact[a] - counts[a] as f64;
        let fb = exact[b] - counts[b] as f64;
        fb.partial_cmp(&fa)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.cmp(&b))
    });
    for i in order {
        if left == 0 {
            break;
        }
        counts[i] += 1;
        left -= 1;
    }
    counts
}

/// An order-preserving map of finite floats (and infinities) to `u64` (`-0.0` = `0.0`): sort
/// or count by the integer, get the float back with [`from_float_ordinal`].
pub fn float_ordinal(x: f64) -> u64 {
    let bits = (if x == 0.0 { 0.0f64 } else { x }).to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

/// The float of a [`float_ordinal`].
pub fn from_float_ordinal(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

#[cfg(test)]
mod tests {
    use super::{CompensatedSum, largest_remainder};

    #[test]
    fn largest_remainder_matches_the_original_counts() {
        assert_eq!(
            largest_remainder(2000, &[0.7, 0.1, 0.1, 0.1]),
            vec![1400, 200, 200, 200]
        );
        assert_eq!(largest_remainder(10, &[1.0 / 3.0; 3]), vec![4, 3, 3]);
        assert_eq!(largest_remainder(7, &[0.5, 0.5]), vec![4, 3]);
        assert_eq!(largest_remainder(0, &[0.5, 0.5]), vec![0, 0]);
    }

    #[test]
    fn compensated_sums_keep_what_naive_sums_lose() {
        let values = [1e16, 1.0, -1e16, 0.1, 0.2];
        // The naive sum loses the 1.0.
        assert_eq!(values.iter().sum::<f64>(), 0.30000000000000004);
        let sum: CompensatedSum = values.into_iter().collect();
        assert!((sum.value() - 1.3).abs() < 1e-15);
        let reversed: CompensatedSum = values.into_iter().rev().collect();
        assert_eq!(sum.value(), reversed.value());
    }
}
