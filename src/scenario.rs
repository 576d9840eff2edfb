//! The scenario language: the types a scenario file deserializes into.
//!
//! These types only describe *shape*. Everything that needs more than one key
//! to decide (references, SQL, shares, exactly-one-generator rules) is checked
//! in [`crate::analyze`]. `SCENARIO.md` is the user-facing reference; the doc
//! comments here become the descriptions in `schemas/scenario.schema.json`.

use std::borrow::Cow;
use std::fmt;

use indexmap::IndexMap;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// A whole scenario: entity tables, interaction tables, the SQL stages and the split.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Name of the scenario, shown in the run summary and the report.
    pub name: String,
    /// Free text describing the scenario.
    #[serde(default)]
    pub description: Option<String>,
    /// Master seed: every random stream is derived from it and a stable key. `--seed` overrides it.
    #[serde(default)]
    pub seed: u64,
    /// Locale for `fake` generators: `en` (default) or `id_ID`.
    #[serde(default = "default_locale")]
    pub locale: String,
    /// Named value lists that `choice` generators can refer to by name.
    #[serde(default)]
    pub vocab: IndexMap<String, Vec<Scalar>>,
    /// Tables in the order they are written. A table may only use tables declared before it.
    pub tables: IndexMap<String, Table>,
    /// Options of the SQL engine used by every expression and query.
    #[serde(default)]
    pub sql: SqlOptions,
    /// Named SQL queries; each result is written to `processed_1/<name>.csv` and can be queried by later stages.
    #[serde(default)]
    pub features: IndexMap<String, String>,
    /// Named SQL queries that must return no rows (or one boolean `true`); a failing check stops the run.
    #[serde(default)]
    pub checks: IndexMap<String, String>,
    /// Named SQL queries whose results are printed and kept in the run report.
    #[serde(default)]
    pub insights: IndexMap<String, String>,
    /// Preprocessing and the stratified train/test split written to `processed_2/`.
    #[serde(default)]
    pub split: Option<Split>,
    /// How values are written to CSV.
    #[serde(default)]
    pub output: OutputOptions,
}

fn default_locale() -> String {
    "en".to_string()
}

/// One table: generated row by row, sampled from pairs of other tables' rows, or read from a file.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// Number of rows to generate (required unless `source` is given or every stratum gives `rows`).
    #[serde(default)]
    pub rows: Option<RowCount>,
    /// Read the table from a CSV or Parquet file (relative to the scenario file) instead of generating it.
    #[serde(default)]
    pub source: Option<String>,
    /// Makes this an interaction table: each row links one row of each named table, e.g. `{ m: murid, t: tutor }`.
    #[serde(default)]
    pub pairs: Option<IndexMap<String, String>>,
    /// Columns in output order. A string is a SQL expression; a mapping is a generator; a number or boolean is a constant.
    #[serde(default)]
    pub columns: IndexMap<String, ColumnSpec>,
    /// Interaction tables only: the strata, each a condition with an exact share or row count.
    #[serde(default)]
    pub strata: Vec<Stratum>,
    /// Interaction tables only: columns computed (SQL) after the strata's `set` columns, e.g. the label.
    #[serde(default)]
    pub derive: IndexMap<String, String>,
}

/// A row count: a whole number (`1000`, `1e6` and `1_000_000` are accepted).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RowCount(pub f64);

