//! `tutas snapshot`: a small, readable, committed snapshot of what each scenario makes
//! ([`crate::report::snapshot`]), written next to it in `snapshots/`, checked in CI with a diff
//! and the drift it shows, accepted or reviewed as `cargo insta` does.

use std::fmt::Write as _;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use similar::TextDiff;

use super::{LoadOptions, RunOptions, load, run};
use crate::error::{Diagnostic, Error, Result};
use crate::report::snapshot::Snapshot;
use crate::scenario::Scenario;
use crate::scenario::yaml::Source;
use crate::write::Format;

/// What `tutas snapshot` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Write every snapshot (the default).
    Write,
    /// Write nothing over a snapshot: a differing or missing one is written beside it as
    /// `.snap.new` and fails the check.
    Check,
    /// Turn every pending `.snap.new` into the snapshot.
    Accept,
    /// Walk the pending `.snap.new` one by one: accept, reject or skip.
    Review,
}

/// What to do with a snapshot whose scenario or variant is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Unreferenced {
    /// Report it.
    Warn,
    /// Report it and fail.
    Reject,
    /// Remove it.
    Delete,
}

/// How the check reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Report {
    /// Text for a terminal or a log.
    Plain,
    /// GitHub Actions annotations, and a Markdown summary in `$GITHUB_STEP_SUMMARY` when set.
    Github,
}

/// The settings of one `tutas snapshot`.
#[derive(Debug, Clone)]
pub struct SnapshotOptions {
    /// Scenario files and folders of them.
    pub paths: Vec<PathBuf>,
    /// What to do.
    pub mode: Mode,
    /// What to do with snapshots of scenarios that are gone.
    pub unreferenced: Unreferenced,
    /// How to report.
    pub report: Report,
    /// Threads of each run (the snapshots do not depend on it).
    pub threads: usize,
    /// Replaces each scenario's `snapshot.scale`.
    pub scale: Option<f64>,
    /// Allows `source` paths outside a scenario's folder.
    pub allow_outside: bool,
}

/// One snapshot: its scenario (and variant) and its file.
struct Target {
    scenario: PathBuf,
    variant: Option<String>,
    file: PathBuf,
}

/// What became of one snapshot.
enum Outcome {
    Written,
    Unchanged,
    Matches,
    Differs {
        pending: PathBuf,
        lines: Vec<String>,
    },
    Missing {
        pending: PathBuf,
    },
}

/// Runs `tutas snapshot`; prints what it does. Fails (exit 1) when a check finds a snapshot
/// that differs, is missing or (with `--unreferenced reject`) is stale.
pub fn snapshot(options: &SnapshotOptions) -> Result<()> {
    let scenarios = scenario_files(&options.paths)?;
    let mut failed = Vec::new();
    let mut targets = Vec::new();
    if matches!(options.mode, Mode::Write | Mode::Check) {
        for scenario in &scenarios {
            for target in targets_of(scenario)? {
                let outcome = make(&target, options)?;
                print_outcome(&target, &outcome, options.report);
                if matches!(outcome, Outcome::Differs { .. } | Outcome::Missing { .. }) {
                    failed.push(target.scenario.display().to_string());
                }
                targets.push(target);
            }
        }
        failed.extend(stale(&options.paths, &targets, options)?);
    } else {
        pending(&options.paths, options.mode)?;
    }
    summary(options, targets.len(), &failed)
}

/// The scenario files of `paths`: files as given, folders' `.yaml`/`.yml` files by name.
fn scenario_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if !path.is_dir() {
            if !path.is_file() {
                return Err(Error::invalid(Diagnostic::new(format!(
                    "`{}` is neither a scenario file nor a folder of them",
                    path.display()
                ))));
            }
            files.push(path.clone());
            continue;
        }
        let mut inside: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| {
                Error::invalid(Diagnostic::new(format!(
                    "cannot read `{}`: {e}",
                    path.display()
                )))
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && is_yaml(p))
            .collect();
        inside.sort();
        files.extend(inside);
    }
    Ok(files)
}

fn is_yaml(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e == "yaml" || e == "yml")
}

