//! A table's `nulls`, `dirty` and `duplicates`, and the split's `impute`, checked.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::common::DFSchema;

use super::Analyzer;
use crate::error::Diagnostic;
use crate::plan::{Fill, Impute, Mess, MessEffect, MessKind, TableKind, TablePlan};
use crate::scenario::{ColumnSpec, GeneratorSpec, ImputeSpec, NullsSpec, Split, Table};

impl Analyzer<'_> {
    /// The table's mess: each effect on an existing column of a type it applies to, every
    /// share in [0, 1]; columns that may be left empty become nullable in its schema.
    pub(super) fn messy(&mut self, mut plan: TablePlan, path: &str) -> Option<TablePlan> {
        let table = &self.scenario.tables[&plan.name];
        let nulls = self.all_nulls(table, path);
        if nulls.is_empty() && table.dirty.is_empty() && table.duplicates.is_none() {
            return Some(plan);
        }
        if matches!(plan.kind, TableKind::Source(_)) {
            return self.fail(
                path,
                "a `source` table is read as it is: `nulls`, `dirty` and `duplicates` do not apply",
            );
        }
        let before = self.problems.len();
        let mut effects = self.dirty_effects(&plan, path);
        let mut nullable = vec![false; plan.schema.fields().len()];
        for (column, at, nulls) in &nulls {
            let Some((index, _)) = self.mess_column(&plan, column, at) else {
                continue;
            };
            self.check_share(nulls.share, at);
            let when = match &nulls.when {
                None => None,
                Some(sql) => {
                    Some(self.mess_condition(&plan.schema, sql, &format!("{at}.where"))?)
                }
            };
            nullable[index] = true;
            effects.push(effect(column, index, MessKind::Nulls(when), nulls.share));
        }
        if let Some(share) = table.duplicates {
            self.check_share(share, &format!("{path}.duplicates"));
        }
        if self.problems.len() > before {
            return None;
        }
        plan.schema = with_nullable(&plan.schema, &nullable);
        plan.mess = Some(Mess {
            effects,
            duplicates: table.duplicates,
        });
        Some(plan)
    }

    /// The table's `dirty` effects, each on a column of a type it applies to.
    fn dirty_effects(&mut self, plan: &TablePlan, path: &str) -> Vec<MessEffect> {
        let table = &self.scenario.tables[&plan.name];
        let mut effects = Vec::new();
        for (column, dirty) in &table.dirty {
            let at = format!("{path}.dirty.{column}");
            let Some((index, ty)) = self.mess_column(plan, column, &at) else {
                continue;
            };
            let text = matches!(
                ty,
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            );
            let texts = [
                ("typos", dirty.typos, MessKind::Typos),
                ("case", dirty.case, MessKind::Case),
                ("whitespace", dirty.whitespace, MessKind::Whitespace),
            ];
            for (key, share, kind) in texts {
                let Some(share) = share else { continue };
                if !text {
                    self.problem(Diagnostic::at(
                        format!("{at}.{key}"),
                        format!("`{key}` applies to text; `{column}` is {ty}"),
                    ));
                }
                self.check_share(share, &format!("{at}.{key}"));
                effects.push(effect(column, index, kind, share));
            }
            if let Some(o) = &dirty.outliers {
                if !matches!(ty, DataType::Int64 | DataType::Float64) {
                    self.problem(Diagnostic::at(
                        format!("{at}.outliers"),
                        format!("`outliers` applies to numbers; `{column}` is {ty}"),
                    ));
                }
                if !o.scale.is_finite() {
                    self.problem(Diagnostic::at(
                        format!("{at}.outliers.scale"),
                        "`scale` must be a finite number",
                    ));
                }
                self.check_share(o.share, &format!("{at}.outliers.share"));
                effects.push(effect(column, index, MessKind::Outliers(o.scale), o.share));
            }
        }
        effects
    }

    /// The table's `nulls` and the `nulls` of its columns' own generators (columns, `set`,
    /// `derive`), each with its key path; a nested generator's `nulls` is a problem.
    fn all_nulls(&mut self, table: &Table, path: &str) -> Vec<(String, String, NullsSpec)> {
        let mut out: Vec<(String, String, NullsSpec)> = table
            .nulls
            .iter()
            .map(|(c, n)| (c.clone(), format!("{path}.nulls.{c}"), n.clone()))
            .collect();
        let mut seen = std::collections::HashSet::new();
        for (column, spec, under) in table.column_specs() {
            let at = format!("{path}.{under}");
            let ColumnSpec::Generate(g) = spec else {
                continue;
            };
            for (nested, key) in nested_column_keys(g, &at) {
                self.problem(Diagnostic::at(
                    nested,
                    format!("`{key}` belongs to a column's own generator, not to one inside it"),
                ));
            }
            let Some(n) = &g.nulls else { continue };
            if g.window.is_some() {
                self.problem(Diagnostic::at(
                    format!("{at}.nulls"),
                    format!("a window makes two columns: name `{column}_start` or `{column}_end` in the table's `nulls`"),
                ));
            } else if table.nulls.contains_key(column) {
                self.problem(Diagnostic::at(
                    format!("{at}.nulls"),
                    format!("`{column}` is also in the table's `nulls`: give it once"),
                ));
            } else if seen.insert(column.clone()) {
                // `set` columns repeat per stratum: the first stratum's `nulls` counts.
                out.push((column.clone(), format!("{at}.nulls"), n.clone()));
            }
        }
        out
    }

    /// The index and type of a column the mess names.
    fn mess_column(
        &mut self,
        plan: &TablePlan,
        column: &str,
        at: &str,
    ) -> Option<(usize, DataType)> {
        match plan.schema.index_of(column) {
            Ok(i) => Some((i, plan.schema.field(i).data_type().clone())),
            Err(_) => {
                let names = plan.schema.fields().iter().map(|f| f.name().as_str());
                let d = Diagnostic::at(
                    at,
                    format!("table `{}` has no column `{column}`", plan.name),
                )
                .suggest(column, names);
                self.problem(d);
                None
            }
        }
    }

    fn check_share(&mut self, share: f64, at: &str) {
        if !(0.0..=1.0).contains(&share) {
            self.problem(Diagnostic::at(
                at,
                format!("a share is between 0 and 1; got {share}"),
            ));
        }
    }

    /// A `nulls` condition: boolean SQL over the made row (hidden columns too).
    fn mess_condition(
        &mut self,
        schema: &SchemaRef,
        sql: &str,
        at: &str,
    ) -> Option<Arc<dyn datafusion::physical_expr::PhysicalExpr>> {
        let df = DFSchema::try_from(schema.as_ref().clone()).ok()?;
        let planned = self.sql_expr(sql, &df, at)?;
        if planned.data_type != DataType::Boolean {
            return self.fail(
                at,
                format!(
                    "`where` must be a condition (boolean); `{sql}` is {}",
                    planned.data_type
                ),
            );
        }
        Some(planned.physical)
    }

    /// The split's `impute`, each a feature with a known strategy.
    pub(super) fn impute(
        &mut self,
        split: &Split,
        schema: &SchemaRef,
        features: &[String],
    ) -> Vec<Impute> {
        let mut out = Vec::new();
        for (column, spec) in &split.impute {
            let at = format!("split.impute.{column}");
            if !features.contains(column) {
                let d = Diagnostic::at(&at, format!("`{column}` is not a feature of the split (the target, dropped columns and unknown ones are not imputed)"))
                    .suggest(column, features.iter().map(String::as_str));
                self.problem(d);
                continue;
            }
            let Some(fill) = self.fill(spec, &at) else {
                continue;
            };
            let numeric = schema
                .field_with_name(column)
                .is_ok_and(|f| f.data_type().is_numeric());
            if matches!(fill, Fill::Mean | Fill::Median) && !numeric {
                self.problem(Diagnostic::at(
                    &at,
                    format!("`{}` needs numbers; `{column}` is not numeric: use `most_frequent` or `constant`", fill.name()),
                ));
                continue;
            }
            out.push(Impute {
                column: column.clone(),
                fill,
                indicator: spec.indicator,
            });
        }
        out
    }

    fn fill(&mut self, spec: &ImputeSpec, at: &str) -> Option<Fill> {
        match (&spec.strategy, &spec.constant) {
            (Some(_), Some(_)) => self.fail(at, "give either `strategy` or `constant`, not both"),
            (None, Some(value)) => Some(Fill::Constant(value.clone())),
            (None, None) => self.fail(
                at,
                "give `strategy` (mean, median, most_frequent) or `constant`",
            ),
            (Some(s), None) => match s.as_str() {
                "mean" => Some(Fill::Mean),
                "median" => Some(Fill::Median),
                "most_frequent" => Some(Fill::MostFrequent),
                other => {
                    let d = Diagnostic::at(
                        at,
                        format!("unknown strategy `{other}`; expected mean, median, most_frequent, or {{ constant: value }}"),
                    )
                    .suggest(other, ["mean", "median", "most_frequent"]);
                    self.problem(d);
                    None
                }
            },
        }
    }
}

