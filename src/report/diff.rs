//! `tutas diff`: what changed between two runs, from their `report.json` files.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::ColumnProfile;
use crate::report::{RunReport, TableReport};

fn share(n: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        n as f64 * 100.0 / total as f64
    }
}

/// A number for reading: at most four decimals, trailing zeros dropped.
fn num(x: f64) -> String {
    crate::report::trimmed_number(x, 4)
}

fn change(a: f64, b: f64) -> String {
    if num(a) == num(b) {
        format!("{} (same)", num(a))
    } else {
        format!("{} → {}", num(a), num(b))
    }
}

fn percent_change(a: f64, b: f64) -> String {
    match format!("{a:.1}") == format!("{b:.1}") {
        true => format!("{a:.1}% (same)"),
        false => format!("{a:.1}% → {b:.1}%"),
    }
}

/// How `tutas diff` reports columns.
#[derive(Debug, Clone, Copy)]
pub struct DiffOptions {
    /// A column whose population stability index reaches this is marked `DRIFT`.
    pub threshold: f64,
    /// Show every column, also those whose change is within sampling noise.
    pub all: bool,
}

impl Default for DiffOptions {
    fn default() -> Self {
        DiffOptions {
            threshold: 0.1,
            all: false,
        }
    }
}

/// What the two runs' profiles of one column both hold, tried in this order.
enum Pair<'p> {
    Numbers(&'p super::NumericProfile, &'p super::NumericProfile),
    /// Counts of true.
    Booleans(u64, u64),
    Texts(&'p super::TextProfile, &'p super::TextProfile),
    /// No summary of the same kind in both.
    Unlike,
}

impl<'p> Pair<'p> {
    fn of(a: &'p ColumnProfile, b: &'p ColumnProfile) -> Pair<'p> {
        match (
            &a.numeric,
            &b.numeric,
            a.true_count,
            b.true_count,
            &a.text,
            &b.text,
        ) {
            (Some(x), Some(y), ..) => Pair::Numbers(x, y),
            (_, _, Some(x), Some(y), ..) => Pair::Booleans(x, y),
            (.., Some(x), Some(y)) => Pair::Texts(x, y),
            _ => Pair::Unlike,
        }
    }
}

/// A column's distribution as shares of categories: its values (text, booleans) or 20 bins
/// over both runs' range (numbers, date-times), and empty values.
fn distributions(a: &ColumnProfile, b: &ColumnProfile) -> Option<(Vec<f64>, Vec<f64>)> {
    let (mut pa, mut pb) = match Pair::of(a, b) {
        Pair::Numbers(x, y) => {
            let lo = x.bin_start.min(y.bin_start);
            let hi = (x.bin_start + x.bin_width * x.bins.len() as f64)
                .max(y.bin_start + y.bin_width * y.bins.len() as f64);
            (rebin(x, lo, hi), rebin(y, lo, hi))
        }
        Pair::Booleans(x, y) => (
            vec![x as f64, (a.count - a.nulls - x) as f64],
            vec![y as f64, (b.count - b.nulls - y) as f64],
        ),
        Pair::Texts(x, y) => value_counts(x, y)?
            .values()
            .map(|&(p, q)| (p as f64, q as f64))
            .unzip(),
        Pair::Unlike => return None,
    };
    pa.push(a.nulls as f64);
    pb.push(b.nulls as f64);
    let norm = |v: &mut Vec<f64>| {
        let total: f64 = v.iter().sum();
        v.iter_mut().for_each(|x| *x /= total.max(1.0));
    };
    norm(&mut pa);
    norm(&mut pb);
    Some((pa, pb))
}

