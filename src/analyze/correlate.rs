//! `correlate`: rank correlations between generator columns of an entity table, checked and
//! turned into the Cholesky factor the generator reorders by.

use std::collections::BTreeSet;

use super::{Analyzer, column_reads};
use crate::error::Diagnostic;
use crate::plan::{ColumnPlan, Correlation, ValueType};
use crate::scenario::CorrelateSpec;

/// Where a column is: its index in the plan's columns and among the chunk's arrays.
struct Place {
    column: usize,
    array: usize,
}

impl Analyzer<'_> {
    /// The table's correlation groups: pairs that share a column form one group.
    pub(super) fn correlations(
        &mut self,
        specs: &[CorrelateSpec],
        columns: &[ColumnPlan],
        path: &str,
    ) -> Option<Vec<Correlation>> {
        let before = self.problems.len();
        let mut members: Vec<String> = Vec::new();
        for (i, spec) in specs.iter().enumerate() {
            let at = format!("{path}.correlate[{i}]");
            if !(spec.rank > -1.0 && spec.rank < 1.0) {
                self.problem(Diagnostic::at(
                    format!("{at}.rank"),
                    format!(
                        "a rank correlation is between -1 and 1 (exclusive); got {}",
                        spec.rank
                    ),
                ));
            }
            if spec.columns[0] == spec.columns[1] {
                self.problem(Diagnostic::at(
                    &at,
                    "a column is not correlated with itself",
                ));
            }
            for (j, c) in spec.columns.iter().enumerate() {
                if self
                    .correlatable(c, columns, &format!("{at}.columns[{j}]"))
                    .is_some()
                    && !members.contains(c)
                {
                    members.push(c.clone());
                }
            }
        }
        if self.problems.len() > before {
            return None;
        }
        let mut groups = Vec::new();
        for group in components(specs, &members) {
            groups.push(self.group(specs, &group, columns, path)?);
        }
        Some(groups)
    }

    /// A column that can be correlated: a plain generator of numbers or date-times.
    fn correlatable(&mut self, name: &str, columns: &[ColumnPlan], at: &str) -> Option<Place> {
        let Some(place) = place_of(name, columns) else {
            let names = columns.iter().flat_map(names_of);
            let d = Diagnostic::at(at, format!("no column `{name}` in this table"))
                .suggest(name, names.collect::<Vec<_>>().iter().map(String::as_str));
            self.problem(d);
            return None;
        };
        match &columns[place.column] {
            ColumnPlan::Generated {
                generator, params, ..
            } => {
                let numeric = matches!(
                    generator.value_type(),
                    ValueType::Int | ValueType::Float | ValueType::DateTime
                );
                if !numeric {
                    return self.fail(
                        at,
                        format!(
                            "`{name}` must be a generated number or date-time to be correlated"
                        ),
                    );
                }
                if !params.is_empty() {
                    return self.fail(at, format!("`{name}` has parameters in SQL: its values belong to their rows, so they cannot be reordered"));
                }
                Some(place)
            }
            _ => self.fail(
                at,
                format!(
                    "`{name}` must be a generator column (not SQL or a window) to be correlated"
                ),
            ),
        }
    }

    fn group(
        &mut self,
        specs: &[CorrelateSpec],
        group: &[String],
        columns: &[ColumnPlan],
        path: &str,
    ) -> Option<Correlation> {
        let places: Vec<Place> = group
            .iter()
            .map(|c| place_of(c, columns).expect("checked"))
            .collect();
        let first = places.iter().map(|p| p.column).min().expect("two members");
        let after = places.iter().map(|p| p.column).max().expect("two members");
        // Reordering happens once the last member is made: nothing in between may read a member.
        for column in &columns[first + 1..after] {
            let reads = reads_of(column);
            if let Some(read) = group.iter().find(|m| reads.contains(*m)) {
                let name = names_of(column).join("`, `");
                return self.fail(
                    format!("{path}.columns.{name}"),
                    format!("`{name}` reads `{read}`, which is correlated and reordered after it is made: declare `{name}` after `{}`", names_of(&columns[after])[0]),
                );
            }
        }
        let k = group.len();
        let mut r = vec![vec![0.0; k]; k];
        for (i, row) in r.iter_mut().enumerate() {
            row[i] = 1.0;
        }
        for spec in specs {
            let at = |c: &String| group.iter().position(|m| m == c);
            if let (Some(a), Some(b)) = (at(&spec.columns[0]), at(&spec.columns[1])) {
                // The normal scores' correlation that gives this Spearman correlation.
                let pearson = 2.0 * (std::f64::consts::PI * spec.rank / 6.0).sin();
                r[a][b] = pearson;
                r[b][a] = pearson;
            }
        }
        let Some(cholesky) = cholesky(&r) else {
            return self.fail(
                format!("{path}.correlate"),
                format!("the correlations of `{}` contradict each other (no joint distribution has them all)", group.join("`, `")),
            );
        };
        Some(Correlation {
            key: format!("correlate:{}", group.join(",")),
            arrays: places.iter().map(|p| p.array).collect(),
            names: group.to_vec(),
            after,
            cholesky,
        })
    }
}

