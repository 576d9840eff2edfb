//! Values coded as small integers: numbered in order of first appearance (one hash lookup
//! per value, typed keys, no text), then renumbered in the order the caller sorts them, so
//! that codes never depend on hashing.

use std::collections::HashMap;
use std::hash::Hash;

/// Per item, the number of its key in order of first appearance, and where (`at`) each key
/// first appears; `None` as soon as there are more than `limit` keys. `n` is a capacity hint.
pub fn first_seen<A, K: Hash + Eq>(
    n: usize,
    items: impl Iterator<Item = (A, K)>,
    limit: usize,
) -> Option<(Vec<u32>, Vec<A>)> {
    let mut index: HashMap<K, u32, foldhash::fast::FixedState> = HashMap::default();
    let mut first = Vec::new();
    let mut codes = Vec::with_capacity(n);
    for (at, key) in items {
        let next = first.len() as u32;
        codes.push(*index.entry(key).or_insert_with(|| {
            first.push(at);
            next
        }));
        if first.len() > limit {
            return None;
        }
    }
    Some((codes, first))
}

/// Renumbers codes so that the code `sorted[i]` becomes `i` (`sorted` lists every code once).
pub fn renumber(codes: &mut [u32], sorted: impl ExactSizeIterator<Item = u32>) {
    let mut rank = vec![0u32; sorted.len()];
    for (r, code) in sorted.enumerate() {
        rank[code as usize] = r as u32;
    }
    for c in codes {
        *c = rank[*c as usize];
    }
}
