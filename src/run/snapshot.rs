//! `tutas snapshot`: a small, readable, committed snapshot of what each scenario makes
//! ([`crate::report::snapshot`]), written next to it in `snapshots/`, checked in CI with a diff
//! and the drift it shows, accepted or reviewed as `cargo insta` does. A scenario that cannot
//! be run is reported and the others go on.

use std::fmt::Write as _;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use similar::TextDiff;

use super::{LoadOptions, RunOptions, load, run};
use crate::error::{Diagnostic, Error, Result};
use crate::report::snapshot::Snapshot;
use crate::scenario::Scenario;
use crate::scenario::yaml::Source;

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
    /// Remove it (and its pending `.snap.new`).
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

impl Target {
    /// The scenario file, and the variant when there is one.
    fn name(&self) -> String {
        match &self.variant {
            Some(v) => format!("{} (variant {v})", self.scenario.display()),
            None => self.scenario.display().to_string(),
        }
    }
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
    /// The scenario could not be run: its error.
    Broken(Error),
}

/// A failed snapshot for the closing summary: which, and why in one line.
struct Failure {
    what: String,
    why: String,
}

/// Runs `tutas snapshot`; prints what it does. Fails (exit 1) when a check finds a snapshot
/// that differs, is missing or (with `--unreferenced reject`) is stale, or a scenario cannot be
/// run.
pub fn snapshot(options: &SnapshotOptions) -> Result<()> {
    if options.mode == Mode::Check && options.unreferenced == Unreferenced::Delete {
        return Err(Error::invalid(Diagnostic::new(
            "--check changes no file, and --unreferenced delete would: delete without --check",
        )));
    }
    let scenarios = scenario_files(&options.paths)?;
    let targets = all_targets(&scenarios)?;
    if !matches!(options.mode, Mode::Write | Mode::Check) {
        return pending(&options.paths, &targets, options.mode);
    }
    let mut failed = Vec::new();
    for target in &targets {
        let outcome = make(target, options);
        print_outcome(target, &outcome, options.report);
        if outcome.failed() {
            failed.push(Failure {
                what: target.name(),
                why: outcome.why(),
            });
        }
    }
    let stale = stale(&options.paths, &targets, options)?;
    summary(options, targets.len(), &failed, &stale)
}

/// The scenario files of `paths`: files as given, folders' `.yaml`/`.yml` files by name
/// (subfolders are not searched).
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
        let unreadable = |e: std::io::Error| {
            Error::invalid(Diagnostic::new(format!(
                "cannot read `{}`: {e}",
                path.display()
            )))
        };
        let mut inside: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(unreadable)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && is_yaml(p))
            .collect();
        inside.sort();
        if inside.is_empty() {
            return Err(Error::invalid(Diagnostic::new(format!(
                "`{}` holds no scenario (`.yaml` or `.yml` file; subfolders are not searched)",
                path.display()
            ))));
        }
        files.extend(inside);
    }
    Ok(files)
}

fn is_yaml(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e == "yaml" || e == "yml")
}

/// Every snapshot of the scenarios; two that would write the same file are refused.
fn all_targets(scenarios: &[PathBuf]) -> Result<Vec<Target>> {
    let mut targets: Vec<Target> = Vec::new();
    for scenario in scenarios {
        for target in targets_of(scenario) {
            if let Some(other) = targets.iter().find(|t| t.file == target.file) {
                return Err(Error::invalid(Diagnostic::new(format!(
                    "{} and {} would both write {}: rename one of them",
                    other.name(),
                    target.name(),
                    target.file.display()
                ))));
            }
            targets.push(target);
        }
    }
    Ok(targets)
}

