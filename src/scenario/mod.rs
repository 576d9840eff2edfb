//! The scenario language: the types a scenario file deserializes into, and loading a scenario.
//!
//! These types only describe *shape*. Everything that needs more than one key
//! to decide (references, SQL, shares, exactly-one-generator rules) is checked
//! in [`crate::analyze`]. `SCENARIO.md` is the user-facing reference; the doc
//! comments here become the descriptions in `schemas/scenario.schema.json`.
//! [`yaml`] reads a scenario file; [`crate::run::load`] turns it into a plan.

mod generator;
pub mod yaml;

use std::borrow::Cow;
use std::fmt;

use indexmap::IndexMap;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer};

pub use generator::{
    ChoiceSpec, ColumnSpec, CountSpec, GeneratorSpec, KindSpec, LogNormalSpec, NormalSpec,
    NumberSpec, PickRowSpec, PickSpec, Scalar, TimeUnit, WindowSpec,
};

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
    #[serde(default, deserialize_with = "seed")]
    pub seed: u64,
    /// Locale of `fake` generators: `en` (default), `id_ID`, `de_DE`, `ja_JP`, ... (SCENARIO.md
    /// lists them); a table's or a generator's `locale` overrides it.
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
    /// Named sets of overrides, run with `--variant NAME`: `{ drift: { "tables.orders.rows":
    /// 5000, "tables.orders.strata.good.share": 0.6 } }` (paths as in error messages; strata
    /// by name).
    #[serde(default)]
    #[schemars(with = "IndexMap<String, IndexMap<String, serde_json::Value>>")]
    pub variants: IndexMap<String, IndexMap<String, de::IgnoredAny>>,
    /// How `tutas snapshot` runs this scenario: at a scale of its own (so CI stays fast on a
    /// large scenario) and for which variants besides the scenario itself.
    #[serde(default)]
    pub snapshot: SnapshotOptions,
}

/// `snapshot: { scale: 0.1, variants: [drift] }`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SnapshotOptions {
    /// Multiplies every row count for the snapshot (as `--scale`; default 1).
    #[serde(default)]
    pub scale: Option<f64>,
    /// Variants that get a snapshot of their own.
    #[serde(default)]
    pub variants: Vec<String>,
}

/// Deserializes a seed, saying what it takes.
fn seed<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = u64;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            write!(f, "a whole number from 0 to {}", u64::MAX)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
            Ok(v)
        }
    }
    d.deserialize_any(V)
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
    /// Locale of this table's `fake` generators, overriding the scenario's (a generator's own
    /// `locale` overrides this one).
    #[serde(default)]
    pub locale: Option<String>,
    /// Read the table from a CSV or Parquet file (relative to the scenario file) instead of generating it.
    #[serde(default)]
    pub source: Option<String>,
    /// Makes this an interaction table: each row links one row of each named table, e.g.
    /// `{ c: customer, p: product }`; a side may carry a weight, `{ table: customer, weight:
    /// "activity" }`, so its rows are drawn in proportion to it.
    #[serde(default)]
    pub pairs: Option<IndexMap<String, SideSpec>>,
    /// Columns in output order. A string is a SQL expression; a mapping is a generator; a number or boolean is a constant.
    #[serde(default)]
    pub columns: IndexMap<String, ColumnSpec>,
    /// Interaction tables only: the strata, each a condition with an exact share or row count.
    #[serde(default)]
    pub strata: Vec<Stratum>,
    /// Interaction tables only: columns computed after the strata's `set` columns, e.g. the
    /// label: SQL over the row, or a generator whose parameters are SQL over it (a label drawn
    /// from a model of the features).
    #[serde(default)]
    pub derive: IndexMap<String, ColumnSpec>,
    /// Columns computed but not written: later columns and tables (`pairs`, `pick`) read them,
    /// SQL queries and the split do not see them. A window is hidden by its name (both columns)
    /// or one column at a time (`available_end`).
    #[serde(default)]
    pub hidden: Vec<String>,
    /// Write the rows in a random order (from the seed) instead of the order they are made in
    /// (stratum by stratum for interaction tables). The table is then made whole in memory.
    #[serde(default)]
    pub shuffle: bool,
    /// Missing values per column: a share of rows left empty (NULL), e.g. `{ income: 0.1 }`,
    /// or `{ share, where }` to make them missing only where a SQL condition over the row holds.
    #[serde(default)]
    pub nulls: IndexMap<String, NullsSpec>,
    /// Dirty values per column: typos, case changes and stray whitespace in text, outliers in
    /// numbers, each with its share of rows.
    #[serde(default)]
    pub dirty: IndexMap<String, DirtySpec>,
    /// The share of rows replaced by exact copies of other rows of the table (of the same
    /// stratum in interaction tables), so the row count stays as declared.
    #[serde(default)]
    pub duplicates: Option<f64>,
    /// Entity tables: pairs of numeric generator columns drawn with a target rank (Spearman)
    /// correlation, each keeping its own distribution (a Gaussian copula, by reordering).
    #[serde(default)]
    pub correlate: Vec<CorrelateSpec>,
}

