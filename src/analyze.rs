//! Analysis: resolve names, check types and plan every SQL text, before any row is made.
//!
//! [`analyze`] turns a parsed [`Scenario`] into a [`Plan`] or into every problem
//! it can find at once, each with its key path (and so its line and column).
//! SQL is planned by DataFusion against the declared schemas on empty tables,
//! so a wrong column or type is reported here rather than halfway through a run.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::common::DFSchema;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::prelude::Expr;
use indexmap::IndexMap;
use rand_distr::{Exp, LogNormal, Normal, Poisson};

use crate::error::{Diagnostic, Error, Result};
use crate::generate::{ColumnPlan, EntityPlan, Gen, GenKind, ValueType, Values};
use crate::locale::{FAKE_KINDS, FakeKind, LOCALES, Locale};
use crate::scenario::{
    BoolStyle, ChoiceSpec, ColumnSpec, Generator, OnLeak, RowCount, Scalar, Scenario, TimeUnit,
};
use crate::sql::{DIALECTS, Engine, clean_error};
use crate::time::{DateTimeFormat, parse_datetime};

/// Largest row count accepted for one table.
pub const MAX_ROWS: u64 = 1 << 53;
/// Largest estimated output accepted for one run, in bytes (1 TiB).
pub const MAX_OUTPUT_BYTES: f64 = 1024.0 * 1024.0 * 1024.0 * 1024.0;

/// Everything a run needs, resolved and checked.
pub struct Plan {
    /// Scenario name.
    pub name: String,
    /// The seed in force (`--seed` or the scenario's).
    pub seed: u64,
    /// Tables in declaration order.
    pub tables: Vec<TablePlan>,
    /// Feature queries in order.
    pub features: Vec<NamedQuery>,
    /// Checks in order.
    pub checks: Vec<NamedQuery>,
    /// Insights in order.
    pub insights: Vec<NamedQuery>,
    /// SQL aliases: (alias, table).
    pub aliases: Vec<(String, String)>,
    /// The split, if declared.
    pub split: Option<SplitPlan>,
    /// How date-times are written.
    pub datetime_format: DateTimeFormat,
    /// How booleans are written.
    pub booleans: BoolStyle,
}

/// A named SQL query and where it was declared.
#[derive(Debug, Clone)]
pub struct NamedQuery {
    /// Its name (a feature's output file name).
    pub name: String,
    /// The SQL text.
    pub sql: String,
    /// Key path in the scenario.
    pub path: String,
    /// The planned output schema.
    pub schema: SchemaRef,
}

/// One table of the plan.
pub struct TablePlan {
    /// Table name.
    pub name: String,
    /// Output schema.
    pub schema: SchemaRef,
    /// How it is made.
    pub kind: TableKind,
}

/// How a table is made.
#[allow(clippy::large_enum_variant)]
pub enum TableKind {
    /// Generated row by row.
    Entity(EntityPlan),
    /// Sampled from pairs of rows of two tables.
    Pairs(PairPlan),
    /// Read from a file.
    Source(PathBuf),
}

/// An interaction table: rows link one row of each of two tables.
pub struct PairPlan {
    /// Table name.
    pub table: String,
    /// Total rows.
    pub rows: u64,
    /// (alias, table) of the two linked tables.
    pub sides: [(String, String); 2],
    /// The qualified schema `alias.column` of both sides together.
    pub side_schema: DFSchema,
    /// Pair columns: name, logical and physical expression over `side_schema`.
    pub columns: Vec<(String, Expr, Arc<dyn PhysicalExpr>)>,
    /// Schema of the sides plus the pair columns (unqualified), for conditions.
    pub condition_schema: DFSchema,
    /// Strata in order.
    pub strata: Vec<StratumPlan>,
    /// Names and types of the `set` columns.
    pub set_columns: Vec<(String, ValueType)>,
    /// Derived columns over pair + set columns.
    pub derive: Vec<(String, Arc<dyn PhysicalExpr>)>,
}

/// One stratum.
pub struct StratumPlan {
    /// Name.
    pub name: String,
    /// Exact row count.
    pub rows: u64,
    /// The condition's SQL text.
    pub sql: String,
    /// Key path of the condition.
    pub path: String,
    /// The condition over `condition_schema`.
    pub condition: Arc<dyn PhysicalExpr>,
    /// The logical condition.
    pub expr: Expr,
    /// Generators of the set columns, in `set_columns` order.
    pub set: Vec<Gen>,
}

/// The split stage.
#[derive(Debug, Clone)]
pub struct SplitPlan {
    /// Source table.
    pub from: String,
    /// Target column.
    pub target: String,
    /// Feature columns in output order.
    pub features: Vec<String>,
    /// Columns to standardise.
    pub standardize: Vec<String>,
    /// Test share.
    pub test_size: f64,
    /// Stratification column, if any.
    pub stratify: Option<String>,
    /// Shuffle seed.
    pub seed: u64,
    /// Leak threshold.
    pub leak_threshold: f64,
    /// Whether a leak fails the run.
    pub leak_is_error: bool,
}

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
}

struct Analyzer<'a> {
    scenario: &'a Scenario,
    engine: &'a Engine,
    overrides: &'a Overrides,
    problems: Vec<Diagnostic>,
    locale: Locale,
    /// Schemas of the tables declared so far.
    schemas: IndexMap<String, SchemaRef>,
    /// Row counts of the tables declared so far (None for file sources).
    rows: HashMap<String, Option<u64>>,
}