/// The snapshots of a scenario: its own and one per variant its `snapshot.variants` names
/// (a scenario that cannot be read has its own, which will say why).
fn targets_of(scenario: &Path) -> Vec<Target> {
    let mut variants = vec![None];
    if let Ok(parsed) = parse(scenario) {
        for v in parsed.snapshot.variants {
            if !variants.contains(&Some(v.clone())) {
                variants.push(Some(v));
            }
        }
    }
    variants
        .into_iter()
        .map(|variant| Target {
            file: snapshot_file(scenario, variant.as_deref()),
            scenario: scenario.to_path_buf(),
            variant,
        })
        .collect()
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

/// `<folder>/snapshots/<file stem>[.<variant>].snap` of a scenario file.
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
fn make(target: &Target, options: &SnapshotOptions) -> Outcome {
    match fresh(target, options).and_then(|text| compare(target, options, text)) {
        Ok(outcome) => outcome,
        Err(e) => Outcome::Broken(e),
    }
}

/// Writes the fresh snapshot `text`, or checks the committed one against it.
fn compare(target: &Target, options: &SnapshotOptions, text: String) -> Result<Outcome> {
    let pending = pending_file(&target.file);
    let old = std::fs::read(&target.file)
        .ok()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
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
    // An invalid `snapshot.scale` is left to the analysis, which places it.
    let own = parse(&target.scenario)?.snapshot.scale;
    let scale = options.scale.or(own.filter(|s| s.is_finite() && *s > 0.0));
    let load_options = LoadOptions {
        scale,
        variant: target.variant.clone(),
        allow_outside: options.allow_outside,
        ..LoadOptions::default()
    };
    let loaded = load(&target.scenario, &load_options)?;
    let run_options = RunOptions::dry_run(options.threads, false, true);
    let report = run(&loaded.plan, &run_options).map_err(|e| loaded.place(e))?;
    let output = output_settings(&loaded.plan);
    let variant = target.variant.as_deref();
    let snapshot = Snapshot::of(&report, variant, scale.unwrap_or(1.0), output);
    Ok(snapshot.to_text())
}

/// How the plan's CSV files spell date-times and booleans.
fn output_settings(plan: &crate::plan::Plan) -> IndexMap<String, String> {
    let booleans = match plan.booleans {
        crate::scenario::BoolStyle::Lower => "lower",
        crate::scenario::BoolStyle::Title => "title",
        crate::scenario::BoolStyle::Int => "int",
    };
    IndexMap::from([
        (
            "datetime_format".to_string(),
            plan.datetime_format.pattern(),
        ),
        ("booleans".to_string(), booleans.to_string()),
    ])
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
        (Ok(a), Ok(b)) if a.differs_only_in_bytes(&b) => lines.push(
            "same statistics and settings, different bytes: the generated values changed"
                .to_string(),
        ),
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
        (Err(e), _) | (_, Err(e)) => lines.push(format!(
            "the committed snapshot cannot be read ({}): see the diff",
            e.diagnostics[0].message
        )),
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

impl Outcome {
    fn failed(&self) -> bool {
        matches!(
            self,
            Outcome::Differs { .. } | Outcome::Missing { .. } | Outcome::Broken(_)
        )
    }

    /// Why it failed, in one line: the drift lines (at most three, with how many more), the
    /// error, or the first line of what changed.
    fn why(&self) -> String {
        match self {
            Outcome::Differs { lines, .. } => {
                let moved: Vec<&str> = lines
                    .iter()
                    .take_while(|l| !l.starts_with("---"))
                    .filter_map(|l| l.strip_prefix("  "))
                    .collect();
                match moved.len() {
                    0 => lines.first().cloned().unwrap_or_default(),
                    n if n <= 3 => moved.join("; "),
                    n => format!("{}; and {} more", moved[..3].join("; "), n - 3),
                }
            }
            Outcome::Missing { .. } => {
                "no snapshot yet: run `tutas snapshot` and commit it".to_string()
            }
            Outcome::Broken(e) => {
                let first = e.diagnostics.first().map(|d| d.message.clone());
                format!("cannot be run: {}", first.unwrap_or_default())
            }
            Outcome::Written | Outcome::Unchanged | Outcome::Matches => String::new(),
        }
    }
}

fn print_outcome(target: &Target, outcome: &Outcome, report: Report) {
    let name = target.name();
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
            annotate(report, &target.scenario, 1, &outcome.why());
        }
        Outcome::Differs { pending, lines } => {
            println!(
                "{name}: differs from {file}; the new one is {}",
                pending.display()
            );
            for line in lines {
                println!("  {line}");
            }
            let message = format!("snapshot {file} differs: {}", outcome.why());
            annotate(report, &target.scenario, 1, &message);
        }
        Outcome::Broken(e) => {
            println!("{name}: cannot be snapshotted");
            for line in e.render().lines() {
                println!("  {line}");
            }
            let at = e.diagnostics.iter().find_map(|d| d.location.as_ref());
            annotate(
                report,
                &target.scenario,
                at.map_or(1, |l| l.line),
                &outcome.why(),
            );
        }
    }
}