/// Key paths of `nulls` and `hidden` given inside a generator (mixture arms, `add`, window
/// parts), with the key.
fn nested_column_keys(g: &GeneratorSpec, at: &str) -> Vec<(String, &'static str)> {
    let mut inner: Vec<(&GeneratorSpec, String)> = Vec::new();
    for (i, arm) in g.mixture.iter().flatten().enumerate() {
        inner.push((arm, format!("{at}.mixture[{i}]")));
    }
    if let Some(add) = &g.add {
        inner.push((add, format!("{at}.add")));
    }
    if let Some(w) = &g.window {
        inner.push((&w.start, format!("{at}.window.start")));
        inner.push((&w.length, format!("{at}.window.length")));
    }
    inner
        .into_iter()
        .flat_map(|(g, at)| {
            let mut found = nested_column_keys(g, &at);
            if g.nulls.is_some() {
                found.push((format!("{at}.nulls"), "nulls"));
            }
            if g.hidden.is_some() {
                found.push((format!("{at}.hidden"), "hidden"));
            }
            found
        })
        .collect()
}

fn effect(column: &str, index: usize, kind: MessKind, share: f64) -> MessEffect {
    MessEffect {
        column: column.to_string(),
        index,
        kind,
        share,
    }
}

/// The schema with the marked fields nullable.
fn with_nullable(schema: &SchemaRef, nullable: &[bool]) -> SchemaRef {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .zip(nullable)
        .map(|(f, &n)| f.as_ref().clone().with_nullable(f.is_nullable() || n))
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}