/// Each value's count in both runs, when both profiles list every value of the column.
fn value_counts<'p>(
    x: &'p super::TextProfile,
    y: &'p super::TextProfile,
) -> Option<BTreeMap<&'p str, (u64, u64)>> {
    let listed = |t: &super::TextProfile| t.complete && t.distinct as usize <= t.top.len();
    if !(listed(x) && listed(y)) {
        return None;
    }
    let mut values: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for (v, n) in &x.top {
        values.entry(v).or_default().0 = *n;
    }
    for (v, n) in &y.top {
        values.entry(v).or_default().1 = *n;
    }
    Some(values)
}

/// A histogram's counts spread over 20 equal bins of [lo, hi] (uniform within each bin).
fn rebin(h: &super::NumericProfile, lo: f64, hi: f64) -> Vec<f64> {
    const BINS: usize = 20;
    let width = (hi - lo) / BINS as f64;
    let mut out = vec![0.0; BINS];
    for (i, &n) in h.bins.iter().enumerate() {
        let (from, to) = (
            h.bin_start + i as f64 * h.bin_width,
            h.bin_start + (i + 1) as f64 * h.bin_width,
        );
        if width <= 0.0 || to <= from {
            out[0] += n as f64;
            continue;
        }
        for (k, slot) in out.iter_mut().enumerate() {
            let (s, e) = (lo + k as f64 * width, lo + (k + 1) as f64 * width);
            let overlap = (to.min(e) - from.max(s)).max(0.0);
            *slot += n as f64 * overlap / (to - from);
        }
    }
    out
}

/// The population stability index Σ (q − p) ln(q / p), shares floored at 1e-4.
fn psi(p: &[f64], q: &[f64]) -> f64 {
    p.iter()
        .zip(q)
        .map(|(&x, &y)| {
            let (x, y) = (x.max(1e-4), y.max(1e-4));
            (y - x) * (y / x).ln()
        })
        .sum()
}

/// What the index reaches by sampling alone, two runs of the same distribution: its mean
/// is about (k − 1)(1/n_a + 1/n_b) for k categories; this is that plus four standard deviations.
fn noise(categories: usize, a: u64, b: u64) -> f64 {
    let df = categories.saturating_sub(1).max(1) as f64;
    (df + 4.0 * (2.0 * df).sqrt()) * (1.0 / a.max(1) as f64 + 1.0 / b.max(1) as f64)
}

/// How a column compares.
enum Compared {
    /// The same profile.
    Same,
    /// Moved, but no more than sampling alone moves it.
    Noise,
    /// Worth a line.
    Line(String),
}

/// What moved in a column: means, shares of true, of each value, or distinct counts.
fn describe(a: &ColumnProfile, b: &ColumnProfile) -> String {
    let mut out = String::new();
    match Pair::of(a, b) {
        Pair::Numbers(x, y) if a.kind == "datetime" => {
            let f = crate::time::DateTimeFormat::parse("%Y-%m-%d %H:%M").expect("valid format");
            let _ = write!(
                out,
                ": mean {} → {}, std in hours {}",
                f.format(x.mean as i64),
                f.format(y.mean as i64),
                change(x.std / 3600.0, y.std / 3600.0)
            );
        }
        Pair::Numbers(x, y) => {
            let _ = write!(
                out,
                ": mean {}, std {}, max {}",
                change(x.mean, y.mean),
                change(x.std, y.std),
                change(x.max, y.max)
            );
        }
        Pair::Booleans(x, y) => {
            let _ = write!(
                out,
                ": true {}",
                percent_change(share(x, a.count), share(y, b.count))
            );
        }
        Pair::Texts(x, y) if let Some(values) = value_counts(x, y) => {
            let shown: Vec<String> = values
                .iter()
                .map(|(v, &(na, nb))| {
                    format!(
                        "{} {}",
                        category(v),
                        percent_change(share(na, a.count), share(nb, b.count))
                    )
                })
                .collect();
            let _ = write!(out, ": {}", shown.join(", "));
        }
        Pair::Texts(x, y) => {
            let _ = write!(out, ": distinct {} → {}", distinct(x), distinct(y));
        }
        Pair::Unlike => {}
    }
    out
}

