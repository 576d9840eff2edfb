//! The plan: a scenario resolved and checked, everything a run needs and nothing it must guess.
//!
//! [`crate::analyze`] builds a [`Plan`] from a [`crate::scenario::Scenario`]; every later stage
//! (`generate`, `sample`, `sql`, `split`, `report`) reads it and none adds to it. Generators are
//! typed by the values they make ([`Generator`]), so a generator that cannot make its column's
//! type cannot be represented, and every `match` on a kind is exhaustive.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::{DataType, SchemaRef, TimeUnit as ArrowTimeUnit};
use datafusion::common::DFSchema;
use datafusion::logical_expr::Expr;
use datafusion::physical_expr::PhysicalExpr;
use rand_distr::{Exp, LogNormal, Normal, Poisson};

use crate::scenario::BoolStyle;
use crate::time::DateTimeFormat;

/// Everything a run needs, resolved and checked.
pub struct Plan {
    /// Scenario name.
    pub name: String,
    /// SHA-256 of the scenario file, hex.
    pub scenario_sha256: String,
    /// The overrides applied to the file (a variant's entries, `--set`), as given.
    pub settings: Vec<String>,
    /// The seed in force (`--seed` or the scenario's).
    pub seed: u64,
    /// The SQL dialect of the scenario's SQL texts.
    pub dialect: String,
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

impl Plan {
    /// The table named `name`.
    pub fn table(&self, name: &str) -> Option<&TablePlan> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// Every query in run order: features, checks, insights.
    pub fn queries(&self) -> impl Iterator<Item = &NamedQuery> {
        self.features
            .iter()
            .chain(&self.checks)
            .chain(&self.insights)
    }
}

/// A named SQL query, where it was declared, and what it reads.
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
    /// The tables and features it reads (from the table scans of its plan, aliases resolved).
    pub reads: BTreeSet<String>,
}

/// One table of the plan.
pub struct TablePlan {
    /// Table name.
    pub name: String,
    /// Every column it makes, hidden ones included (what later tables read).
    pub schema: SchemaRef,
    /// How it is made.
    pub kind: TableKind,
    /// The indices of the columns written and seen by SQL, when some are hidden.
    pub written: Option<Vec<usize>>,
    /// Rows are written in a random order from the seed.
    pub shuffle: bool,
    /// Missing and dirty values and duplicate rows put into the made rows, when declared.
    pub mess: Option<Mess>,
}

/// What makes a table messy, applied to each chunk once all its columns are made: the
/// effects in order (dirty values, then missing ones), then duplicate rows.
#[derive(Debug)]
pub struct Mess {
    /// Per column effects, in the order they are applied.
    pub effects: Vec<MessEffect>,
    /// The share of rows replaced by copies of other rows of their stratum.
    pub duplicates: Option<f64>,
}

/// One effect on one column: each row is affected with probability `share`, drawn from the
/// stream `(seed, table, "mess:<column>:<kind>", chunk)`.
#[derive(Debug)]
pub struct MessEffect {
    /// The column's name.
    pub column: String,
    /// Its index in the table's schema.
    pub index: usize,
    /// What is done to an affected value.
    pub kind: MessKind,
    /// The share of rows affected.
    pub share: f64,
}

/// What an effect does to a value.
#[derive(Debug)]
pub enum MessKind {
    /// Text: one edit.
    Typos,
    /// Text: upper or lower case.
    Case,
    /// Text: a stray or doubled space.
    Whitespace,
    /// Numbers: multiplied by the factor.
    Outliers(f64),
    /// Left empty, where the condition (SQL over the made row) holds when there is one.
    Nulls(Option<Arc<dyn PhysicalExpr>>),
}

impl MessKind {
    /// The kind's name in the scenario and the report.
    pub fn name(&self) -> &'static str {
        match self {
            MessKind::Typos => "typos",
            MessKind::Case => "case",
            MessKind::Whitespace => "whitespace",
            MessKind::Outliers(_) => "outliers",
            MessKind::Nulls(_) => "nulls",
        }
    }
}

impl TablePlan {
    /// The schema of what is written and queried: hidden columns left out.
    pub fn written_schema(&self) -> SchemaRef {
        match &self.written {
            Some(columns) => Arc::new(
                self.schema
                    .project(columns)
                    .expect("indices are in the schema"),
            ),
            None => self.schema.clone(),
        }
    }

    /// A batch of the table as written: hidden columns left out.
    pub fn written_batch(&self, batch: &RecordBatch) -> RecordBatch {
        match &self.written {
            Some(columns) => batch.project(columns).expect("indices are in the batch"),
            None => batch.clone(),
        }
    }

