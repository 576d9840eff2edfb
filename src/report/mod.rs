//! The run report's data model (`report.json`), in one place, and what is made from it: the
//! closing summary ([`summary`]), `report.html` ([`html`]) and `tutas diff` ([`diff`]).
//! Column profiles are computed while tables are written ([`profile`]).
//!
//! Every stage fills its part of a [`RunReport`]: sampling its strata, the split its balance
//! and scalers, the audit its scores, the writers each table's profile.

pub mod diff;
pub mod html;
pub mod profile;
pub mod snapshot;
mod summary;

use std::path::Path;

use datafusion::arrow::array::RecordBatch;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::{Diagnostic, Error, Result};
use crate::plan::Plan;

pub use crate::facts::{
    Audit, FeatureScore, FileReport, Imputed, MessCount, Overlap, PartBalance, Scaler, Score,
    StratumReport,
};
pub use crate::numeric::{human_bytes, trimmed_number};

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
    /// Its columns, in the query's order (the JSON rows' keys are sorted).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
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
    /// The data version ([`crate::DATA_VERSION`]): the same for the same bytes.
    #[serde(default)]
    pub data_version: u32,
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
    /// Exact profiles only (`tutas snapshot`): the column's type as stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_type: Option<String>,
    /// Exact profiles only: distinct values, exactly (empty values not counted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distinct: Option<u64>,
    /// Exact profiles only: the median of a numeric column, exactly (the mean of the two middle
    /// values when their count is even).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median: Option<f64>,
    /// Exact profiles only: an integer column's smallest and largest values, exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub whole_range: Option<(i64, i64)>,
    /// Exact profiles only: values of a numeric column that are not finite (infinite, NaN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_finite: Option<u64>,
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
            data_version: crate::DATA_VERSION,
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
