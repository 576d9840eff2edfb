//! The learnability and leakage audit.
//!
//! A baseline logistic regression (linfa) is fitted on all features of the
//! training part and scored on the test part. Then every feature alone gets the
//! best single-threshold rule on the training rows: a feature whose rule
//! predicts the target almost perfectly on the test rows (balanced accuracy at
//! or above the threshold) is reported as a suspected leak, with the reason.
//! Both are deterministic: the same split gives the same report (linfa's
//! decision trees were not: they break ties in hash-map order).
//!
//! The audit reads a sample: the first [`AUDIT_TRAIN_ROWS`] training and [`AUDIT_TEST_ROWS`]
//! test rows (both parts are shuffled, so these are uniform samples). On 20,000 test rows an
//! accuracy has a standard error of at most 0.0035 (`√(0.25/20000)`), and a class's recall at
//! most `0.5/√n` over its `n` test rows, which is what a leak verdict at a 0.99 threshold
//! needs. The model sees standardised columns and stops after [`AUDIT_ITERATIONS`] L-BFGS
//! steps; the per-feature rules run on all cores while it fits.

use linfa::prelude::*;
use linfa_logistic::{LogisticRegression, MultiLogisticRegression};
use ndarray::{Array1, Array2, ShapeBuilder};
use rayon::prelude::*;

use super::SplitData;
use crate::error::{Error, Result};
use crate::facts::{Audit, FeatureScore, Score};
use crate::plan::{Plan, TableKind};

/// The sample's values of the given columns, standardised with the training sample's means
/// and deviations (`shift`), gathered column by column into a column-major matrix.
fn matrix(
    data: &SplitData,
    rows: &[usize],
    columns: &[usize],
    shift: &[(f64, f64)],
) -> Array2<f64> {
    let mut values = Vec::with_capacity(rows.len() * columns.len());
    for (&j, &(mean, std)) in columns.iter().zip(shift) {
        let column = &data.columns[j].values;
        values.extend(rows.iter().map(|&r| (column.get(r) - mean) / std));
    }
    Array2::from_shape_vec((rows.len(), columns.len()).f(), values).expect("rows × columns values")
}

/// Mean and standard deviation (1 where it is 0) of each column over the training sample.
fn standardisation(data: &SplitData, rows: &[usize], columns: &[usize]) -> Vec<(f64, f64)> {
    columns
        .iter()
        .map(|&j| {
            let column = &data.columns[j].values;
            let n = rows.len().max(1) as f64;
            let mean = rows.iter().map(|&r| column.get(r)).sum::<f64>() / n;
            let var = rows
                .iter()
                .map(|&r| (column.get(r) - mean).powi(2))
                .sum::<f64>()
                / n;
            let std = var.sqrt();
            (
                mean,
                if std > 0.0 && std.is_finite() {
                    std
                } else {
                    1.0
                },
            )
        })
        .collect()
}

fn score(truth: &Array1<usize>, predicted: &Array1<usize>, classes: usize) -> Score {
    let n = truth.len().max(1);
    let right = truth.iter().zip(predicted).filter(|(a, b)| a == b).count();
    let mut per_class = Vec::new();
    for c in 0..classes {
        let total = truth.iter().filter(|t| **t == c).count();
        if total > 0 {
            let ok = truth
                .iter()
                .zip(predicted)
                .filter(|(t, p)| **t == c && **p == c)
                .count();
            per_class.push(ok as f64 / total as f64);
        }
    }
    Score {
        accuracy: right as f64 / n as f64,
        balanced_accuracy: per_class.iter().sum::<f64>() / per_class.len().max(1) as f64,
    }
}

/// Training rows the audit reads at most. Both parts are already shuffled, so their first rows
/// are a uniform sample; the audit's cost stays flat however large the table.
pub const AUDIT_TRAIN_ROWS: usize = 20_000;
/// Test rows the audit scores at most.
pub const AUDIT_TEST_ROWS: usize = 20_000;
/// L-BFGS steps of the baseline model.
pub const AUDIT_ITERATIONS: u64 = 50;

fn sample_rows(data: &SplitData) -> (&[usize], &[usize]) {
    (
        &data.train[..data.train.len().min(AUDIT_TRAIN_ROWS)],
        &data.test[..data.test.len().min(AUDIT_TEST_ROWS)],
    )
}

/// Logistic regression on the given columns, fitted on the training sample and scored on the test sample.
fn baseline(data: &SplitData, y: &[usize], classes: usize, columns: &[usize]) -> Result<Score> {
    let (train, test) = sample_rows(data);
    let shift = standardisation(data, train, columns);
    let x_train = matrix(data, train, columns, &shift);
    let y_train: Array1<usize> = train.iter().map(|&r| y[r]).collect();
    let x_test = matrix(data, test, columns, &shift);
    let y_test: Array1<usize> = test.iter().map(|&r| y[r]).collect();
    let fail = |e: &dyn std::fmt::Display| Error::msg(format!("audit model failed: {e}"));
    let predicted = if classes == 2 {
        let model = LogisticRegression::default()
            .max_iterations(AUDIT_ITERATIONS)
            .fit(&Dataset::new(x_train, y_train))
            .map_err(|e| fail(&e))?;
        model.predict(&x_test)
    } else {
        let model = MultiLogisticRegression::default()
            .max_iterations(AUDIT_ITERATIONS)
            .fit(&Dataset::new(x_train, y_train))
            .map_err(|e| fail(&e))?;
        model.predict(&x_test)
    };
    Ok(score(&y_test, &predicted, classes))
}