    /// Rows the table will have, when known before the run (not for file sources).
    pub fn planned_rows(&self) -> Option<u64> {
        match &self.kind {
            TableKind::Entity(e) => Some(e.rows),
            TableKind::Pairs(p) => Some(p.rows),
            TableKind::Source(_) => None,
        }
    }

    /// The tables whose rows this table's generators read: its pair sides and the tables it picks from.
    pub fn inputs(&self) -> Vec<&str> {
        match &self.kind {
            TableKind::Entity(e) => e.picks.iter().map(|p| p.table.as_str()).collect(),
            TableKind::Pairs(p) => p
                .sides
                .iter()
                .map(|s| s.table.as_str())
                .chain(p.picks.iter().map(|k| k.table.as_str()))
                .collect(),
            TableKind::Source(_) => Vec::new(),
        }
    }
}

/// How a table is made.
pub enum TableKind {
    /// Generated row by row.
    Entity(EntityPlan),
    /// Sampled from pairs of rows of two tables.
    Pairs(Box<PairPlan>),
    /// Read from a file.
    Source(PathBuf),
}

/// A generated table.
#[derive(Debug)]
pub struct EntityPlan {
    /// Table name (stream key).
    pub table: String,
    /// Rows to generate.
    pub rows: u64,
    /// Columns in declared order.
    pub columns: Vec<ColumnPlan>,
    /// The output schema.
    pub schema: SchemaRef,
    /// The columns of earlier tables that `pick` generators draw from, by [`PickId`].
    pub picks: Vec<PickSource>,
    /// Groups of columns drawn with rank correlations.
    pub correlations: Vec<Correlation>,
}

/// Columns whose values are reordered within each chunk so that their ranks follow
/// correlated normal scores (Iman–Conover): each keeps exactly the values its generator drew.
#[derive(Debug, Clone)]
pub struct Correlation {
    /// The stream key, `correlate:<a>,<b>,...`.
    pub key: String,
    /// The members' positions among the chunk's arrays.
    pub arrays: Vec<usize>,
    /// The members' names.
    pub names: Vec<String>,
    /// Applied once the column at this index of `columns` is made (the last member).
    pub after: usize,
    /// Lower Cholesky factor of the normal scores' correlation matrix.
    pub cholesky: Vec<Vec<f64>>,
}

/// One column (or, for a window, two) of a generated table.
#[derive(Debug)]
// A table has a handful of columns: the window's inline generators cost nothing worth a box.
#[allow(clippy::large_enum_variant)]
pub enum ColumnPlan {
    /// A generator column.
    Generated {
        /// Column name (stream key).
        name: String,
        /// The generator.
        generator: Generator,
        /// Its SQL parameters, over the columns before it.
        params: Vec<ParamExpr>,
    },
    /// A window: two date-time columns from one stream keyed by `key`.
    Window {
        /// The declared name (stream key).
        key: String,
        /// Name of the start column.
        start_name: String,
        /// Name of the end column.
        end_name: String,
        /// Generator of the start.
        start: NumberGenerator,
        /// Generator of the length.
        length: NumberGenerator,
        /// Seconds per unit of length.
        unit: i64,
        /// The SQL parameters of both generators, over the columns before it.
        params: Vec<ParamExpr>,
    },
    /// Several columns of one uniformly drawn row of an earlier table, from the stream keyed
    /// by `key`.
    PickRow {
        /// The declared name (stream key).
        key: String,
        /// Each column made: its name, its pick source and its type.
        columns: Vec<(String, PickId, ValueType)>,
    },
    /// A SQL expression over the columns before it.
    Sql {
        /// Column name.
        name: String,
        /// The expression, planned against the preceding columns.
        expr: Arc<dyn PhysicalExpr>,
    },
}

/// A column of an earlier table that `pick` draws from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickSource {
    /// The table.
    pub table: String,
    /// The column.
    pub column: String,
    /// Where the scenario picks it (the first place, when several pick it), for errors.
    pub path: String,
}

/// The index of a [`PickSource`] in its table's plan; the run binds each to its column's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PickId(pub usize);

/// The type of a column's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// Booleans.
    Bool,
    /// 64-bit integers.
    Int,
    /// 64-bit floats.
    Float,
    /// UTF-8 text.
    Str,
    /// Date-times, seconds since 1970 without time zone.
    DateTime,
}

