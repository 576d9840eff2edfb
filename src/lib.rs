//! tutas: a declarative, scenario-driven data factory.
//!
//! The pipeline reads straight through [`cli::load`] and [`run::run`]: parse the
//! scenario ([`yaml`], [`scenario`]) → analyze it into a plan ([`analyze`]) →
//! generate entity tables ([`generate`]) → sample interaction tables
//! ([`sample`]) → run the SQL stages ([`sql`]) → split ([`split`]) and audit
//! ([`audit`]) → write everything atomically ([`output`]) with a report ([`report`]).

pub mod analyze;
pub mod audit;
pub mod cli;
pub mod codes;
pub mod diff;
pub mod encode;
pub mod error;
pub mod generate;
pub mod html;
pub mod locale;
mod locale_id;
pub mod output;
pub mod profile;
pub mod report;
pub mod rng;
pub mod run;
pub mod sample;
pub mod scenario;
pub mod split;
pub mod sql;
pub mod time;
pub mod yaml;

/// The JSON Schema of the scenario language, as committed in `schemas/scenario.schema.json`.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(scenario::Scenario);
    serde_json::to_string_pretty(&schema).expect("schema serializes")
}