impl Table {
    /// Every column the table declares with its spec and key path under the table: `columns`,
    /// then `derive`, then each stratum's `set` (`strata[i].set.x`).
    pub fn column_specs(&self) -> impl Iterator<Item = (&String, &ColumnSpec, String)> {
        let sets = self.strata.iter().enumerate().flat_map(|(i, s)| {
            s.set
                .iter()
                .map(move |(c, spec)| (c, spec, format!("strata[{i}].set.{c}")))
        });
        self.columns
            .iter()
            .map(|(c, spec)| (c, spec, format!("columns.{c}")))
            .chain(
                self.derive
                    .iter()
                    .map(|(c, spec)| (c, spec, format!("derive.{c}"))),
            )
            .chain(sets)
    }
}

/// Two columns and the rank correlation they are drawn with.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrelateSpec {
    /// The two columns (generators with constant parameters).
    pub columns: [String; 2],
    /// The target Spearman rank correlation, in (-1, 1).
    pub rank: f64,
}

/// Missing values of one column: a share, or a share where a condition holds.
#[derive(Debug, Clone, PartialEq)]
pub struct NullsSpec {
    /// The share of (qualifying) rows left empty, in [0, 1].
    pub share: f64,
    /// SQL over the row: only rows where it is true may be left empty.
    pub when: Option<String>,
}

