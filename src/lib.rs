//! tutas: a declarative, scenario-driven data factory.
//!
//! The pipeline, as the modules read:
//! [`scenario`] (the language, read from YAML; [`run::load`] loads a file) →
//! [`analyze`] (resolve, validate, plan) → [`plan`] (what every later stage reads) →
//! [`generate`] (entity tables, chunk by chunk) → [`sample`] (interaction tables under exact
//! strata) → [`sql`] (features, checks, insights) → [`split`] (train/test, preprocessing and
//! the leakage audit) → [`write`] (CSV/Parquet in a staging folder swapped into place) →
//! [`report`] (report.json, report.html, `tutas diff`). [`run`] strings the stages together;
//! [`cli`] parses the command line.

pub mod analyze;
pub mod batch;
pub mod cli;
pub mod codes;
pub mod error;
pub mod facts;
pub mod generate;
pub mod numeric;
pub mod plan;
pub mod report;
pub mod run;
pub mod sample;
pub mod scenario;
pub mod source;
pub mod split;
pub mod sql;
pub mod text;
pub mod time;
pub mod write;

/// The version of the data tutas makes: it changes whenever the same scenario and seed give
/// other bytes than before (a new draw, a fixed rounding, a changed format). Recorded in every
/// report.json and snapshot: outputs of the same data version are the same bytes.
pub const DATA_VERSION: u32 = 1;

/// The JSON Schema of the scenario language, as committed in `schemas/scenario.schema.json`.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(scenario::Scenario);
    serde_json::to_string_pretty(&schema).expect("schema serializes")
}
