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


/// `x` rounded to `decimals` decimal places (tens, hundreds, ... when negative), halves away
/// from zero, as the value is stored: 0.05425 is stored as 0.054249999…, so it rounds to
/// 0.0542 at 4 places (DuckDB's answer; rounding `x · 10⁴` would say 0.0543). The result is
/// the float nearest the rounded decimal. Infinite, NaN and already-coarser values are kept.
pub fn round_half_away(x: f64, decimals: i32) -> f64 {
    if !x.is_finite() || decimals > 340 {
        return x;
    }
    if decimals < 0 {
        let p = 10f64.powi(-decimals);
        let r = (x / p).round() * p;
        return if r.is_finite() { r } else { x };
    }
    let p = 10f64.powi(decimals);
    let y = x * p;
    if !y.is_finite() || y.abs() >= 4_503_599_627_370_496.0 {
        // 2^52 and above: a float has no fraction left at this many decimals.
        return x;
    }
    let fraction = (y - y.trunc()).abs();
    // `y` is `x · 10^d` within a rounding or two: only values this near a half need the exact
    // decimal digits of `x` to tell which side they are on.
    if (fraction - 0.5).abs() > 4e-15 * y.abs().max(1.0) {
        return y.round() / p;
    }
    round_decimal_text(x, decimals as usize)
}

/// [`round_half_away`] from the exact decimal expansion of `x` (a float's expansion ends
/// within 1,074 decimals).
fn round_decimal_text(x: f64, decimals: usize) -> f64 {
    let text = format!("{:.1100}", x.abs());
    let point = text.find('.').unwrap_or(text.len());
    let cut = point + 1 + decimals;
    let (kept, rest) = text.split_at(cut.min(text.len()));
    let up = rest.as_bytes().first().is_some_and(|&d| d >= b'5');
    let mut digits: Vec<u8> = kept.bytes().filter(|b| b.is_ascii_digit()).collect();
    if up {
        let mut i = digits.len();
        loop {
            if i == 0 {
                digits.insert(0, b'1');
                break;
            }
            i -= 1;
            if digits[i] == b'9' {
                digits[i] = b'0';
            } else {
                digits[i] += 1;
                break;
            }
        }
    }
    let int_len = digits.len() - decimals;
    let (int_part, fraction) = digits.split_at(int_len);
    let rounded = format!(
        "{}.{}",
        std::str::from_utf8(int_part).unwrap_or("0"),
        std::str::from_utf8(fraction).unwrap_or("0")
    );
    let magnitude: f64 = rounded.trim_end_matches('.').parse().unwrap_or(x.abs());
    magnitude.copysign(x)
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
