//! The library's entry point: a scenario file read, parsed and analyzed into a plan.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::analyze::{Overrides, analyze};
use crate::error::{Diagnostic, Error, Result};
use crate::plan::Plan;
use crate::scenario::Scenario;
use crate::scenario::yaml::{Setting, Source, with_settings};

/// A scenario file read, parsed and analyzed.
pub struct Loaded {
    /// The source text.
    pub source: Source,
    /// The parsed scenario.
    pub scenario: Scenario,
    /// The plan.
    pub plan: Plan,
    /// The overrides applied (a variant's entries, `--set`).
    pub settings: Vec<Setting>,
}

impl Loaded {
    /// An error of a later stage, placed in the file and blamed on the override that set the
    /// value it is about, when one did.
    pub fn place(&self, e: Error) -> Error {
        blame_settings(&self.source, self.source.place_all(e), &self.settings)
    }
}

/// Settings of [`load`] that come from the command line.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Replaces the scenario's seed.
    pub seed: Option<u64>,
    /// Multiplies every row count.
    pub scale: Option<f64>,
    /// Allows source paths outside the project.
    pub allow_outside: bool,
    /// Runs this variant of the scenario (`variants:`).
    pub variant: Option<String>,
    /// `--set PATH=VALUE` overrides, applied after the variant's.
    pub sets: Vec<Setting>,
}

impl LoadOptions {
    /// `--set` arguments (`PATH=VALUE`) as settings.
    pub fn with_sets(mut self, sets: &[String]) -> Result<LoadOptions> {
        for s in sets {
            let Some((path, value)) = s.split_once('=') else {
                return Err(Error::invalid(Diagnostic::new(format!(
                    "--set {s}: expected PATH=VALUE, e.g. --set tables.orders.rows=5000"
                ))));
            };
            self.sets.push(Setting {
                path: path.trim().to_string(),
                value: value.to_string(),
                origin: format!("--set {s}"),
                entry: None,
            });
        }
        Ok(self)
    }
}

/// Reads, parses and analyzes a scenario; diagnostics carry file positions.
pub fn load(path: &Path, options: &LoadOptions) -> Result<Loaded> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::invalid(Diagnostic::new(format!(
            "cannot read scenario `{}`: {e}",
            path.display()
        )))
    })?;
    let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    load_source(
        Source::new(path.display().to_string(), text),
        &base_dir,
        options,
    )
}

/// Parses and analyzes a scenario's text; `base_dir` is where its relative `source` paths start.
pub fn load_source(source: Source, base_dir: &Path, options: &LoadOptions) -> Result<Loaded> {
    let mut scenario: Scenario = crate::scenario::yaml::from_str(&source)?;
    let mut settings = Vec::new();
    if options.variant.is_some() || !options.sets.is_empty() {
        (scenario, settings) = with_settings(&source, options.variant.as_deref(), &options.sets)?;
    }
    if let Some(s) = options.scale
        && !(s.is_finite() && s > 0.0)
    {
        return Err(Error::invalid(Diagnostic::new(format!(
            "--scale must be a positive number, found {s}"
        ))));
    }
    let overrides = Overrides {
        seed: options.seed,
        scale: options.scale,
        base_dir: base_dir.to_path_buf(),
        allow_outside: options.allow_outside,
        scenario_sha256: hex_sha256(source.text.as_bytes()),
        settings: settings.iter().map(|s| s.origin.clone()).collect(),
    };
    let plan = analyze(&scenario, &overrides)
        .map_err(|e| blame_settings(&source, source.place_all(e), &settings))?;
    Ok(Loaded {
        source,
        scenario,
        plan,
        settings,
    })
}

/// Analyzes each variant of `scenario` (read from `path` with `options`): every problem of
/// every variant, each noting its variant. The scenario itself has been loaded already.
pub fn check_variants(path: &Path, scenario: &Scenario, options: &LoadOptions) -> Result<()> {
    let mut problems = Vec::new();
    for name in scenario.variants.keys() {
        let with_variant = LoadOptions {
            variant: Some(name.clone()),
            ..options.clone()
        };
        if let Err(e) = load(path, &with_variant) {
            problems.extend(e.diagnostics.into_iter().map(|d| {
                let tagged = d.message.contains(&format!("variant `{name}`"))
                    || d.notes
                        .iter()
                        .any(|n| n.contains(&format!("variant `{name}`")));
                match tagged {
                    true => d,
                    false => d.note(format!("with variant `{name}` (--variant {name})")),
                }
            }));
        }
    }
    match problems.is_empty() {
        true => Ok(()),
        false => Err(Error {
            severity: crate::error::Severity::Invalid,
            diagnostics: problems,
        }),
    }
}

/// Notes on each problem at a path a setting changed, so the user knows where the value came from.
fn blame_settings(source: &Source, mut e: Error, settings: &[Setting]) -> Error {
    for d in e.diagnostics.iter_mut() {
        let Some(path) = &d.path else { continue };
        let under = |s: &&Setting| path.starts_with(&s.path) || s.path.starts_with(path.as_str());
        if let Some(s) = settings.iter().rev().find(under) {
            // The file holds the value the override replaced: its line would mislead. A
            // variant's own entry is pointed at instead.
            if path.starts_with(&s.path) {
                d.location = s.entry.as_deref().and_then(|e| source.locate_value(e));
                d.value_position = None;
            }
            d.notes
                .push(format!("a value here comes from {}", s.origin));
        }
    }
    e
}

/// The SHA-256 of some bytes, in hex.
pub fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
