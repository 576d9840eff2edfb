//! What the stages find, in the words the report uses: each stage returns these facts (a
//! table's mess, a stratum's counts, the split's fitted values, the audit's scores, a file's
//! hash), and [`crate::report`] assembles them into `report.json`. They live here, before every
//! stage, so that no stage imports a later one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One kind of mess put into a table, and how many rows it changed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MessCount {
    /// The column (none for duplicate rows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// `nulls`, `typos`, `case`, `whitespace`, `outliers` or `duplicates`.
    pub effect: String,
    /// The declared share.
    pub share: f64,
    /// Rows changed (values emptied, edited or scaled; rows replaced by copies).
    pub rows: u64,
}

/// A feature whose empty values the split filled, with what it fitted on the training rows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Imputed {
    /// The feature.
    pub column: String,
    /// `mean`, `median`, `most_frequent` or `constant`.
    pub strategy: String,
    /// The value the empty entries got.
    pub value: serde_json::Value,
    /// Empty values in the training part.
    pub missing_train: usize,
    /// Empty values in the test part.
    pub missing_test: usize,
    /// The 0/1 indicator column added to X, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indicator: Option<String>,
}

/// The values of a text column left out of X found in both parts: rows of one customer in
/// train and test let a model learn the customer, not the pattern.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Overlap {
    /// The column.
    pub column: String,
    /// Its distinct values in the training part.
    pub train_values: usize,
    /// Its distinct values in the test part.
    pub test_values: usize,
    /// Values found in both.
    pub in_both: usize,
}

/// One output file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileReport {
    /// Path relative to the output folder.
    pub path: String,
    /// Size.
    pub bytes: u64,
    /// BLAKE3 hash, hex (what `b3sum` prints): several times faster than SHA-256, and as
    /// strong. Older reports and manifests held a SHA-256 here, under the name `sha256`:
    /// they are still read (their files never compare equal to newer ones).
    #[serde(alias = "sha256")]
    pub blake3: String,
}

/// What happened in one stratum, for the run summary and report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StratumReport {
    /// Stratum name.
    pub name: String,
    /// The condition.
    pub condition: String,
    /// Rows requested.
    pub requested: u64,
    /// Rows produced.
    pub produced: u64,
    /// All pairs: rows of one side × rows of the other.
    pub population: u64,
    /// Pairs satisfying the condition (exact, or estimated in rejection mode).
    pub satisfying: f64,
    /// Whether `satisfying` is exact.
    pub exact: bool,
    /// Share of uniform pairs that satisfy the condition (what naive rejection would accept).
    pub acceptance: f64,
    /// `exact` (every pair decided or tested), `counted` (refined by side filters and counted
    /// ranges, no rejection) or `rejection` (bounded, over candidates that must be tested).
    pub method: String,
    /// How the pairs the key columns left undecided were resolved.
    #[serde(default)]
    pub detail: String,
}

/// The score of one model on the test part.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Score {
    /// Share of test rows predicted right.
    pub accuracy: f64,
    /// Mean over classes of the share of that class's rows predicted right.
    pub balanced_accuracy: f64,
}

/// One feature scored alone.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FeatureScore {
    /// Feature name.
    pub feature: String,
    /// Its single-feature score.
    pub score: Score,
    /// Whether it is a suspected leak.
    pub leak: bool,
    /// Why it is suspected, when it is.
    pub reason: Option<String>,
}

/// The audit's results.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Audit {
    /// The models used.
    pub model: String,
    /// Share of the most frequent class in the test part (what always guessing it scores).
    pub majority_accuracy: f64,
    /// All features together.
    pub baseline: Score,
    /// Each feature alone, in X's column order.
    pub features: Vec<FeatureScore>,
    /// Threshold of balanced accuracy for a suspected leak.
    pub leak_threshold: f64,
    /// Names of the suspected leaks.
    pub leaks: Vec<String>,
    /// Text columns left out of X whose values are found in both parts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overlaps: Vec<Overlap>,
    /// Why the scores are not meaningful, when they are not (a class missing from a part).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caveat: Option<String>,
}

/// Class balance of one part.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartBalance {
    /// Rows.
    pub rows: usize,
    /// Rows per class of the target.
    pub classes: BTreeMap<String, usize>,
}

/// Fitted standardisation of one column.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Scaler {
    /// Column.
    pub column: String,
    /// Mean of the training rows.
    pub mean: f64,
    /// Population standard deviation of the training rows.
    pub std: f64,
}