impl ValueType {
    /// The Arrow type used to store the values.
    pub fn arrow(self) -> DataType {
        match self {
            ValueType::Bool => DataType::Boolean,
            ValueType::Int => DataType::Int64,
            ValueType::Float => DataType::Float64,
            ValueType::Str => DataType::Utf8,
            ValueType::DateTime => DataType::Timestamp(ArrowTimeUnit::Second, None),
        }
    }

    /// The value type of an Arrow type, if tutas can generate it.
    pub fn from_arrow(t: &DataType) -> Option<ValueType> {
        match t {
            DataType::Boolean => Some(ValueType::Bool),
            DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => {
                Some(ValueType::Int)
            }
            DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64 => {
                Some(ValueType::Int)
            }
            DataType::Float32 | DataType::Float64 => Some(ValueType::Float),
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Some(ValueType::Str),
            DataType::Timestamp(_, None) => Some(ValueType::DateTime),
            _ => None,
        }
    }

    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            ValueType::Bool => "boolean",
            ValueType::Int => "integer",
            ValueType::Float => "float",
            ValueType::Str => "string",
            ValueType::DateTime => "date-time",
        }
    }
}

/// The type of a number generator's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberType {
    /// Whole numbers.
    Int,
    /// Real numbers.
    Float,
    /// Date-times in seconds.
    DateTime,
}

impl From<NumberType> for ValueType {
    fn from(t: NumberType) -> ValueType {
        match t {
            NumberType::Int => ValueType::Int,
            NumberType::Float => ValueType::Float,
            NumberType::DateTime => ValueType::DateTime,
        }
    }
}

/// A compiled generator, typed by the values it makes.
#[derive(Debug, Clone)]
pub enum Generator {
    /// Integers, floats or date-times.
    Number(NumberGenerator),
    /// Booleans.
    Boolean(BooleanGenerator),
    /// Text.
    Text(TextGenerator),
}

impl Generator {
    /// The type of the values it makes.
    pub fn value_type(&self) -> ValueType {
        match self {
            Generator::Number(n) => n.ty.into(),
            Generator::Boolean(_) => ValueType::Bool,
            Generator::Text(_) => ValueType::Str,
        }
    }
}

/// A generator of numbers with its modifiers, applied in this order: `resolution` (date-times),
/// `add`, `round`, `clamp`, then rounding to a whole number for integers.
#[derive(Debug, Clone)]
pub struct NumberGenerator {
    /// What is drawn.
    pub kind: NumberKind,
    /// The type of the values.
    pub ty: NumberType,
    /// An added number and its scale (seconds per unit for date-times, else 1).
    pub add: Option<(Box<NumberGenerator>, f64)>,
    /// Decimals to round to.
    pub round: Option<u32>,
    /// Bounds to clamp into.
    pub clamp: Option<(Number, Number)>,
    /// Drawn date-times are truncated to a multiple of this many seconds (1: none).
    pub resolution: i64,
}

impl NumberGenerator {
    /// A generator of `kind` without modifiers.
    pub fn plain(kind: NumberKind, ty: NumberType) -> NumberGenerator {
        NumberGenerator {
            kind,
            ty,
            add: None,
            round: None,
            clamp: None,
            resolution: 1,
        }
    }
}

impl NumberGenerator {
    /// The lowest value it can make, as far as analysis can tell (minus infinity when it has
    /// no lower bound or the bound depends on data: a normal, a pick, a SQL parameter).
    pub fn lowest(&self) -> f64 {
        let kind = match &self.kind {
            NumberKind::Sequence { start } => *start as f64,
            NumberKind::Choice(c) => c
                .values
                .iter()
                .map(|v| v.as_f64())
                .fold(f64::INFINITY, f64::min),
            NumberKind::Uniform(lo, _) => *lo,
            NumberKind::UniformInt(lo, _) | NumberKind::DateTime(lo, _) => *lo as f64,
            NumberKind::DateTimeByHour { first_day, .. } => (*first_day * 86_400) as f64,
            NumberKind::LogNormal(_) | NumberKind::Exponential(_) | NumberKind::Poisson(_) => 0.0,
            NumberKind::Constant(v) => v.as_f64(),
            NumberKind::Mixture(m) => m
                .arms
                .iter()
                .map(Self::lowest)
                .fold(f64::INFINITY, f64::min),
            NumberKind::Modelled(m) => match m.dist {
                Dist::LogNormal | Dist::Exponential | Dist::Poisson => 0.0,
                Dist::Uniform | Dist::UniformInt | Dist::Normal => f64::NEG_INFINITY,
            },
            NumberKind::Normal(_) | NumberKind::Pick(_) => f64::NEG_INFINITY,
        };
        let added = match &self.add {
            Some((g, scale)) => kind + g.lowest() * scale,
            None => kind,
        };
        match self.clamp {
            Some((lo, _)) => added.max(lo.as_f64()),
            None => added,
        }
    }
}

