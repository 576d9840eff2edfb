//! The one integration-test binary: each module is a topic.

mod common;
mod docs;
mod engines;
mod errors;
mod exact;
mod features;
mod generation;
mod hardening;
mod kinds;
mod language;
mod messy;
mod modelling;
mod outputs;
mod overrides;
mod parts;
mod pipeline;
mod references;
mod report;
mod robustness;
mod snapshot;
mod strata;
