//! The command line: `tutas run`, `check`, `split`, `sql`, `report`, `diff` and `schema`. It only parses
//! arguments, calls the library and prints; the work is in [`crate::run::load`] and
//! [`crate::run::run`].

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::error::{Diagnostic, EXIT_INVALID, EXIT_OK, Error, Result};
use crate::plan::Part;
use crate::report::RunReport;
use crate::run::{LoadOptions, RunOptions, load, run};
use crate::write::Format;

const AFTER_HELP: &str = "\
Exit codes:
  0  success
  1  the run failed (a check failed, a stratum could not be met, an I/O error, interrupted)
  2  the scenario or the command line is invalid (nothing is generated or written)

Outputs (in --out, default `dataset`):
  unprocessed/<table>.csv       generated tables
  processed_1/<feature>.csv     feature queries
  processed_2/X_train.csv, X_test.csv, y_train.csv, y_test.csv, preprocessing.json
  report.json                   counts, strata, checks, insights, split, audit, timings, BLAKE3 hash of every file
A run stages its outputs next to --out and swaps them into place only when it succeeds;
it refuses an output folder that holds files no tutas run wrote (unless --force).";

/// tutas: a declarative, scenario-driven data factory.
#[derive(Debug, Parser)]
#[command(name = "tutas", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The arguments of `tutas run`.
#[derive(Debug, clap::Args)]
struct RunArgs {
    /// The scenario file (YAML)
    scenario: PathBuf,
    /// Output folder
    #[arg(long, default_value = "dataset")]
    out: PathBuf,
    /// Seed (overrides the scenario's `seed`)
    #[arg(long)]
    seed: Option<u64>,
    /// Threads for generation (default: all cores); the output does not depend on it
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Multiply every table's row count by this factor
    #[arg(long)]
    scale: Option<f64>,
    /// Override a value of the scenario: PATH as in error messages (strata by name), VALUE
    /// as YAML, e.g. --set tables.orders.rows=5000 --set tables.orders.strata.good.share=0.6
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
    /// Run a variant of the scenario: the overrides under `variants: { NAME: ... }`
    #[arg(long, value_name = "NAME")]
    variant: Option<String>,
    /// Print only errors
    #[arg(long, short)]
    quiet: bool,
    /// Allow `source` paths outside the scenario's folder
    #[arg(long)]
    allow_outside_paths: bool,
    /// File format of generated tables and features (the split is always CSV)
    #[arg(long, value_enum, default_value = "csv")]
    format: Format,
    /// Memory limit of the SQL engine, e.g. 2G or 512M (sorts and aggregations spill into the staging folder beyond it; a join's hash table must fit)
    #[arg(long, value_parser = parse_bytes)]
    memory_limit: Option<usize>,
    /// Write even when the output folder holds files no tutas run wrote (they are kept)
    #[arg(long)]
    force: bool,
    /// Make the generated tables in this many parts (with --part; no SQL or split runs):
    /// parts 1..N of a table, concatenated in order, are a single run's table
    #[arg(long, requires = "part", value_name = "N")]
    parts: Option<u64>,
    /// Which part to make, from 1 to --parts
    #[arg(long, requires = "parts", value_name = "K")]
    part: Option<u64>,
    /// With --parts: write only these tables (comma-separated); the tables they read are
    /// made in memory
    #[arg(long, requires = "parts", value_delimiter = ',', value_name = "TABLES")]
    tables: Vec<String>,
    /// Undecided pairs of a stratum tested one by one before tutas refines them instead
    /// (for tests of the refinement at small scale)
    #[arg(long, hide = true, default_value_t = crate::sample::MAX_ENUMERATED_PAIRS)]
    enumeration_limit: u64,
    /// Finish writing every file before each SQL stage, so a query's time is its own
    /// (for benchmarks)
    #[arg(long, hide = true)]
    serial_writes: bool,
}

