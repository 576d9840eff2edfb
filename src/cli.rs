//! The command line: `tutas run`, `tutas check`, `tutas schema`.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use crate::analyze::{Overrides, Plan, analyze};
use crate::error::{Diagnostic, EXIT_OK, Error, Result};
use crate::output::Format;
use crate::run::{RunOptions, run};
use crate::scenario::Scenario;
use crate::sql::Engine;
use crate::yaml::Source;

const AFTER_HELP: &str = "\
Exit codes:
  0  success
  1  the run failed (a check failed, a stratum could not be met, an I/O error, interrupted)
  2  the scenario or the command line is invalid (nothing is generated or written)

Outputs (in --out, default `dataset`):
  unprocessed/<table>.csv       generated tables
  processed_1/<feature>.csv     feature queries
  processed_2/X_train.csv, X_test.csv, y_train.csv, y_test.csv, preprocessing.json
  report.json                   counts, strata, checks, insights, split, audit, timings, SHA-256 of every file
A run writes to a staging folder inside --out and moves its outputs into place only when it succeeds.";

/// tutas: a declarative, scenario-driven data factory.
#[derive(Debug, Parser)]
#[command(name = "tutas", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate a scenario's tables, run its SQL stages and write the split
    Run {
        /// The scenario file (YAML)
        scenario: PathBuf,
        /// Output folder
        #[arg(long, default_value = "dataset")]
        out: PathBuf,
        /// Seed (overrides the scenario's `seed`)
        #[arg(long)]
        seed: Option<u64>,
        /// Threads for generation (default: all cores); the output does not depend on it
        #[arg(long)]
        threads: Option<usize>,
        /// Multiply every table's row count by this factor
        #[arg(long)]
        scale: Option<f64>,
        /// Print only errors
        #[arg(long, short)]
        quiet: bool,
        /// Allow `source` paths outside the scenario's folder
        #[arg(long)]
        allow_outside_paths: bool,
        /// File format of generated tables and features (the split is always CSV)
        #[arg(long, value_enum, default_value = "csv")]
        format: Format,
        /// Memory limit of the SQL engine, e.g. 2G or 512M (sorts and aggregations spill into the output folder beyond it; a join's hash table must fit)
        #[arg(long, value_parser = parse_bytes)]
        memory_limit: Option<usize>,
    },
    /// Check a scenario (structure, names, types, SQL, strata, split) without generating anything
    Check {
        /// The scenario file (YAML)
        scenario: PathBuf,
        /// Allow `source` paths outside the scenario's folder
        #[arg(long)]
        allow_outside_paths: bool,
    },
    /// Re-render DIR/report.html from DIR/report.json
    Report {
        /// An output folder of `tutas run`
        dir: PathBuf,
    },
    /// Compare two runs: row counts, column distributions, split, leaks, file hashes
    Diff {
        /// The first run's output folder
        a: PathBuf,
        /// The second run's output folder
        b: PathBuf,
    },
    /// Print the JSON Schema of the scenario language
    Schema,
}

/// Runs the command line; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                crate::error::EXIT_INVALID
            } else {
                EXIT_OK
            };
        }
    };
    std::panic::set_hook(Box::new(|info| {
        eprintln!("error: internal error, this is a bug in tutas: {info}");
    }));
    let _ = ctrlc::set_handler(|| {
        crate::run::INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst)
    });
    match execute(cli.command) {
        Ok(()) => EXIT_OK,
        Err(e) => {
            eprint!("{}", e.render());
            e.exit_code()
        }
    }
}

/// A scenario file read, parsed and analyzed.
pub struct Loaded {
    /// The source text.
    pub source: Source,
    /// The parsed scenario.
    pub scenario: Scenario,
    /// The engine its SQL was planned in.
    pub engine: Engine,
    /// The plan.
    pub plan: Plan,
}

/// Settings of `load` that come from the command line.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Replaces the scenario's seed.
    pub seed: Option<u64>,
    /// Multiplies every row count.
    pub scale: Option<f64>,
    /// Allows source paths outside the project.
    pub allow_outside: bool,
    /// Worker threads.
    pub threads: usize,
    /// Memory limit of the SQL engine in bytes.
    pub memory_limit: Option<usize>,
    /// Where the SQL engine may spill (inside the output folder).
    pub spill_dir: Option<PathBuf>,
}

/// The SQL engine's spill folder inside the output folder, removed when the run ends.
struct SpillDir(PathBuf);

