//! The file `tutas snapshot` writes: what a run of a scenario made, short, deterministic and
//! readable in a review's diff — rows, each column's type, empty share, exact distinct count,
//! min / median / max, mean and std (4 significant digits), its top values or a histogram,
//! the strata, mess, checks, insights, the split and the audit's verdicts, and last the hash
//! of every file. Nothing that changes from run to run or machine to machine (no timings,
//! paths or thread counts).
//!
//! The text is YAML: a mapping per table and one line per column, so a changed column is a
//! changed line. It is read back ([`Snapshot::parse`]) to say in plain words what moved
//! between two snapshots, with `tutas diff`'s own measure ([`Snapshot::drift`]).

use std::fmt::Write;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{ColumnProfile, NumericProfile, RunReport, TableReport, TextProfile};
use crate::error::{Diagnostic, Error, Result};
use crate::time::DateTimeFormat;

/// The snapshot file's format; a reader of another refuses it.
pub const FORMAT: u32 = 1;

/// Categories a text column lists in full (beyond, its five most frequent).
const LISTED_CATEGORIES: usize = 12;

/// Rows of an insight a snapshot lists.
pub const INSIGHT_ROWS: usize = 20;

/// What the numbers of a snapshot mean, above them in the file.
const LEGEND: &str = "# shares (empty, true, top) are of the rows; true and top of the non-empty values; bins: counts in 10 equal bins from min to max; mean and std to 4 significant digits, min, median and max to 6 (integers exactly)";

/// What a run made, as the snapshot file holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// The snapshot file's format.
    pub snapshot: u32,
    /// The scenario's name.
    pub scenario: String,
    /// The variant run, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// The variant's overrides, as they apply.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<String>,
    /// The seed in force.
    pub seed: u64,
    /// The scale the snapshot runs at.
    pub scale: f64,
    /// How the CSV files spell date-times and booleans.
    pub output: IndexMap<String, String>,
    /// The data version of the tutas that made it ([`crate::DATA_VERSION`]).
    pub data_version: u32,
    /// Tables in declaration order.
    pub tables: IndexMap<String, TableSnap>,
    /// Feature queries in order.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub features: IndexMap<String, TableSnap>,
    /// Each check: `pass` or `FAIL`, with what it returned.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub checks: IndexMap<String, String>,
    /// Each insight's rows (the first [`INSIGHT_ROWS`]; then one `{ more_rows: n }`).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub insights: IndexMap<String, Vec<IndexMap<String, Value>>>,
    /// The split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split: Option<SplitSnap>,
    /// The audit's verdicts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit: Option<AuditSnap>,
    /// Every output file: its BLAKE3 hash and size in bytes.
    pub files: IndexMap<String, String>,
}

/// A table or feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSnap {
    /// Rows.
    pub rows: u64,
    /// Strata, for interaction tables.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub strata: IndexMap<String, StratumSnap>,
    /// Rows each mess effect changed (`column effect` or `duplicates`).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub mess: IndexMap<String, u64>,
    /// Columns in order.
    pub columns: IndexMap<String, ColumnSnap>,
}

/// One stratum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StratumSnap {
    /// Rows made.
    pub rows: u64,
    /// How its pairs were found.
    pub method: String,
    /// Pairs satisfying its condition (a count, or `~` an estimate).
    pub satisfying: Value,
}

/// One column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnSnap {
    /// Its type as stored (`Int64`, `Float64`, `Utf8`, `Boolean`, `Timestamp(s)`, ...).
    #[serde(rename = "type")]
    pub ty: String,
    /// Share of empty values.
    pub empty: f64,
    /// Distinct values (empty ones not counted), exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distinct: Option<u64>,
    /// Booleans: share of true among the values.
    #[serde(default, rename = "true", skip_serializing_if = "Option::is_none")]
    pub true_share: Option<f64>,
    /// Numbers and date-times: smallest value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Value>,
    /// Numbers and date-times: median.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median: Option<Value>,
    /// Numbers and date-times: largest value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Value>,
    /// Numbers: mean (date-times: as a date-time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<Value>,
    /// Numbers: population standard deviation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub std: Option<f64>,
    /// Date-times: population standard deviation in hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub std_hours: Option<f64>,
    /// Numbers: non-empty values that are not finite (infinite or NaN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_finite: Option<u64>,
    /// Numbers and date-times: counts in 10 equal bins from min to max.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bins: Option<Vec<u64>>,
    /// Text: share of each value (all of them up to 12 values, else the five most frequent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top: Option<IndexMap<String, f64>>,
}

