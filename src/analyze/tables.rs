//! Tables: their names, row counts, and the columns of generated and file-sourced tables.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::common::DFSchema;

use super::{Analyzer, PlannedExpr, Scope, is_identifier};
use crate::error::Diagnostic;
use crate::numeric::human_bytes;
use crate::plan::{
    ColumnPlan, EntityPlan, Generator, NumberGenerator, NumberKind, NumberType, ParamExpr,
    TableKind, TablePlan, TextGenerator, ValueType,
};
use crate::scenario::{
    ColumnSpec, KindSpec, PickRowSpec, PickSpec, RowCount, TimeUnit, WindowSpec,
};

/// Largest row count accepted for one table.
pub const MAX_ROWS: u64 = 1 << 53;
/// Largest estimated output accepted for one run, in bytes (1 TiB).
pub const MAX_OUTPUT_BYTES: f64 = 1024.0 * 1024.0 * 1024.0 * 1024.0;

impl Analyzer<'_> {
    /// Plans every table in declaration order; failed ones are left out (and remembered).
    pub(super) fn tables(&mut self) -> Vec<TablePlan> {
        if self.scenario.tables.is_empty() {
            self.problem(Diagnostic::at(
                "tables",
                "a scenario needs at least one table",
            ));
        }
        let mut lowercase = HashSet::new();
        let mut tables = Vec::new();
        for name in self.scenario.tables.keys() {
            let before = self.problems.len();
            if !lowercase.insert(name.to_lowercase()) {
                self.problem(Diagnostic::at(
                    format!("tables.{name}"),
                    format!("two tables are named `{name}` apart from case: SQL does not tell them apart"),
                ));
            }
            match self.table(name) {
                Some(t) if self.problems.len() == before => tables.push(t),
                _ => self.mark_failed(name, before),
            }
        }
        self.check_output_size(&tables);
        tables
    }

    /// A row count, scaled by `--scale`.
    pub(super) fn row_count(&mut self, count: RowCount, path: &str) -> Option<u64> {
        let scaled = count.0 * self.overrides.scale.unwrap_or(1.0);
        if !count.0.is_finite() || count.0 < 0.0 || count.0.fract() != 0.0 {
            return self.fail(
                path,
                format!("rows must be a whole number ≥ 0, found {}", count.0),
            );
        }
        if scaled > MAX_ROWS as f64 {
            return self.fail(
                path,
                format!(
                    "{scaled} rows is more than tutas will make in one table (at most {MAX_ROWS})"
                ),
            );
        }
        Some(scaled.round() as u64)
    }

    fn table(&mut self, name: &str) -> Option<TablePlan> {
        let table = &self.scenario.tables[name];
        let path = format!("tables.{name}");
        if !is_identifier(name) {
            return self.fail(
                &path,
                format!("table name `{name}` must be a SQL identifier (letters, digits, `_`)"),
            );
        }
        if table.source.is_some() && table.pairs.is_some() {
            return self.fail(&path, "a table has either `source` or `pairs`, not both");
        }
        self.scope = Scope::table(name);
        if let Some(locale) = &table.locale {
            self.scope.locale = Some(self.known_locale(locale, &format!("{path}.locale"))?);
        }
        if !table.correlate.is_empty() && (table.source.is_some() || table.pairs.is_some()) {
            self.problem(Diagnostic::at(
                format!("{path}.correlate"),
                "`correlate` applies to generated tables (without `pairs` or `source`)",
            ));
        }
        let plan = if let Some(source) = &table.source {
            self.source_table(name, source, &path)
        } else if table.pairs.is_some() {
            self.pair_table(name, &path)
        } else {
            self.entity_table(name, &path)
        }?;
        let plan = self.hidden_and_shuffled(plan, &path)?;
        let plan = self.messy(plan, &path)?;
        self.schemas.insert(name.to_string(), plan.schema.clone());
        if plan.written.is_some() {
            self.written_schemas
                .insert(name.to_string(), plan.written_schema());
        }
        self.rows.insert(name.to_string(), plan.planned_rows());
        if let Err(e) = self.engine.register(name, plan.written_schema(), vec![]) {
            self.problem(Diagnostic::at(&path, e.render()));
        }
        Some(plan)
    }

    /// The table's `hidden` columns and `shuffle`, checked.
    fn hidden_and_shuffled(&mut self, mut plan: TablePlan, path: &str) -> Option<TablePlan> {
        let table = &self.scenario.tables[&plan.name];
        if matches!(plan.kind, TableKind::Source(_)) {
            if !table.hidden.is_empty() || table.shuffle {
                return self.fail(
                    path,
                    "a `source` table is read, not written: `hidden` and `shuffle` do not apply",
                );
            }
            return Some(plan);
        }
        plan.shuffle = table.shuffle;
        // `hidden: true` on a column's own generator names it as the table's `hidden` does.
        let mut declared: Vec<String> = table.hidden.clone();
        for (name, spec, _) in table.column_specs() {
            if matches!(spec, ColumnSpec::Generate(g) if g.hidden == Some(true))
                && !declared.contains(name)
            {
                declared.push(name.clone());
            }
        }
        if declared.is_empty() {
            return Some(plan);
        }
        let names: Vec<&str> = plan
            .schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        let mut hidden = HashSet::new();
        for (i, column) in declared.iter().enumerate() {
            let windowed = [format!("{column}_start"), format!("{column}_end")];
            let matched: Vec<&str> = names
                .iter()
                .copied()
                .filter(|n| *n == column || windowed.iter().any(|w| w == n))
                .collect();
            if matched.is_empty() {
                let windows = names.iter().filter_map(|n| n.strip_suffix("_start"));
                self.problem(
                    Diagnostic::at(
                        format!("{path}.hidden[{i}]"),
                        format!("table `{}` has no column `{column}` to hide", plan.name),
                    )
                    .suggest(column, names.iter().copied().chain(windows)),
                );
            }
            hidden.extend(matched);
        }
        if hidden.len() == names.len() {
            return self.fail(
                format!("{path}.hidden"),
                "every column is hidden: a table must write at least one",
            );
        }
        let written = (0..names.len())
            .filter(|&i| !hidden.contains(names[i]))
            .collect();
        plan.written = Some(written);
        Some(plan)
    }

    fn source_table(&mut self, name: &str, source: &str, path: &str) -> Option<TablePlan> {
        let table = &self.scenario.tables[name];
        if !table.columns.is_empty() || table.rows.is_some() || !table.strata.is_empty() {
            self.problem(Diagnostic::at(path, "a `source` table takes its rows and columns from the file: remove `rows`, `columns` and `strata`"));
        }
        let key = format!("{path}.source");
        let full = self.overrides.base_dir.join(source);
        if !full.is_file() {
            return self.fail(
                key,
                format!("source file `{}` does not exist", full.display()),
            );
        }
        if !self.overrides.allow_outside && !inside_project(&full, &self.overrides.base_dir) {
            self.problem(Diagnostic::at(key, format!("source path `{source}` points outside the project (the current folder) and the scenario's folder")).help("move the file into the project, or pass --allow-outside-paths"));
            return None;
        }
        let schema = match crate::source::schema(&self.engine, &full) {
            Ok(s) => s,
            Err(e) => {
                let message = e.diagnostics.into_iter().next().map(|d| d.message);
                return self.fail(key, message.unwrap_or_default());
            }
        };
        Some(TablePlan {
            written: None,
            mess: None,
            shuffle: false,
            name: name.to_string(),
            schema,
            kind: TableKind::Source(full),
        })
    }

    fn entity_table(&mut self, name: &str, path: &str) -> Option<TablePlan> {
        let table = &self.scenario.tables[name];
        if !table.strata.is_empty() || !table.derive.is_empty() {
            self.problem(Diagnostic::at(
                path,
                "`strata` and `derive` belong to tables with `pairs`",
            ));
        }
        let Some(rows) = table.rows else {
            return self.fail(
                path,
                format!("table `{name}` needs `rows` (or `source`, or `pairs`)"),
            );
        };
        let rows = self.row_count(rows, &format!("{path}.rows"))?;
        self.scope.rows = Some(rows);
        if table.columns.is_empty() {
            return self.fail(path, format!("table `{name}` has no columns"));
        }
        let mut fields: Vec<Field> = Vec::new();
        let mut columns = Vec::new();
        let before = self.problems.len();
        for (col, spec) in &table.columns {
            let cpath = format!("{path}.columns.{col}");
            if !is_identifier(col) {
                self.problem(Diagnostic::at(
                    &cpath,
                    format!("column name `{col}` must be a SQL identifier"),
                ));
                continue;
            }
            let planned = self.entity_column(col, spec, &cpath, &fields);
            match planned {
                Some((plan, new_fields)) => {
                    fields.extend(new_fields);
                    columns.push(plan);
                }
                None => {
                    // Later columns that read this one are not checked again.
                    self.scope.failed_columns.insert(col.clone());
                    if matches!(spec, ColumnSpec::Generate(g) if g.window.is_some()) {
                        self.scope.failed_columns.insert(format!("{col}_start"));
                        self.scope.failed_columns.insert(format!("{col}_end"));
                    }
                }
            }
        }
        self.check_unique_columns(&fields, path, "(a window `x` makes `x_start` and `x_end`)");
        self.check_sequences_fit(&columns, rows, path);
        if self.problems.len() > before || !self.scope.failed_columns.is_empty() {
            return None;
        }
        let correlations = match table.correlate.is_empty() {
            true => Vec::new(),
            false => self.correlations(&table.correlate, &columns, path)?,
        };
        let schema: SchemaRef = Arc::new(Schema::new(fields));
        let plan = EntityPlan {
            table: name.to_string(),
            rows,
            columns,
            schema: schema.clone(),
            picks: std::mem::take(&mut self.scope.picks),
            correlations,
        };
        Some(TablePlan {
            written: None,
            mess: None,
            shuffle: false,
            name: name.to_string(),
            schema,
            kind: TableKind::Entity(plan),
        })
    }

    /// Every sequence's last number (its start + rows - 1) must be a 64-bit integer.
    fn check_sequences_fit(&mut self, columns: &[ColumnPlan], rows: u64, path: &str) {
        for column in columns {
            let ColumnPlan::Generated {
                name, generator, ..
            } = column
            else {
                continue;
            };
            let start = match generator {
                Generator::Text(TextGenerator::Sequence(p)) => p.start,
                Generator::Number(NumberGenerator {
                    kind: NumberKind::Sequence { start },
                    ..
                }) => *start,
                _ => continue,
            };
            let last = i64::try_from(rows.saturating_sub(1))
                .ok()
                .and_then(|n| start.checked_add(n));
            if last.is_none() {
                self.problem(Diagnostic::at(
                    format!("{path}.columns.{name}.start"),
                    format!(
                        "the sequence from {start} over {rows} rows passes {}, the largest \
                         64-bit integer: start it lower",
                        i64::MAX
                    ),
                ));
            }
        }
    }

    /// Plans one column of a generated table; returns it with the fields it adds.
    fn entity_column(
        &mut self,
        col: &str,
        spec: &ColumnSpec,
        path: &str,
        fields: &[Field],
    ) -> Option<(ColumnPlan, Vec<Field>)> {
        let schema = DFSchema::try_from(Schema::new(fields.to_vec())).ok()?;
        match spec {
            ColumnSpec::Sql(sql) => {
                let PlannedExpr {
                    physical,
                    data_type,
                    ..
                } = self.sql_expr(sql, &schema, path)?;
                Some((
                    ColumnPlan::Sql {
                        name: col.to_string(),
                        expr: physical,
                    },
                    vec![Field::new(col, data_type, true)],
                ))
            }
            ColumnSpec::Constant(value) => {
                let generator = super::generators::constant(value);
                Some(generated(col, generator, Vec::new()))
            }
            ColumnSpec::Generate(g) => match g.kinds().as_slice() {
                [KindSpec::Window(w)] => {
                    let (window, params) = self.with_params(schema, |a| a.window(col, w, path));
                    let (mut plan, fields) = window?;
                    if let ColumnPlan::Window { params: p, .. } = &mut plan {
                        *p = params;
                    }
                    Some((plan, fields))
                }
                [KindSpec::Pick(PickSpec::Row(row))] => self.pick_row(col, row, path),
                [_, _, ..] if g.window.is_some() => self.fail(
                    path,
                    "`window` cannot be combined with another generator kind",
                ),
                _ => {
                    let (generator, params) =
                        self.with_params(schema, |a| a.generator(g, path, false));
                    Some(generated(col, generator?, params))
                }
            },
        }
    }

    /// A `pick` of several columns of one row: a column `<col>_<column>` for each.
    fn pick_row(
        &mut self,
        col: &str,
        row: &PickRowSpec,
        path: &str,
    ) -> Option<(ColumnPlan, Vec<Field>)> {
        let at = format!("{path}.pick");
        if row.columns.is_empty() {
            return self.fail(format!("{at}.columns"), "name at least one column to pick");
        }
        let mut columns = Vec::new();
        for (i, column) in row.columns.iter().enumerate() {
            if row.columns[..i].contains(column) {
                return self.fail(
                    format!("{at}.columns[{i}]"),
                    format!("`{column}` is picked twice: name each column once"),
                );
            }
            let (id, ty) = self.pick_source(&row.from, column, &format!("{at}.columns[{i}]"))?;
            columns.push((format!("{col}_{column}"), id, ty));
        }
        let fields = columns
            .iter()
            .map(|(name, _, ty)| Field::new(name, ty.arrow(), false))
            .collect();
        let plan = ColumnPlan::PickRow {
            key: col.to_string(),
            columns,
        };
        Some((plan, fields))
    }

    /// A `window` column: two date-time columns `<col>_start` and `<col>_end`.
    fn window(
        &mut self,
        col: &str,
        w: &WindowSpec,
        path: &str,
    ) -> Option<(ColumnPlan, Vec<Field>)> {
        let start = self.generator(&w.start, &format!("{path}.window.start"), false);
        let length = self.generator(&w.length, &format!("{path}.window.length"), false);
        let (start, length) = (start?, length?);
        let start = match start {
            Generator::Number(n) if n.ty == NumberType::DateTime => n,
            other => {
                return self.fail(format!("{path}.window.start"), format!("a window's start must be a date-time generator (`datetime`, or `pick` of a date-time column), found {}", other.value_type().name()));
            }
        };
        let length = match length {
            Generator::Number(n) if n.ty != NumberType::DateTime => n,
            other => {
                return self.fail(
                    format!("{path}.window.length"),
                    format!(
                        "a window's length must be a number, found {}",
                        other.value_type().name()
                    ),
                );
            }
        };
        if length.lowest() < 0.0 {
            self.problem(
                Diagnostic::at(
                    format!("{path}.window.length"),
                    "a window's length can be negative with this generator, which would put an end before its start",
                )
                .help("bound it below, e.g. `clamp: [0, 1000]`, or use a generator of lengths ≥ 0 (`uniform_int: [1, 3]`, `exponential`, `poisson`, `log_normal`)"),
            );
            return None;
        }
        let (start_name, end_name) = (format!("{col}_start"), format!("{col}_end"));
        let fields = vec![
            Field::new(&start_name, ValueType::DateTime.arrow(), false),
            Field::new(&end_name, ValueType::DateTime.arrow(), false),
        ];
        let plan = ColumnPlan::Window {
            key: col.to_string(),
            start_name,
            end_name,
            start,
            length,
            unit: w.unit.unwrap_or(TimeUnit::Hour).seconds(),
            params: Vec::new(),
        };
        Some((plan, fields))
    }

    /// Reports columns declared twice.
    pub(super) fn check_unique_columns(&mut self, fields: &[Field], path: &str, hint: &str) {
        let mut seen = HashSet::new();
        for f in fields {
            if !seen.insert(f.name().clone()) {
                self.problem(Diagnostic::at(
                    path,
                    format!("column `{}` is declared twice {hint}", f.name()),
                ));
            }
        }
    }

    fn check_output_size(&mut self, tables: &[TablePlan]) {
        let mut bytes = 0.0;
        let mut largest = ("", 0.0f64);
        for t in tables {
            let rows = t.planned_rows().unwrap_or(0) as f64;
            let per_row: f64 = t
                .schema
                .fields()
                .iter()
                .map(|f| match f.data_type() {
                    DataType::Boolean => 6.0,
                    DataType::Int64 => 8.0,
                    DataType::Float64 => 12.0,
                    DataType::Timestamp(..) => 17.0,
                    _ => 16.0,
                })
                .sum();
            bytes += rows * per_row;
            if rows * per_row > largest.1 {
                largest = (t.name.as_str(), rows * per_row);
            }
        }
        if bytes > MAX_OUTPUT_BYTES {
            let path = format!("tables.{}.rows", largest.0);
            self.problem(
                Diagnostic::at(
                    path,
                    format!(
                        "this scenario would write about {} of CSV ({} from table `{}` alone), more than the {} tutas accepts in one run",
                        human_bytes(bytes),
                        human_bytes(largest.1),
                        largest.0,
                        human_bytes(MAX_OUTPUT_BYTES)
                    ),
                )
                .help("lower the `rows` counts, or pass a smaller --scale"),
            );
        }
    }
}

/// A generator column and its field.
fn generated(col: &str, generator: Generator, params: Vec<ParamExpr>) -> (ColumnPlan, Vec<Field>) {
    let field = Field::new(col, generator.value_type().arrow(), false);
    (
        ColumnPlan::Generated {
            name: col.to_string(),
            generator,
            params,
        },
        vec![field],
    )
}

/// Whether `path` lies inside the current folder or the scenario's folder (after resolving `..` and links).
fn inside_project(path: &Path, base_dir: &Path) -> bool {
    let Ok(full) = path.canonicalize() else {
        return false;
    };
    [std::env::current_dir().ok(), Some(base_dir.to_path_buf())]
        .into_iter()
        .flatten()
        .filter_map(|d| d.canonicalize().ok())
        .any(|d| full.starts_with(d))
}
