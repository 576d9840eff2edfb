//! Analysis: resolve names, check types and plan every SQL text, before any row is made.
//!
//! [`analyze`] turns a parsed [`Scenario`] into a [`Plan`] or into every problem
//! it can find at once, each with its key path (and so its line and column).
//! SQL is planned by DataFusion against the declared schemas on empty tables of a
//! planning engine (the run has its own), so a wrong column or type is reported here
//! rather than halfway through a run.
//!
//! One mistake gives one error: a table, column or feature that fails analysis is
//! remembered, and what depends on it is not analyzed again (the first error's note says
//! what was skipped).
//!
//! The work is split by concern: [`tables`] (entity and source tables), [`generators`],
//! [`pairs`] (interaction tables and strata) and [`queries`] (aliases, features, checks,
//! insights and the split).

mod correlate;
mod generators;
mod mess;
mod pairs;
mod queries;
mod tables;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::common::DFSchema;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::prelude::Expr;
use indexmap::IndexMap;

use crate::error::{Diagnostic, Error, Result, Severity, engine_message};
use crate::plan::{LOCALES, Locale};
use crate::plan::{PickSource, Plan};
use crate::scenario::Scenario;
use crate::sql::{DIALECTS, Engine};
use crate::time::DateTimeFormat;

pub use tables::{MAX_OUTPUT_BYTES, MAX_ROWS};

/// Options that change a plan without editing the scenario.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// Replaces the scenario's seed.
    pub seed: Option<u64>,
    /// Multiplies every row count.
    pub scale: Option<f64>,
    /// Directory that relative source paths start from (the scenario's directory).
    pub base_dir: PathBuf,
    /// Allows source paths outside the project directory.
    pub allow_outside: bool,
    /// SHA-256 of the scenario file, recorded in the plan.
    pub scenario_sha256: String,
    /// The overrides applied to the file (a variant's, `--set`), as the user gave them.
    pub settings: Vec<String>,
}

/// The state of one analysis: what is known so far and every problem found.
struct Analyzer<'a> {
    scenario: &'a Scenario,
    engine: Engine,
    overrides: &'a Overrides,
    problems: Vec<Diagnostic>,
    locale: Locale,
    /// Schemas of the tables and features declared so far (hidden columns included).
    schemas: IndexMap<String, SchemaRef>,
    /// The tables with hidden columns: what SQL and the split see of them.
    written_schemas: HashMap<String, SchemaRef>,
    /// The columns a generator's SQL parameters may read where it is being compiled.
    param_schema: Option<DFSchema>,
    /// The SQL parameters of the column being compiled, by [`crate::plan::Param::Row`] index.
    params: Vec<crate::plan::ParamExpr>,
    /// Row counts of the tables declared so far (None for file sources).
    rows: HashMap<String, Option<u64>>,
    /// Tables and features that failed analysis, with the index of the problem that says why
    /// (when one does): what reads them is skipped, and that problem says so.
    failed: HashMap<String, Option<usize>>,
    /// Names already reported unknown (`table/column x`), with the problem that says so.
    unknown: HashMap<String, usize>,
    /// Per problem, what was not checked because it depends on what the problem is about.
    dependents: HashMap<usize, Vec<String>>,
    /// The table or query being analyzed.
    scope: Scope,
}

/// What the analysis knows of the table (or query) being analyzed. It is replaced whole when
/// the next one starts, so nothing of one table can leak into the next.
#[derive(Default)]
struct Scope {
    /// The table's name (empty for a query).
    name: String,
    /// The side aliases of an interaction table (empty otherwise).
    sides: Vec<String>,
    /// In an interaction table: the row's own column names that a linked table also has; a
    /// bare such name in its SQL means the row's column, so it is qualified before planning.
    shadowing: HashSet<String>,
    /// Columns that failed analysis.
    failed_columns: HashSet<String>,
    /// The `pick` sources, by `PickId`.
    picks: Vec<PickSource>,
    /// Why the table or query fails, when it fails because an input failed.
    inherited_blame: Option<Option<usize>>,
    /// The table's own `locale`, when it has one.
    locale: Option<Locale>,
    /// A generated table's row count (None for interaction tables and queries).
    rows: Option<u64>,
}

impl Scope {
    /// The scope of table `name`, knowing nothing yet.
    fn table(name: &str) -> Scope {
        Scope {
            name: name.to_string(),
            ..Scope::default()
        }
    }
}

/// Help for date-time arithmetic, which SQL engines spell in incompatible ways.
const DATE_ARITHMETIC_HELP: &str = "for date-time arithmetic use add_days(ts, n), add_hours(ts, n), add_minutes(ts, n) or add_seconds(ts, n)";