/// The best rule "class L below a threshold, class R from it on" for one feature, chosen by
/// balanced accuracy on the training sample (first best on ties) and scored on the test sample.
fn threshold_rule(data: &SplitData, y: &[usize], classes: usize, column: usize) -> Score {
    let (train, test) = sample_rows(data);
    let values = &data.columns[column].values;
    let value = |r: usize| values.get(r);
    let mut order: Vec<usize> = train.to_vec();
    order.sort_by(|&a, &b| value(a).total_cmp(&value(b)).then(a.cmp(&b)));
    let totals: Vec<f64> = (0..classes)
        .map(|c| order.iter().filter(|&&r| y[r] == c).count() as f64)
        .collect();
    let present = totals.iter().filter(|t| **t > 0.0).count().max(1) as f64;
    let mut left = vec![0.0; classes];
    let mut best = (f64::NEG_INFINITY, f64::NEG_INFINITY, 0, 0);
    for i in 0..=order.len() {
        // A cut before position i, only between distinct values.
        if i == 0 || i == order.len() || value(order[i - 1]) != value(order[i]) {
            let cut = if i == order.len() {
                f64::INFINITY
            } else {
                value(order[i])
            };
            for l in 0..classes {
                for r in 0..classes {
                    let mut recall = 0.0;
                    for c in 0..classes {
                        if totals[c] > 0.0 {
                            let hit = if l == c { left[c] } else { 0.0 }
                                + if r == c { totals[c] - left[c] } else { 0.0 };
                            recall += hit / totals[c];
                        }
                    }
                    if recall / present > best.0 {
                        best = (recall / present, cut, l, r);
                    }
                }
            }
        }
        if i < order.len() {
            left[y[order[i]]] += 1.0;
        }
    }
    let (_, cut, l, r) = best;
    let truth: Array1<usize> = test.iter().map(|&row| y[row]).collect();
    let predicted: Array1<usize> = test
        .iter()
        .map(|&row| if value(row) < cut { l } else { r })
        .collect();
    score(&truth, &predicted, classes)
}

/// Runs the audit; `why` explains, for a feature name, how the target derives from it (if known).
pub fn audit(
    data: &SplitData,
    threshold: f64,
    why: impl Fn(&str) -> Option<String>,
) -> Result<Audit> {
    let y: Vec<usize> = data.target.codes.iter().map(|&c| c as usize).collect();
    let classes = data.target.names.len();
    let test = sample_rows(data).1;
    let majority = (0..classes)
        .map(|c| test.iter().filter(|&&r| y[r] == c).count())
        .max()
        .unwrap_or(0);
    let all: Vec<usize> = (0..data.columns.len()).collect();
    let (baseline, rules) = rayon::join(
        || baseline(data, &y, classes, &all),
        || {
            (0..data.columns.len())
                .into_par_iter()
                .map(|j| threshold_rule(data, &y, classes, j))
                .collect::<Vec<_>>()
        },
    );
    let baseline = baseline?;
    let caveat = missing_classes(data, &y, classes);
    let mut features = Vec::new();
    let mut leaks = Vec::new();
    for (c, s) in data.columns.iter().zip(rules) {
        let leak = s.balanced_accuracy >= threshold && caveat.is_none();
        let reason = leak.then(|| {
            let mut r = format!(
                "`{}` alone predicts `{}` with balanced accuracy {:.3} on the test rows (threshold {threshold})",
                c.name, data.target_name, s.balanced_accuracy
            );
            if let Some(extra) = why(&c.name) {
                r.push_str("; ");
                r.push_str(&extra);
            }
            r
        });
        if leak {
            leaks.push(c.name.clone());
        }
        features.push(FeatureScore {
            feature: c.name.clone(),
            score: s,
            leak,
            reason,
        });
    }
    Ok(Audit {
        overlaps: data.overlaps.clone(),
        model: format!(
            "logistic regression (linfa-logistic, standardised, {AUDIT_ITERATIONS} steps) on all features; best single-threshold rule per feature; on {} training and {} test rows",
            sample_rows(data).0.len(),
            test.len()
        ),
        majority_accuracy: majority as f64 / test.len().max(1) as f64,
        baseline,
        features,
        leak_threshold: threshold,
        leaks,
        caveat,
    })
}

/// Why the scores say nothing, when a class of the target has no row in a part: a model
/// cannot learn a class missing from training, and a test part of fewer classes scores a
/// single rule perfectly.
fn missing_classes(data: &SplitData, y: &[usize], classes: usize) -> Option<String> {
    let absent = |rows: &[usize]| -> Vec<&str> {
        (0..classes)
            .filter(|&c| !rows.iter().any(|&r| y[r] == c))
            .map(|c| data.target.names[c].as_str())
            .collect()
    };
    let (train, test) = (absent(&data.train), absent(&data.test));
    let part = match (train.is_empty(), test.is_empty()) {
        (true, true) => return None,
        (false, _) => format!("training part has no row of class {}", train.join(", ")),
        (true, false) => format!("test part has no row of class {}", test.join(", ")),
    };
    Some(format!(
        "the {part}: these scores are not meaningful and no leak is flagged (more rows, or a larger test_size, give every class rows in both parts)"
    ))
}
/// How the target is defined from a feature: a `derive` column named like the target whose
/// expression reads a column named like the feature.
pub fn lineage(plan: &Plan, target: &str, feature: &str) -> Option<String> {
    plan.tables.iter().find_map(|t| {
        let TableKind::Pairs(pairs) = &t.kind else {
            return None;
        };
        let derived = pairs.derive.iter().find(|d| d.name == target)?;
        derived.reads.contains(feature).then(|| {
            format!(
                "`{target}` is defined from it: `{}` (tables.{}.derive.{target})",
                derived.sql.trim(),
                t.name
            )
        })
    })
}