/// A category as the diff shows it: quoted (with escapes) when it is empty, has spaces at
/// either end, or holds a comma, a quote or a control character, so every value reads apart.
fn category(v: &str) -> String {
    let plain = !v.is_empty()
        && v.trim() == v
        && !v.contains([',', '"'])
        && !v.chars().any(char::is_control);
    match plain {
        true => v.to_string(),
        false => format!("{v:?}"),
    }
}

/// One column's line; `Same` or `Noise` (folded) unless every column is asked for.
fn column(a: &ColumnProfile, b: &ColumnProfile, options: DiffOptions) -> Compared {
    let mut out = format!("    {} ({})", a.name, a.kind);
    if a.kind != b.kind {
        return Compared::Line(format!("{out}: kind {} → {}\n", a.kind, b.kind));
    }
    let index = distributions(a, b).map(|(p, q)| (psi(&p, &q), noise(p.len(), a.count, b.count)));
    // Text beyond the profile's categories is known by its distinct and empty counts only.
    let same_counts = matches!((&a.text, &b.text), (Some(x), Some(y)) if x.distinct == y.distinct && x.complete == y.complete)
        && index.is_none()
        && a.nulls == b.nulls;
    if (a == b || same_counts) && !options.all {
        return Compared::Same;
    }
    if index.is_some_and(|(i, noise)| i < noise && i < options.threshold) && !options.all {
        return Compared::Noise;
    }
    out.push_str(&describe(a, b));
    if a.nulls != b.nulls {
        let _ = write!(
            out,
            "; empty {}",
            percent_change(share(a.nulls, a.count), share(b.nulls, b.count))
        );
    }
    if let Some((i, noise)) = index {
        let verdict = match (i >= options.threshold, i >= noise) {
            (true, _) => "  DRIFT",
            (false, true) => "",
            (false, false) => " (within sampling noise)",
        };
        let _ = write!(out, "; PSI {}{verdict}", num(i));
    }
    out.push('\n');
    Compared::Line(out)
}

/// What moved in a column, in `tutas diff`'s words, when it moved beyond sampling noise: the
/// change after the column's name (`: true 74.2% → 54.3%; PSI 0.18  DRIFT`).
pub(crate) fn moved(a: &ColumnProfile, b: &ColumnProfile, threshold: f64) -> Option<String> {
    let options = DiffOptions {
        threshold,
        all: false,
    };
    match column(a, b, options) {
        Compared::Line(line) => {
            let line = line.trim();
            let prefix = format!("{} ({})", a.name, a.kind);
            Some(line.strip_prefix(&prefix).unwrap_or(line).to_string())
        }
        Compared::Same | Compared::Noise => None,
    }
}

/// A text column's distinct count as the profile knows it: past the counting limit only a
/// lower bound.
fn distinct(t: &super::TextProfile) -> String {
    if t.complete {
        t.distinct.to_string()
    } else {
        format!("more than {}", t.distinct)
    }
}