impl<'de> Deserialize<'de> for NullsSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Conditional {
            share: f64,
            #[serde(rename = "where")]
            when: String,
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = NullsSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a share in [0, 1], or { share, where }")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<NullsSpec, E> {
                Ok(NullsSpec {
                    share: v,
                    when: None,
                })
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<NullsSpec, E> {
                self.visit_f64(v as f64)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<NullsSpec, E> {
                self.visit_f64(v as f64)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<NullsSpec, A::Error> {
                let c = Conditional::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(NullsSpec {
                    share: c.share,
                    when: Some(c.when),
                })
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for NullsSpec {
    fn schema_name() -> Cow<'static, str> {
        "NullsSpec".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A share of rows left empty, or { share, where } to leave them empty only where a SQL condition over the row holds.",
            "anyOf": [
                { "type": "number", "minimum": 0, "maximum": 1 },
                {
                    "type": "object",
                    "properties": {
                        "share": { "type": "number", "minimum": 0, "maximum": 1 },
                        "where": { "type": "string", "description": "SQL over the row's columns." }
                    },
                    "required": ["share", "where"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

/// Dirty values of one column, each a share of rows drawn from its own stream.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DirtySpec {
    /// Text: one edit (a letter deleted, inserted, replaced, or two swapped).
    #[serde(default)]
    pub typos: Option<f64>,
    /// Text: the value in upper or lower case.
    #[serde(default)]
    pub case: Option<f64>,
    /// Text: a space before or after the value, or a doubled inner space.
    #[serde(default)]
    pub whitespace: Option<f64>,
    /// Numbers: a share of values multiplied by `scale`.
    #[serde(default)]
    pub outliers: Option<OutlierSpec>,
}

/// Outliers: `share` of the values multiplied by `scale`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutlierSpec {
    /// The share of rows, in [0, 1].
    pub share: f64,
    /// The factor (e.g. 10, or 0.01).
    pub scale: f64,
}

/// How the split fills a feature's empty values.
#[derive(Debug, Clone, PartialEq)]
pub struct ImputeSpec {
    /// `mean`, `median` or `most_frequent`; `None` with `constant`.
    pub strategy: Option<String>,
    /// The value to fill with.
    pub constant: Option<Scalar>,
    /// Adds a 0/1 column `<col>_missing`.
    pub indicator: bool,
}

impl<'de> Deserialize<'de> for ImputeSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Full {
            #[serde(default)]
            strategy: Option<String>,
            #[serde(default)]
            constant: Option<Scalar>,
            #[serde(default)]
            indicator: bool,
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ImputeSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "`mean`, `median`, `most_frequent`, or { strategy | constant, indicator }",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ImputeSpec, E> {
                Ok(ImputeSpec {
                    strategy: Some(v.to_string()),
                    constant: None,
                    indicator: false,
                })
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<ImputeSpec, A::Error> {
                let f = Full::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(ImputeSpec {
                    strategy: f.strategy,
                    constant: f.constant,
                    indicator: f.indicator,
                })
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for ImputeSpec {
    fn schema_name() -> Cow<'static, str> {
        "ImputeSpec".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "How empty values of a feature are filled, fitted on the training rows.",
            "anyOf": [
                { "enum": ["mean", "median", "most_frequent"] },
                {
                    "type": "object",
                    "properties": {
                        "strategy": { "enum": ["mean", "median", "most_frequent"] },
                        "constant": { "description": "The value to fill with." },
                        "indicator": { "type": "boolean", "description": "Also add a 0/1 column `<col>_missing`." }
                    },
                    "additionalProperties": false
                }
            ]
        })
    }
}

/// One linked table of `pairs`: its name, or `{ table, weight }`.
#[derive(Debug, Clone, PartialEq)]
pub enum SideSpec {
    /// Rows drawn uniformly.
    Table(String),
    /// Rows drawn in proportion to `weight`, SQL over the table's columns (≥ 0).
    Weighted {
        /// The table.
        table: String,
        /// The weight of each row.
        weight: String,
    },
}

impl SideSpec {
    /// The linked table.
    pub fn table(&self) -> &str {
        match self {
            SideSpec::Table(t) | SideSpec::Weighted { table: t, .. } => t,
        }
    }
}

impl<'de> Deserialize<'de> for SideSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Weighted {
            table: String,
            weight: String,
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SideSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table name, or { table, weight }")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<SideSpec, E> {
                Ok(SideSpec::Table(v.to_string()))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<SideSpec, A::Error> {
                let w = Weighted::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(SideSpec::Weighted {
                    table: w.table,
                    weight: w.weight,
                })
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for SideSpec {
    fn schema_name() -> Cow<'static, str> {
        "SideSpec".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A linked table: its name, or { table, weight } with a SQL weight (≥ 0) over its columns.",
            "anyOf": [
                { "type": "string" },
                {
                    "type": "object",
                    "properties": {
                        "table": { "type": "string" },
                        "weight": { "type": "string", "description": "SQL over the table's columns: rows are drawn in proportion to it." }
                    },
                    "required": ["table", "weight"],
                    "additionalProperties": false
                }
            ]
        })
    }
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
    /// Extra names for tables, e.g. `warehouse.orders: orders`, so SQL written for another warehouse runs unchanged.
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
    /// Most distinct values a text feature may have to be one-hot encoded (default 100): more
    /// is an error that names the column, which is usually an identifier to `drop`.
    #[serde(default = "default_max_categories")]
    pub max_categories: usize,
    /// Keep each value of this column in one part: all rows of a customer (patient, user) go
    /// to train or all to test. Groups are assigned whole, keeping the classes of `stratify`
    /// as close to their shares as whole groups allow.
    #[serde(default)]
    pub group: Option<String>,
    /// A time split: the latest `test_size` of the rows by this column go to test, so every
    /// test row is later than every training row (rows tied at the boundary stay in train).
    #[serde(default)]
    pub order_by: Option<String>,
    /// How text features are one-hot encoded.
    #[serde(default)]
    pub one_hot: OneHotOptions,
    /// Empty values filled per feature with a statistic of the training rows: `mean`,
    /// `median`, `most_frequent`, `{ constant: value }`; `{ strategy: median, indicator: true }`
    /// also adds a 0/1 column `<col>_missing`.
    #[serde(default)]
    pub impute: IndexMap<String, ImputeSpec>,
    /// The learnability and leakage audit.
    #[serde(default)]
    pub audit: AuditOptions,
}

/// How text features are one-hot encoded.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OneHotOptions {
    /// Leave out the column of each feature's first category (in sorted order), so the
    /// indicators are not collinear (as pandas' `get_dummies(drop_first=True)`).
    #[serde(default)]
    pub drop_first: bool,
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

fn default_max_categories() -> usize {
    100
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
