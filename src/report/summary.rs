//! The closing summary a run prints: tables, strata, checks, insights, split, audit, timing.

use std::fmt::Write;

use super::{Audit, RunReport, SplitReport, TableReport};
use crate::numeric::human_bytes;

impl RunReport {
    /// The closing summary: tables, strata, checks, insights, split, audit and, when asked,
    /// the timing of every stage.
    pub fn summary(&self, with_timing: bool) -> String {
        let mut s = format!("scenario {} (seed {})\n", self.scenario, self.seed);
        if let Some(p) = self.part {
            let _ = writeln!(
                s,
                "part {} of {}: rows below are this part's; parts 1..{} in order make each table",
                p.number, p.of, p.of
            );
        }
        if !self.tables.is_empty() {
            s.push_str("\ntables\n");
        }
        let name_width = self
            .tables
            .iter()
            .map(|t| t.name.chars().count())
            .fold(28, usize::max);
        for t in &self.tables {
            table_lines(t, name_width, &mut s);
        }
        if !self.checks.is_empty() {
            s.push_str("\nchecks\n");
            for c in &self.checks {
                let word = if c.passed { "pass" } else { "FAIL" };
                let _ = writeln!(s, "  {word} {} ({})", c.name, c.detail);
            }
        }
        for i in &self.insights {
            let _ = writeln!(s, "\ninsight {}", i.name);
            for line in i.table.lines() {
                let _ = writeln!(s, "  {line}");
            }
        }
        if let Some(sp) = &self.split {
            split_lines(sp, &mut s);
        }
        if let Some(a) = &self.audit {
            audit_lines(a, &mut s);
        }
        if !self.warnings.is_empty() {
            s.push('\n');
            for w in &self.warnings {
                let _ = writeln!(s, "warning: {w}");
            }
        }
        if with_timing {
            self.timing_lines(&mut s);
        }
        s
    }

    fn timing_lines(&self, s: &mut String) {
        s.push_str("\ntiming (stages overlap: files of tables that later stages read are written while those stages run)\n");
        let stage_width = self
            .timings
            .iter()
            .map(|t| t.stage.chars().count())
            .fold(36, usize::max);
        for t in &self.timings {
            let _ = write!(
                s,
                "  {:<stage_width$} {:>11} rows {:>10} {:>9.3} s {:>12.0} rows/s",
                t.stage,
                t.rows,
                human_bytes(t.bytes as f64),
                t.seconds,
                t.rows_per_second()
            );
            let _ = match t.compute_seconds {
                Some(c) => writeln!(s, "  ({c:.3} s before writing)"),
                None => writeln!(s),
            };
        }
        let bytes: u64 = self.files.iter().map(|f| f.bytes).sum();
        let _ = writeln!(
            s,
            "  total {:.3} s, {} file{}, {}",
            self.seconds,
            self.files.len(),
            if self.files.len() == 1 { "" } else { "s" },
            human_bytes(bytes as f64)
        );
    }
}

impl RunReport {
    /// What a dry run made, in one line: rows per table, split sizes, suspected leaks.
    pub fn dry_run_line(&self) -> String {
        let rows: Vec<String> = self
            .tables
            .iter()
            .map(|t| format!("{} {} rows", t.name, t.rows))
            .collect();
        let mut line = rows.join(", ");
        if let Some(sp) = &self.split {
            let _ = write!(line, "; split {} / {}", sp.train.rows, sp.test.rows);
        }
        if let Some(a) = self.audit.as_ref().filter(|a| !a.leaks.is_empty()) {
            let _ = write!(line, "; suspected leaks {}", a.leaks.join(", "));
        }
        line
    }

    /// What `tutas check`'s dry run found, in a few lines: what a run would make.
    pub fn dry_run_summary(&self) -> String {
        let mut s = format!(
            "dry run (seed {}, nothing written): `tutas run` will succeed\n",
            self.seed
        );
        let tables: Vec<String> = self
            .tables
            .iter()
            .map(|t| match t.strata.len() {
                0 => format!("{} {} rows", t.name, t.rows),
                n => format!(
                    "{} {} rows ({n} strat{} met)",
                    t.name,
                    t.rows,
                    if n == 1 { "um" } else { "a" }
                ),
            })
            .collect();
        let _ = writeln!(s, "  tables: {}", tables.join(", "));
        if !self.features.is_empty() {
            let features: Vec<String> = self
                .features
                .iter()
                .map(|f| format!("{} {} rows", f.name, f.rows))
                .collect();
            let _ = writeln!(s, "  features: {}", features.join(", "));
        }
        if !self.checks.is_empty() {
            let _ = writeln!(s, "  checks: {} passed", self.checks.len());
        }
        if let Some(sp) = &self.split {
            let _ = writeln!(
                s,
                "  split: {} train rows, {} test rows",
                sp.train.rows, sp.test.rows
            );
        }
        if let Some(a) = &self.audit
            && !a.leaks.is_empty()
        {
            let _ = writeln!(s, "  audit: suspected leaks {}", a.leaks.join(", "));
        }
        for w in &self.warnings {
            let _ = writeln!(s, "warning: {w}");
        }
        s
    }
}