/// What a number generator draws.
#[derive(Debug, Clone)]
pub enum NumberKind {
    /// The row number plus `start`.
    Sequence {
        /// The first number.
        start: i64,
    },
    /// One of the values, uniformly or by weight.
    Choice(Choice<Number>),
    /// Uniform real in `[low, high]`.
    Uniform(f64, f64),
    /// Uniform integer in `[low, high]`.
    UniformInt(i64, i64),
    /// Normal distribution.
    Normal(Normal<f64>),
    /// Log-normal distribution.
    LogNormal(LogNormal<f64>),
    /// Exponential distribution.
    Exponential(Exp<f64>),
    /// Poisson distribution.
    Poisson(Poisson<f64>),
    /// Uniform date-time (seconds) in `[low, high]`.
    DateTime(i64, i64),
    /// A uniform day of `days` from `first_day` (days since 1970), an hour by weight (running
    /// sums of 24 weights), a uniform second of that hour.
    DateTimeByHour {
        /// The first day.
        first_day: i64,
        /// How many days.
        days: i64,
        /// Running sums of the hours' weights.
        cumulative: Vec<f64>,
    },
    /// A value of a uniformly chosen row of an earlier table's column.
    Pick(PickId),
    /// One arm per row, by weight.
    Mixture(Mixture<NumberGenerator>),
    /// The same value in every row.
    Constant(Number),
    /// A distribution with a parameter that is SQL over the row.
    Modelled(Modelled),
}

/// A number as a scenario declares it: a whole number is kept exact in 64 bits (a float holds
/// whole numbers exactly only up to 2^53).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// A whole number.
    Int(i64),
    /// A real number.
    Float(f64),
}

impl Number {
    /// The number as a float (rounded beyond 2^53).
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(x) => x,
        }
    }

    /// The number as a whole number: exact for integers, rounded (saturating) for floats.
    pub fn as_i64(self) -> i64 {
        match self {
            Number::Int(i) => i,
            Number::Float(x) => x.round() as i64,
        }
    }
}

/// A distribution whose parameters may be SQL over the row (at least one is).
#[derive(Debug, Clone, Copy)]
pub struct Modelled {
    /// Which distribution.
    pub dist: Dist,
    /// Its first parameter: low, mean, mu, rate or mean (Poisson).
    pub a: Param,
    /// Its second parameter: high, std or sigma (unused by the one-parameter ones).
    pub b: Param,
}

/// A distribution of [`Modelled`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dist {
    /// Uniform real in `[a, b]`.
    Uniform,
    /// Uniform integer in `[round(a), round(b)]`.
    UniformInt,
    /// Normal with mean `a` and standard deviation `b`.
    Normal,
    /// Log-normal with `mu` `a` and `sigma` `b`.
    LogNormal,
    /// Exponential with rate `a`.
    Exponential,
    /// Poisson with mean `a`.
    Poisson,
}

/// A numeric parameter: a number, or the value in this row of a parameter column (the
/// column's [`ParamExpr`] with this index, evaluated before the column is drawn).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Param {
    /// The same in every row.
    Fixed(f64),
    /// The row's value of parameter expression `i`.
    Row(usize),
}

/// A generator parameter written as SQL over the columns before it.
pub struct ParamExpr {
    /// The SQL text.
    pub sql: String,
    /// Key path, for errors.
    pub path: String,
    /// The expression, planned against the columns before it.
    pub physical: Arc<dyn PhysicalExpr>,
    /// The values it must take.
    pub domain: Domain,
    /// The columns it reads, named in errors.
    pub reads: BTreeSet<String>,
}

impl std::fmt::Debug for ParamExpr {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "ParamExpr({})", self.sql)
    }
}

/// The values a parameter may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    /// Any finite number.
    Finite,
    /// A probability, in `[0, 1]`.
    Probability,
    /// A locale name (text) whose locale provides this kind of fake value.
    LocaleFor(FakeKind),
    /// Above 0.
    Positive,
    /// 0 or more.
    NonNegative,
}

