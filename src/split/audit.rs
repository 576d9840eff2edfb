//! The learnability and leakage audit.
//!
//! A baseline logistic regression (linfa) is fitted on all features of the
//! training part and scored on the test part. Then every feature alone gets the
//! best single-threshold rule on the training rows: a feature whose rule
//! predicts the target almost perfectly on the test rows (balanced accuracy at
//! or above the threshold) is reported as a suspected leak, with the reason.
//! Both are deterministic: the same split gives the same report (linfa's
//! decision trees were not: they break ties in hash-map order).

use linfa::prelude::*;
use linfa_logistic::{LogisticRegression, MultiLogisticRegression};
use ndarray::{Array1, Array2};

use super::SplitData;
use crate::error::{Error, Result};
use crate::report::{Audit, FeatureScore, Score};

fn matrix(data: &SplitData, rows: &[usize], columns: &[usize]) -> Array2<f64> {
    Array2::from_shape_fn((rows.len(), columns.len()), |(i, j)| {
        data.columns[columns[j]].values.get(rows[i])
    })
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

/// Rows of each part the audit's models use at most. Both parts are already shuffled, so their
/// first rows are a uniform sample; the audit's cost stays flat however large the table.
pub const AUDIT_MAX_TRAIN_ROWS: usize = 200_000;
/// See [`AUDIT_MAX_TRAIN_ROWS`].
pub const AUDIT_MAX_TEST_ROWS: usize = 100_000;

fn sample_rows(data: &SplitData) -> (&[usize], &[usize]) {
    (
        &data.train[..data.train.len().min(AUDIT_MAX_TRAIN_ROWS)],
        &data.test[..data.test.len().min(AUDIT_MAX_TEST_ROWS)],
    )
}

/// Logistic regression on the given columns, fitted on the training sample and scored on the test sample.
fn baseline(data: &SplitData, y: &[usize], classes: usize, columns: &[usize]) -> Result<Score> {
    let (train, test) = sample_rows(data);
    let x_train = matrix(data, train, columns);
    let y_train: Array1<usize> = train.iter().map(|&r| y[r]).collect();
    let x_test = matrix(data, test, columns);
    let y_test: Array1<usize> = test.iter().map(|&r| y[r]).collect();
    let fail = |e: &dyn std::fmt::Display| Error::msg(format!("audit model failed: {e}"));
    let predicted = if classes == 2 {
        let model = LogisticRegression::default()
            .max_iterations(200)
            .fit(&Dataset::new(x_train, y_train))
            .map_err(|e| fail(&e))?;
        model.predict(&x_test)
    } else {
        let model = MultiLogisticRegression::default()
            .max_iterations(200)
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
    let baseline = baseline(data, &y, classes, &all)?;
    let mut features = Vec::new();
    let mut leaks = Vec::new();
    for (j, c) in data.columns.iter().enumerate() {
        let s = threshold_rule(data, &y, classes, j);
        let leak = s.balanced_accuracy >= threshold;
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
        model: "logistic regression (linfa-logistic) on all features; best single-threshold rule per feature".into(),
        majority_accuracy: majority as f64 / test.len().max(1) as f64,
        baseline,
        features,
        leak_threshold: threshold,
        leaks,
    })
}