impl<'de> Deserialize<'de> for RowCount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = RowCount;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a whole number of rows")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RowCount, E> {
                Ok(RowCount(v as f64))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RowCount, E> {
                Ok(RowCount(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RowCount, E> {
                Ok(RowCount(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RowCount, E> {
                v.replace('_', "")
                    .parse::<f64>()
                    .map(RowCount)
                    .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for RowCount {
    fn schema_name() -> Cow<'static, str> {
        "RowCount".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A whole number of rows, e.g. 1000 or 1e6.",
            "anyOf": [{ "type": "integer", "minimum": 0 }, { "type": "number", "minimum": 0 }]
        })
    }
}

/// One stratum of an interaction table.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Stratum {
    /// Name shown in the run summary and errors.
    pub name: String,
    /// Share of the table's rows (shares of all strata sum to 1; counts use the largest-remainder rule).
    #[serde(default)]
    pub share: Option<f64>,
    /// Exact row count (instead of `share`).
    #[serde(default)]
    pub rows: Option<RowCount>,
    /// SQL condition over the pair's columns (and `alias.column` of the linked rows) that every row of the stratum satisfies.
    #[serde(rename = "where")]
    pub condition: String,
    /// Further columns generated for the rows of this stratum (generators or constants).
    #[serde(default)]
    pub set: IndexMap<String, ColumnSpec>,
}

/// SQL engine options.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SqlOptions {
    /// SQL dialect of the parser: `generic` (default), `bigquery`, `postgresql`, `mysql`, `duckdb`, ...
    #[serde(default)]
    pub dialect: Option<String>,
    /// Extra names for tables, e.g. `tutas_data.interaksi_data: interaksi`, so SQL written for another warehouse runs unchanged.
    #[serde(default)]
    pub aliases: IndexMap<String, String>,
}

/// How values are written to CSV files.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutputOptions {
    /// strftime-style format of date-times: `%Y %m %d %H %M %S` and literal text.
    #[serde(default = "default_datetime_format")]
    pub datetime_format: String,
    /// How booleans are written: `lower` (`true`/`false`, default), `title` (`True`/`False`) or `int` (`1`/`0`).
    #[serde(default)]
    pub booleans: BoolStyle,
}

impl Default for OutputOptions {
    fn default() -> Self {
        OutputOptions {
            datetime_format: default_datetime_format(),
            booleans: BoolStyle::Lower,
        }
    }
}

fn default_datetime_format() -> String {
    "%Y-%m-%d %H:%M:%S".to_string()
}

/// How booleans are written to CSV.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BoolStyle {
    /// `true` / `false`
    #[default]
    Lower,
    /// `True` / `False`
    Title,
    /// `1` / `0`
    Int,
}

/// The preprocessing and train/test split.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Split {
    /// The table to split: a feature query's name or a table's name.
    pub from: String,
    /// The target column, written to `y_train.csv` / `y_test.csv`.
    pub target: String,
    /// Columns left out of X.
    #[serde(default)]
    pub drop: Vec<String>,
    /// Numeric columns to standardise with mean and population standard deviation fitted on the training rows only.
    #[serde(default)]
    pub standardize: Vec<String>,
    /// Share of rows in the test part, in (0, 1). The test count is `ceil(rows * test_size)`.
    pub test_size: f64,
    /// Column whose classes keep their proportions in both parts (default: the target). `none` disables stratification.
    #[serde(default)]
    pub stratify: Option<String>,
    /// Seed of the shuffle (default: the scenario's seed).
    #[serde(default)]
    pub seed: Option<u64>,
    /// The learnability and leakage audit.
    #[serde(default)]
    pub audit: AuditOptions,
}

/// Options of the leakage audit.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditOptions {
    /// A feature whose single-feature model reaches this balanced accuracy on the test part is a suspected leak.
    #[serde(default = "default_leak_threshold")]
    pub leak_threshold: f64,
    /// `warn` (default) reports suspected leaks; `error` fails the run.
    #[serde(default)]
    pub on_leak: OnLeak,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            leak_threshold: default_leak_threshold(),
            on_leak: OnLeak::Warn,
        }
    }
}

fn default_leak_threshold() -> f64 {
    0.99
}

/// What a suspected leak does to the run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OnLeak {
    /// Report it.
    #[default]
    Warn,
    /// Fail the run.
    Error,
}

/// A column: a SQL expression (string), a constant (number or boolean) or a generator (mapping).
#[derive(Debug, Clone)]
pub enum ColumnSpec {
    /// A SQL expression over earlier columns of the same row (or the linked rows of a pair).
    Sql(String),
    /// The same value in every row.
    Constant(Scalar),
    /// A random generator.
    Generate(Box<Generator>),
}