impl Domain {
    /// Whether `x` is in the domain.
    pub fn holds(self, x: f64) -> bool {
        x.is_finite()
            && match self {
                Domain::Finite => true,
                Domain::Probability => (0.0..=1.0).contains(&x),
                Domain::Positive => x > 0.0,
                Domain::NonNegative => x >= 0.0,
                Domain::LocaleFor(_) => false,
            }
    }

    /// What the domain is, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Domain::Finite => "a finite number",
            Domain::Probability => "a probability in [0, 1]",
            Domain::Positive => "a number above 0",
            Domain::NonNegative => "a number ≥ 0",
            Domain::LocaleFor(_) => "a locale name",
        }
    }
}

/// A generator of booleans.
#[derive(Debug, Clone)]
pub enum BooleanGenerator {
    /// `true` with probability p.
    Bernoulli(f64),
    /// `true` with the probability a parameter column gives each row.
    BernoulliRow(usize),
    /// One of the values, uniformly or by weight.
    Choice(Choice<bool>),
    /// A value of a uniformly chosen row of an earlier table's column.
    Pick(PickId),
    /// One arm per row, by weight.
    Mixture(Mixture<BooleanGenerator>),
    /// The same value in every row.
    Constant(bool),
}

/// A generator of text.
#[derive(Debug, Clone)]
pub enum TextGenerator {
    /// Row numbers in a pattern such as `M{:04}`.
    Sequence(SequencePattern),
    /// A fake value.
    Fake(Fake),
    /// Text from a template of digits, letters and literal text.
    Pattern(Pattern),
    /// One of the values, uniformly or by weight.
    Choice(Choice<String>),
    /// A value of a uniformly chosen row of an earlier table's column.
    Pick(PickId),
    /// One arm per row, by weight.
    Mixture(Mixture<TextGenerator>),
    /// The same value in every row.
    Constant(String),
}

/// A sequence pattern: prefix, the number zero-padded to `width`, suffix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequencePattern {
    /// Text before the number.
    pub prefix: String,
    /// Minimum width of the number (zero-padded).
    pub width: usize,
    /// Text after the number.
    pub suffix: String,
    /// The first number.
    pub start: i64,
}

/// A `pattern`: literal text, `#` digits and `?` capital letters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    /// The parts in order.
    pub parts: Vec<PatternPart>,
    /// For a `unique` pattern, the key of its permutation of the values (from the seed and the
    /// column's path): row `r` gets the `r`-th value of that permutation.
    pub unique: Option<u64>,
}

/// One part of a [`Pattern`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternPart {
    /// Written as is.
    Literal(String),
    /// `#`: a digit 0-9.
    Digit,
    /// `?`: a letter A-Z.
    Letter,
}

impl PatternPart {
    /// How many values the part takes.
    pub fn radix(&self) -> u32 {
        match self {
            PatternPart::Literal(_) => 1,
            PatternPart::Digit => 10,
            PatternPart::Letter => 26,
        }
    }
}

impl Pattern {
    /// Parses `#`, `?`, the escapes `\#`, `\?`, `\\`, and literal text; a lone `\` before
    /// anything else is an error, as is a pattern without `#` or `?`.
    pub fn parse(text: &str) -> Result<Pattern, String> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            let part = match c {
                '#' => PatternPart::Digit,
                '?' => PatternPart::Letter,
                '\\' => match chars.next() {
                    Some(e @ ('#' | '?' | '\\')) => {
                        literal.push(e);
                        continue;
                    }
                    Some(other) => {
                        return Err(format!(
                            "`\\{other}` is not an escape: write `\\#`, `\\?` or `\\\\`"
                        ));
                    }
                    None => return Err("the pattern ends in a lone `\\`".to_string()),
                },
                other => {
                    literal.push(other);
                    continue;
                }
            };
            if !literal.is_empty() {
                parts.push(PatternPart::Literal(std::mem::take(&mut literal)));
            }
            parts.push(part);
        }
        if !literal.is_empty() {
            parts.push(PatternPart::Literal(literal));
        }
        if !parts.iter().any(|p| p.radix() > 1) {
            return Err(format!(
                "the pattern `{text}` has no `#` or `?`, so it makes one value: use `constant`"
            ));
        }
        Ok(Pattern {
            parts,
            unique: None,
        })
    }

    /// How many distinct values it makes (saturating at `u128::MAX`).
    pub fn capacity(&self) -> u128 {
        self.parts
            .iter()
            .fold(1u128, |n, p| n.saturating_mul(p.radix() as u128))
    }
}