/// The arguments of `tutas split`.
#[derive(Debug, clap::Args)]
struct SplitArgs {
    /// The scenario file (YAML)
    scenario: PathBuf,
    /// The split's source table: a Parquet file, or a folder of Parquet files (read in name order)
    #[arg(long, value_name = "PATH")]
    from: PathBuf,
    /// Output folder (replaced whole; it must not hold --from)
    #[arg(long)]
    out: PathBuf,
    /// Seed (overrides the scenario's `seed`)
    #[arg(long)]
    seed: Option<u64>,
    /// Threads (default: all cores); the output does not depend on it
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Print only errors
    #[arg(long, short)]
    quiet: bool,
    /// Allow `source` paths outside the scenario's folder
    #[arg(long)]
    allow_outside_paths: bool,
    /// Write even when the output folder holds files no tutas run wrote (they are kept)
    #[arg(long)]
    force: bool,
}

/// The arguments of `tutas snapshot`.
#[derive(Debug, clap::Args)]
struct SnapshotArgs {
    /// Scenario files, or folders of them (every `.yaml` and `.yml` file in the folder)
    #[arg(default_value = "scenarios")]
    paths: Vec<PathBuf>,
    /// Overwrite nothing: fail when a snapshot differs or is missing, writing the new one
    /// beside it as `.snap.new`, with its diff and what moved beyond sampling noise
    #[arg(long, conflicts_with_all = ["accept", "review"])]
    check: bool,
    /// Make every pending `.snap.new` the snapshot
    #[arg(long, conflicts_with = "review")]
    accept: bool,
    /// Walk the pending `.snap.new` one by one: see the diff, then accept, reject or skip
    #[arg(long)]
    review: bool,
    /// What to do with a snapshot whose scenario or variant is gone
    #[arg(long, value_enum, default_value = "warn")]
    unreferenced: crate::run::Unreferenced,
    /// How to report: plain text, or GitHub Actions annotations (and a Markdown summary in
    /// $GITHUB_STEP_SUMMARY when set)
    #[arg(long, value_enum, default_value = "plain")]
    format: crate::run::Report,
    /// Threads of each run (default: all cores); the snapshots do not depend on it
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Scale of every run, instead of each scenario's `snapshot.scale`
    #[arg(long)]
    scale: Option<f64>,
    /// Allow `source` paths outside a scenario's folder
    #[arg(long)]
    allow_outside_paths: bool,
}