/// The split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitSnap {
    /// How rows were assigned.
    pub method: String,
    /// Rows per class of the training part.
    pub train: IndexMap<String, u64>,
    /// Rows per class of the test part.
    pub test: IndexMap<String, u64>,
    /// Each imputed feature: with what.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub imputed: IndexMap<String, String>,
}

/// The audit's verdicts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSnap {
    /// Accuracy of the model on all features (2 decimals).
    pub accuracy: f64,
    /// Its balanced accuracy (2 decimals).
    pub balanced_accuracy: f64,
    /// What always guessing the majority class scores (2 decimals).
    pub majority: f64,
    /// Suspected leaks.
    pub leaks: Vec<String>,
    /// Text columns left out of X: their values found in both parts.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub overlaps: IndexMap<String, u64>,
    /// Why the scores are not meaningful, when they are not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caveat: Option<String>,
}

impl Snapshot {
    /// The snapshot of a run made with exact profiles; `output` the plan's output settings.
    pub fn of(
        report: &RunReport,
        variant: Option<&str>,
        scale: f64,
        output: IndexMap<String, String>,
    ) -> Snapshot {
        let tables = |ts: &[TableReport]| ts.iter().map(|t| (t.name.clone(), table(t))).collect();
        Snapshot {
            snapshot: FORMAT,
            scenario: report.scenario.clone(),
            variant: variant.map(str::to_string),
            settings: report.settings.clone(),
            seed: report.seed,
            scale: significant(scale),
            output,
            data_version: report.data_version,
            tables: tables(&report.tables),
            features: tables(&report.features),
            checks: report
                .checks
                .iter()
                .map(|c| {
                    let word = if c.passed { "pass" } else { "FAIL" };
                    (c.name.clone(), format!("{word} ({})", c.detail))
                })
                .collect(),
            insights: report
                .insights
                .iter()
                .map(|i| (i.name.clone(), insight_rows(&i.rows, &i.columns)))
                .collect(),
            split: report.split.as_ref().map(split),
            audit: report.audit.as_ref().map(audit),
            files: report
                .files
                .iter()
                .map(|f| {
                    (
                        f.path.clone(),
                        format!("blake3 {} ({} bytes)", f.blake3, f.bytes),
                    )
                })
                .collect(),
        }
    }

    /// The snapshot's text, headed by comments saying what it is and what its numbers mean.
    pub fn to_text(&self) -> String {
        let value = serde_yaml::to_value(self).unwrap_or(serde_yaml::Value::Null);
        let mut out = format!(
            "# tutas snapshot: `tutas snapshot` writes it, `tutas snapshot --check` compares a fresh run with it\n{LEGEND}\n"
        );
        emit_block(&value, 0, &mut out);
        out
    }

    /// Reads a snapshot's text.
    pub fn parse(text: &str) -> Result<Snapshot> {
        let snapshot: Snapshot = serde_yaml::from_str(text)
            .map_err(|e| Error::invalid(Diagnostic::new(format!("not a tutas snapshot: {e}"))))?;
        if snapshot.snapshot != FORMAT {
            return Err(Error::invalid(Diagnostic::new(format!(
                "a snapshot of format {} (this tutas reads format {FORMAT})",
                snapshot.snapshot
            ))));
        }
        Ok(snapshot)
    }

    /// Whether two snapshots differ only in their files' hashes and sizes.
    pub fn differs_only_in_bytes(&self, other: &Snapshot) -> bool {
        let strip = |s: &Snapshot| Snapshot {
            files: s.files.keys().map(|k| (k.clone(), String::new())).collect(),
            ..s.clone()
        };
        self != other && strip(self) == strip(other)
    }