/// A GitHub Actions error annotation on a line of the scenario.
fn annotate(report: Report, scenario: &Path, line: usize, message: &str) {
    if report == Report::Github {
        println!(
            "::error file={},line={line},title=tutas snapshot::{}",
            scenario.display(),
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

/// Snapshots (and pending ones) in the `snapshots/` folders of the scanned folders that no
/// scenario or variant makes any more: reported, deleted, or failed as asked.
fn stale(paths: &[PathBuf], targets: &[Target], options: &SnapshotOptions) -> Result<Vec<Failure>> {
    let mut failed = Vec::new();
    for folder in paths.iter().filter(|p| p.is_dir()) {
        for file in snap_files(&folder.join("snapshots"), ".snap")
            .into_iter()
            .chain(snap_files(&folder.join("snapshots"), ".snap.new"))
        {
            let made = |t: &Target| t.file == file || pending_file(&t.file) == file;
            if targets.iter().any(made) {
                continue;
            }
            let shown = file.display();
            if options.unreferenced == Unreferenced::Delete {
                std::fs::remove_file(&file).map_err(|e| crate::write::cannot_write(&file, e))?;
                println!("{shown}: stale (its scenario or variant is gone): deleted");
                continue;
            }
            println!("{shown}: stale (its scenario or variant is gone)");
            let reject = options.unreferenced == Unreferenced::Reject;
            if options.report == Report::Github {
                let level = if reject { "error" } else { "warning" };
                println!(
                    "::{level} file={shown},title=tutas snapshot::stale snapshot: its scenario or variant is gone"
                );
            }
            failed.push(Failure {
                what: shown.to_string(),
                why: "stale: its scenario or variant is gone".to_string(),
            });
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

/// `--accept` and `--review`: the pending `.snap.new` of the given scenarios (all of a
/// folder's, including those whose scenario is gone), or the `.snap.new` files given.
fn pending(paths: &[PathBuf], targets: &[Target], mode: Mode) -> Result<()> {
    let mut files: Vec<PathBuf> = targets
        .iter()
        .map(|t| pending_file(&t.file))
        .filter(|p| p.is_file())
        .collect();
    for path in paths {
        if path.is_dir() {
            files.extend(snap_files(&path.join("snapshots"), ".snap.new"));
        } else if path.to_string_lossy().ends_with(".snap.new") {
            files.push(path.clone());
        }
    }
    files.sort();
    files.dedup();
    if files.is_empty() {
        println!(
            "no pending snapshots (`tutas snapshot --check` writes them beside the snapshots it finds different)"
        );
    }
    let stdin = std::io::stdin();
    let mut answers = stdin.lock().lines();
    for new in files {
        let old = PathBuf::from(new.to_string_lossy().trim_end_matches(".new"));
        let accept = match mode {
            Mode::Review => ask(&old, &new, &mut answers),
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

/// Shows a pending snapshot's change and asks until answered: accept (`Some(true)`), reject
/// (`Some(false)`) or skip (`None`; also at the end of the answers).
fn ask(
    old: &Path,
    new: &Path,
    answers: &mut impl Iterator<Item = std::io::Result<String>>,
) -> Option<bool> {
    println!("== {}", old.display());
    let before = std::fs::read_to_string(old).unwrap_or_default();
    let after = std::fs::read_to_string(new).unwrap_or_default();
    for line in explain(&before, &after, old, new) {
        println!("  {line}");
    }
    loop {
        print!("{}: [a]ccept, [r]eject or [s]kip? ", old.display());
        let _ = std::io::stdout().flush();
        match answers.next()?.ok()?.trim() {
            "a" | "accept" => return Some(true),
            "r" | "reject" => return Some(false),
            "s" | "skip" => return None,
            other => println!("`{other}`: answer a, r or s"),
        }
    }
}

/// The closing line, the Markdown summary for GitHub, and the check's failure.
fn summary(
    options: &SnapshotOptions,
    count: usize,
    failed: &[Failure],
    stale: &[Failure],
) -> Result<()> {
    let verb = match options.mode {
        Mode::Check => "checked",
        _ => "made",
    };
    let snapshots = if count == 1 { "snapshot" } else { "snapshots" };
    let mut line = format!("{count} {snapshots} {verb}; {} failed", failed.len());
    if !stale.is_empty() {
        let _ = write!(line, "; {} stale", stale.len());
    }
    println!("{line}");
    if options.report == Report::Github
        && let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY")
    {
        append_summary(Path::new(&path), &line, failed, stale)?;
    }
    let rejected = match options.unreferenced {
        Unreferenced::Reject => stale.len(),
        _ => 0,
    };
    if failed.is_empty() && rejected == 0 {
        return Ok(());
    }
    let mut d = Diagnostic::new(match (failed.len(), rejected) {
        (1, 0) => "1 snapshot failed".to_string(),
        (n, 0) => format!("{n} snapshots failed"),
        (0, s) => format!("{s} stale snapshots (--unreferenced reject)"),
        (n, s) => format!("{n} snapshots failed and {s} are stale"),
    });
    if !failed.is_empty() {
        d = d.help("review the diffs above; `tutas snapshot --review` walks the new snapshots, `tutas snapshot --accept` takes them all");
    }
    Err(Error::runtime(d))
}

/// Appends the check's Markdown summary to GitHub's step summary file.
fn append_summary(path: &Path, line: &str, failed: &[Failure], stale: &[Failure]) -> Result<()> {
    let mut md = format!("### tutas snapshot\n\n{line}.\n\n");
    if !failed.is_empty() || !stale.is_empty() {
        md.push_str("| snapshot | what |\n|---|---|\n");
        for f in failed.iter().chain(stale) {
            let why = f.why.replace('|', "\\|");
            let _ = writeln!(md, "| `{}` | {why} |", f.what);
        }
    }
    let appended = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut file| file.write_all(format!("{md}\n").as_bytes()));
    appended.map_err(|e| crate::write::cannot_write(path, e).into())
}