/// The snapshots of a scenario: its own and one per variant its `snapshot.variants` names.
fn targets_of(scenario: &Path) -> Result<Vec<Target>> {
    let parsed = parse(scenario)?;
    let mut variants = vec![None];
    variants.extend(parsed.snapshot.variants.iter().cloned().map(Some));
    Ok(variants
        .into_iter()
        .map(|variant| Target {
            file: snapshot_file(scenario, variant.as_deref()),
            scenario: scenario.to_path_buf(),
            variant,
        })
        .collect())
}

/// A scenario parsed (not analyzed): its snapshot options.
fn parse(scenario: &Path) -> Result<Scenario> {
    let text = std::fs::read_to_string(scenario).map_err(|e| {
        Error::invalid(Diagnostic::new(format!(
            "cannot read scenario `{}`: {e}",
            scenario.display()
        )))
    })?;
    crate::scenario::yaml::from_str(&Source::new(scenario.display().to_string(), text))
}

/// `<folder>/snapshots/<stem>[.<variant>].snap` of a scenario file.
pub fn snapshot_file(scenario: &Path, variant: Option<&str>) -> PathBuf {
    let stem = scenario
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match variant {
        Some(v) => format!("{stem}.{v}.snap"),
        None => format!("{stem}.snap"),
    };
    scenario
        .parent()
        .unwrap_or(Path::new(""))
        .join("snapshots")
        .join(name)
}

/// The pending snapshot beside `file`.
fn pending_file(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".new");
    PathBuf::from(name)
}

/// Runs the target's scenario in memory (exact profiles, nothing written) and writes or
/// checks its snapshot.
fn make(target: &Target, options: &SnapshotOptions) -> Result<Outcome> {
    let text = fresh(target, options)?;
    let pending = pending_file(&target.file);
    let old = std::fs::read_to_string(&target.file).ok();
    match (options.mode, old) {
        (Mode::Check, Some(old)) if old == text => {
            let _ = std::fs::remove_file(&pending);
            Ok(Outcome::Matches)
        }
        (Mode::Check, old) => {
            write(&pending, &text)?;
            Ok(match old {
                None => Outcome::Missing { pending },
                Some(old) => Outcome::Differs {
                    lines: explain(&old, &text, &target.file, &pending),
                    pending,
                },
            })
        }
        (_, Some(old)) if old == text => {
            let _ = std::fs::remove_file(&pending);
            Ok(Outcome::Unchanged)
        }
        _ => {
            write(&target.file, &text)?;
            let _ = std::fs::remove_file(&pending);
            Ok(Outcome::Written)
        }
    }
}

/// The snapshot text of a fresh run of the target.
fn fresh(target: &Target, options: &SnapshotOptions) -> Result<String> {
    let scale = options.scale.or(parse(&target.scenario)?.snapshot.scale);
    let load_options = LoadOptions {
        scale,
        variant: target.variant.clone(),
        allow_outside: options.allow_outside,
        ..LoadOptions::default()
    };
    let loaded = load(&target.scenario, &load_options)?;
    let run_options = RunOptions {
        out: PathBuf::from("snapshot"),
        threads: options.threads,
        progress: false,
        format: Format::Csv,
        memory_limit: None,
        force: true,
        enumeration_limit: crate::sample::MAX_ENUMERATED_PAIRS,
        serial_writes: false,
        part: None,
        only_tables: Vec::new(),
        dry_run: true,
        exact_profiles: true,
    };
    let report = run(&loaded.plan, &run_options).map_err(|e| loaded.place(e))?;
    let snapshot = Snapshot::of(&report, target.variant.as_deref(), scale.unwrap_or(1.0));
    Ok(snapshot.to_text(&target.scenario.display().to_string()))
}

/// Writes `path` whole (its folder made first), through a temporary file renamed into place.
fn write(path: &Path, text: &str) -> Result<()> {
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder).map_err(|e| crate::write::cannot_write(folder, e))?;
    }
    let mut staged = path.as_os_str().to_owned();
    staged.push(".tmp");
    let staged = PathBuf::from(staged);
    std::fs::write(&staged, text)
        .and_then(|_| std::fs::rename(&staged, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&staged);
            crate::write::cannot_write(path, e).into()
        })
}