    /// What moved beyond sampling noise from `self` to `new`, in `tutas diff`'s words and
    /// measure: one line per table (`interaksi: 2000 → 2500 rows`), stratum and column
    /// (`interaksi.label: true 74.2% → 54.3%; PSI 0.18  DRIFT`).
    pub fn drift(&self, new: &Snapshot, threshold: f64) -> Vec<String> {
        let mut lines = Vec::new();
        let pairs = self
            .tables
            .iter()
            .chain(&self.features)
            .filter_map(|(name, a)| {
                let b = new.tables.get(name).or_else(|| new.features.get(name))?;
                Some((name, a, b))
            });
        let names = |s: &Snapshot| -> Vec<String> {
            s.tables.keys().chain(s.features.keys()).cloned().collect()
        };
        let (before, after) = (names(self), names(new));
        for gone in before.iter().filter(|n| !after.contains(n)) {
            lines.push(format!("{gone}: gone"));
        }
        for added in after.iter().filter(|n| !before.contains(n)) {
            lines.push(format!("{added}: new"));
        }
        for (name, a, b) in pairs {
            if a.rows != b.rows {
                lines.push(format!("{name}: {} → {} rows", a.rows, b.rows));
            }
            for gone in a.columns.keys().filter(|c| !b.columns.contains_key(*c)) {
                lines.push(format!("{name}.{gone}: column gone"));
            }
            for added in b.columns.keys().filter(|c| !a.columns.contains_key(*c)) {
                lines.push(format!("{name}.{added}: new column"));
            }
            for (s, x) in &a.strata {
                if let Some(y) = b.strata.get(s).filter(|y| y.rows != x.rows) {
                    lines.push(format!("{name}.strata.{s}: {} → {} rows", x.rows, y.rows));
                }
            }
            for (c, x) in &a.columns {
                let Some(y) = b.columns.get(c) else { continue };
                let (pa, pb) = (profile(c, x, a.rows), profile(c, y, b.rows));
                if let Some(line) = super::diff::moved(&pa, &pb, threshold) {
                    lines.push(format!("{name}.{c}{line}"));
                }
            }
        }
        lines
    }
}

/// A table's snapshot from its report (exact profiles).
fn table(t: &TableReport) -> TableSnap {
    TableSnap {
        rows: t.rows,
        strata: t
            .strata
            .iter()
            .map(|s| {
                let satisfying = match s.exact {
                    true => Value::from(s.satisfying as u64),
                    false => Value::String(format!("~{:.3e}", s.satisfying)),
                };
                let snap = StratumSnap {
                    rows: s.produced,
                    method: s.method.clone(),
                    satisfying,
                };
                (s.name.clone(), snap)
            })
            .collect(),
        mess: t
            .mess
            .iter()
            .map(|m| {
                let what = match &m.column {
                    Some(c) => format!("{c} {}", m.effect),
                    None => m.effect.clone(),
                };
                (what, m.rows)
            })
            .collect(),
        columns: t
            .profile
            .iter()
            .map(|p| (p.name.clone(), column(p)))
            .collect(),
    }
}

/// A column's snapshot from its exact profile.
fn column(p: &ColumnProfile) -> ColumnSnap {
    let values = p.count - p.nulls;
    let share = |n: u64| significant(n as f64 / values.max(1) as f64);
    let mut c = ColumnSnap {
        ty: p.data_type.clone().unwrap_or_else(|| p.kind.clone()),
        empty: significant(p.nulls as f64 / p.count.max(1) as f64),
        distinct: p.distinct,
        true_share: p.true_count.map(share),
        min: None,
        median: None,
        max: None,
        mean: None,
        std: None,
        std_hours: None,
        non_finite: p.non_finite,
        bins: None,
        top: None,
    };
    if let Some(n) = &p.numeric {
        let datetime = p.kind == "datetime";
        let shown = |x: f64| match datetime {
            true => Value::String(DateTimeFormat::default().format(x as i64)),
            false => number(significant_to(x, 6)),
        };
        let (min, max) = match p.whole_range {
            Some((lo, hi)) if !datetime => (Value::from(lo), Value::from(hi)),
            _ => (shown(n.min), shown(n.max)),
        };
        c.min = Some(min);
        c.median = p.median.map(shown);
        c.max = Some(max);
        match datetime {
            true => {
                c.mean = Some(shown(n.mean.round()));
                c.std_hours = Some(significant(n.std / 3600.0));
            }
            false => {
                c.mean = Some(number(significant(n.mean)));
                c.std = Some(significant(n.std));
            }
        }
        c.bins = Some(n.bins.clone());
    }
    if let Some(t) = &p.text {
        let shown = match t.top.len() <= LISTED_CATEGORIES && t.complete {
            true => t.top.len(),
            false => 5,
        };
        c.top = Some(
            t.top
                .iter()
                .take(shown)
                .map(|(v, n)| (v.clone(), share(*n)))
                .collect(),
        );
    }
    c
}

