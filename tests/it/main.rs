//! The one integration-test binary: each module is a topic.

mod common;
mod engines;
mod errors;
mod features;
mod generation;
mod language;
mod messy;
mod modelling;
mod outputs;
mod parts;
mod pipeline;
mod references;
mod report;
mod robustness;
mod strata;