/// What changed between two snapshot texts: what moved beyond sampling noise in `tutas
/// diff`'s words (or that only the bytes changed), then the unified diff.
fn explain(old: &str, new: &str, old_file: &Path, new_file: &Path) -> Vec<String> {
    let mut lines = Vec::new();
    match (Snapshot::parse(old), Snapshot::parse(new)) {
        (Ok(a), Ok(b)) if a.differs_only_in_bytes(&b) => {
            lines.push("same statistics, different bytes: the generated values changed".to_string())
        }
        (Ok(a), Ok(b)) => {
            if a.data_version != b.data_version {
                lines.push(format!(
                    "made by a tutas of another data version ({} → {}): its bytes may differ for the same scenario",
                    a.data_version, b.data_version
                ));
            }
            let moved = a.drift(&b, 0.1);
            if !moved.is_empty() {
                lines.push("moved beyond sampling noise:".to_string());
                lines.extend(moved.into_iter().map(|l| format!("  {l}")));
            }
        }
        (Err(e), _) | (_, Err(e)) => lines.push(e.diagnostics[0].message.clone()),
    }
    let diff = TextDiff::from_lines(old, new);
    let unified = diff
        .unified_diff()
        .context_radius(2)
        .header(
            &old_file.display().to_string(),
            &new_file.display().to_string(),
        )
        .to_string();
    lines.extend(unified.lines().map(str::to_string));
    lines
}

fn print_outcome(target: &Target, outcome: &Outcome, report: Report) {
    let name = match &target.variant {
        Some(v) => format!("{} (variant {v})", target.scenario.display()),
        None => target.scenario.display().to_string(),
    };
    let file = target.file.display();
    match outcome {
        Outcome::Written => println!("{name}: wrote {file}"),
        Outcome::Unchanged => println!("{name}: {file} unchanged"),
        Outcome::Matches => println!("{name}: matches {file}"),
        Outcome::Missing { pending } => {
            println!(
                "{name}: no snapshot {file}; the new one is {}",
                pending.display()
            );
            annotate(
                report,
                target,
                &format!(
                    "no snapshot {file}: run `tutas snapshot --accept` after reviewing {}",
                    pending.display()
                ),
            );
        }
        Outcome::Differs { pending, lines } => {
            println!(
                "{name}: differs from {file}; the new one is {}",
                pending.display()
            );
            for line in lines {
                println!("  {line}");
            }
            // The drift lines (indented under their heading), else the first line.
            let moved: Vec<&str> = lines
                .iter()
                .take_while(|l| !l.starts_with("---"))
                .filter_map(|l| l.strip_prefix("  "))
                .take(3)
                .collect();
            let what = match moved.is_empty() {
                true => lines.first().cloned().unwrap_or_default(),
                false => moved.join("; "),
            };
            annotate(report, target, &format!("snapshot {file} differs: {what}"));
        }
    }
}

/// A GitHub Actions error annotation on the scenario's first line.
fn annotate(report: Report, target: &Target, message: &str) {
    if report == Report::Github {
        println!(
            "::error file={},line=1,title=tutas snapshot::{}",
            target.scenario.display(),
            escape_annotation(message)
        );
    }
}