impl<'de> Deserialize<'de> for ColumnSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ColumnSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a SQL expression (string), a constant, or a generator mapping such as { uniform_int: [1, 5] }")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ColumnSpec, E> {
                Ok(ColumnSpec::Sql(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<ColumnSpec, E> {
                Ok(ColumnSpec::Constant(Scalar::Bool(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ColumnSpec, E> {
                Ok(ColumnSpec::Constant(Scalar::Int(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ColumnSpec, E> {
                i64::try_from(v)
                    .map(|v| ColumnSpec::Constant(Scalar::Int(v)))
                    .map_err(|_| E::custom("integer too large"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ColumnSpec, E> {
                Ok(ColumnSpec::Constant(Scalar::Float(v)))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ColumnSpec, A::Error> {
                Generator::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|g| ColumnSpec::Generate(Box::new(g)))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for ColumnSpec {
    fn schema_name() -> Cow<'static, str> {
        "ColumnSpec".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let generator_schema = generator.subschema_for::<Generator>();
        json_schema!({
            "description": "A column: a SQL expression (string), a constant (number or boolean) or a generator (mapping).",
            "anyOf": [
                { "type": "string", "description": "SQL expression over earlier columns or the linked rows (`alias.column`)." },
                { "type": ["number", "boolean"], "description": "A constant." },
                generator_schema
            ]
        })
    }
}

/// A literal value in a list, a constant or a weighted choice.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// `true` / `false`
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A real number.
    Float(f64),
    /// Text.
    Str(String),
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Scalar::Bool(b) => write!(f, "{b}"),
            Scalar::Int(i) => write!(f, "{i}"),
            Scalar::Float(x) => write!(f, "{x}"),
            Scalar::Str(s) => f.write_str(s),
        }
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                i64::try_from(v)
                    .map(Scalar::Int)
                    .map_err(|_| E::custom("integer too large"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar::Float(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Str(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for Scalar {
    fn schema_name() -> Cow<'static, str> {
        "Scalar".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": ["string", "number", "boolean"], "description": "A literal value." })
    }
}

/// The values of a `choice`: a vocab name, a list, or a mapping from value to weight.
#[derive(Debug, Clone)]
pub enum ChoiceSpec {
    /// The name of a list in `vocab`.
    Named(String),
    /// Literal values.
    List(Vec<Scalar>),
    /// Values with their weights, e.g. `{ 4: 0.4, 5: 0.6 }`.
    Weighted(Vec<(Scalar, f64)>),
}

impl<'de> Deserialize<'de> for ChoiceSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ChoiceSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a vocab name, a list of values, or a mapping of value to weight")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ChoiceSpec, E> {
                Ok(ChoiceSpec::Named(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ChoiceSpec, A::Error> {
                let mut values = Vec::new();
                while let Some(v) = seq.next_element::<Scalar>()? {
                    values.push(v);
                }
                Ok(ChoiceSpec::List(values))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ChoiceSpec, A::Error> {
                let mut values = Vec::new();
                while let Some((k, w)) = map.next_entry::<Scalar, f64>()? {
                    values.push((k, w));
                }
                Ok(ChoiceSpec::Weighted(values))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for ChoiceSpec {
    fn schema_name() -> Cow<'static, str> {
        "ChoiceSpec".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A vocab name, a list of values, or a mapping of value to weight.",
            "anyOf": [
                { "type": "string" },
                { "type": "array", "items": { "type": ["string", "number", "boolean"] } },
                { "type": "object", "additionalProperties": { "type": "number", "minimum": 0 } }
            ]
        })
    }
}

/// A random generator. Exactly one of the kind keys (`sequence`, `fake`, `choice`, `uniform`,
/// `uniform_int`, `normal`, `log_normal`, `exponential`, `poisson`, `bernoulli`, `datetime`,
/// `window`, `pick`, `mixture`, `constant`) is given; `weights`, `round`, `clamp`, `add`, `unit`
/// and `resolution` modify it.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Generator {
    /// Row numbers formatted with a pattern: `M{:04}` gives M0001, M0002, ...
    #[serde(default)]
    pub sequence: Option<String>,
    /// First number of a `sequence` (default 1).
    #[serde(default)]
    pub start: Option<i64>,
    /// A fake value in the scenario's locale: `first_name`, `last_name`, `full_name`, `phone_number`, `email`, `city`, `company`, `word`, ...
    #[serde(default)]
    pub fake: Option<String>,
    /// One value of a list, uniformly or with weights.
    #[serde(default)]
    pub choice: Option<ChoiceSpec>,
    /// Weights of a `choice` list or of a vocab, in the same order.
    #[serde(default)]
    pub weights: Option<Vec<f64>>,
    /// A real number uniform in `[low, high]`.
    #[serde(default)]
    pub uniform: Option<[f64; 2]>,
    /// A whole number uniform in `[low, high]`, both included.
    #[serde(default)]
    pub uniform_int: Option<[i64; 2]>,
    /// Normal distribution `{ mean, std }`.
    #[serde(default)]
    pub normal: Option<NormalSpec>,
    /// Log-normal distribution `{ mu, sigma }` (of the underlying normal).
    #[serde(default)]
    pub log_normal: Option<LogNormalSpec>,
    /// Exponential distribution with this rate.
    #[serde(default)]
    pub exponential: Option<f64>,
    /// Poisson distribution with this mean (whole numbers).
    #[serde(default)]
    pub poisson: Option<f64>,
    /// `true` with this probability.
    #[serde(default)]
    pub bernoulli: Option<f64>,
    /// A date-time uniform in `[from, to]` (dates `YYYY-MM-DD` or date-times `YYYY-MM-DD HH:MM[:SS]`).
    #[serde(default)]
    pub datetime: Option<[String; 2]>,
    /// Two date-time columns `<name>_start` and `<name>_end`: a start generator plus a length.
    #[serde(default)]
    pub window: Option<WindowSpec>,
    /// The value of a column in a uniformly chosen row of an earlier table: `table.column`.
    #[serde(default)]
    pub pick: Option<String>,
    /// One of several generators, chosen per row with the arms' `weight`.
    #[serde(default)]
    pub mixture: Option<Vec<Generator>>,
    /// The same value in every row.
    #[serde(default)]
    pub constant: Option<Scalar>,
    /// Weight of this generator as an arm of a `mixture`.
    #[serde(default)]
    pub weight: Option<f64>,
    /// Round numbers to this many decimals (0 gives whole numbers).
    #[serde(default)]
    pub round: Option<u32>,
    /// Clamp numbers into `[low, high]`.
    #[serde(default)]
    pub clamp: Option<[f64; 2]>,
    /// Add a number drawn from this generator (for date-times, in `unit`s).
    #[serde(default)]
    pub add: Option<Box<Generator>>,
    /// Unit of `add` for date-times: `second`, `minute`, `hour` (default) or `day`.
    #[serde(default)]
    pub unit: Option<TimeUnit>,
    /// Truncate generated date-times to this unit (default `second`).
    #[serde(default)]
    pub resolution: Option<TimeUnit>,
}

/// Parameters of a normal distribution.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NormalSpec {
    /// Mean.
    pub mean: f64,
    /// Standard deviation (> 0).
    pub std: f64,
}

/// Parameters of a log-normal distribution.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogNormalSpec {
    /// Mean of the underlying normal.
    pub mu: f64,
    /// Standard deviation of the underlying normal (> 0).
    pub sigma: f64,
}

/// A time window written as two columns, `<name>_start` and `<name>_end`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WindowSpec {
    /// Generator of the start (a `datetime`, a `pick`, a `mixture` of them, ...).
    pub start: Box<Generator>,
    /// Generator of the length, in `unit`s.
    pub length: Box<Generator>,
    /// Unit of the length: `second`, `minute`, `hour` (default) or `day`.
    #[serde(default)]
    pub unit: Option<TimeUnit>,
}

/// A unit of time.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TimeUnit {
    /// One second.
    Second,
    /// 60 seconds.
    Minute,
    /// 3,600 seconds.
    Hour,
    /// 86,400 seconds.
    Day,
}

impl TimeUnit {
    /// Length of the unit in seconds.
    pub fn seconds(self) -> i64 {
        match self {
            TimeUnit::Second => 1,
            TimeUnit::Minute => 60,
            TimeUnit::Hour => 3600,
            TimeUnit::Day => 86_400,
        }
    }
}

/// The keys that choose a generator's kind; exactly one must be present.
pub const GENERATOR_KINDS: &[&str] = &[
    "sequence",
    "fake",
    "choice",
    "uniform",
    "uniform_int",
    "normal",
    "log_normal",
    "exponential",
    "poisson",
    "bernoulli",
    "datetime",
    "window",
    "pick",
    "mixture",
    "constant",
];

impl Generator {
    /// The kind keys present in this generator, in [`GENERATOR_KINDS`] order.
    pub fn kinds(&self) -> Vec<&'static str> {
        let present = [
            self.sequence.is_some(),
            self.fake.is_some(),
            self.choice.is_some(),
            self.uniform.is_some(),
            self.uniform_int.is_some(),
            self.normal.is_some(),
            self.log_normal.is_some(),
            self.exponential.is_some(),
            self.poisson.is_some(),
            self.bernoulli.is_some(),
            self.datetime.is_some(),
            self.window.is_some(),
            self.pick.is_some(),
            self.mixture.is_some(),
            self.constant.is_some(),
        ];
        GENERATOR_KINDS
            .iter()
            .zip(present)
            .filter(|(_, p)| *p)
            .map(|(k, _)| *k)
            .collect()
    }
}