/// The arguments of `tutas check`.
#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// The scenario file (YAML)
    scenario: PathBuf,
    /// Allow `source` paths outside the scenario's folder
    #[arg(long)]
    allow_outside_paths: bool,
    /// Check with this override (as `tutas run --set`)
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
    /// Check this variant only (as `tutas run --variant`); without it, every variant is
    /// checked statically and the scenario itself is dry-run
    #[arg(long, value_name = "NAME")]
    variant: Option<String>,
    /// Seed of the dry run (as `tutas run --seed`)
    #[arg(long)]
    seed: Option<u64>,
    /// Scale of the dry run (as `tutas run --scale`)
    #[arg(long)]
    scale: Option<f64>,
    /// Threads of the dry run (default: all cores)
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Only the static checks: nothing is generated, so strata, values reaching generator
    /// parameters and the split, and the data checks are left to `tutas run`
    #[arg(long = "static")]
    static_only: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate a scenario's tables, run its SQL stages and write the split
    Run(RunArgs),
    /// Check that `tutas run` will succeed, writing nothing
    ///
    /// Every static check (structure, names, types, SQL) of the scenario and of each of its
    /// variants, then a dry run that makes every table, stratum, query, check and split in
    /// memory, as `tutas run` would, and writes no file.
    Check(CheckArgs),
    /// Write or check a short, readable snapshot of what each scenario makes, for CI
    ///
    /// Runs each scenario (and the variants its `snapshot.variants` names) in memory at its
    /// `snapshot.scale`, and writes `snapshots/<scenario>[.<variant>].snap` beside it: rows,
    /// column statistics, strata, checks, insights, the split, the audit and every file's hash.
    /// `--check` compares a fresh run with the committed snapshot instead.
    Snapshot(SnapshotArgs),
    /// Split, preprocess and audit a table made elsewhere (Parquet) as the scenario's split
    /// does, writing OUT/processed_2 and OUT/report.json
    Split(SplitArgs),
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
        /// Mark a column `DRIFT` when its population stability index reaches this
        #[arg(long, default_value_t = 0.1)]
        threshold: f64,
        /// Show every column, also those whose change is within sampling noise
        #[arg(long)]
        all: bool,
    },
    /// Print the scenario's feature, check and insight SQL for another engine
    Sql {
        /// The scenario file (YAML)
        scenario: PathBuf,
        /// The engine to write the SQL for
        #[arg(long, value_enum)]
        dialect: crate::sql::dialect::Target,
        /// Print JSON: `{"tables": {name: {column: type}}, "generated": [table], "features": {name: sql}, "checks": {...}, "insights": {...}, "locations": {"checks.name": "file:line:column"}, "output": {"datetime_format": ..., "booleans": ...}}`
        #[arg(long)]
        json: bool,
        /// Allow `source` paths outside the scenario's folder
        #[arg(long)]
        allow_outside_paths: bool,
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
                EXIT_INVALID
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

fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

fn execute(command: Command) -> Result<()> {
    match command {
        Command::Report { dir } => {
            let report = RunReport::read(&dir)?;
            let target = dir.join("report.html");
            let staging = dir.join(".tutas-report.html.tmp");
            let html = crate::report::html::render(&report);
            let written =
                std::fs::write(&staging, html).and_then(|_| std::fs::rename(&staging, &target));
            if let Err(e) = written {
                let _ = std::fs::remove_file(&staging);
                return Err(crate::write::cannot_write(&target, e).into());
            }
            println!("wrote {}", target.display());
            Ok(())
        }
        Command::Diff {
            a,
            b,
            threshold,
            all,
        } => {
            let (a, b) = (RunReport::read(&a)?, RunReport::read(&b)?);
            let options = crate::report::diff::DiffOptions { threshold, all };
            print!("{}", crate::report::diff::diff(&a, &b, options));
            Ok(())
        }
        Command::Schema => {
            println!("{}", crate::schema_json());
            Ok(())
        }
        Command::Check(args) => check_command(args),
        Command::Snapshot(args) => {
            let mode = match (args.check, args.accept, args.review) {
                (true, ..) => crate::run::Mode::Check,
                (_, true, _) => crate::run::Mode::Accept,
                (.., true) => crate::run::Mode::Review,
                _ => crate::run::Mode::Write,
            };
            crate::run::snapshot(&crate::run::SnapshotOptions {
                paths: args.paths,
                mode,
                unreferenced: args.unreferenced,
                report: args.format,
                threads: args.threads.map_or_else(default_threads, usize::from),
                scale: args.scale,
                allow_outside: args.allow_outside_paths,
            })
        }
        Command::Run(args) => run_command(args),
        Command::Split(args) => split_command(args),
        Command::Sql {
            scenario,
            dialect,
            json,
            allow_outside_paths,
        } => {
            let options = LoadOptions {
                allow_outside: allow_outside_paths,
                ..LoadOptions::default()
            };
            let loaded = load(&scenario, &options)?;
            let exported = crate::run::export(&loaded.plan, &loaded.source, dialect)
                .map_err(|e| loaded.place(e))?;
            if json {
                print!("{}", exported.to_json());
            } else {
                print!("{}", exported.to_sql());
            }
            Ok(())
        }
    }
}

/// How `run` and `check` load a scenario: (seed, scale, sources outside the folder allowed),
/// a variant and `--set` overrides.
fn load_options(
    (seed, scale, allow_outside): (Option<u64>, Option<f64>, bool),
    variant: &Option<String>,
    sets: &[String],
) -> Result<LoadOptions> {
    LoadOptions {
        seed,
        scale,
        allow_outside,
        variant: variant.clone(),
        ..LoadOptions::default()
    }
    .with_sets(sets)
}

fn check_command(args: CheckArgs) -> Result<()> {
    let options = load_options(
        (args.seed, args.scale, args.allow_outside_paths),
        &args.variant,
        &args.sets,
    )?;
    let loaded = load(&args.scenario, &options)?;
    let variants: Vec<String> = match &args.variant {
        Some(_) => Vec::new(),
        None => loaded.scenario.variants.keys().cloned().collect(),
    };
    if args.variant.is_none() {
        crate::run::check_variants(&args.scenario, &loaded.scenario, &options)?;
    }
    let p = &loaded.plan;
    let with = match (&args.variant, variants.len()) {
        (Some(v), _) => format!(" (variant `{v}`) passes"),
        (None, 0) => " passes".to_string(),
        (None, 1) => " and its variant pass".to_string(),
        (None, n) => format!(" and its {n} variants pass"),
    };
    println!(
        "{}: scenario `{}`{with} the static checks: {} tables, {} features, {} checks, {} insights{}",
        args.scenario.display(),
        p.name,
        p.tables.len(),
        p.features.len(),
        p.checks.len(),
        p.insights.len(),
        if p.split.is_some() { ", a split" } else { "" }
    );
    if args.static_only {
        println!("static checks only: strata, values and the data checks are left to `tutas run`");
        return Ok(());
    }
    let threads = args.threads.map_or_else(default_threads, usize::from);
    print!("{}", dry_run(&loaded, threads)?.dry_run_summary());
    // Each variant is made too: it may fail where the scenario does not.
    for name in variants {
        let with_variant = LoadOptions {
            variant: Some(name.clone()),
            ..options.clone()
        };
        let note = |e: Error| {
            let mut e = e;
            for d in &mut e.diagnostics {
                d.notes
                    .push(format!("with variant `{name}` (--variant {name})"));
            }
            e
        };
        let loaded = load(&args.scenario, &with_variant).map_err(note)?;
        let report = dry_run(&loaded, threads).map_err(note)?;
        println!(
            "variant `{name}`: `tutas run --variant {name}` will succeed too ({})",
            report.dry_run_line()
        );
    }
    Ok(())
}

/// A dry run of a loaded scenario: everything made in memory, nothing written.
fn dry_run(loaded: &crate::run::Loaded, threads: usize) -> Result<RunReport> {
    let progress = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let options = RunOptions::dry_run(threads, progress, false);
    run(&loaded.plan, &options).map_err(|e| loaded.place(e))
}

fn run_command(args: RunArgs) -> Result<()> {
    let load_options = load_options(
        (args.seed, args.scale, args.allow_outside_paths),
        &args.variant,
        &args.sets,
    )?;
    let loaded = load(&args.scenario, &load_options)?;
    let options = RunOptions {
        out: args.out.clone(),
        threads: args.threads.map_or_else(default_threads, usize::from),
        progress: !args.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr()),
        format: args.format,
        memory_limit: args.memory_limit,
        force: args.force,
        enumeration_limit: args.enumeration_limit,
        serial_writes: args.serial_writes,
        part: part(args.parts, args.part)?,
        only_tables: args.tables,
        dry_run: false,
        exact_profiles: false,
    };
    let report = run(&loaded.plan, &options).map_err(|e| loaded.place(e))?;
    print_outcome(&report, args.quiet, &args.out);
    Ok(())
}