/// An annotation's message: `%`, CR and LF escaped as GitHub reads them.
fn escape_annotation(message: &str) -> String {
    message
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Snapshots in the `snapshots/` folders of the scanned folders that no scenario or variant
/// makes any more: reported, deleted, or failed as asked. Returns those that fail.
fn stale(paths: &[PathBuf], targets: &[Target], options: &SnapshotOptions) -> Result<Vec<String>> {
    let mut failed = Vec::new();
    for folder in paths.iter().filter(|p| p.is_dir()) {
        for file in snap_files(&folder.join("snapshots"), ".snap") {
            if targets.iter().any(|t| t.file == file) {
                continue;
            }
            let shown = file.display();
            match options.unreferenced {
                Unreferenced::Delete => {
                    std::fs::remove_file(&file)
                        .map_err(|e| crate::write::cannot_write(&file, e))?;
                    println!("{shown}: stale (its scenario or variant is gone): deleted");
                }
                Unreferenced::Warn | Unreferenced::Reject => {
                    println!("{shown}: stale (its scenario or variant is gone)");
                    if options.report == Report::Github {
                        let level = match options.unreferenced {
                            Unreferenced::Reject => "error",
                            _ => "warning",
                        };
                        println!(
                            "::{level} file={shown},title=tutas snapshot::stale snapshot: its scenario or variant is gone"
                        );
                    }
                    if options.unreferenced == Unreferenced::Reject {
                        failed.push(shown.to_string());
                    }
                }
            }
        }
    }
    Ok(failed)
}

/// The files of `folder` whose names end with `suffix`, sorted.
fn snap_files(folder: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    files.sort();
    files
}

/// `--accept` and `--review`: every pending `.snap.new` of the scenarios in `paths`.
fn pending(paths: &[PathBuf], mode: Mode) -> Result<()> {
    let mut folders: Vec<PathBuf> = Vec::new();
    for path in paths {
        let folder = match path.is_dir() {
            true => path.join("snapshots"),
            false => path.parent().unwrap_or(Path::new("")).join("snapshots"),
        };
        if !folders.contains(&folder) {
            folders.push(folder);
        }
    }
    let files: Vec<PathBuf> = folders
        .iter()
        .flat_map(|f| snap_files(f, ".snap.new"))
        .collect();
    if files.is_empty() {
        println!("no pending snapshots");
    }
    let stdin = std::io::stdin();
    let mut answers = stdin.lock().lines();
    for new in files {
        let old = PathBuf::from(new.to_string_lossy().trim_end_matches(".new"));
        let accept = match mode {
            Mode::Review => {
                let before = std::fs::read_to_string(&old).unwrap_or_default();
                let after = std::fs::read_to_string(&new).unwrap_or_default();
                for line in explain(&before, &after, &old, &new) {
                    println!("  {line}");
                }
                print!("{}: [a]ccept, [r]eject or [s]kip? ", old.display());
                let _ = std::io::stdout().flush();
                match answers
                    .next()
                    .and_then(|a| a.ok())
                    .as_deref()
                    .map(str::trim)
                {
                    Some("a") | Some("accept") => Some(true),
                    Some("r") | Some("reject") => Some(false),
                    _ => None,
                }
            }
            _ => Some(true),
        };
        match accept {
            Some(true) => {
                std::fs::rename(&new, &old).map_err(|e| crate::write::cannot_write(&old, e))?;
                println!("accepted {}", old.display());
            }
            Some(false) => {
                std::fs::remove_file(&new).map_err(|e| crate::write::cannot_write(&new, e))?;
                println!("rejected {}", new.display());
            }
            None => println!("skipped {}", new.display()),
        }
    }
    Ok(())
}

/// The closing line, the Markdown summary for GitHub, and the check's failure.
fn summary(options: &SnapshotOptions, count: usize, failed: &[String]) -> Result<()> {
    if !matches!(options.mode, Mode::Write | Mode::Check) {
        return Ok(());
    }
    let verb = match options.mode {
        Mode::Check => "checked",
        _ => "written",
    };
    let snapshots = if count == 1 { "snapshot" } else { "snapshots" };
    println!("{count} {snapshots} {verb}; {} failed", failed.len());
    if options.report == Report::Github
        && let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY")
    {
        let mut md = String::from("### tutas snapshot\n\n");
        let _ = writeln!(md, "{count} {snapshots} {verb}, {} failed.", failed.len());
        for f in failed {
            let _ = writeln!(md, "- `{f}`: see the job log for its diff");
        }
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut file| file.write_all(format!("{md}\n").as_bytes()));
        appended.map_err(|e| crate::write::cannot_write(Path::new(&path), e))?;
    }
    match failed.is_empty() {
        true => Ok(()),
        false => Err(Error::runtime(
            Diagnostic::new(match failed.len() {
                1 => "1 snapshot differs, is missing or is stale".to_string(),
                n => format!("{n} snapshots differ, are missing or are stale"),
            })
            .help("review the diffs above; `tutas snapshot --review` walks them, `tutas snapshot --accept` takes them all"),
        )),
    }
}