/// A column's profile as a snapshot holds it, for `tutas diff`'s measure: counts from shares,
/// histograms from the bins between min and max.
fn profile(name: &str, c: &ColumnSnap, rows: u64) -> ColumnProfile {
    let nulls = (c.empty * rows as f64).round() as u64;
    let values = rows - nulls.min(rows);
    let count = |share: f64| (share * values as f64).round() as u64;
    let seconds = |v: &Option<Value>| match v {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => crate::time::parse_datetime(s).map(|t| t as f64),
        _ => None,
    };
    let datetime = matches!(c.min, Some(Value::String(_)));
    let numeric = match (seconds(&c.min), seconds(&c.max), &c.bins) {
        (Some(min), Some(max), Some(bins)) => Some(NumericProfile {
            mean: seconds(&c.mean).unwrap_or(min),
            std: c.std.or(c.std_hours.map(|h| h * 3600.0)).unwrap_or(0.0),
            min,
            max,
            bin_start: min,
            bin_width: (max - min) / bins.len().max(1) as f64,
            bins: bins.clone(),
            values: None,
        }),
        _ => None,
    };
    let text = c.top.as_ref().map(|top| TextProfile {
        distinct: c.distinct.unwrap_or(top.len() as u64),
        complete: true,
        top: top.iter().map(|(v, s)| (v.clone(), count(*s))).collect(),
    });
    ColumnProfile {
        name: name.to_string(),
        kind: match (&numeric, datetime, c.true_share, &text) {
            (Some(_), true, ..) => "datetime",
            (Some(_), false, ..) => "number",
            (_, _, Some(_), _) => "boolean",
            (.., Some(_)) => "text",
            _ => "other",
        }
        .to_string(),
        count: rows,
        nulls,
        numeric,
        true_count: c.true_share.map(count),
        text,
        data_type: Some(c.ty.clone()),
        distinct: c.distinct,
        median: None,
        whole_range: None,
        non_finite: c.non_finite,
    }
}

/// An insight's rows as the query returns them (its columns in order), the first
/// [`INSIGHT_ROWS`] of them, then how many more there are.
fn insight_rows(rows: &Value, columns: &[String]) -> Vec<IndexMap<String, Value>> {
    let Some(rows) = rows.as_array() else {
        return Vec::new();
    };
    let mut out: Vec<IndexMap<String, Value>> = rows
        .iter()
        .take(INSIGHT_ROWS)
        .filter_map(Value::as_object)
        .map(|row| {
            let ordered = columns
                .iter()
                .filter_map(|c| Some((c.clone(), row.get(c)?.clone())));
            let rest = row
                .iter()
                .filter(|(k, _)| !columns.contains(k))
                .map(|(k, v)| (k.clone(), v.clone()));
            ordered.chain(rest).collect()
        })
        .collect();
    if rows.len() > INSIGHT_ROWS {
        let more = Value::from((rows.len() - INSIGHT_ROWS) as u64);
        out.push(IndexMap::from([("more_rows".to_string(), more)]));
    }
    out
}

fn split(sp: &super::SplitReport) -> SplitSnap {
    let classes = |b: &super::PartBalance| {
        b.classes
            .iter()
            .map(|(k, v)| (k.clone(), *v as u64))
            .collect()
    };
    SplitSnap {
        method: sp.method.clone(),
        train: classes(&sp.train),
        test: classes(&sp.test),
        imputed: sp
            .imputed
            .iter()
            .map(|i| (i.column.clone(), format!("{} {}", i.strategy, i.value)))
            .collect(),
    }
}

fn audit(a: &crate::facts::Audit) -> AuditSnap {
    let two = |x: f64| (x * 100.0).round() / 100.0;
    AuditSnap {
        accuracy: two(a.baseline.accuracy),
        balanced_accuracy: two(a.baseline.balanced_accuracy),
        majority: two(a.majority_accuracy),
        leaks: a.leaks.clone(),
        overlaps: a
            .overlaps
            .iter()
            .map(|o| (o.column.clone(), o.in_both as u64))
            .collect(),
        caveat: a.caveat.clone(),
    }
}

/// `x` to 4 significant digits (the float nearest that decimal).
fn significant(x: f64) -> f64 {
    significant_to(x, 4)
}

/// `x` to `digits` significant digits (the float nearest that decimal).
fn significant_to(x: f64, digits: usize) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    format!("{x:.*e}", digits - 1).parse().unwrap_or(x)
}

/// A number as JSON: whole numbers as integers.
fn number(x: f64) -> Value {
    match x.fract() == 0.0 && x.abs() < 9.007_199_254_740_992e15 {
        true => Value::from(x as i64),
        false => serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number),
    }
}

/// Longest line a mapping or list is written on in flow style (`{ a: 1, b: 2 }`).
const FLOW_WIDTH: usize = 260;