fn tables(
    kind: &str,
    a: &[TableReport],
    b: &[TableReport],
    options: DiffOptions,
    out: &mut String,
) {
    if a.is_empty() && b.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{kind}");
    for ta in a {
        let Some(tb) = b.iter().find(|t| t.name == ta.name) else {
            let _ = writeln!(out, "  {}: only in A", ta.name);
            continue;
        };
        let rows = if ta.rows == tb.rows {
            format!("{} rows (same)", ta.rows)
        } else {
            format!("rows {} → {}", ta.rows, tb.rows)
        };
        let mut lines = String::new();
        let (mut same, mut noise) = (0, 0);
        for ca in &ta.profile {
            match tb.profile.iter().find(|c| c.name == ca.name) {
                Some(cb) => match column(ca, cb, options) {
                    Compared::Line(line) => lines.push_str(&line),
                    Compared::Same => same += 1,
                    Compared::Noise => noise += 1,
                },
                None => {
                    let _ = writeln!(lines, "    {}: only in A", ca.name);
                }
            }
        }
        let mut folded = String::new();
        // Counted apart from the columns listed below them, which say so.
        let other = if lines.is_empty() { "" } else { "other " };
        for (n, what) in [(same, "unchanged"), (noise, "moved within sampling noise")] {
            match n {
                0 => {}
                1 => folded.push_str(&format!("; 1 {other}column {what}")),
                n => folded.push_str(&format!("; {n} {other}columns {what}")),
            }
        }
        let _ = writeln!(out, "  {}: {rows}{folded}", ta.name);
        out.push_str(&lines);
        for cb in tb
            .profile
            .iter()
            .filter(|c| !ta.profile.iter().any(|x| x.name == c.name))
        {
            let _ = writeln!(out, "    {}: only in B", cb.name);
        }
    }
    for tb in b.iter().filter(|t| !a.iter().any(|x| x.name == t.name)) {
        let _ = writeln!(out, "  {}: only in B", tb.name);
    }
}

/// A text comparison of two run reports: scenario and overrides, row counts, the columns
/// whose distribution moved beyond sampling noise (with their population stability index),
/// the split, the audit and file hashes.
pub fn diff(a: &RunReport, b: &RunReport, options: DiffOptions) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "A: {} (seed {})", a.scenario, a.seed);
    let _ = writeln!(out, "B: {} (seed {})", b.scenario, b.seed);
    let _ = writeln!(
        out,
        "scenario file: {}",
        if a.scenario_sha256 == b.scenario_sha256 {
            "same"
        } else {
            "changed"
        }
    );
    if a.settings != b.settings {
        let list = |s: &[String]| match s.is_empty() {
            true => "none".to_string(),
            false => s.join("; "),
        };
        let _ = writeln!(
            out,
            "overrides: {} → {}",
            list(&a.settings),
            list(&b.settings)
        );
    }
    tables("tables", &a.tables, &b.tables, options, &mut out);
    tables("features", &a.features, &b.features, options, &mut out);
    if let (Some(x), Some(y)) = (&a.split, &b.split) {
        let _ = writeln!(out, "\nsplit");
        for (name, pa, pb) in [("train", &x.train, &y.train), ("test", &x.test, &y.test)] {
            let _ = writeln!(out, "  {name}: {} → {} rows", pa.rows, pb.rows);
            for (class, na) in &pa.classes {
                let nb = pb.classes.get(class).copied().unwrap_or(0);
                let _ = writeln!(
                    out,
                    "    class {class}: {}",
                    percent_change(
                        share(*na as u64, pa.rows as u64),
                        share(nb as u64, pb.rows as u64)
                    )
                );
            }
        }
    }
    if let (Some(x), Some(y)) = (&a.audit, &b.audit) {
        let _ = writeln!(
            out,
            "\naudit\n  suspected leaks: [{}] → [{}]",
            x.leaks.join(", "),
            y.leaks.join(", ")
        );
    }
    let _ = writeln!(out, "\nfiles");
    let hashes = |r: &RunReport| -> BTreeMap<String, String> {
        r.files
            .iter()
            .map(|f| (f.path.clone(), f.blake3.clone()))
            .collect()
    };
    let (ha, hb) = (hashes(a), hashes(b));
    let mut paths: Vec<&String> = ha.keys().chain(hb.keys()).collect();
    paths.sort();
    paths.dedup();
    for p in paths {
        let state = match (ha.get(p), hb.get(p)) {
            (Some(x), Some(y)) if x == y => "same".to_string(),
            (Some(x), Some(y)) => format!("changed {} → {}", &x[..12], &y[..12]),
            (Some(_), None) => "only in A".to_string(),
            _ => "only in B".to_string(),
        };
        let _ = writeln!(out, "  {p}: {state}");
    }
    out
}
