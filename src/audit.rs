//! The learnability and leakage audit (linfa decision trees).
//!
//! A baseline tree is fitted on all features of the training part and scored
//! on the test part. Then every feature alone gets its own small tree: a feature
//! that alone predicts the target almost perfectly (balanced accuracy at or
//! above the threshold) is reported as a suspected leak, with the reason.

use linfa::prelude::*;
use linfa_trees::DecisionTree;
use ndarray::{Array1, Array2};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::split::SplitData;

/// The score of one model on the test part.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Score {
    /// Share of test rows predicted right.
    pub accuracy: f64,
    /// Mean over classes of the share of that class's rows predicted right.
    pub balanced_accuracy: f64,
}

/// One feature scored alone.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Audit {
    /// The model family used.
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
}

fn matrix(data: &SplitData, rows: &[usize], columns: &[usize]) -> Array2<f64> {
    Array2::from_shape_fn((rows.len(), columns.len()), |(i, j)| {
        data.columns[columns[j]].values[rows[i]]
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

fn fit_and_score(
    data: &SplitData,
    y: &[usize],
    classes: usize,
    columns: &[usize],
    depth: usize,
) -> Result<Score> {
    let (train, test) = sample_rows(data);
    let x_train = matrix(data, train, columns);
    let y_train: Array1<usize> = train.iter().map(|&r| y[r]).collect();
    let x_test = matrix(data, test, columns);
    let y_test: Array1<usize> = test.iter().map(|&r| y[r]).collect();
    let model = DecisionTree::params()
        .max_depth(Some(depth))
        .fit(&Dataset::new(x_train, y_train))
        .map_err(|e| Error::msg(format!("audit model failed: {e}")))?;
    Ok(score(&y_test, &model.predict(&x_test), classes))
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
    let baseline = fit_and_score(data, &y, classes, &all, 6)?;
    let mut features = Vec::new();
    let mut leaks = Vec::new();
    for (j, c) in data.columns.iter().enumerate() {
        let s = fit_and_score(data, &y, classes, &[j], 3)?;
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
        model: "decision tree (linfa-trees; depth 6 for all features, depth 3 per feature)".into(),
        majority_accuracy: majority as f64 / test.len().max(1) as f64,
        baseline,
        features,
        leak_threshold: threshold,
        leaks,
    })
}
