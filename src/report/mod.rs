//! The run report's data model (`report.json`), in one place, and what is made from it: the
//! closing summary ([`summary`]), `report.html` ([`html`]) and `tutas diff` ([`diff`]).
//! Column profiles are computed while tables are written ([`profile`]).
//!
//! Every stage fills its part of a [`RunReport`]: sampling its strata, the split its balance
//! and scalers, the audit its scores, the writers each table's profile.

pub mod diff;
pub mod html;
pub mod profile;
mod summary;

use std::collections::BTreeMap;
use std::path::Path;

use datafusion::arrow::array::RecordBatch;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::{Diagnostic, Error, Result};
use crate::plan::Plan;

pub use summary::{human_bytes, trimmed_number};

/// Rows and timing of one stage.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StageTiming {
    /// Stage name.
    pub stage: String,
    /// Rows it produced.
    pub rows: u64,
    /// Bytes of the files it wrote.
    pub bytes: u64,
    /// Wall-clock seconds, until the stage's files were complete.
    pub seconds: f64,
    /// Wall-clock seconds of the work before writing: making a table's rows, running a query,
    /// splitting (when it is worth telling apart from `seconds`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute_seconds: Option<f64>,
}

impl StageTiming {
    /// Rows per second (0 for a stage that took no measurable time).
    pub fn rows_per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            self.rows as f64 / self.seconds
        } else {
            0.0
        }
    }
}

/// One table of the run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableReport {
    /// Name.
    pub name: String,
    /// Rows.
    pub rows: u64,
    /// Columns.
    pub columns: usize,
    /// Strata, for interaction tables.
    pub strata: Vec<StratumReport>,
    /// A summary of every column.
    pub profile: Vec<ColumnProfile>,
    /// Dirty and missing values and duplicate rows put in, when declared.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mess: Vec<MessCount>,
}

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

/// One check.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckResult {
    /// Name.
    pub name: String,
    /// Whether it passed.
    pub passed: bool,
    /// What it returned.
    pub detail: String,
}

/// One insight.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InsightResult {
    /// Name.
    pub name: String,
    /// The result as a printed table.
    pub table: String,
    /// The result as JSON rows.
    pub rows: Value,
}

/// The split's shape.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SplitReport {
    /// Training part.
    pub train: PartBalance,
    /// Test part.
    pub test: PartBalance,
    /// Fitted scalers.
    pub scalers: Vec<Scaler>,
    /// X's columns.
    pub features: Vec<String>,
    /// How the rows were assigned: `random`, `stratified`, `grouped` or `by time`, with what
    /// decided it (the groups in each part, the boundary of a time split).
    #[serde(default)]
    pub method: String,
    /// Features whose empty values were filled.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub imputed: Vec<Imputed>,
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

/// Everything a run reports.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunReport {
    /// Scenario name.
    pub scenario: String,
    /// SHA-256 of the scenario file.
    pub scenario_sha256: String,
    /// Seed in force.
    pub seed: u64,
    /// tutas version.
    pub version: String,
    /// Tables.
    pub tables: Vec<TableReport>,
    /// Feature query results.
    pub features: Vec<TableReport>,
    /// Checks.
    pub checks: Vec<CheckResult>,
    /// Insights.
    pub insights: Vec<InsightResult>,
    /// Split.
    pub split: Option<SplitReport>,
    /// Audit.
    pub audit: Option<Audit>,
    /// Output files.
    pub files: Vec<FileReport>,
    /// Stage timings.
    pub timings: Vec<StageTiming>,
    /// Total wall-clock seconds.
    pub seconds: f64,
    /// The part this run made, when it made one (`--parts N --part K`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<crate::plan::Part>,
    /// The overrides applied to the scenario file (a variant's entries, `--set`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<String>,
    /// What the run did or found that the user should know but that did not stop it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
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

/// The summary of one column.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ColumnProfile {
    /// Column name.
    pub name: String,
    /// `number`, `datetime`, `boolean`, `text` or `other`.
    pub kind: String,
    /// Rows.
    pub count: u64,
    /// Empty values.
    pub nulls: u64,
    /// Numbers and date-times.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numeric: Option<NumericProfile>,
    /// Booleans: rows that are true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub true_count: Option<u64>,
    /// Text: counts per value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<TextProfile>,
}

/// Moments, range and histogram of a numeric column.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NumericProfile {
    /// Mean.
    pub mean: f64,
    /// Population standard deviation.
    pub std: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Left edge of the first bin.
    pub bin_start: f64,
    /// Width of every bin.
    pub bin_width: f64,
    /// Values per bin.
    pub bins: Vec<u64>,
    /// For whole numbers with at most [`profile::MAX_SMALL_VALUES`] distinct values: the count of each value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<(i64, u64)>>,
}

/// Whole-number columns with at most this many distinct values also get a count per value.
pub const MAX_SMALL_VALUES: usize = 32;

/// Value counts of a text column.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TextProfile {
    /// Distinct values seen (exact while `complete`).
    pub distinct: u64,
    /// Whether every value was counted (at most [`profile::MAX_CATEGORIES`] distinct values); when not,
    /// `top` holds counts over the rows read until the limit was passed.
    pub complete: bool,
    /// The most frequent values with their counts, most frequent first (at most 20).
    pub top: Vec<(String, u64)>,
}

impl RunReport {
    /// An empty report for a plan.
    pub fn new(plan: &Plan) -> RunReport {
        RunReport {
            scenario: plan.name.clone(),
            scenario_sha256: plan.scenario_sha256.clone(),
            seed: plan.seed,
            version: env!("CARGO_PKG_VERSION").to_string(),
            tables: Vec::new(),
            features: Vec::new(),
            checks: Vec::new(),
            insights: Vec::new(),
            split: None,
            audit: None,
            files: Vec::new(),
            timings: Vec::new(),
            seconds: 0.0,
            part: None,
            settings: plan.settings.clone(),
            warnings: Vec::new(),
        }
    }

    /// The report as JSON.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or_else(|e| json!({ "error": e.to_string() }))
    }

    /// Reads `DIR/report.json`.
    pub fn read(dir: &Path) -> Result<RunReport> {
        let path = dir.join("report.json");
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Error::invalid(
                Diagnostic::new(format!("cannot read `{}`: {e}", path.display()))
                    .help("give the output folder of a `tutas run`"),
            )
        })?;
        serde_json::from_str(&text).map_err(|e| {
            Error::invalid(Diagnostic::new(format!(
                "`{}` is not a tutas report: {e}",
                path.display()
            )))
        })
    }
}

/// Query results as JSON rows.
pub fn batches_to_json(batches: &[RecordBatch]) -> Result<Value> {
    let mut buf = Vec::new();
    {
        let mut w = datafusion::arrow::json::ArrayWriter::new(&mut buf);
        let refs: Vec<&RecordBatch> = batches.iter().collect();
        w.write_batches(&refs)?;
        w.finish()?;
    }
    if buf.is_empty() {
        return Ok(json!([]));
    }
    serde_json::from_slice(&buf).map_err(|e| Error::msg(format!("JSON error: {e}")))
}