fn table_lines(t: &TableReport, name_width: usize, s: &mut String) {
    let _ = writeln!(
        s,
        "  {:<name_width$} {:>10} rows  {:>3} columns",
        t.name, t.rows, t.columns
    );
    for m in &t.mess {
        let what = match &m.column {
            Some(c) => format!("{c} {}", m.effect),
            None => m.effect.clone(),
        };
        let _ = writeln!(
            s,
            "    mess: {what:<30} {:>9} rows changed (share {})",
            m.rows, m.share
        );
    }
    if t.strata.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "    {:<18} {:>9} {:>9} {:>14} {:>11}  method",
        "stratum", "requested", "produced", "satisfying", "acceptance"
    );
    for st in &t.strata {
        let satisfying = if st.exact {
            format!("{}", st.satisfying as u64)
        } else {
            format!("~{:.3e}", st.satisfying)
        };
        let _ = writeln!(
            s,
            "    {:<18} {:>9} {:>9} {:>14} {:>10.4}%  {}",
            st.name,
            st.requested,
            st.produced,
            satisfying,
            st.acceptance * 100.0,
            st.method
        );
        if !st.detail.is_empty() {
            let _ = writeln!(s, "      {}", st.detail);
        }
    }
}

/// Classes of the target shown per part; report.json lists them all.
const SHOWN_CLASSES: usize = 12;

fn split_lines(sp: &SplitReport, s: &mut String) {
    s.push_str("\nsplit\n");
    if !sp.method.is_empty() {
        let _ = writeln!(s, "  {}", sp.method);
    }
    for (part, b) in [("train", &sp.train), ("test", &sp.test)] {
        let mut classes: Vec<String> = b
            .classes
            .iter()
            .take(SHOWN_CLASSES)
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        if b.classes.len() > SHOWN_CLASSES {
            let more = b.classes.len() - SHOWN_CLASSES;
            classes.push(format!("and {more} more classes in report.json"));
        }
        let _ = writeln!(
            s,
            "  {part:<5} {:>8} rows  ({})",
            b.rows,
            classes.join(", ")
        );
    }
    for sc in &sp.scalers {
        let _ = writeln!(
            s,
            "  standardised {} (train mean {:.6}, std {:.6})",
            sc.column, sc.mean, sc.std
        );
    }
    for i in &sp.imputed {
        let indicator = match &i.indicator {
            Some(c) => format!(", indicator {c}"),
            None => String::new(),
        };
        let _ = writeln!(
            s,
            "  imputed {} with {} {} ({} empty in train, {} in test{indicator})",
            i.column, i.strategy, i.value, i.missing_train, i.missing_test
        );
    }
}

fn audit_lines(a: &Audit, s: &mut String) {
    s.push_str("\naudit\n");
    let _ = writeln!(
        s,
        "  baseline (all features): accuracy {:.3}, balanced accuracy {:.3}; always-majority accuracy {:.3}",
        a.baseline.accuracy, a.baseline.balanced_accuracy, a.majority_accuracy
    );
    if let Some(caveat) = &a.caveat {
        let _ = writeln!(s, "  NOT MEANINGFUL: {caveat}");
    } else if a.leaks.is_empty() {
        s.push_str("  no feature alone predicts the target: no suspected leak\n");
    }
    for f in a.features.iter().filter(|f| f.leak) {
        let _ = writeln!(
            s,
            "  LEAK {}: {}",
            f.feature,
            f.reason.as_deref().unwrap_or_default()
        );
    }
    for o in a.overlaps.iter().filter(|o| o.in_both > 0) {
        let _ = writeln!(
            s,
            "  OVERLAP {}: {} of {} test values also in train (left out of X, yet other columns can carry them; `split.group: {}` keeps each in one part)",
            o.column, o.in_both, o.test_values, o.column
        );
    }
}