/// Values to choose from, uniformly or by cumulative weights.
#[derive(Debug, Clone)]
pub struct Choice<T> {
    /// The values.
    pub values: Vec<T>,
    /// Running sums of the weights, one per value; `None` for a uniform choice.
    pub cumulative: Option<Vec<f64>>,
}

/// Arms chosen per row by cumulative weights.
#[derive(Debug, Clone)]
pub struct Mixture<G> {
    /// The arms.
    pub arms: Vec<G>,
    /// Running sums of the arms' weights.
    pub cumulative: Vec<f64>,
}

/// An interaction table: rows link one row of each of two tables.
pub struct PairPlan {
    /// Table name.
    pub table: String,
    /// Total rows.
    pub rows: u64,
    /// The two linked tables.
    pub sides: [Side; 2],
    /// The qualified schema `alias.column` of both sides together.
    pub side_schema: DFSchema,
    /// Pair columns, SQL over `side_schema`.
    pub columns: Vec<PairColumn>,
    /// Schema of the sides plus the pair columns (unqualified), for conditions.
    pub condition_schema: DFSchema,
    /// Strata in order.
    pub strata: Vec<StratumPlan>,
    /// Names and types of the `set` columns.
    pub set_columns: Vec<(String, ValueType)>,
    /// Derived columns over pair + set columns.
    pub derive: Vec<DerivedColumn>,
    /// The columns of earlier tables that `pick` generators in `set` draw from, by [`PickId`].
    pub picks: Vec<PickSource>,
}

/// One linked table of a pair table.
#[derive(Debug, Clone)]
pub struct Side {
    /// The alias the SQL uses, e.g. `m`.
    pub alias: String,
    /// The table.
    pub table: String,
    /// Rows are drawn in proportion to this weight, when given.
    pub weight: Option<SideWeight>,
}

/// The weight of a side's rows: SQL over the table's columns.
#[derive(Debug, Clone)]
pub struct SideWeight {
    /// The SQL text.
    pub sql: String,
    /// Key path, for errors.
    pub path: String,
    /// The expression over the table's columns (hidden ones too).
    pub physical: Arc<dyn PhysicalExpr>,
    /// The columns it reads.
    pub reads: BTreeSet<String>,
}

/// A pair column: SQL over the linked rows.
pub struct PairColumn {
    /// Column name.
    pub name: String,
    /// The logical expression (for classification).
    pub expr: Expr,
    /// The physical expression over `side_schema`.
    pub physical: Arc<dyn PhysicalExpr>,
}

/// A column computed after the strata's `set` columns.
pub struct DerivedColumn {
    /// Column name.
    pub name: String,
    /// The SQL text (of a generator: its parameters').
    pub sql: String,
    /// How it is computed.
    pub value: Derived,
    /// The columns it reads.
    pub reads: BTreeSet<String>,
}

impl DerivedColumn {
    /// The expressions it evaluates: its SQL, or its generator's SQL parameters.
    pub fn expressions(&self) -> Vec<&Arc<dyn PhysicalExpr>> {
        match &self.value {
            Derived::Sql(physical) => vec![physical],
            Derived::Generate(_, params) => params.iter().map(|p| &p.physical).collect(),
        }
    }
}

/// How a derived column is computed.
pub enum Derived {
    /// SQL over the pair, set and earlier derived columns.
    Sql(Arc<dyn PhysicalExpr>),
    /// A generator, its parameters SQL over those columns (a label drawn from a model).
    Generate(Generator, Vec<ParamExpr>),
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
    pub set: Vec<Generator>,
    /// Each set column's SQL parameters, over the condition schema and the set columns
    /// before it.
    pub set_params: Vec<Vec<ParamExpr>>,
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
    /// Most distinct values a text feature may have.
    pub max_categories: usize,
    /// Rows with one value of this column go to one part.
    pub group: Option<String>,
    /// The latest rows by this column go to test.
    pub order_by: Option<String>,
    /// One-hot encoding leaves out each feature's first category.
    pub drop_first: bool,
    /// How features with empty values are filled.
    pub impute: Vec<Impute>,
    /// Text columns left out of X: the audit counts their values found in both parts.
    pub dropped_text: Vec<String>,
    /// Leak threshold.
    pub leak_threshold: f64,
    /// Whether a leak fails the run.
    pub leak_is_error: bool,
}

/// How the split fills one feature's empty values, fitted on the training rows.
#[derive(Debug, Clone)]
pub struct Impute {
    /// The feature.
    pub column: String,
    /// The statistic or value.
    pub fill: Fill,
    /// Adds a 0/1 column `<column>_missing`.
    pub indicator: bool,
}