impl Drop for SpillDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Parses a byte size such as `2G`, `512M`, `64K` or `1000000`.
pub fn parse_bytes(s: &str) -> std::result::Result<usize, String> {
    let t = s.trim().to_ascii_uppercase();
    let t = t
        .strip_suffix("IB")
        .or_else(|| t.strip_suffix('B'))
        .unwrap_or(&t);
    let (number, unit) = match t.chars().last() {
        Some('K') => (&t[..t.len() - 1], 1usize << 10),
        Some('M') => (&t[..t.len() - 1], 1 << 20),
        Some('G') => (&t[..t.len() - 1], 1 << 30),
        Some('T') => (&t[..t.len() - 1], 1 << 40),
        _ => (t, 1),
    };
    match number.trim().parse::<f64>() {
        Ok(n) if n > 0.0 && n.is_finite() => Ok((n * unit as f64) as usize),
        _ => Err(format!(
            "expected a size such as 2G, 512M or 1000000, found `{s}`"
        )),
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
    let LoadOptions {
        seed,
        scale,
        allow_outside,
        threads,
        memory_limit,
        spill_dir,
    } = options.clone();
    let scenario: Scenario = crate::yaml::from_str(&source)?;
    if let Some(s) = scale
        && !(s.is_finite() && s > 0.0)
    {
        return Err(Error::invalid(Diagnostic::new(format!(
            "--scale must be a positive number, found {s}"
        ))));
    }
    let dialect = scenario
        .sql
        .dialect
        .clone()
        .unwrap_or_else(|| "generic".into())
        .to_lowercase();
    let engine = Engine::new(
        if crate::sql::DIALECTS.contains(&dialect.as_str()) {
            &dialect
        } else {
            "generic"
        },
        threads,
        memory_limit,
        spill_dir.as_deref(),
    )?;
    let overrides = Overrides {
        seed,
        scale,
        base_dir: base_dir.to_path_buf(),
        allow_outside,
    };
    let plan = analyze(&scenario, &engine, &overrides).map_err(|e| source.place_all(e))?;
    Ok(Loaded {
        source,
        scenario,
        engine,
        plan,
    })
}

/// Reads `DIR/report.json`.
pub fn read_report(dir: &Path) -> Result<crate::report::RunReport> {
    let path = dir.join("report.json");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Error::invalid(
            Diagnostic::new(format!("cannot read `{}`: {e}", path.display()))
                .help("give the output folder of a `tutas run`"),
        )
    })?;
    serde_json::from_str(&text).map_err(|e| {
        Error::invalid(Diagnostic::new(format!(
            "`{}` is not a tutas report: {e}",
            path.display()
        )))
    })
}

fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

fn execute(command: Command) -> Result<()> {
    match command {
        Command::Report { dir } => {
            let report = read_report(&dir)?;
            let target = dir.join("report.html");
            let staging = dir.join(".tutas-report.html.tmp");
            std::fs::write(&staging, crate::html::render(&report))?;
            std::fs::rename(&staging, &target)?;
            println!("wrote {}", target.display());
            Ok(())
        }
        Command::Diff { a, b } => {
            print!(
                "{}",
                crate::diff::diff(&read_report(&a)?, &read_report(&b)?)
            );
            Ok(())
        }
        Command::Schema => {
            println!("{}", crate::schema_json());
            Ok(())
        }
        Command::Check {
            scenario,
            allow_outside_paths,
        } => {
            let loaded = load(
                &scenario,
                &LoadOptions {
                    allow_outside: allow_outside_paths,
                    threads: 1,
                    ..LoadOptions::default()
                },
            )?;
            let p = &loaded.plan;
            println!(
                "{}: scenario `{}` is valid: {} tables, {} features, {} checks, {} insights{}",
                scenario.display(),
                p.name,
                p.tables.len(),
                p.features.len(),
                p.checks.len(),
                p.insights.len(),
                if p.split.is_some() { ", a split" } else { "" }
            );
            Ok(())
        }
        Command::Run {
            scenario,
            out,
            seed,
            threads,
            scale,
            quiet,
            allow_outside_paths,
            format,
            memory_limit,
        } => {
            let threads = threads.unwrap_or_else(default_threads).max(1);
            // Only a memory limit makes the engine spill; its files stay inside the output folder.
            let spill = match memory_limit {
                Some(_) => {
                    crate::output::create_output_folder(&out)?;
                    Some(SpillDir(
                        out.join(format!(".tutas-spill-{}", std::process::id())),
                    ))
                }
                None => None,
            };
            let options = LoadOptions {
                seed,
                scale,
                allow_outside: allow_outside_paths,
                threads,
                memory_limit,
                spill_dir: spill.as_ref().map(|s| s.0.clone()),
            };
            let loaded = load(&scenario, &options)?;
            let opts = RunOptions {
                out: out.clone(),
                threads,
                progress: !quiet && std::io::IsTerminal::is_terminal(&std::io::stderr()),
                format,
            };
            let report = run(
                &loaded.plan,
                &loaded.scenario,
                &loaded.source.text,
                &loaded.engine,
                &opts,
            )
            .map_err(|e| loaded.source.place_all(e))?;
            if !quiet {
                print!("{}", report.summary(true));
                println!("  written to {}", out.display());
            }
            Ok(())
        }
    }
}