/// Analyzes a scenario into a plan.
pub fn analyze(scenario: &Scenario, overrides: &Overrides) -> Result<Plan> {
    let dialect = scenario
        .sql
        .dialect
        .as_deref()
        .unwrap_or("generic")
        .to_lowercase();
    let known_dialect = DIALECTS.contains(&dialect.as_str());
    let engine = Engine::planner(if known_dialect { &dialect } else { "generic" })?;
    let locale = Locale::parse(&scenario.locale);
    let mut a = Analyzer {
        scenario,
        engine,
        overrides,
        problems: Vec::new(),
        locale: locale.unwrap_or(Locale::En),
        schemas: IndexMap::new(),
        written_schemas: HashMap::new(),
        param_schema: None,
        params: Vec::new(),
        rows: HashMap::new(),
        failed: HashMap::new(),
        unknown: HashMap::new(),
        dependents: HashMap::new(),
        scope: Scope::default(),
    };
    a.check_settings(locale.is_some(), known_dialect, &dialect);
    a.check_vocab();
    a.check_snapshot_options();
    let tables = a.tables();
    let aliases = a.aliases();
    let features = a.queries(&scenario.features, "features", true);
    let checks = a.queries(&scenario.checks, "checks", false);
    let insights = a.queries(&scenario.insights, "insights", false);
    let split = a.split();
    let datetime_format = a.datetime_format();
    if !a.problems.is_empty() {
        a.note_dependents();
        return Err(Error {
            severity: Severity::Invalid,
            diagnostics: a.problems,
        });
    }
    Ok(Plan {
        name: scenario.name.clone(),
        scenario_sha256: overrides.scenario_sha256.clone(),
        settings: overrides.settings.clone(),
        seed: a.seed(),
        dialect,
        tables,
        features,
        checks,
        insights,
        aliases,
        split,
        datetime_format,
        booleans: scenario.output.booleans,
    })
}