/// Analyzes a scenario into a plan, registering empty tables in `engine` to plan SQL.
pub fn analyze(scenario: &Scenario, engine: &Engine, overrides: &Overrides) -> Result<Plan> {
    let locale = Locale::parse(&scenario.locale);
    let mut a = Analyzer {
        scenario,
        engine,
        overrides,
        problems: Vec::new(),
        locale: locale.unwrap_or(Locale::En),
        schemas: IndexMap::new(),
        rows: HashMap::new(),
    };
    if locale.is_none() {
        a.problem(
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
    a.check_vocab();
    if scenario.tables.is_empty() {
        a.problem(Diagnostic::at(
            "tables",
            "a scenario needs at least one table",
        ));
    }
    let mut tables = Vec::new();
    for (name, _) in &scenario.tables {
        if let Some(t) = a.table(name) {
            tables.push(t);
        }
    }
    a.check_output_size(&tables);
    if tables.len() < scenario.tables.len() {
        // Later SQL would only repeat that a table is missing.
        return Err(Error {
            severity: crate::error::Severity::Invalid,
            diagnostics: a.problems,
        });
    }
    let aliases = a.aliases();
    let features = a.queries(&scenario.features, "features", true);
    let checks = a.queries(&scenario.checks, "checks", false);
    let insights = a.queries(&scenario.insights, "insights", false);
    let split = a.split();
    let datetime_format = match DateTimeFormat::parse(&scenario.output.datetime_format) {
        Ok(f) => f,
        Err(e) => {
            a.problem(Diagnostic::at(
                "output.datetime_format",
                format!("invalid date-time format: {e}"),
            ));
            DateTimeFormat::parse("%Y-%m-%d %H:%M:%S").expect("default format")
        }
    };
    if !a.problems.is_empty() {
        return Err(Error {
            severity: crate::error::Severity::Invalid,
            diagnostics: a.problems,
        });
    }
    Ok(Plan {
        name: scenario.name.clone(),
        seed: overrides.seed.unwrap_or(scenario.seed),
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

impl Analyzer<'_> {
    fn problem(&mut self, d: Diagnostic) {
        self.problems.push(d);
    }

    fn check_vocab(&mut self) {
        for (name, values) in &self.scenario.vocab {
            let path = format!("vocab.{name}");
            if values.is_empty() {
                self.problem(Diagnostic::at(
                    path,
                    format!("vocab `{name}` is empty: a list needs at least one value"),
                ));
            } else if literal_type(values).is_none() {
                self.problem(Diagnostic::at(path, format!("vocab `{name}` mixes value types: use all strings, all numbers or all booleans")));
            }
        }
    }

    fn row_count(&mut self, count: RowCount, path: &str) -> Option<u64> {
        let scaled = count.0 * self.overrides.scale.unwrap_or(1.0);
        if !count.0.is_finite() || count.0 < 0.0 || count.0.fract() != 0.0 {
            self.problem(Diagnostic::at(
                path,
                format!("rows must be a whole number ≥ 0, found {}", count.0),
            ));
            return None;
        }
        if scaled > MAX_ROWS as f64 {
            self.problem(Diagnostic::at(
                path,
                format!(
                    "{} rows is more than tutas will make in one table (at most {MAX_ROWS})",
                    scaled
                ),
            ));
            return None;
        }
        Some(scaled.round() as u64)
    }

    fn table(&mut self, name: &str) -> Option<TablePlan> {
        let table = &self.scenario.tables[name];
        let path = format!("tables.{name}");
        if !is_identifier(name) {
            self.problem(Diagnostic::at(
                &path,
                format!("table name `{name}` must be a SQL identifier (letters, digits, `_`)"),
            ));
            return None;
        }
        let kinds = [table.source.is_some(), table.pairs.is_some()]
            .iter()
            .filter(|b| **b)
            .count();
        if kinds > 1 {
            self.problem(Diagnostic::at(
                &path,
                "a table has either `source` or `pairs`, not both",
            ));
            return None;
        }
        let plan = if let Some(source) = &table.source {
            self.source_table(name, source, &path)
        } else if table.pairs.is_some() {
            self.pair_table(name, &path)
        } else {
            self.entity_table(name, &path)
        }?;
        self.schemas.insert(name.to_string(), plan.schema.clone());
        let rows = match &plan.kind {
            TableKind::Entity(e) => Some(e.rows),
            TableKind::Pairs(p) => Some(p.rows),
            TableKind::Source(_) => None,
        };
        self.rows.insert(name.to_string(), rows);
        if !matches!(plan.kind, TableKind::Source(_))
            && let Err(e) = self.engine.register(name, plan.schema.clone(), vec![])
        {
            self.problem(Diagnostic::at(&path, e.render()));
        }
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
            self.problem(Diagnostic::at(
                key,
                format!("source file `{}` does not exist", full.display()),
            ));
            return None;
        }
        if !self.overrides.allow_outside && !inside_project(&full, &self.overrides.base_dir) {
            self.problem(Diagnostic::at(key, format!("source path `{source}` points outside the project (the current folder) and the scenario's folder")).help("move the file into the project, or pass --allow-outside-paths"));
            return None;
        }
        let schema = match self.engine.register_file(name, &full) {
            Ok(s) => s,
            Err(e) => {
                self.problem(Diagnostic::at(
                    key,
                    format!(
                        "cannot read source `{}`: {}",
                        full.display(),
                        e.render().trim()
                    ),
                ));
                return None;
            }
        };
        Some(TablePlan {
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
        let rows = match table.rows {
            Some(r) => self.row_count(r, &format!("{path}.rows"))?,
            None => {
                self.problem(Diagnostic::at(
                    path,
                    format!("table `{name}` needs `rows` (or `source`, or `pairs`)"),
                ));
                return None;
            }
        };
        if table.columns.is_empty() {
            self.problem(Diagnostic::at(
                path,
                format!("table `{name}` has no columns"),
            ));
            return None;
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
            match spec {
                ColumnSpec::Sql(sql) => {
                    let schema = DFSchema::try_from(Schema::new(fields.clone())).ok()?;
                    if let Some((_, physical, ty)) = self.sql_expr(sql, &schema, &cpath) {
                        fields.push(Field::new(col, ty, true));
                        columns.push(ColumnPlan::Sql {
                            name: col.clone(),
                            expr: physical,
                        });
                    }
                }
                ColumnSpec::Constant(value) => {
                    let generator = constant_gen(value.clone());
                    fields.push(Field::new(col, generator.ty.arrow(), false));
                    columns.push(ColumnPlan::Generated {
                        name: col.clone(),
                        generator,
                    });
                }
                ColumnSpec::Generate(g) if g.window.is_some() => {
                    let w = g.window.as_ref().expect("checked");
                    if g.kinds().len() > 1 {
                        self.problem(Diagnostic::at(
                            &cpath,
                            "`window` cannot be combined with another generator kind",
                        ));
                        continue;
                    }
                    let start = self.generator(&w.start, &format!("{cpath}.window.start"), false);
                    let length =
                        self.generator(&w.length, &format!("{cpath}.window.length"), false);
                    let (Some(start), Some(length)) = (start, length) else {
                        continue;
                    };
                    if start.ty != ValueType::DateTime {
                        self.problem(Diagnostic::at(format!("{cpath}.window.start"), format!("a window's start must be a date-time generator (`datetime`, or `pick` of a date-time column), found {}", start.ty.name())));
                        continue;
                    }
                    if !matches!(length.ty, ValueType::Int | ValueType::Float) {
                        self.problem(Diagnostic::at(
                            format!("{cpath}.window.length"),
                            format!(
                                "a window's length must be a number, found {}",
                                length.ty.name()
                            ),
                        ));
                        continue;
                    }
                    let (start_name, end_name) = (format!("{col}_start"), format!("{col}_end"));
                    fields.push(Field::new(&start_name, ValueType::DateTime.arrow(), false));
                    fields.push(Field::new(&end_name, ValueType::DateTime.arrow(), false));
                    let unit = w.unit.unwrap_or(TimeUnit::Hour).seconds();
                    columns.push(ColumnPlan::Window {
                        key: col.clone(),
                        start_name,
                        end_name,
                        start,
                        length,
                        unit,
                    });
                }
                ColumnSpec::Generate(g) => {
                    if let Some(generator) = self.generator(g, &cpath, false) {
                        fields.push(Field::new(col, generator.ty.arrow(), false));
                        columns.push(ColumnPlan::Generated {
                            name: col.clone(),
                            generator,
                        });
                    }
                }
            }
        }
        let mut seen = HashSet::new();
        for f in &fields {
            if !seen.insert(f.name().clone()) {
                self.problem(Diagnostic::at(
                    path,
                    format!(
                        "column `{}` is declared twice (a window `x` makes `x_start` and `x_end`)",
                        f.name()
                    ),
                ));
            }
        }
        if self.problems.len() > before {
            return None;
        }
        let schema: SchemaRef = Arc::new(Schema::new(fields));
        let plan = EntityPlan {
            table: name.to_string(),
            rows,
            columns,
            schema: schema.clone(),
        };
        Some(TablePlan {
            name: name.to_string(),
            schema,
            kind: TableKind::Entity(plan),
        })
    }

    /// Plans a SQL expression; returns (logical, physical, type).
    fn sql_expr(
        &mut self,
        sql: &str,
        schema: &DFSchema,
        path: &str,
    ) -> Option<(Expr, Arc<dyn PhysicalExpr>, DataType)> {
        let result = self.engine.expr(sql, schema).and_then(|(e, p)| {
            let ty = datafusion::logical_expr::ExprSchemable::to_field(&e, schema)?
                .1
                .data_type()
                .clone();
            Ok((e, p, ty))
        });
        match result {
            Ok(r) => Some(r),
            Err(e) => {
                let mut d =
                    Diagnostic::at(path, format!("invalid SQL expression `{}`", sql.trim()))
                        .note(format!("SQL engine: {}", clean_error(&e)));
                if let Some(name) = unknown_column(&clean_error(&e)) {
                    let names: Vec<String> =
                        schema.columns().iter().map(|c| c.flat_name()).collect();
                    let short: Vec<String> =
                        schema.fields().iter().map(|f| f.name().clone()).collect();
                    let all: Vec<&str> = names
                        .iter()
                        .chain(short.iter())
                        .map(String::as_str)
                        .collect();
                    d = d.suggest(&name, all.iter().copied());
                    if d.help.is_none() {
                        d = d.help(format!("available columns: {}", names.join(", ")));
                    }
                }
                self.problem(d);
                None
            }
        }
    }

    /// Compiles a generator; `in_mixture` allows `weight`.
    fn generator(&mut self, g: &Generator, path: &str, in_mixture: bool) -> Option<Gen> {
        let kinds = g.kinds();
        if kinds.len() != 1 {
            let message = if kinds.is_empty() {
                format!(
                    "a generator needs one of {}",
                    list(crate::scenario::GENERATOR_KINDS)
                )
            } else {
                format!("a generator has exactly one kind, found {}", list(&kinds))
            };
            self.problem(Diagnostic::at(path, message));
            return None;
        }
        let kind = kinds[0];
        let at = |k: &str| format!("{path}.{k}");
        if g.weight.is_some() && !in_mixture {
            self.problem(Diagnostic::at(
                at("weight"),
                "`weight` is only used by the arms of a `mixture`",
            ));
        }
        if g.start.is_some() && kind != "sequence" {
            self.problem(Diagnostic::at(
                at("start"),
                "`start` is only used by `sequence`",
            ));
        }
        if g.weights.is_some() && kind != "choice" {
            self.problem(Diagnostic::at(
                at("weights"),
                "`weights` is only used by `choice`",
            ));
        }
        let (kind_value, ty) = match kind {
            "sequence" => self.sequence(g, &at("sequence"))?,
            "fake" => {
                let name = g.fake.as_deref().unwrap_or_default();
                match FakeKind::parse(name) {
                    Some(k) => (GenKind::Fake(k, self.locale), ValueType::Str),
                    None => {
                        self.problem(
                            Diagnostic::at(at("fake"), format!("unknown fake kind `{name}`"))
                                .suggest(name, FAKE_KINDS.iter().copied())
                                .note(format!("known kinds: {}", FAKE_KINDS.join(", "))),
                        );
                        return None;
                    }
                }
            }
            "choice" => self.choice(g, &at("choice"))?,
            "uniform" => {
                let [lo, hi] = g.uniform.expect("kind");
                self.range_ok(
                    lo <= hi && lo.is_finite() && hi.is_finite(),
                    &at("uniform"),
                    &format!("[{lo}, {hi}]"),
                )?;
                (GenKind::Uniform(lo, hi), ValueType::Float)
            }
            "uniform_int" => {
                let [lo, hi] = g.uniform_int.expect("kind");
                self.range_ok(lo <= hi, &at("uniform_int"), &format!("[{lo}, {hi}]"))?;
                (GenKind::UniformInt(lo, hi), ValueType::Int)
            }
            "normal" => {
                let n = g.normal.expect("kind");
                match Normal::new(n.mean, n.std) {
                    Ok(d) if n.std > 0.0 => (GenKind::Normal(d), ValueType::Float),
                    _ => {
                        return self.fail(
                            at("normal.std"),
                            format!("`std` must be a positive number, found {}", n.std),
                        );
                    }
                }
            }
            "log_normal" => {
                let n = g.log_normal.expect("kind");
                match LogNormal::new(n.mu, n.sigma) {
                    Ok(d) if n.sigma > 0.0 => (GenKind::LogNormal(d), ValueType::Float),
                    _ => {
                        return self.fail(
                            at("log_normal.sigma"),
                            format!("`sigma` must be a positive number, found {}", n.sigma),
                        );
                    }
                }
            }
            "exponential" => match Exp::new(g.exponential.expect("kind")) {
                Ok(d) if g.exponential > Some(0.0) => (GenKind::Exponential(d), ValueType::Float),
                _ => {
                    return self.fail(
                        at("exponential"),
                        "the rate must be a positive number".to_string(),
                    );
                }
            },
            "poisson" => match Poisson::new(g.poisson.expect("kind")) {
                Ok(d) => (GenKind::Poisson(d), ValueType::Int),
                Err(_) => {
                    return self.fail(
                        at("poisson"),
                        "the mean must be a positive number".to_string(),
                    );
                }
            },
            "bernoulli" => {
                let p = g.bernoulli.expect("kind");
                if !(0.0..=1.0).contains(&p) {
                    return self.fail(
                        at("bernoulli"),
                        format!("a probability must be in [0, 1], found {p}"),
                    );
                }
                (GenKind::Bernoulli(p), ValueType::Bool)
            }
            "datetime" => {
                let [a, b] = g.datetime.clone().expect("kind");
                let (Some(lo), Some(hi)) = (parse_datetime(&a), parse_datetime(&b)) else {
                    return self.fail(at("datetime"), format!("expected two dates `YYYY-MM-DD` or date-times `YYYY-MM-DD HH:MM[:SS]`, found [{a}, {b}]"));
                };
                self.range_ok(lo <= hi, &at("datetime"), &format!("[{a}, {b}]"))?;
                (GenKind::DateTime(lo, hi), ValueType::DateTime)
            }
            "window" => return self.fail(
                at("window"),
                "`window` makes two columns, so it can only be a column's generator, not nested"
                    .to_string(),
            ),
            "pick" => self.pick(g.pick.as_deref().unwrap_or_default(), &at("pick"))?,
            "mixture" => self.mixture(g.mixture.as_deref().unwrap_or_default(), &at("mixture"))?,
            "constant" => {
                let c = constant_gen(g.constant.clone().expect("kind"));
                (c.kind, c.ty)
            }
            _ => unreachable!("all kinds handled"),
        };
        let mut generator = Gen {
            kind: kind_value,
            ty,
            add: None,
            round: g.round,
            clamp: None,
            resolution: 1,
        };
        self.modifiers(g, path, &mut generator)?;
        Some(generator)
    }

    fn fail<T>(&mut self, path: String, message: String) -> Option<T> {
        self.problem(Diagnostic::at(path, message));
        None
    }

    fn range_ok(&mut self, ok: bool, path: &str, shown: &str) -> Option<()> {
        if ok {
            Some(())
        } else {
            self.fail(path.to_string(), format!("the range {shown} is inverted or not finite: expected [low, high] with low ≤ high"))
        }
    }

    fn modifiers(&mut self, g: &Generator, path: &str, generator: &mut Gen) -> Option<()> {
        let numeric = generator.ty.is_numeric();
        if g.round.is_some() && !matches!(generator.ty, ValueType::Float | ValueType::Int) {
            return self.fail(
                format!("{path}.round"),
                format!("`round` applies to numbers, not {}", generator.ty.name()),
            );
        }
        if g.round == Some(0) && generator.ty == ValueType::Float {
            generator.ty = ValueType::Int;
        }
        if let Some([lo, hi]) = g.clamp {
            if !numeric {
                return self.fail(
                    format!("{path}.clamp"),
                    format!("`clamp` applies to numbers, not {}", generator.ty.name()),
                );
            }
            self.range_ok(lo <= hi, &format!("{path}.clamp"), &format!("[{lo}, {hi}]"))?;
            generator.clamp = Some((lo, hi));
        }
        if let Some(add) = &g.add {
            if !numeric {
                return self.fail(
                    format!("{path}.add"),
                    format!(
                        "`add` applies to numbers and date-times, not {}",
                        generator.ty.name()
                    ),
                );
            }
            let inner = self.generator(add, &format!("{path}.add"), false)?;
            if !matches!(inner.ty, ValueType::Int | ValueType::Float) {
                return self.fail(
                    format!("{path}.add"),
                    "`add` takes a number generator".to_string(),
                );
            }
            let scale = match generator.ty {
                ValueType::DateTime => g.unit.unwrap_or(TimeUnit::Hour).seconds() as f64,
                _ => 1.0,
            };
            if inner.ty == ValueType::Float && generator.ty == ValueType::Int {
                generator.ty = ValueType::Float;
            }
            generator.add = Some((Box::new(inner), scale));
        } else if g.unit.is_some() {
            return self.fail(
                format!("{path}.unit"),
                "`unit` sets the unit of `add`, which is missing".to_string(),
            );
        }
        if let Some(r) = g.resolution {
            if generator.ty != ValueType::DateTime {
                return self.fail(
                    format!("{path}.resolution"),
                    "`resolution` applies to date-times".to_string(),
                );
            }
            generator.resolution = r.seconds();
        }
        Some(())
    }

    fn sequence(&mut self, g: &Generator, path: &str) -> Option<(GenKind, ValueType)> {
        let pattern = g.sequence.as_deref().unwrap_or_default();
        let start = g.start.unwrap_or(1);
        let Some(open) = pattern.find('{') else {
            return self.fail(path.to_string(), format!("a sequence pattern needs a `{{}}` placeholder for the number, e.g. \"M{{:04}}\", found \"{pattern}\""));
        };
        let Some(close) = pattern[open..].find('}').map(|c| c + open) else {
            return self.fail(
                path.to_string(),
                format!("unclosed `{{` in sequence pattern \"{pattern}\""),
            );
        };
        let spec = &pattern[open + 1..close];
        let width = match spec.strip_prefix(':') {
            None if spec.is_empty() => 0,
            Some(w) => match w.trim_start_matches('0').parse::<usize>() {
                Ok(n) if n <= 32 => n,
                _ if w.chars().all(|c| c == '0') && !w.is_empty() => 0,
                _ => {
                    return self.fail(
                        path.to_string(),
                        format!("invalid width `{spec}` in \"{pattern}\": use `{{}}` or `{{:04}}`"),
                    );
                }
            },
            None => {
                return self.fail(
                    path.to_string(),
                    format!(
                        "invalid placeholder `{{{spec}}}` in \"{pattern}\": use `{{}}` or `{{:04}}`"
                    ),
                );
            }
        };
        let (prefix, suffix) = (
            pattern[..open].to_string(),
            pattern[close + 1..].to_string(),
        );
        let ty = if prefix.is_empty() && suffix.is_empty() && width == 0 {
            ValueType::Int
        } else {
            ValueType::Str
        };
        Some((
            GenKind::Sequence {
                prefix,
                width,
                suffix,
                start,
            },
            ty,
        ))
    }

    fn choice(&mut self, g: &Generator, path: &str) -> Option<(GenKind, ValueType)> {
        let (values, weights): (Vec<Scalar>, Option<Vec<f64>>) =
            match g.choice.as_ref().expect("kind") {
                ChoiceSpec::Named(name) => match self.scenario.vocab.get(name) {
                    Some(v) => (v.clone(), g.weights.clone()),
                    None => {
                        let names: Vec<&str> =
                            self.scenario.vocab.keys().map(String::as_str).collect();
                        self.problem(
                            Diagnostic::at(path, format!("unknown vocab list `{name}`"))
                                .suggest(name, names.iter().copied()),
                        );
                        return None;
                    }
                },
                ChoiceSpec::List(v) => (v.clone(), g.weights.clone()),
                ChoiceSpec::Weighted(pairs) => {
                    if g.weights.is_some() {
                        return self.fail(
                            path.to_string(),
                            "give weights either in the mapping or in `weights`, not both"
                                .to_string(),
                        );
                    }
                    (
                        pairs.iter().map(|(v, _)| v.clone()).collect(),
                        Some(pairs.iter().map(|(_, w)| *w).collect()),
                    )
                }
            };
        if values.is_empty() {
            return self.fail(
                path.to_string(),
                "`choice` has no values to choose from".to_string(),
            );
        }
        let Some(ty) = literal_type(&values) else {
            return self.fail(
                path.to_string(),
                "`choice` mixes value types: use all strings, all numbers or all booleans"
                    .to_string(),
            );
        };
        let cumulative = match weights {
            None => None,
            Some(w) => Some(self.cumulative(
                &w,
                values.len(),
                &format!("{}.weights", path.trim_end_matches(".choice")),
            )?),
        };
        Some((
            GenKind::Choice {
                values: literal_values(&values, ty),
                cumulative,
            },
            ty,
        ))
    }

    fn cumulative(&mut self, weights: &[f64], n: usize, path: &str) -> Option<Vec<f64>> {
        if weights.len() != n {
            return self.fail(
                path.to_string(),
                format!(
                    "{} weights for {n} values: give one weight per value",
                    weights.len()
                ),
            );
        }
        if let Some(w) = weights.iter().find(|w| !w.is_finite() || **w < 0.0) {
            return self.fail(
                path.to_string(),
                format!("weights must be finite and ≥ 0, found {w}"),
            );
        }
        let mut total = 0.0;
        let c: Vec<f64> = weights
            .iter()
            .map(|w| {
                total += w;
                total
            })
            .collect();
        if total <= 0.0 {
            return self.fail(
                path.to_string(),
                "the weights sum to 0: at least one must be positive".to_string(),
            );
        }
        Some(c)
    }

    fn pick(&mut self, reference: &str, path: &str) -> Option<(GenKind, ValueType)> {
        let Some((table, column)) = reference.split_once('.') else {
            return self.fail(
                path.to_string(),
                format!("`pick` takes `table.column`, found `{reference}`"),
            );
        };
        let Some(schema) = self.schemas.get(table).cloned() else {
            let known: Vec<&str> = self.schemas.keys().map(String::as_str).collect();
            let later = self.scenario.tables.contains_key(table);
            let mut d = Diagnostic::at(
                path,
                format!(
                    "`pick` refers to table `{table}`, which is not declared before this table"
                ),
            );
            if later {
                d = d.help(format!("move table `{table}` above this one: a table can only use tables declared before it"));
            } else {
                d = d.suggest(table, known.iter().copied());
            }
            self.problem(d);
            return None;
        };
        let Ok(field) = schema.field_with_name(column) else {
            let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            self.problem(
                Diagnostic::at(path, format!("table `{table}` has no column `{column}`"))
                    .suggest(column, names.iter().copied()),
            );
            return None;
        };
        let Some(ty) = ValueType::from_arrow(field.data_type()) else {
            return self.fail(
                path.to_string(),
                format!(
                    "cannot pick from column `{reference}` of type {}",
                    field.data_type()
                ),
            );
        };
        if self.rows.get(table) == Some(&Some(0)) {
            return self.fail(
                path.to_string(),
                format!("cannot pick from table `{table}`: it has 0 rows"),
            );
        }
        let kind = GenKind::Pick {
            table: table.to_string(),
            column: column.to_string(),
            source: None,
        };
        Some((kind, ty))
    }

    fn mixture(&mut self, arms: &[Generator], path: &str) -> Option<(GenKind, ValueType)> {
        if arms.is_empty() {
            return self.fail(
                path.to_string(),
                "`mixture` needs at least one arm".to_string(),
            );
        }
        let mut compiled = Vec::new();
        let mut weights = Vec::new();
        for (i, arm) in arms.iter().enumerate() {
            let apath = format!("{path}[{i}]");
            let Some(w) = arm.weight else {
                self.problem(Diagnostic::at(
                    &apath,
                    "each arm of a `mixture` needs a `weight`",
                ));
                continue;
            };
            weights.push(w);
            if let Some(g) = self.generator(arm, &apath, true) {
                compiled.push(g);
            }
        }
        if compiled.len() != arms.len() || weights.len() != arms.len() {
            return None;
        }
        let ty = compiled[0].ty;
        if let Some(other) = compiled.iter().find(|g| g.ty != ty) {
            return self.fail(
                path.to_string(),
                format!(
                    "the arms of a `mixture` must make the same type, found {} and {}",
                    ty.name(),
                    other.ty.name()
                ),
            );
        }
        let cumulative = self.cumulative(&weights, arms.len(), path)?;
        Some((
            GenKind::Mixture {
                arms: compiled,
                cumulative,
            },
            ty,
        ))
    }

    fn check_output_size(&mut self, tables: &[TablePlan]) {
        let mut bytes = 0.0;
        let mut largest = ("", 0.0f64);
        for t in tables {
            let rows = match &t.kind {
                TableKind::Entity(e) => e.rows,
                TableKind::Pairs(p) => p.rows,
                TableKind::Source(_) => 0,
            } as f64;
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

    fn aliases(&mut self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (alias, target) in &self.scenario.sql.aliases {
            let path = format!("sql.aliases.{alias}");
            if !self.schemas.contains_key(target) {
                let known: Vec<&str> = self.schemas.keys().map(String::as_str).collect();
                self.problem(
                    Diagnostic::at(
                        path,
                        format!("alias `{alias}` points to unknown table `{target}`"),
                    )
                    .suggest(target, known.iter().copied()),
                );
                continue;
            }
            if alias.split('.').count() > 2 || alias.split('.').any(|p| !is_identifier(p)) {
                self.problem(Diagnostic::at(
                    path,
                    format!("alias `{alias}` must be `name` or `dataset.name`"),
                ));
                continue;
            }
            if let Err(e) = self.engine.register_alias(alias, target) {
                self.problem(Diagnostic::at(path, e.render()));
                continue;
            }
            out.push((alias.clone(), target.clone()));
        }
        if let Some(d) = &self.scenario.sql.dialect
            && !DIALECTS.contains(&d.to_lowercase().as_str())
        {
            self.problem(
                Diagnostic::at(
                    "sql.dialect",
                    format!(
                        "unknown SQL dialect `{d}`: expected one of {}",
                        list(DIALECTS)
                    ),
                )
                .suggest(d, DIALECTS.iter().copied()),
            );
        }
        out
    }

    fn queries(
        &mut self,
        queries: &IndexMap<String, String>,
        section: &str,
        register: bool,
    ) -> Vec<NamedQuery> {
        let mut out = Vec::new();
        for (name, sql) in queries {
            let path = format!("{section}.{name}");
            if register && !is_identifier(name) {
                self.problem(Diagnostic::at(
                    &path,
                    format!("feature name `{name}` must be a SQL identifier"),
                ));
                continue;
            }
            if register && self.schemas.contains_key(name) {
                self.problem(Diagnostic::at(
                    &path,
                    format!("feature `{name}` has the name of a table"),
                ));
                continue;
            }
            match self.engine.plan(sql) {
                Ok(schema) => {
                    if register {
                        if let Err(e) = self.engine.register(name, schema.clone(), vec![]) {
                            self.problem(Diagnostic::at(&path, e.render()));
                        }
                        self.schemas.insert(name.clone(), schema.clone());
                    }
                    out.push(NamedQuery {
                        name: name.clone(),
                        sql: sql.clone(),
                        path,
                        schema,
                    });
                }
                Err(e) => {
                    let message = clean_error(&e);
                    let mut d = Diagnostic::at(
                        &path,
                        format!(
                            "{} `{name}` is not a valid query",
                            section.trim_end_matches('s')
                        ),
                    )
                    .note(format!("SQL engine: {message}"));
                    if let Some(table) = unknown_table(&message) {
                        let known: Vec<&str> = self.schemas.keys().map(String::as_str).collect();
                        d = d.suggest(&table, known.iter().copied());
                        if d.help.is_none() {
                            d = d.help(format!("tables: {}", known.join(", ")));
                        }
                    }
                    self.problem(d);
                }
            }
        }
        out
    }

    fn split(&mut self) -> Option<SplitPlan> {
        let split = self.scenario.split.as_ref()?;
        let Some(schema) = self.schemas.get(&split.from).cloned() else {
            let known: Vec<&str> = self.schemas.keys().map(String::as_str).collect();
            self.problem(
                Diagnostic::at(
                    "split.from",
                    format!("unknown table or feature `{}`", split.from),
                )
                .suggest(&split.from, known.iter().copied()),
            );
            return None;
        };
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        let before = self.problems.len();
        let require = |a: &mut Self, col: &str, path: String| {
            if !names.contains(&col) {
                a.problem(
                    Diagnostic::at(path, format!("`{}` has no column `{col}`", split.from))
                        .suggest(col, names.iter().copied()),
                );
            }
        };
        require(self, &split.target, "split.target".into());
        for (i, c) in split.drop.iter().enumerate() {
            require(self, c, format!("split.drop[{i}]"));
        }
        for (i, c) in split.standardize.iter().enumerate() {
            require(self, c, format!("split.standardize[{i}]"));
            if let Ok(f) = schema.field_with_name(c) {
                if !f.data_type().is_numeric() {
                    self.problem(Diagnostic::at(
                        format!("split.standardize[{i}]"),
                        format!(
                            "cannot standardise `{c}`: it is {}, not a number",
                            f.data_type()
                        ),
                    ));
                }
                if split.drop.contains(c) || *c == split.target {
                    self.problem(Diagnostic::at(
                        format!("split.standardize[{i}]"),
                        format!("`{c}` is dropped or is the target, so it cannot be standardised"),
                    ));
                }
            }
        }
        let stratify = match split.stratify.as_deref() {
            Some("none") => None,
            Some(c) => {
                require(self, c, "split.stratify".into());
                Some(c.to_string())
            }
            None => Some(split.target.clone()),
        };
        if !(split.test_size > 0.0 && split.test_size < 1.0) {
            self.problem(Diagnostic::at(
                "split.test_size",
                format!("test_size must be in (0, 1), found {}", split.test_size),
            ));
        }
        let t = split.audit.leak_threshold;
        if !(0.5..=1.0).contains(&t) {
            self.problem(Diagnostic::at(
                "split.audit.leak_threshold",
                format!("leak_threshold must be in [0.5, 1], found {t}"),
            ));
        }
        if self.problems.len() > before {
            return None;
        }
        let features = names
            .iter()
            .filter(|n| **n != split.target && !split.drop.iter().any(|d| d == *n))
            .map(|s| s.to_string())
            .collect();
        Some(SplitPlan {
            from: split.from.clone(),
            target: split.target.clone(),
            features,
            standardize: split.standardize.clone(),
            test_size: split.test_size,
            stratify,
            seed: split
                .seed
                .unwrap_or(self.overrides.seed.unwrap_or(self.scenario.seed)),
            leak_threshold: t,
            leak_is_error: split.audit.on_leak == OnLeak::Error,
        })
    }
}

/// Formats a byte count for people.
pub fn human_bytes(bytes: f64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut v = bytes;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < units.len() {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{v:.0} {}", units[i])
    } else {
        format!("{v:.1} {}", units[i])
    }
}

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

fn unknown_table(message: &str) -> Option<String> {
    let rest = &message[message.find("table '")? + "table '".len()..];
    let name = &rest[..rest.find('\'')?];
    Some(name.rsplit('.').next().unwrap_or(name).to_string())
}

/// The value type shared by a list of literals (integers widen to floats), if any.
pub fn literal_type(values: &[Scalar]) -> Option<ValueType> {
    let mut ty = None;
    for v in values {
        let t = match v {
            Scalar::Bool(_) => ValueType::Bool,
            Scalar::Int(_) => ValueType::Int,
            Scalar::Float(_) => ValueType::Float,
            Scalar::Str(_) => ValueType::Str,
        };
        ty = match (ty, t) {
            (None, t) => Some(t),
            (Some(a), b) if a == b => Some(a),
            (Some(ValueType::Int), ValueType::Float) | (Some(ValueType::Float), ValueType::Int) => {
                Some(ValueType::Float)
            }
            _ => return None,
        };
    }
    ty
}

fn literal_values(values: &[Scalar], ty: ValueType) -> Values {
    match ty {
        ValueType::Bool => Values::Bool(
            values
                .iter()
                .map(|v| matches!(v, Scalar::Bool(true)))
                .collect(),
        ),
        ValueType::Str => Values::Str(values.iter().map(|v| v.to_string()).collect()),
        _ => Values::Num(
            values
                .iter()
                .map(|v| match v {
                    Scalar::Int(i) => *i as f64,
                    Scalar::Float(f) => *f,
                    _ => 0.0,
                })
                .collect(),
        ),
    }
}

/// A generator that writes `value` in every row.
pub fn constant_gen(value: Scalar) -> Gen {
    let values = [value];
    let ty = literal_type(&values).expect("one value has a type");
    Gen {
        kind: GenKind::Constant(literal_values(&values, ty)),
        ty,
        add: None,
        round: None,
        clamp: None,
        resolution: 1,
    }
}

impl Analyzer<'_> {
    fn pair_table(&mut self, name: &str, path: &str) -> Option<TablePlan> {
        let table = &self.scenario.tables[name];
        let pairs = table.pairs.as_ref().expect("pair table");
        let ppath = format!("{path}.pairs");
        if pairs.len() != 2 {
            return self.fail(
                ppath,
                format!(
                    "`pairs` links exactly two tables, e.g. {{ m: murid, t: tutor }}; found {}",
                    pairs.len()
                ),
            );
        }
        let mut sides = Vec::new();
        for (alias, target) in pairs {
            if !is_identifier(alias) {
                return self.fail(
                    format!("{ppath}.{alias}"),
                    format!("alias `{alias}` must be a SQL identifier"),
                );
            }
            let Some(schema) = self.schemas.get(target).cloned() else {
                let known: Vec<&str> = self.schemas.keys().map(String::as_str).collect();
                self.problem(Diagnostic::at(format!("{ppath}.{alias}"), format!("`pairs` refers to table `{target}`, which is not declared before `{name}`")).suggest(target, known.iter().copied()));
                return None;
            };
            sides.push((alias.clone(), target.clone(), schema));
        }
        let side_schema =
            match DFSchema::try_from_qualified_schema(sides[0].0.as_str(), &sides[0].2).and_then(
                |a| {
                    Ok((
                        a,
                        DFSchema::try_from_qualified_schema(sides[1].0.as_str(), &sides[1].2)?,
                    ))
                },
            ) {
                Ok((mut a, b)) => {
                    a.merge(&b);
                    a
                }
                Err(e) => {
                    return self.fail(
                        ppath,
                        format!(
                            "cannot combine the linked tables' columns: {}",
                            clean_error(&e)
                        ),
                    );
                }
            };
        let before = self.problems.len();
        let mut columns = Vec::new();
        let mut out_fields: Vec<Field> = Vec::new();
        for (col, spec) in &table.columns {
            let cpath = format!("{path}.columns.{col}");
            match spec {
                ColumnSpec::Sql(sql) => {
                    if let Some((e, p, ty)) = self.sql_expr(sql, &side_schema, &cpath) {
                        out_fields.push(Field::new(col, ty, true));
                        columns.push((col.clone(), e, p));
                    }
                }
                _ => self.problem(Diagnostic::at(&cpath, "columns of a `pairs` table are SQL expressions over the linked rows, e.g. `m.id_murid`").help("put generated columns under a stratum's `set`")),
            }
        }
        if self.problems.len() > before {
            // Conditions would only repeat that a pair column is missing.
            return None;
        }
        let condition_schema = match with_qualified(&side_schema, name, &out_fields) {
            Ok(s) => s,
            Err(e) => {
                return self.fail(
                    format!("{path}.columns"),
                    format!(
                        "pair column names clash with the linked columns: {}",
                        clean_error(&e)
                    ),
                );
            }
        };
        let (strata, set_columns) = self.strata(name, path, &condition_schema)?;
        for (n, ty) in &set_columns {
            out_fields.push(Field::new(n, ty.arrow(), false));
        }
        let mut derive = Vec::new();
        for (col, sql) in &table.derive {
            let dpath = format!("{path}.derive.{col}");
            let schema = DFSchema::try_from(Schema::new(out_fields.clone())).ok()?;
            if let Some((_, p, ty)) = self.sql_expr(sql, &schema, &dpath) {
                out_fields.push(Field::new(col, ty, true));
                derive.push((col.clone(), p));
            }
        }
        let mut seen = HashSet::new();
        for f in &out_fields {
            if !seen.insert(f.name().clone()) {
                self.problem(Diagnostic::at(
                    path,
                    format!("column `{}` is declared twice in `{name}`", f.name()),
                ));
            }
        }
        if self.problems.len() > before {
            return None;
        }
        let total = strata.iter().map(|s| s.rows).sum();
        let [(a0, t0, _), (a1, t1, _)] = <[_; 2]>::try_from(sides).ok()?;
        let plan = PairPlan {
            table: name.to_string(),
            rows: total,
            sides: [(a0, t0), (a1, t1)],
            side_schema,
            columns,
            condition_schema,
            strata,
            set_columns,
            derive,
        };
        Some(TablePlan {
            name: name.to_string(),
            schema: Arc::new(Schema::new(out_fields)),
            kind: TableKind::Pairs(plan),
        })
    }

    fn strata(
        &mut self,
        name: &str,
        path: &str,
        schema: &DFSchema,
    ) -> Option<(Vec<StratumPlan>, SetColumns)> {
        let table = &self.scenario.tables[name];
        if table.strata.is_empty() {
            return self.fail(format!("{path}.strata"), format!("table `{name}` has `pairs` but no `strata`: add at least one, e.g. `- {{ name: all, share: 1, where: 'TRUE' }}`"));
        }
        let counts = self.stratum_counts(name, path)?;
        let mut plans = Vec::new();
        let mut set_columns: Vec<(String, ValueType)> = Vec::new();
        let mut names = HashSet::new();
        for (i, (stratum, rows)) in table.strata.iter().zip(counts).enumerate() {
            let spath = format!("{path}.strata[{i}]");
            if !names.insert(stratum.name.clone()) {
                self.problem(Diagnostic::at(
                    format!("{spath}.name"),
                    format!("two strata are named `{}`", stratum.name),
                ));
            }
            let wpath = format!("{spath}.where");
            let Some((expr, condition, ty)) = self.sql_expr(&stratum.condition, schema, &wpath)
            else {
                continue;
            };
            if ty != DataType::Boolean {
                self.problem(Diagnostic::at(
                    wpath,
                    format!("a stratum's `where` must be a boolean condition, found {ty}"),
                ));
                continue;
            }
            let mut set = Vec::new();
            for (col, spec) in &stratum.set {
                let cpath = format!("{spath}.set.{col}");
                let generator = match spec {
                    ColumnSpec::Constant(v) => Some(constant_gen(v.clone())),
                    ColumnSpec::Generate(g) => self.generator(g, &cpath, false),
                    ColumnSpec::Sql(_) => {
                        self.problem(Diagnostic::at(&cpath, "`set` takes generators or constants; SQL over the row belongs in `derive`"));
                        None
                    }
                };
                set.push((col.clone(), generator));
            }
            if i == 0 {
                set_columns = set
                    .iter()
                    .filter_map(|(c, g)| g.as_ref().map(|g| (c.clone(), g.ty)))
                    .collect();
            }
            let mine: Vec<&str> = set.iter().map(|(c, _)| c.as_str()).collect();
            let first: Vec<&str> = set_columns.iter().map(|(c, _)| c.as_str()).collect();
            let mut sorted_mine = mine.clone();
            sorted_mine.sort();
            let mut sorted_first = first.clone();
            sorted_first.sort();
            if sorted_mine != sorted_first {
                self.problem(Diagnostic::at(
                    format!("{spath}.set"),
                    format!(
                        "every stratum sets the same columns: the first sets [{}], `{}` sets [{}]",
                        first.join(", "),
                        stratum.name,
                        mine.join(", ")
                    ),
                ));
                continue;
            }
            let mut ordered = Vec::new();
            for (c, ty) in set_columns.iter_mut() {
                let Some(Some(g)) = set.iter().find(|(n, _)| n == c).map(|(_, g)| g.clone()) else {
                    continue;
                };
                match (*ty, g.ty) {
                    (a, b) if a == b => {}
                    (ValueType::Int, ValueType::Float) | (ValueType::Float, ValueType::Int) => {
                        *ty = ValueType::Float
                    }
                    (a, b) => {
                        self.problem(Diagnostic::at(
                            format!("{spath}.set.{c}"),
                            format!(
                                "`{c}` is {} in the first stratum but {} here",
                                a.name(),
                                b.name()
                            ),
                        ));
                    }
                }
                ordered.push(g);
            }
            plans.push(StratumPlan {
                name: stratum.name.clone(),
                rows,
                sql: stratum.condition.clone(),
                path: wpath,
                condition,
                expr,
                set: ordered,
            });
        }
        for p in &mut plans {
            for (g, (_, ty)) in p.set.iter_mut().zip(&set_columns) {
                g.ty = *ty;
            }
        }
        Some((plans, set_columns))
    }

    /// Exact row counts per stratum: given `rows`, or shares by the largest-remainder rule.
    fn stratum_counts(&mut self, name: &str, path: &str) -> Option<Vec<u64>> {
        let table = &self.scenario.tables[name];
        let strata = &table.strata;
        let with_share = strata.iter().filter(|s| s.share.is_some()).count();
        let with_rows = strata.iter().filter(|s| s.rows.is_some()).count();
        if with_share + with_rows != strata.len() || (with_share > 0 && with_rows > 0) {
            return self.fail(
                format!("{path}.strata"),
                "give every stratum a `share`, or every stratum `rows`, not a mix".to_string(),
            );
        }
        if with_rows > 0 {
            let mut counts = Vec::new();
            for (i, s) in strata.iter().enumerate() {
                counts.push(self.row_count(
                    s.rows.expect("checked"),
                    &format!("{path}.strata[{i}].rows"),
                )?);
            }
            let sum: u64 = counts.iter().sum();
            if let Some(r) = table.rows {
                let declared = self.row_count(r, &format!("{path}.rows"))?;
                if declared != sum {
                    return self.fail(
                        format!("{path}.rows"),
                        format!("`rows` is {declared} but the strata's rows sum to {sum}"),
                    );
                }
            }
            return Some(counts);
        }
        let Some(r) = table.rows else {
            return self.fail(
                path.to_string(),
                format!("table `{name}` needs `rows` when its strata give shares"),
            );
        };
        let n = self.row_count(r, &format!("{path}.rows"))?;
        let shares: Vec<f64> = strata.iter().map(|s| s.share.expect("checked")).collect();
        for (i, s) in shares.iter().enumerate() {
            if !(0.0..=1.0).contains(s) {
                return self.fail(
                    format!("{path}.strata[{i}].share"),
                    format!("a share must be in [0, 1], found {s}"),
                );
            }
        }
        let sum: f64 = shares.iter().sum();
        if (sum - 1.0).abs() > 1e-9 {
            return self.fail(
                format!("{path}.strata"),
                format!("the strata's shares sum to {sum}, not 1"),
            );
        }
        Some(largest_remainder(n, &shares))
    }
}

/// Names and types of a pair table's `set` columns.
type SetColumns = Vec<(String, ValueType)>;

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

/// Splits `n` rows by `shares`: each gets `floor(n·share)`, and the rows left over go one each to
/// the largest fractional parts (earlier strata first on ties). For 2,000 rows and shares
/// 0.7/0.1/0.1/0.1 this gives 1,400/200/200/200, the original generator's counts.
pub fn largest_remainder(n: u64, shares: &[f64]) -> Vec<u64> {
    let exact: Vec<f64> = shares.iter().map(|s| n as f64 * s).collect();
    let mut counts: Vec<u64> = exact.iter().map(|x| (x + 1e-9).floor() as u64).collect();
    let mut left = n.saturating_sub(counts.iter().sum());
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| {
        let fa = exact[a] - counts[a] as f64;
        let fb = exact[b] - counts[b] as f64;
        fb.partial_cmp(&fa)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.cmp(&b))
    });
    for i in order {
        if left == 0 {
            break;
        }
        counts[i] += 1;
        left -= 1;
    }
    counts
}

/// `schema` plus `fields` qualified by `table` (so `topik_match` and `interaksi.topik_match` both resolve).
fn with_qualified(
    schema: &DFSchema,
    table: &str,
    fields: &[Field],
) -> std::result::Result<DFSchema, datafusion::error::DataFusionError> {
    let mut all: Vec<(Option<datafusion::common::TableReference>, Arc<Field>)> = schema
        .iter()
        .map(|(q, f)| (q.cloned(), f.clone()))
        .collect();
    all.extend(fields.iter().map(|f| {
        (
            Some(datafusion::common::TableReference::bare(table)),
            Arc::new(f.clone()),
        )
    }));
    DFSchema::new_with_metadata(all, HashMap::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn largest_remainder_matches_the_original_counts() {
        assert_eq!(
            largest_remainder(2000, &[0.7, 0.1, 0.1, 0.1]),
            vec![1400, 200, 200, 200]
        );
        assert_eq!(largest_remainder(10, &[1.0 / 3.0; 3]), vec![4, 3, 3]);
        assert_eq!(largest_remainder(7, &[0.5, 0.5]), vec![4, 3]);
        assert_eq!(largest_remainder(0, &[0.5, 0.5]), vec![0, 0]);
    }
}