/// The run summary, or with `--quiet` only its warnings (on standard error).
fn print_outcome(report: &RunReport, quiet: bool, out: &std::path::Path) {
    if quiet {
        for w in &report.warnings {
            eprintln!("warning: {w}");
        }
    } else {
        print!("{}", report.summary(true));
        println!("  written to {}", out.display());
    }
}

/// `--parts N --part K` as a part, checked: 1 ≤ K ≤ N.
fn part(parts: Option<u64>, part: Option<u64>) -> Result<Option<Part>> {
    match (parts, part) {
        (Some(of), Some(number)) if of >= 1 && (1..=of).contains(&number) => {
            Ok(Some(Part { number, of }))
        }
        (Some(of), Some(number)) => Err(Error::invalid(Diagnostic::new(format!(
            "--part {number} --parts {of}: expected 1 ≤ K ≤ N, with N at least 1"
        )))),
        _ => Ok(None),
    }
}

fn split_command(args: SplitArgs) -> Result<()> {
    let load_options = LoadOptions {
        seed: args.seed,
        allow_outside: args.allow_outside_paths,
        ..LoadOptions::default()
    };
    let loaded = load(&args.scenario, &load_options)?;
    let options = RunOptions {
        out: args.out.clone(),
        threads: args.threads.map_or_else(default_threads, usize::from),
        progress: !args.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr()),
        format: Format::Csv,
        memory_limit: None,
        force: args.force,
        enumeration_limit: crate::sample::MAX_ENUMERATED_PAIRS,
        serial_writes: false,
        part: None,
        only_tables: Vec::new(),
        dry_run: false,
        exact_profiles: false,
    };
    let report =
        crate::run::split_from(&loaded.plan, &options, &args.from).map_err(|e| loaded.place(e))?;
    print_outcome(&report, args.quiet, &args.out);
    Ok(())
}