/// Writes a mapping in block style at `indent`. Below the top level, a value that holds no
/// mapping of mappings and fits on a line is written in flow style: a column is one line.
fn emit_block(value: &serde_yaml::Value, indent: usize, out: &mut String) {
    let serde_yaml::Value::Mapping(map) = value else {
        return;
    };
    let pad = " ".repeat(indent);
    for (k, v) in map {
        let key = scalar_text(k);
        let flow = flow_text(v);
        let is_mapping = matches!(v, serde_yaml::Value::Mapping(m) if !m.is_empty());
        // A record (a column, a stratum) on one line; a collection of them a line each.
        let record = v
            .as_mapping()
            .is_some_and(|m| m.values().any(|x| !x.is_mapping()));
        match (is_mapping, flow) {
            (true, Some(text))
                if indent > 0
                    && record
                    && depth(v) <= 2
                    && indent + key.len() + text.len() < FLOW_WIDTH =>
            {
                let _ = writeln!(out, "{pad}{key}: {text}");
            }
            (true, _) => {
                let _ = writeln!(out, "{pad}{key}:");
                emit_block(v, indent + 2, out);
            }
            (false, Some(text)) => {
                let _ = writeln!(out, "{pad}{key}: {text}");
            }
            (false, None) => {
                // A list of mappings (insight rows): one item a line.
                let _ = writeln!(out, "{pad}{key}:");
                for item in v.as_sequence().into_iter().flatten() {
                    let _ = writeln!(out, "{pad}  - {}", flow_text(item).unwrap_or_default());
                }
            }
        }
    }
}

/// How deep mappings and lists nest in a value (a scalar is 0).
fn depth(v: &serde_yaml::Value) -> usize {
    match v {
        serde_yaml::Value::Mapping(m) => 1 + m.values().map(depth).max().unwrap_or(0),
        serde_yaml::Value::Sequence(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// A value in flow style, when it is not a list of mappings.
fn flow_text(v: &serde_yaml::Value) -> Option<String> {
    Some(match v {
        serde_yaml::Value::Mapping(m) if m.is_empty() => "{}".to_string(),
        serde_yaml::Value::Mapping(m) => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, v)| Some(format!("{}: {}", scalar_text(k), flow_text(v)?)))
                .collect::<Option<_>>()?;
            format!("{{ {} }}", items.join(", "))
        }
        serde_yaml::Value::Sequence(a) if a.iter().any(|i| i.is_mapping()) => return None,
        serde_yaml::Value::Sequence(a) => {
            let items: Vec<String> = a.iter().map(flow_text).collect::<Option<_>>()?;
            format!("[{}]", items.join(", "))
        }
        scalar => scalar_text(scalar),
    })
}

/// A scalar as YAML reads it back the same: whole floats as integers, text plain when it
/// cannot be read as anything else, else quoted (JSON's quoting is YAML's).
fn scalar_text(v: &serde_yaml::Value) -> String {
    match v {
        serde_yaml::Value::String(s) if plain(s) => s.clone(),
        serde_yaml::Value::String(s) => Value::String(s.clone()).to_string(),
        serde_yaml::Value::Number(n) => match n.as_f64() {
            Some(x) if n.is_f64() && x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", x as i64),
            _ => n.to_string(),
        },
        serde_yaml::Value::Bool(b) => b.to_string(),
        serde_yaml::Value::Null => "null".to_string(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

/// Whether text can be written without quotes and read back as the same text.
fn plain(s: &str) -> bool {
    let first = s.chars().next();
    let ordinary = s
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | ' ' | '(' | ')'));
    ordinary
        && first.is_some_and(|c| c.is_alphabetic() || c == '_')
        && s.trim() == s
        && serde_yaml::from_str::<serde_yaml::Value>(s).is_ok_and(|v| v.as_str() == Some(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_yaml_would_read_otherwise_is_quoted() {
        for s in [
            "true", "no", "1.5", "null", "a: b", " x", "~", "#c", "", "1e3", "0x10",
        ] {
            let text = scalar_text(&serde_yaml::Value::String(s.into()));
            let back: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
            assert_eq!(back.as_str(), Some(s), "{s:?} written as {text}");
        }
        assert_eq!(
            scalar_text(&serde_yaml::Value::String("M0001".into())),
            "M0001"
        );
    }

    #[test]
    fn four_significant_digits() {
        assert_eq!(significant(0.742_345), 0.7423);
        assert_eq!(significant(12_345.678), 12_350.0);
        assert_eq!(significant(0.0), 0.0);
    }
}
