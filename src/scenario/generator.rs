//! Generators as a scenario writes them: a mapping with exactly one kind key and modifiers.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// A column: a SQL expression (string), a constant (number or boolean) or a generator (mapping).
#[derive(Debug, Clone)]
pub enum ColumnSpec {
    /// A SQL expression over earlier columns of the same row (or the linked rows of a pair).
    Sql(String),
    /// The same value in every row.
    Constant(Scalar),
    /// A random generator.
    Generate(Box<GeneratorSpec>),
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
                    .map_err(|_| E::custom(too_large(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ColumnSpec, E> {
                Ok(ColumnSpec::Constant(Scalar::Float(v)))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ColumnSpec, A::Error> {
                GeneratorSpec::deserialize(de::value::MapAccessDeserializer::new(map))
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
        let generator_schema = generator.subschema_for::<GeneratorSpec>();
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

/// A numeric parameter: a number, or a SQL expression (a string) over the columns available
/// where the generator is (earlier columns; in interaction tables the pair columns, the `set`
/// columns before it and `a.col` of the linked rows), e.g. `"1 / (1 + exp(-score))"`.
#[derive(Debug, Clone, PartialEq)]
pub enum NumberSpec {
    /// The same in every row.
    Number(f64),
    /// A whole number, kept exact (64 bits).
    Int(i64),
    /// SQL evaluated per row.
    Sql(String),
}

impl NumberSpec {
    /// The number, when it is one (a whole number above 2^53 rounded to a float).
    pub fn fixed(&self) -> Option<f64> {
        match self {
            NumberSpec::Number(x) => Some(*x),
            NumberSpec::Int(i) => Some(*i as f64),
            NumberSpec::Sql(_) => None,
        }
    }

    /// The number when it is a whole one, exactly.
    pub fn whole(&self) -> Option<i64> {
        match self {
            NumberSpec::Int(i) => Some(*i),
            NumberSpec::Number(x) if x.fract() == 0.0 && x.abs() < 9.007_199_254_740_992e15 => {
                Some(*x as i64)
            }
            NumberSpec::Number(_) | NumberSpec::Sql(_) => None,
        }
    }
}

impl fmt::Display for NumberSpec {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            NumberSpec::Number(x) => write!(f, "{x}"),
            NumberSpec::Int(i) => write!(f, "{i}"),
            NumberSpec::Sql(s) => write!(f, "{s:?}"),
        }
    }
}

/// The message for a whole number a scenario gives that 64 bits cannot hold exactly.
pub fn too_large(v: u64) -> String {
    format!(
        "the integer {v} is above the largest 64-bit integer a column holds ({})",
        i64::MAX
    )
}

impl<'de> Deserialize<'de> for NumberSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = NumberSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number, or a SQL expression (string) over the columns before it")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<NumberSpec, E> {
                Ok(NumberSpec::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<NumberSpec, E> {
                i64::try_from(v)
                    .map(NumberSpec::Int)
                    .map_err(|_| E::custom(too_large(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<NumberSpec, E> {
                Ok(NumberSpec::Number(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<NumberSpec, E> {
                Ok(NumberSpec::Sql(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for NumberSpec {
    fn schema_name() -> Cow<'static, str> {
        "NumberSpec".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A number, or a SQL expression (string) over the columns before it.",
            "type": ["number", "string"]
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

impl Scalar {
    /// The value as a number, for integers and reals.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Scalar::Int(i) => Some(*i as f64),
            Scalar::Float(x) => Some(*x),
            Scalar::Bool(_) | Scalar::Str(_) => None,
        }
    }
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
                    .map_err(|_| E::custom(too_large(v)))
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
#[schemars(rename = "Generator")]
pub struct GeneratorSpec {
    /// Row numbers formatted with a pattern: `M{:04}` gives M0001, M0002, ...
    #[serde(default)]
    pub sequence: Option<String>,
    /// First number of a `sequence` (default 1).
    #[serde(default, deserialize_with = "whole_number")]
    pub start: Option<i64>,
    /// A fake value in the scenario's (or table's, or `locale`'s) locale: `full_name`, `email`, `city`, `sentence`, `uuid`, `iban`, `latitude`, ... (SCENARIO.md lists every kind).
    #[serde(default)]
    pub fake: Option<String>,
    /// Text made from a template: `#` a digit, `?` a capital letter, `\#`, `\?` and `\\` themselves, anything else as written, e.g. `INV-####-??`.
    #[serde(default)]
    pub pattern: Option<String>,
    /// `pattern` or `sequence`: every row's value differs (refused when the pattern has fewer values than the table has rows).
    #[serde(default)]
    pub unique: Option<bool>,
    /// The locale of this `fake` generator, overriding the table's and the scenario's, e.g. `de_DE`.
    #[serde(default)]
    pub locale: Option<String>,
    /// The locale of this `fake` generator per row: SQL over the columns before it that gives a locale name, e.g. `country_locale`.
    #[serde(default)]
    pub locale_from: Option<String>,
    /// `fake: sentence`: its number of words, `n` or `[from, to]` (default `[4, 10]`).
    #[serde(default)]
    pub words: Option<CountSpec>,
    /// `fake: paragraph`: its number of sentences, `n` or `[from, to]` (default `[3, 6]`).
    #[serde(default)]
    pub sentences: Option<CountSpec>,
    /// `fake: latitude` or `longitude`: the range the values are drawn in, `[low, high]` (one side of a bounding box).
    #[serde(default)]
    pub within: Option<[f64; 2]>,
    /// One value of a list, uniformly or with weights.
    #[serde(default)]
    pub choice: Option<ChoiceSpec>,
    /// Weights of a `choice` list or of a vocab, in the same order.
    #[serde(default)]
    pub weights: Option<Vec<f64>>,
    /// A real number uniform in `[low, high]`.
    #[serde(default)]
    pub uniform: Option<[NumberSpec; 2]>,
    /// A whole number uniform in `[low, high]`, both included.
    #[serde(default)]
    pub uniform_int: Option<[NumberSpec; 2]>,
    /// Normal distribution `{ mean, std }`.
    #[serde(default)]
    pub normal: Option<NormalSpec>,
    /// Log-normal distribution `{ mu, sigma }` (of the underlying normal).
    #[serde(default)]
    pub log_normal: Option<LogNormalSpec>,
    /// Exponential distribution with this rate.
    #[serde(default)]
    pub exponential: Option<NumberSpec>,
    /// Poisson distribution with this mean (whole numbers).
    #[serde(default)]
    pub poisson: Option<NumberSpec>,
    /// `true` with this probability.
    #[serde(default)]
    pub bernoulli: Option<NumberSpec>,
    /// A date-time uniform in `[from, to]`, to the second: dates `YYYY-MM-DD` or date-times `YYYY-MM-DD HH:MM[:SS]`; a date as `to` includes that whole day.
    #[serde(default)]
    pub datetime: Option<[String; 2]>,
    /// Two date-time columns `<name>_start` and `<name>_end`: a start generator plus a length.
    #[serde(default)]
    pub window: Option<WindowSpec>,
    /// The value of a column in a uniformly chosen row of an earlier table: `table.column`;
    /// or several columns of one such row, `{ from: table, columns: [a, b] }`, which makes the
    /// columns `<name>_a` and `<name>_b`.
    #[serde(default)]
    pub pick: Option<PickSpec>,
    /// One of several generators, chosen per row with the arms' `weight`.
    #[serde(default)]
    pub mixture: Option<Vec<GeneratorSpec>>,
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
    pub clamp: Option<[NumberSpec; 2]>,
    /// Add a number drawn from this generator (for date-times, in `unit`s), after `resolution` truncates the drawn value.
    #[serde(default)]
    pub add: Option<Box<GeneratorSpec>>,
    /// Unit of `add` for date-times: `second`, `minute`, `hour` (default) or `day`.
    #[serde(default)]
    pub unit: Option<TimeUnit>,
    /// Truncate the drawn date-time to this unit (default `second`), before `add`.
    #[serde(default)]
    pub resolution: Option<TimeUnit>,
    /// With `datetime` given as dates: weights of the hours of the day, by hour (`9`) or range
    /// of hours (`"8-17"`, both included, the weight shared by its hours); hours not listed
    /// never occur. A day is drawn uniformly, then an hour by weight, then a second in it.
    #[serde(default)]
    pub hours: Option<indexmap::IndexMap<String, f64>>,
    /// The share of rows left empty (NULL), or `{ share, where }`: the same as naming the
    /// column in the table's `nulls` (a column's own generator only, not a nested one).
    #[serde(default)]
    pub nulls: Option<super::NullsSpec>,
    /// `true`: the column is computed but not written (the same as naming it in the table's
    /// `hidden`; a column's own generator only).
    #[serde(default)]
    pub hidden: Option<bool>,
}

/// Parameters of a normal distribution.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NormalSpec {
    /// Mean.
    pub mean: NumberSpec,
    /// Standard deviation (> 0).
    pub std: NumberSpec,
}

/// Parameters of a log-normal distribution.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogNormalSpec {
    /// Mean of the underlying normal.
    pub mu: NumberSpec,
    /// Standard deviation of the underlying normal (> 0).
    pub sigma: NumberSpec,
}

/// A time window written as two columns, `<name>_start` and `<name>_end`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WindowSpec {
    /// Generator of the start (a `datetime`, a `pick`, a `mixture` of them, ...).
    pub start: Box<GeneratorSpec>,
    /// Generator of the length, in `unit`s, or a number (the same length in every row).
    #[serde(deserialize_with = "generator_or_number")]
    #[schemars(with = "GeneratorOrNumber")]
    pub length: Box<GeneratorSpec>,
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

/// The kind of a generator as written, with its parameters. [`GeneratorSpec::kinds`] lists the
/// kinds a mapping gives; analysis matches on this enum exhaustively, and its variant names (in
/// snake case) are the kind keys, so the list of kinds is kept in one place.
#[derive(Debug, Clone, Copy, strum::IntoStaticStr, strum::VariantNames)]
#[strum(serialize_all = "snake_case")]
pub enum KindSpec<'a> {
    /// `sequence: "M{:04}"`
    Sequence(&'a str),
    /// `fake: full_name`
    Fake(&'a str),
    /// `pattern: "INV-####"`
    Pattern(&'a str),
    /// `choice: ...`
    Choice(&'a ChoiceSpec),
    /// `uniform: [low, high]`
    Uniform(&'a [NumberSpec; 2]),
    /// `uniform_int: [low, high]`
    UniformInt(&'a [NumberSpec; 2]),
    /// `normal: { mean, std }`
    Normal(&'a NormalSpec),
    /// `log_normal: { mu, sigma }`
    LogNormal(&'a LogNormalSpec),
    /// `exponential: rate`
    Exponential(&'a NumberSpec),
    /// `poisson: mean`
    Poisson(&'a NumberSpec),
    /// `bernoulli: p`
    Bernoulli(&'a NumberSpec),
    /// `datetime: [from, to]`
    Datetime(&'a [String; 2]),
    /// `window: { start, length, unit }`
    Window(&'a WindowSpec),
    /// `pick: table.column` or `pick: { from, columns }`
    Pick(&'a PickSpec),
    /// `mixture: [arms]`
    Mixture(&'a [GeneratorSpec]),
    /// `constant: value`
    Constant(&'a Scalar),
}

impl KindSpec<'_> {
    /// The key that names this kind, e.g. `uniform_int`.
    pub fn name(&self) -> &'static str {
        self.into()
    }

    /// Every kind key.
    pub fn names() -> &'static [&'static str] {
        <KindSpec as strum::VariantNames>::VARIANTS
    }
}

impl GeneratorSpec {
    /// The kinds this mapping gives, in [`KindSpec`] order (exactly one in a valid generator).
    pub fn kinds(&self) -> Vec<KindSpec<'_>> {
        // Destructured without `..`: a new field must be listed here, as a kind or a modifier.
        let GeneratorSpec {
            sequence,
            fake,
            pattern,
            choice,
            uniform,
            uniform_int,
            normal,
            log_normal,
            exponential,
            poisson,
            bernoulli,
            datetime,
            window,
            pick,
            mixture,
            constant,
            start: _,
            weights: _,
            weight: _,
            round: _,
            clamp: _,
            add: _,
            unit: _,
            resolution: _,
            hours: _,
            nulls: _,
            hidden: _,
            unique: _,
            locale: _,
            locale_from: _,
            words: _,
            sentences: _,
            within: _,
        } = self;
        [
            sequence.as_deref().map(KindSpec::Sequence),
            fake.as_deref().map(KindSpec::Fake),
            pattern.as_deref().map(KindSpec::Pattern),
            choice.as_ref().map(KindSpec::Choice),
            uniform.as_ref().map(KindSpec::Uniform),
            uniform_int.as_ref().map(KindSpec::UniformInt),
            normal.as_ref().map(KindSpec::Normal),
            log_normal.as_ref().map(KindSpec::LogNormal),
            exponential.as_ref().map(KindSpec::Exponential),
            poisson.as_ref().map(KindSpec::Poisson),
            bernoulli.as_ref().map(KindSpec::Bernoulli),
            datetime.as_ref().map(KindSpec::Datetime),
            window.as_ref().map(KindSpec::Window),
            pick.as_ref().map(KindSpec::Pick),
            mixture.as_deref().map(KindSpec::Mixture),
            constant.as_ref().map(KindSpec::Constant),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// What a `pick` draws: one column's value, or several columns of one row.
#[derive(Debug, Clone, PartialEq)]
pub enum PickSpec {
    /// `table.column`.
    Column(String),
    /// `{ from: table, columns: [a, b] }`.
    Row(PickRowSpec),
}

/// Several columns of one uniformly chosen row of an earlier table.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PickRowSpec {
    /// The table.
    pub from: String,
    /// Its columns, all taken from the same row.
    pub columns: Vec<String>,
}

impl<'de> Deserialize<'de> for PickSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PickSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`table.column`, or `{ from: table, columns: [a, b] }`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<PickSpec, E> {
                Ok(PickSpec::Column(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<PickSpec, A::Error> {
                PickRowSpec::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(PickSpec::Row)
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for PickSpec {
    fn schema_name() -> Cow<'static, str> {
        "PickSpec".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let row = generator.subschema_for::<PickRowSpec>();
        json_schema!({
            "description": "`table.column`, or several columns of one row: `{ from: table, columns: [a, b] }`.",
            "anyOf": [{ "type": "string" }, row]
        })
    }
}

/// A generator, or a number standing for `{ constant: number }`.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum GeneratorOrNumber {
    /// A generator.
    Generator(Box<GeneratorSpec>),
    /// The same number in every row.
    Number(f64),
}

/// Deserializes a generator, or a number as a constant generator.
fn generator_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Box<GeneratorSpec>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Box<GeneratorSpec>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a generator such as { uniform_int: [1, 3] }, or a number")
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(constant_generator(Scalar::Int(v)))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            i64::try_from(v)
                .map(|v| constant_generator(Scalar::Int(v)))
                .map_err(|_| E::custom(too_large(v)))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(constant_generator(Scalar::Float(v)))
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            GeneratorSpec::deserialize(de::value::MapAccessDeserializer::new(map)).map(Box::new)
        }
    }
    d.deserialize_any(V)
}

fn constant_generator(value: Scalar) -> Box<GeneratorSpec> {
    Box::new(GeneratorSpec {
        constant: Some(value),
        ..GeneratorSpec::default()
    })
}

/// Deserializes an optional whole number that must fit in 64 bits (signed), with a message
/// that says so.
fn whole_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = Option<i64>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a whole number")
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            i64::try_from(v)
                .map(Some)
                .map_err(|_| E::custom(too_large(v)))
        }
    }
    d.deserialize_any(V)
}

/// A count of words or sentences: `n`, or a range `[from, to]` (both included).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CountSpec(pub u32, pub u32);

impl<'de> Deserialize<'de> for CountSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CountSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a whole number, or a range `[from, to]` of whole numbers")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<CountSpec, E> {
                let n = u32::try_from(v).map_err(|_| E::custom(format!("{v} is too large")))?;
                Ok(CountSpec(n, n))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<CountSpec, E> {
                Err(E::custom(format!("a count is 0 or more, found {v}")))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<CountSpec, A::Error> {
                let from: u32 = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let to: u32 = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                if seq.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(3, &self));
                }
                Ok(CountSpec(from, to))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for CountSpec {
    fn schema_name() -> Cow<'static, str> {
        "CountSpec".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A whole number, or a range `[from, to]` of whole numbers.",
            "anyOf": [
                { "type": "integer", "minimum": 0 },
                { "type": "array", "items": { "type": "integer", "minimum": 0 }, "minItems": 2, "maxItems": 2 }
            ]
        })
    }
}