/// Names as a list for messages: `a`, `b`, `c`.
fn list(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A SQL expression planned against a schema.
struct PlannedExpr {
    logical: Expr,
    physical: Arc<dyn PhysicalExpr>,
    data_type: DataType,
}

impl Analyzer<'_> {
    /// Compiles with SQL parameters over `schema`; returns what `compile` gave and the
    /// parameters it planned.
    fn with_params<T>(
        &mut self,
        schema: DFSchema,
        compile: impl FnOnce(&mut Self) -> Option<T>,
    ) -> (Option<T>, Vec<crate::plan::ParamExpr>) {
        self.param_schema = Some(schema);
        self.params.clear();
        let compiled = compile(self);
        self.param_schema = None;
        (compiled, std::mem::take(&mut self.params))
    }

    /// `sql` with the bare names in `shadowing` qualified by the current table.
    fn qualify(&self, sql: &str) -> String {
        match self.scope.shadowing.is_empty() {
            true => sql.to_string(),
            false => crate::sql::qualify_identifiers(
                sql,
                self.engine.dialect(),
                &self.scope.shadowing,
                &self.scope.name,
            )
            .unwrap_or_else(|| sql.to_string()),
        }
    }

    fn problem(&mut self, d: Diagnostic) {
        self.problems.push(d);
    }

    fn fail<T>(&mut self, path: impl Into<String>, message: impl Into<String>) -> Option<T> {
        self.problem(Diagnostic::at(path, message));
        None
    }

    /// The seed in force.
    fn seed(&self) -> u64 {
        self.overrides.seed.unwrap_or(self.scenario.seed)
    }

    /// The locale and the SQL dialect must be known.
    fn check_settings(&mut self, known_locale: bool, known_dialect: bool, dialect: &str) {
        let scenario = self.scenario;
        if !known_locale {
            self.problem(
                Diagnostic::at(
                    "locale",
                    format!(
                        "unknown locale `{}`: expected one of {}",
                        scenario.locale,
                        list(LOCALES)
                    ),
                )
                .suggest(&scenario.locale, LOCALES.iter().copied()),
            );
        }
        if !known_dialect {
            self.problem(
                Diagnostic::at(
                    "sql.dialect",
                    format!(
                        "unknown SQL dialect `{dialect}`: expected one of {}",
                        list(DIALECTS)
                    ),
                )
                .suggest(dialect, DIALECTS.iter().copied()),
            );
        }
    }

    /// `snapshot`: a positive scale, and variants the scenario declares.
    fn check_snapshot_options(&mut self) {
        let options = &self.scenario.snapshot;
        if let Some(s) = options.scale
            && !(s.is_finite() && s > 0.0)
        {
            self.problem(Diagnostic::at(
                "snapshot.scale",
                format!("a scale must be a positive number, found {s}"),
            ));
        }
        let known: Vec<&str> = self.scenario.variants.keys().map(String::as_str).collect();
        for (i, v) in options.variants.iter().enumerate() {
            if options.variants[..i].contains(v) {
                self.problem(Diagnostic::at(
                    format!("snapshot.variants[{i}]"),
                    format!("variant `{v}` is listed twice"),
                ));
            } else if !known.contains(&v.as_str()) {
                self.problem(
                    Diagnostic::at(
                        format!("snapshot.variants[{i}]"),
                        format!("the scenario has no variant `{v}`"),
                    )
                    .suggest(v, known.iter().copied()),
                );
            }
        }
    }

    fn check_vocab(&mut self) {
        for (name, values) in &self.scenario.vocab {
            let path = format!("vocab.{name}");
            if values.is_empty() {
                self.problem(Diagnostic::at(
                    path,
                    format!("vocab `{name}` is empty: a list needs at least one value"),
                ));
            } else if generators::literal_type(values).is_none() {
                self.problem(Diagnostic::at(path, format!("vocab `{name}` mixes value types: use all strings, all numbers or all booleans")));
            }
        }
    }

    fn datetime_format(&mut self) -> DateTimeFormat {
        match DateTimeFormat::parse(&self.scenario.output.datetime_format) {
            Ok(f) => f,
            Err(e) => {
                self.problem(Diagnostic::at(
                    "output.datetime_format",
                    format!("invalid date-time format: {e}"),
                ));
                DateTimeFormat::default()
            }
        }
    }

    /// The names a SQL text refers to that failed analysis (so its own errors would only repeat
    /// theirs), from the parsed expression's identifiers.
    fn reads_failed(&self, sql: &str) -> bool {
        if self.scope.failed_columns.is_empty() && self.failed.is_empty() {
            return false;
        }
        crate::sql::expression_identifiers(sql, self.engine.dialect())
            .iter()
            .any(|parts| {
                parts
                    .last()
                    .is_some_and(|c| self.scope.failed_columns.contains(c))
                    || (parts.len() > 1 && self.failed.contains_key(&parts[0]))
            })
    }

    /// Plans a SQL expression over `schema`; on error, reports it (with the columns it could
    /// have meant) unless it only reads something that already failed.
    fn sql_expr(&mut self, sql: &str, schema: &DFSchema, path: &str) -> Option<PlannedExpr> {
        let result = self
            .engine
            .expr(sql, schema)
            .and_then(|(logical, physical)| {
                let data_type =
                    datafusion::logical_expr::ExprSchemable::to_field(&logical, schema)?
                        .1
                        .data_type()
                        .clone();
                Ok(PlannedExpr {
                    logical,
                    physical,
                    data_type,
                })
            });
        match result {
            Ok(r) => Some(r),
            Err(_) if self.reads_failed(sql) => None,
            Err(e) => {
                let message = engine_message(&e);
                if let Some(d) = self.unknown_side(sql, path) {
                    self.problem(d);
                    return None;
                }
                let unknown = unknown_column(&message);
                if let Some(name) = &unknown
                    && self.already_unknown(&self.column_key(name), path)
                {
                    return None;
                }
                let mut d =
                    Diagnostic::at(path, format!("invalid SQL expression `{}`", sql.trim()))
                        .note(format!("SQL engine: {message}"))
                        .at_parser_position(&message);
                if let Some(name) = unknown {
                    let names: Vec<String> =
                        schema.columns().iter().map(|c| c.flat_name()).collect();
                    let short: Vec<String> =
                        schema.fields().iter().map(|f| f.name().clone()).collect();
                    let all: Vec<&str> = names
                        .iter()
                        .chain(short.iter())
                        .map(String::as_str)
                        .collect();
                    let declared_later = self
                        .scenario
                        .tables
                        .get(&self.scope.name)
                        .is_some_and(|t| t.column_specs().any(|(c, _, _)| *c == name));
                    d = match declared_later {
                        true => d.help(format!(
                            "`{name}` is declared later in the table: an expression reads only the columns above it"
                        )),
                        false => d.suggest(&name, all.iter().copied()),
                    };
                    if d.help.is_none() {
                        d = d.help(match names.is_empty() {
                            true => "no columns come before this one".to_string(),
                            false => format!("available columns: {}", names.join(", ")),
                        });
                    }
                    self.problem(d);
                    self.record_unknown(self.column_key(&name));
                    return None;
                } else if message.contains("Interval") {
                    d = d.help(DATE_ARITHMETIC_HELP);
                }
                self.problem(d);
                None
            }
        }
    }

    /// When `key` ([`Analyzer::column_key`], or `table <name>`) was already reported unknown,
    /// notes `path` on that report instead of repeating it: one typo, one error.
    fn already_unknown(&mut self, key: &str, path: &str) -> bool {
        let Some(&i) = self.unknown.get(key) else {
            return false;
        };
        if let Some(d) = self.problems.get_mut(i) {
            d.notes.push(format!("`{path}` names it too"));
        }
        true
    }

    /// Reports that `what` (`pick`, `pairs`) in the current table names `table`, which is not
    /// declared before it (once per table name).
    fn undeclared_table(&mut self, what: &str, table: &str, path: &str) {
        let key = table_key(table);
        if self.already_unknown(&key, path) {
            return;
        }
        let current = &self.scope.name;
        let d = Diagnostic::at(
            path,
            format!("{what} refers to table `{table}`, which is not declared before `{current}`"),
        );
        let d = if self.scenario.tables.contains_key(table) {
            d.help(format!("move table `{table}` above `{current}`: a table can only use tables declared before it"))
        } else {
            let known: Vec<&str> = self.schemas.keys().map(String::as_str).collect();
            d.suggest(table, known.iter().copied())
        };
        self.problem(d);
        self.record_unknown(key);
    }

    /// The key of an unknown column name in the current table.
    fn column_key(&self, name: &str) -> String {
        format!("{}/column {name}", self.scope.name)
    }

    /// Records that the problem just added reports `key` unknown.
    fn record_unknown(&mut self, key: String) {
        if let Some(i) = self.problems.len().checked_sub(1) {
            self.unknown.insert(key, i);
        }
    }

    /// In an interaction table, a `q.column` whose `q` is not a side: what to say instead of
    /// DataFusion's message.
    fn unknown_side(&self, sql: &str, path: &str) -> Option<Diagnostic> {
        if self.scope.sides.is_empty() {
            return None;
        }
        let known: Vec<&str> = self.scope.sides.iter().map(String::as_str).collect();
        crate::sql::expression_identifiers(sql, self.engine.dialect())
            .into_iter()
            .filter(|parts| parts.len() == 2)
            .map(|parts| parts[0].clone())
            .find(|q| {
                !known.iter().any(|k| k.eq_ignore_ascii_case(q))
                    && !q.eq_ignore_ascii_case(&self.scope.name)
            })
            .map(|q| {
                Diagnostic::at(
                    path,
                    format!(
                        "`{q}` is not a side of table `{}` (sides: {})",
                        self.scope.name,
                        known.join(", ")
                    ),
                )
                .suggest(&q, known.iter().copied())
            })
    }

    /// Marks `name` (a table or feature) as failed, blaming the problems found since `before`,
    /// or, when it failed only because something it reads failed, what that failed for.
    fn mark_failed(&mut self, name: &str, before: usize) {
        let blame = if self.problems.len() > before {
            Some(before)
        } else {
            self.scope.inherited_blame.take().flatten()
        };
        self.failed.entry(name.to_string()).or_insert(blame);
    }

    /// Notes, on each problem, what was not checked because it depends on it.
    fn note_dependents(&mut self) {
        for (i, dependents) in std::mem::take(&mut self.dependents) {
            let shown = dependents
                .iter()
                .take(4)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            let more = match dependents.len() {
                n if n > 4 => format!(" and {} more", n - 4),
                _ => String::new(),
            };
            if let Some(d) = self.problems.get_mut(i) {
                d.notes
                    .push(format!("not checked, as they depend on it: {shown}{more}"));
            }
        }
    }

    /// Whether one of `names` (tables or features) failed analysis. If so, `what` (e.g. "table
    /// `orders`") is noted on the problem that made it fail, and is to fail for the same reason.
    fn reads_failed_input<'n>(
        &mut self,
        names: impl IntoIterator<Item = &'n str>,
        what: &str,
    ) -> bool {
        let Some(blame) = names.into_iter().find_map(|n| self.failed.get(n).copied()) else {
            return false;
        };
        if let Some(i) = blame {
            let dependents = self.dependents.entry(i).or_default();
            if !dependents.iter().any(|d| d == what) {
                dependents.push(what.to_string());
            }
        }
        self.scope.inherited_blame = Some(blame);
        true
    }
}

/// The key under which an unknown table is reported once (SQL names are case-insensitive).
fn table_key(name: &str) -> String {
    format!("table {}", name.to_lowercase())
}

/// The name DataFusion says it cannot find, from its "No field named x" message.
fn unknown_column(message: &str) -> Option<String> {
    let rest = &message[message.find("No field named ")? + "No field named ".len()..];
    let name: String = rest
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
        .collect();
    let name = name.trim_end_matches('.').to_string();
    Some(name.rsplit('.').next().unwrap_or(&name).to_string()).filter(|s| !s.is_empty())
}

/// Column names read by a physical expression over `schema`.
fn column_reads(expr: &Arc<dyn PhysicalExpr>) -> BTreeSet<String> {
    datafusion::physical_expr::utils::collect_columns(expr)
        .into_iter()
        .map(|c| c.name().to_string())
        .collect()
}
