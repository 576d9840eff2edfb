//! `pattern` values. Each `#` and `?` is drawn from the column's stream; a `unique` pattern
//! instead gives row `r` the `r`-th value of a keyed permutation of all its values, so no two
//! rows share a value whatever the chunking, the thread count or the part of a run.

use rand::RngExt;

use super::locale::TextSink;
use super::rng::Rng;
use crate::plan::{Pattern, PatternPart};

const DIGITS: &[u8; 10] = b"0123456789";
const LETTERS: &[u8; 26] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Appends row `row`'s value of `pattern` to `out`.
pub fn write_pattern(pattern: &Pattern, rng: &mut Rng, row: u64, out: &mut impl TextSink) {
    let Some(key) = pattern.unique else {
        for part in &pattern.parts {
            match part {
                PatternPart::Literal(text) => out.push_text(text),
                PatternPart::Digit => out.push_ascii(&[DIGITS[rng.random_range(0..10)]]),
                PatternPart::Letter => out.push_ascii(&[LETTERS[rng.random_range(0..26)]]),
            }
        }
        return;
    };
    let digits = unique_digits(pattern, key, row, rng);
    let mut next = digits.iter();
    for part in &pattern.parts {
        match part {
            PatternPart::Literal(text) => out.push_text(text),
            PatternPart::Digit => out.push_ascii(&[DIGITS[*next.next().unwrap_or(&0) as usize]]),
            PatternPart::Letter => out.push_ascii(&[LETTERS[*next.next().unwrap_or(&0) as usize]]),
        }
    }
}

/// The placeholders' values (in pattern order) of row `row` of a unique pattern: the row's
/// index in a keyed permutation of `[0, n)`, written in the mixed radix of the placeholders
/// from the last one back. `n` is the pattern's capacity, at most 2^64; placeholders beyond
/// those that cover `n` are drawn, which keeps the values distinct.
fn unique_digits(pattern: &Pattern, key: u64, row: u64, rng: &mut Rng) -> Vec<u8> {
    let n = pattern.capacity().min(1 << 64);
    let mut index = permute(row as u128, n, key);
    let radices = pattern.parts.iter().rev().map(PatternPart::radix);
    let mut digits = Vec::with_capacity(pattern.parts.len());
    let mut covered = 1u128;
    for radix in radices.filter(|&r| r > 1) {
        digits.push(match covered < n {
            true => (index % radix as u128) as u8,
            false => rng.random_range(0..radix) as u8,
        });
        index /= radix as u128;
        covered = covered.saturating_mul(radix as u128);
    }
    digits.reverse();
    digits
}

/// Where `x` (< `n`) goes in a keyed permutation of `[0, n)`: a Feistel network over the
/// smallest even number of bits that holds `n`, walked until it lands below `n` (each value's
/// cycle returns below `n`, so the walk ends; on average after fewer than 4 steps).
pub fn permute(x: u128, n: u128, key: u64) -> u128 {
    debug_assert!(x < n);
    let bits = (128 - (n - 1).leading_zeros()).max(2).next_multiple_of(2);
    let half = bits / 2;
    let mask = (1u128 << half) - 1;
    let mut y = x;
    loop {
        let (mut left, mut right) = (y >> half, y & mask);
        for round in 0..6u64 {
            let f = mix(
                key ^ round.wrapping_mul(0x9e37_79b9_7f4a_7c15),
                right as u64,
            ) as u128;
            (left, right) = (right, (left ^ f) & mask);
        }
        y = (left << half) | right;
        if y < n {
            return y;
        }
    }
}

/// SplitMix64's finalizer over a key and a value.
fn mix(key: u64, value: u64) -> u64 {
    let mut z = value ^ key;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_permutation_is_a_bijection_for_every_size() {
        for n in [1u128, 2, 3, 5, 10, 26, 99, 100, 257, 1000, 4096, 6760] {
            let mut seen = vec![false; n as usize];
            for x in 0..n {
                let y = permute(x, n, 42);
                assert!(y < n, "{x} -> {y} of {n}");
                assert!(!seen[y as usize], "{y} twice in {n}");
                seen[y as usize] = true;
            }
        }
    }

    #[test]
    fn the_permutation_depends_on_the_key() {
        let a: Vec<u128> = (0..100).map(|x| permute(x, 1000, 1)).collect();
        let b: Vec<u128> = (0..100).map(|x| permute(x, 1000, 2)).collect();
        assert_ne!(a, b);
        assert_ne!(a, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn unique_values_of_a_wide_pattern_are_distinct() {
        // 10^22 values: above 2^64, so the leading placeholders are drawn.
        let mut pattern = Pattern::parse("######################").unwrap();
        pattern.unique = Some(7);
        let mut rng = super::super::rng::stream(1, "t", "c", 0);
        let values: std::collections::HashSet<String> = (0..10_000)
            .map(|row| {
                let mut s = String::new();
                write_pattern(&pattern, &mut rng, row, &mut s);
                s
            })
            .collect();
        assert_eq!(values.len(), 10_000);
    }
}