/// The value empty entries get.
#[derive(Debug, Clone, PartialEq)]
pub enum Fill {
    /// The training rows' mean (numbers).
    Mean,
    /// The training rows' median (numbers).
    Median,
    /// The training rows' most frequent value (ties: the smallest).
    MostFrequent,
    /// A given value.
    Constant(crate::scenario::Scalar),
}

impl Fill {
    /// The strategy's name in the scenario and preprocessing.json.
    pub fn name(&self) -> &'static str {
        match self {
            Fill::Mean => "mean",
            Fill::Median => "median",
            Fill::MostFrequent => "most_frequent",
            Fill::Constant(_) => "constant",
        }
    }
}

/// A supported locale: every locale of the `fake` crate, and tutas's own `id_ID`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Locale {
    /// English (`en`, also `en_US`).
    En,
    /// Indonesian (`id_ID`).
    IdId,
    /// Arabic, Saudi Arabia (`ar_SA`).
    ArSa,
    /// Welsh, United Kingdom (`cy_GB`).
    CyGb,
    /// German, Germany (`de_DE`).
    DeDe,
    /// Persian, Iran (`fa_IR`).
    FaIr,
    /// French, France (`fr_FR`).
    FrFr,
    /// Italian, Italy (`it_IT`).
    ItIt,
    /// Japanese, Japan (`ja_JP`).
    JaJp,
    /// Dutch, the Netherlands (`nl_NL`).
    NlNl,
    /// Portuguese, Brazil (`pt_BR`).
    PtBr,
    /// Portuguese, Portugal (`pt_PT`).
    PtPt,
    /// Turkish, Turkey (`tr_TR`).
    TrTr,
    /// Chinese, China (`zh_CN`).
    ZhCn,
    /// Chinese, Taiwan (`zh_TW`).
    ZhTw,
}

/// Locale names accepted in a scenario, with their locales (`en_US` is also `en`).
pub const LOCALE_NAMES: &[(&str, Locale)] = &[
    ("en", Locale::En),
    ("id_ID", Locale::IdId),
    ("ar_SA", Locale::ArSa),
    ("cy_GB", Locale::CyGb),
    ("de_DE", Locale::DeDe),
    ("fa_IR", Locale::FaIr),
    ("fr_FR", Locale::FrFr),
    ("it_IT", Locale::ItIt),
    ("ja_JP", Locale::JaJp),
    ("nl_NL", Locale::NlNl),
    ("pt_BR", Locale::PtBr),
    ("pt_PT", Locale::PtPt),
    ("tr_TR", Locale::TrTr),
    ("zh_CN", Locale::ZhCn),
    ("zh_TW", Locale::ZhTw),
];

/// Locale names accepted in a scenario.
pub const LOCALES: &[&str] = &[
    "en", "id_ID", "ar_SA", "cy_GB", "de_DE", "fa_IR", "fr_FR", "it_IT", "ja_JP", "nl_NL", "pt_BR",
    "pt_PT", "tr_TR", "zh_CN", "zh_TW",
];

impl Locale {
    /// The locale for a scenario's `locale` value.
    pub fn parse(s: &str) -> Option<Locale> {
        match s {
            "en_US" => Some(Locale::En),
            _ => LOCALE_NAMES.iter().find(|(n, _)| *n == s).map(|(_, l)| *l),
        }
    }

    /// Its name in a scenario.
    pub fn name(self) -> &'static str {
        LOCALE_NAMES
            .iter()
            .find(|(_, l)| *l == self)
            .map_or("en", |(n, _)| n)
    }

    /// Every locale, in [`LOCALE_NAMES`] order.
    pub fn all() -> impl Iterator<Item = Locale> {
        LOCALE_NAMES.iter().map(|(_, l)| *l)
    }
}

