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

/// A number for reading: at most `decimals` decimals, trailing zeros dropped (`0.8`, not
/// `0.7999999999999999`; `-0` as `0`).
pub fn trimmed_number(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// Formats a byte count for people: `808 B`, `2.1 GiB`.
pub fn human_bytes(bytes: f64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut v = bytes;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < units.len() {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{v:.0} {}", units[i])
    } else {
        format!("{v:.1} {}", units[i])
    }
}

#[cfg(test)]
mod tests {
    use super::{CompensatedSum, largest_remainder, round_half_away};

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

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// `x` rounded at `decimals` places, halves away from zero, in exact integer arithmetic
        /// on the stored value `m · 2^e`: `m · 10^d / 2^-e` rounded, then read as a decimal.
        /// None where the integers would not fit (|x| below 2^-60).
        fn oracle(x: f64, decimals: u32) -> Option<f64> {
            let bits = x.abs().to_bits();
            let (exponent, fraction) = ((bits >> 52) as i64, bits & ((1 << 52) - 1));
            let (m, e) = match exponent {
                0 => (fraction, -1074),
                _ => (fraction | (1 << 52), exponent - 1075),
            };
            if e >= 0 {
                return Some(x);
            }
            if -e > 60 + 52 {
                return None;
            }
            let numerator = m as i128 * 10i128.pow(decimals);
            let denominator = 1i128 << -e;
            let (q, r) = (numerator / denominator, numerator % denominator);
            let rounded = q + (2 * r >= denominator) as i128;
            let value: f64 = format!("{rounded}e-{decimals}").parse().ok()?;
            Some(value.copysign(x))
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(5_000))]

            /// ROUND is the exact decimal rounding of the stored value (halves away from zero).
            #[test]
            fn round_half_away_is_the_exact_decimal_rounding(
                x in prop_oneof![
                    -1e9f64..1e9,
                    (-10_000_000i64..10_000_000, 0u32..7).prop_map(|(k, d)| (k as f64 + 0.5) / 10f64.powi(d as i32)),
                    any::<i32>().prop_map(|k| k as f64 / 8.0),
                ],
                decimals in 0u32..7,
            ) {
                let Some(expected) = oracle(x, decimals) else { return Ok(()) };
                let ours = round_half_away(x, decimals as i32);
                prop_assert!(ours == expected, "{x} at {decimals}: {ours} vs {expected}");
            }

            /// Largest-remainder counts add up to `n`, and each is within one of its exact share.
            #[test]
            fn largest_remainder_counts_add_up_and_stay_near_the_shares(
                n in 0u64..10_000_000,
                weights in proptest::collection::vec(1u32..1000, 1..12),
            ) {
                let total: u32 = weights.iter().sum();
                let shares: Vec<f64> = weights.iter().map(|&w| w as f64 / total as f64).collect();
                let counts = largest_remainder(n, &shares);
                prop_assert_eq!(counts.iter().sum::<u64>(), n);
                for (c, s) in counts.iter().zip(&shares) {
                    let exact = n as f64 * s;
                    prop_assert!((*c as f64 - exact).abs() < 1.0 + 1e-6, "{c} for {exact}");
                }
            }
        }
    }
}
