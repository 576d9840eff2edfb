//! Random streams: every stream is derived from the seed and a stable key.
//!
//! A stream is keyed by `(seed, table, column, chunk)`, never by thread or hash-map order, so
//! adding a column does not disturb the others and any number of threads produces the same
//! bytes. The keys in use:
//!
//! | stream | key |
//! |---|---|
//! | a generated column (a window's two columns share one) | `(seed, table, column, chunk)` |
//! | the pairs drawn for a stratum | `(seed, table, "stratum:<name>", chunk)` |
//! | a stratum's `set` column | `(seed, table, "set:<stratum>:<column>", chunk)` |
//! | the report's estimate of a rejection stratum's population | `(0, table, "estimate:<stratum>", 0)` |
//! | the split's shuffle | `(split seed, "split", "shuffle", 0)` |

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use sha2::{Digest, Sha256};

/// The random number generator used everywhere in tutas.
pub type Rng = ChaCha8Rng;

/// The stream for one chunk of one column of one table.
pub fn stream(seed: u64, table: &str, column: &str, chunk: u64) -> Rng {
    let mut h = Sha256::new();
    h.update(b"tutas-stream-v1");
    h.update(seed.to_le_bytes());
    for part in [table, column] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.update(chunk.to_le_bytes());
    ChaCha8Rng::from_seed(h.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn streams_depend_on_every_key_part() {
        let a: u64 = stream(1, "t", "c", 0).random();
        assert_eq!(a, stream(1, "t", "c", 0).random::<u64>());
        assert_ne!(a, stream(2, "t", "c", 0).random::<u64>());
        assert_ne!(a, stream(1, "u", "c", 0).random::<u64>());
        assert_ne!(a, stream(1, "t", "d", 0).random::<u64>());
        assert_ne!(a, stream(1, "t", "c", 1).random::<u64>());
        // "tc" + "" must differ from "t" + "c".
        assert_ne!(
            stream(1, "tc", "", 0).random::<u64>(),
            stream(1, "t", "c", 0).random::<u64>()
        );
    }
}