/// One kind of fake value, named in a scenario in snake case (`full_name`, `zip_code`, ...).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr, strum::VariantNames,
)]
#[strum(serialize_all = "snake_case")]
pub enum FakeKind {
    /// A first name.
    FirstName,
    /// A last name.
    LastName,
    /// First and last name.
    FullName,
    /// The same as `full_name`.
    Name,
    /// A phone number in one of the locale's formats.
    PhoneNumber,
    /// A mobile number in one of the locale's formats.
    CellNumber,
    /// An e-mail address at a free mail provider.
    Email,
    /// An e-mail address at an example domain.
    SafeEmail,
    /// A user name.
    Username,
    /// A city name.
    City,
    /// A country name.
    Country,
    /// A street name.
    Street,
    /// A postal code.
    ZipCode,
    /// A state or province.
    State,
    /// A company name.
    Company,
    /// An industry.
    Industry,
    /// A profession.
    Profession,
    /// A job title.
    JobTitle,
    /// A word.
    Word,
    /// An IPv4 address.
    Ipv4,
    /// A sentence of `words` words (default 4 to 10).
    Sentence,
    /// A paragraph of `sentences` sentences (default 3 to 6).
    Paragraph,
    /// A random (version 4) UUID, drawn from the column's stream.
    Uuid,
    /// A postal code in one of the locale's formats.
    Postcode,
    /// A credit card number (Visa, MasterCard, American Express) with a valid Luhn check digit.
    CreditCard,
    /// An IBAN of the locale's country, with valid check digits.
    Iban,
    /// A BIC (SWIFT code).
    Bic,
    /// An ISO 4217 currency code.
    CurrencyCode,
    /// A colour as `#rrggbb`.
    Color,
    /// A URL: `https://`, a domain, a path.
    Url,
    /// A domain name.
    Domain,
    /// A web browser's user agent string.
    UserAgent,
    /// A vehicle licence plate in the locale's format.
    LicencePlate,
    /// An EAN-13 barcode number with a valid check digit.
    Ean13,
}

impl FakeKind {
    /// Every kind's name, as written in a scenario.
    pub fn names() -> &'static [&'static str] {
        <FakeKind as strum::VariantNames>::VARIANTS
    }

    /// Its name, as written in a scenario.
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// A fake value's kind, locale and, for text, how long it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fake {
    /// What is drawn.
    pub kind: FakeKind,
    /// In which locale: fixed, or read per row from a parameter (its index among the column's
    /// SQL parameters, a text column of locale names).
    pub locale: FakeLocale,
    /// Words of a sentence, sentences of a paragraph: from, to (both included).
    pub range: (usize, usize),
}

/// Where a fake value's locale comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FakeLocale {
    /// The same for every row.
    Fixed(Locale),
    /// The row's value of parameter `i` (a locale name).
    Row(usize),
}

/// One of the parts a run is made in (`tutas run --parts N --part K`): part `number` (1-based)
/// of `of`. Each generated table's rows, in a single run's order, are dealt out in contiguous
/// ranges of (nearly) equal size, so parts 1..N in order hold exactly a single run's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Part {
    /// Which part, from 1.
    pub number: u64,
    /// How many parts.
    pub of: u64,
}

impl Part {
    /// The rows of a table of `rows` rows that this part makes.
    pub fn rows(self, rows: u64) -> std::ops::Range<u64> {
        let at = |k: u64| (rows as u128 * k as u128 / self.of as u128) as u64;
        at(self.number - 1)..at(self.number)
    }
}

/// The problem with a target of this type, if any: the split stratifies by the target's values
/// and the audit predicts them as classes, so a measurement (a float) is no target.
pub fn target_type_problem(target: &str, data_type: &DataType) -> Option<crate::error::Diagnostic> {
    let kind = match data_type {
        t if t.is_floating() => "float",
        DataType::Decimal128(..) => "decimal",
        _ => return None,
    };
    Some(
        crate::error::Diagnostic::at(
            "split.target",
            format!(
                "the target `{target}` is a {kind} column: the split stratifies by its values \
                 and the audit predicts them as classes, so the target must be a class label \
                 (a boolean, an integer or a text)"
            ),
        )
        .help(format!(
            "derive a label from it, e.g. `CAST({target} > 500 AS BIGINT)` or a CASE for \
             ranges; regression targets are not supported yet"
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5_000))]

        /// Parts 1..N of a table's rows, in order, are its rows: contiguous, none twice, none
        /// missed, sizes within one of each other.
        #[test]
        fn parts_concatenate_to_the_whole(rows in prop_oneof![0u64..1000, any::<u64>()], of in 1u64..2000) {
            let mut next = 0;
            let (mut smallest, mut largest) = (u64::MAX, 0);
            for number in 1..=of.min(50) {
                let range = Part { number, of }.rows(rows);
                prop_assert_eq!(range.start, next);
                next = range.end;
                smallest = smallest.min(range.end - range.start);
                largest = largest.max(range.end - range.start);
            }
            if of <= 50 {
                prop_assert_eq!(next, rows);
                prop_assert!(largest - smallest <= 1);
            }
            prop_assert_eq!(Part { number: of, of }.rows(rows).end, rows);
        }
    }
}
