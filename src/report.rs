//! The run report: `report.json` and the closing summary printed after a run.

use datafusion::arrow::array::RecordBatch;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::analyze::Plan;
use crate::audit::Audit;
use crate::error::{Error, Result};
use crate::profile::ColumnProfile;
use crate::sample::StratumReport;
use crate::split::{PartBalance, Scaler};

/// Rows and timing of one stage.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StageTiming {
    /// Stage name.
    pub stage: String,
    /// Rows it produced.
    pub rows: u64,
    /// Bytes of the files it wrote.
    pub bytes: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
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
}

/// One output file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileReport {
    /// Path relative to the output folder.
    pub path: String,
    /// Size.
    pub bytes: u64,
    /// SHA-256, hex.
    pub sha256: String,
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
}

impl RunReport {
    /// An empty report for a plan.
    pub fn new(plan: &Plan, scenario_text: &str) -> RunReport {
        let hash = Sha256::digest(scenario_text.as_bytes());
        RunReport {
            scenario: plan.name.clone(),
            scenario_sha256: hash.iter().map(|b| format!("{b:02x}")).collect(),
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
        }
    }

    /// The report as JSON.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or_else(|e| json!({ "error": e.to_string() }))
    }

    /// The closing summary: tables, strata, checks, insights, split, audit, timing.
    pub fn summary(&self, with_timing: bool) -> String {
        let mut s = String::new();
        s.push_str(&format!(
            "scenario {} (seed {})\n",
            self.scenario, self.seed
        ));
        s.push_str("\ntables\n");
        for t in &self.tables {
            s.push_str(&format!(
                "  {:<28} {:>10} rows  {:>3} columns\n",
                t.name, t.rows, t.columns
            ));
            if !t.strata.is_empty() {
                s.push_str(&format!(
                    "    {:<18} {:>9} {:>9} {:>14} {:>11}  {}\n",
                    "stratum", "requested", "produced", "satisfying", "acceptance", "method"
                ));
                for st in &t.strata {
                    let sat = if st.exact {
                        format!("{}", st.satisfying as u64)
                    } else {
                        format!("~{:.3e}", st.satisfying)
                    };
                    s.push_str(&format!(
                        "    {:<18} {:>9} {:>9} {:>14} {:>10.4}%  {}\n",
                        st.name,
                        st.requested,
                        st.produced,
                        sat,
                        st.acceptance * 100.0,
                        st.method
                    ));
                }
            }
        }
        if !self.checks.is_empty() {
            s.push_str("\nchecks\n");
            for c in &self.checks {
                s.push_str(&format!(
                    "  {} {} ({})\n",
                    if c.passed { "pass" } else { "FAIL" },
                    c.name,
                    c.detail
                ));
            }
        }
        for i in &self.insights {
            s.push_str(&format!("\ninsight {}\n", i.name));
            for line in i.table.lines() {
                s.push_str(&format!("  {line}\n"));
            }
        }
        if let Some(sp) = &self.split {
            s.push_str("\nsplit\n");
            for (part, b) in [("train", &sp.train), ("test", &sp.test)] {
                let classes: Vec<String> =
                    b.classes.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                s.push_str(&format!(
                    "  {part:<5} {:>8} rows  ({})\n",
                    b.rows,
                    classes.join(", ")
                ));
            }
            for sc in &sp.scalers {
                s.push_str(&format!(
                    "  standardised {} (train mean {:.6}, std {:.6})\n",
                    sc.column, sc.mean, sc.std
                ));
            }
        }
        if let Some(a) = &self.audit {
            s.push_str("\naudit\n");
            s.push_str(&format!(
                "  baseline (all features): accuracy {:.3}, balanced accuracy {:.3}; always-majority accuracy {:.3}\n",
                a.baseline.accuracy, a.baseline.balanced_accuracy, a.majority_accuracy
            ));
            if a.leaks.is_empty() {
                s.push_str("  no feature alone predicts the target: no suspected leak\n");
            }
            for f in a.features.iter().filter(|f| f.leak) {
                s.push_str(&format!(
                    "  LEAK {}: {}\n",
                    f.feature,
                    f.reason.clone().unwrap_or_default()
                ));
            }
        }
        if with_timing {
            s.push_str("\ntiming (stages overlap: files of tables that later stages read are written while those stages run)\n");
            for t in &self.timings {
                let rate = t.rows_per_second();
                s.push_str(&format!(
                    "  {:<36} {:>11} rows {:>10} {:>9.3} s {:>12.0} rows/s\n",
                    t.stage,
                    t.rows,
                    crate::analyze::human_bytes(t.bytes as f64),
                    t.seconds,
                    rate
                ));
            }
            let bytes: u64 = self.files.iter().map(|f| f.bytes).sum();
            s.push_str(&format!(
                "  total {:.3} s, {} files, {}\n",
                self.seconds,
                self.files.len(),
                crate::analyze::human_bytes(bytes as f64)
            ));
        }
        s
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
