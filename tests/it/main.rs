//! The one integration-test binary: each module is a topic.

mod common;
mod errors;
mod features;
mod generation;
mod pipeline;
mod report;
mod robustness;
mod strata;