fn names_of(column: &ColumnPlan) -> Vec<String> {
    match column {
        ColumnPlan::Generated { name, .. } | ColumnPlan::Sql { name, .. } => vec![name.clone()],
        ColumnPlan::Window {
            start_name,
            end_name,
            ..
        } => vec![start_name.clone(), end_name.clone()],
        ColumnPlan::PickRow { columns, .. } => columns.iter().map(|c| c.0.clone()).collect(),
    }
}

fn reads_of(column: &ColumnPlan) -> BTreeSet<String> {
    match column {
        ColumnPlan::Sql { expr, .. } => column_reads(expr),
        ColumnPlan::PickRow { .. } => BTreeSet::new(),
        ColumnPlan::Generated { params, .. } | ColumnPlan::Window { params, .. } => params
            .iter()
            .flat_map(|p| p.reads.iter().cloned())
            .collect(),
    }
}

fn place_of(name: &str, columns: &[ColumnPlan]) -> Option<Place> {
    let mut array = 0;
    for (column, c) in columns.iter().enumerate() {
        let names = names_of(c);
        if let Some(k) = names.iter().position(|n| n == name) {
            return Some(Place {
                column,
                array: array + k,
            });
        }
        array += names.len();
    }
    None
}

/// The groups of columns linked by the pairs, each in the order the columns first appear.
fn components(specs: &[CorrelateSpec], members: &[String]) -> Vec<Vec<String>> {
    let mut group: Vec<usize> = (0..members.len()).collect();
    let find = |g: &Vec<usize>, mut i: usize| {
        while g[i] != i {
            i = g[i];
        }
        i
    };
    for spec in specs {
        let at = |c: &String| members.iter().position(|m| m == c);
        if let (Some(a), Some(b)) = (at(&spec.columns[0]), at(&spec.columns[1])) {
            let (ra, rb) = (find(&group, a), find(&group, b));
            group[ra.max(rb)] = ra.min(rb);
        }
    }
    let mut out: Vec<(usize, Vec<String>)> = Vec::new();
    for (i, m) in members.iter().enumerate() {
        let root = find(&group, i);
        match out.iter_mut().find(|(r, _)| *r == root) {
            Some((_, g)) => g.push(m.clone()),
            None => out.push((root, vec![m.clone()])),
        }
    }
    out.into_iter().map(|(_, g)| g).collect()
}

/// The lower Cholesky factor of a symmetric matrix, if it is positive definite.
fn cholesky(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let sum: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = a[i][i] - sum;
                if d <= 1e-12 {
                    return None;
                }
                l[i][j] = d.sqrt();
            } else {
                l[i][j] = (a[i][j] - sum) / l[j][j];
            }
        }
    }
    Some(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_refuses_contradicting_correlations() {
        let l = cholesky(&[vec![1.0, 0.6], vec![0.6, 1.0]]).unwrap();
        assert!((l[1][0] - 0.6).abs() < 1e-12 && (l[1][1] - 0.8).abs() < 1e-12);
        // a ~ b and a ~ c strongly, but b ~ c strongly negative: impossible.
        let bad = [
            vec![1.0, 0.9, 0.9],
            vec![0.9, 1.0, -0.9],
            vec![0.9, -0.9, 1.0],
        ];
        assert!(cholesky(&bad).is_none());
    }
}
