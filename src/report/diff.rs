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

fn change(a: f64, b: f64) -> String {
    if a == b {
        format!("{a:.4} (same)")
    } else {
        format!("{a:.4} → {b:.4} ({:+.4})", b - a)
    }
}

fn column(a: &ColumnProfile, b: &ColumnProfile, out: &mut String) {
    let _ = write!(out, "    {} ({})", a.name, a.kind);
    if a.kind != b.kind {
        let _ = writeln!(out, ": kind {} → {}", a.kind, b.kind);
        return;
    }
    match (
        &a.numeric,
        &b.numeric,
        a.true_count,
        b.true_count,
        &a.text,
        &b.text,
    ) {
        (Some(x), Some(y), ..) if a.kind == "datetime" => {
            let f = crate::time::DateTimeFormat::parse("%Y-%m-%d %H:%M").expect("valid format");
            let _ = writeln!(
                out,
                ": mean {} → {}, std in hours {}",
                f.format(x.mean as i64),
                f.format(y.mean as i64),
                change(x.std / 3600.0, y.std / 3600.0)
            );
        }
        (Some(x), Some(y), ..) => {
            let _ = writeln!(
                out,
                ": mean {}, std {}",
                change(x.mean, y.mean),
                change(x.std, y.std)
            );
        }
        (_, _, Some(x), Some(y), ..) => {
            let _ = writeln!(
                out,
                ": true % {}",
                change(share(x, a.count), share(y, b.count))
            );
        }
        (.., Some(x), Some(y))
            if x.complete && y.complete && x.distinct <= 20 && y.distinct <= 20 =>
        {
            let _ = writeln!(out, ":");
            let mut values: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
            for (v, n) in &x.top {
                values.entry(v).or_default().0 = *n;
            }
            for (v, n) in &y.top {
                values.entry(v).or_default().1 = *n;
            }
            for (v, (na, nb)) in values {
                let _ = writeln!(
                    out,
                    "      {v}: % {}",
                    change(share(na, a.count), share(nb, b.count))
                );
            }
        }
        (.., Some(x), Some(y)) => {
            let _ = writeln!(out, ": distinct {} → {}", distinct(x), distinct(y));
        }
        _ => {
            let _ = writeln!(out);
        }
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

fn tables(kind: &str, a: &[TableReport], b: &[TableReport], out: &mut String) {
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
        let _ = writeln!(out, "  {}: {rows}", ta.name);
        for ca in &ta.profile {
            match tb.profile.iter().find(|c| c.name == ca.name) {
                Some(cb) => column(ca, cb, out),
                None => {
                    let _ = writeln!(out, "    {}: only in A", ca.name);
                }
            }
        }
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

/// A text comparison of two run reports: scenario, row counts, column distributions, file hashes.
pub fn diff(a: &RunReport, b: &RunReport) -> String {
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
    tables("tables", &a.tables, &b.tables, &mut out);
    tables("features", &a.features, &b.features, &mut out);
    if let (Some(x), Some(y)) = (&a.split, &b.split) {
        let _ = writeln!(out, "\nsplit");
        for (name, pa, pb) in [("train", &x.train, &y.train), ("test", &x.test, &y.test)] {
            let _ = writeln!(out, "  {name}: {} → {} rows", pa.rows, pb.rows);
            for (class, na) in &pa.classes {
                let nb = pb.classes.get(class).copied().unwrap_or(0);
                let _ = writeln!(
                    out,
                    "    class {class}: % {}",
                    change(
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
            .map(|f| (f.path.clone(), f.sha256.clone()))
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
