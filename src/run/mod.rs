//! Loading a scenario ([`load`]) and running its plan ([`run`]), as named stages over one
//! `RunState`:
//! tables (generated, sampled or read) → features → checks → insights → split and audit →
//! finish (report, manifest, and the staged folder swapped into place).
//!
//! Tables that later stages read are made in memory, registered in the run's SQL engine
//! and written on a thread of their own; the others are streamed to their files.

mod arrange;
mod export;
mod load;
mod produce;
mod queries;
mod snapshot;
mod split_from;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::util::pretty::pretty_format_batches;
use indicatif::ProgressBar;

use crate::error::{Diagnostic, Error, Result};
use crate::generate::{CHUNK_ROWS, ChunkSource, EntityTable, PickedColumns};
use crate::plan::{PairPlan, Part, Plan, TableKind, TablePlan};
use crate::report::profile::TableProfiler;
use crate::report::{Audit, InsightResult, RunReport, SplitReport, TableReport};
use crate::sample::PairSampler;
use crate::split::audit::audit;
use crate::split::{SplitData, split};
use crate::sql::Engine;
use crate::write::csv::CsvStyle;
use crate::write::split::SplitFiles;
use crate::write::staging::{MANIFEST, Manifest, OutputDir};
use crate::write::{Chunk, Format, TableWriter, write_json};
use arrange::{PartOf, Shuffled, Written, counted_rows, messy, part_strata, shuffle_order};
use produce::{BackgroundWrite, ChunkMaker, ReportSlot, Stage, collect, produce, stream_to_file};
use queries::{check_failure, check_result, query_error};

pub use export::{Exported, export};
pub use load::{LoadOptions, Loaded, check_variants, load, load_source};
pub use snapshot::{Mode, Report, SnapshotOptions, Unreferenced, snapshot, snapshot_file};
pub use split_from::split_from;

/// Set by Ctrl-C; the run stops at the next stage boundary and leaves the output folder as it was.
pub static INTERRUPTED: AtomicBool = AtomicBool::new(false);

fn check_interrupt() -> Result<()> {
    if INTERRUPTED.load(Ordering::SeqCst) {
        return Err(Error::msg(
            "interrupted: nothing was written; the output folder is as it was",
        ));
    }
    Ok(())
}

/// Options of a run that do not change its data.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Output folder.
    pub out: PathBuf,
    /// Threads for generation and SQL.
    pub threads: usize,
    /// Show progress bars (on a terminal).
    pub progress: bool,
    /// File format of tables and features.
    pub format: Format,
    /// Memory limit of the SQL engine in bytes (it spills inside the staging folder beyond it).
    pub memory_limit: Option<usize>,
    /// Write even when the output folder holds files no tutas run wrote (they are kept).
    pub force: bool,
    /// Undecided pairs of a stratum up to this count are tested one by one; above it they are
    /// refined ([`crate::sample::MAX_ENUMERATED_PAIRS`] by default).
    pub enumeration_limit: u64,
    /// Finish the files being written before each SQL stage (slower; benchmarks time queries
    /// alone with it).
    pub serial_writes: bool,
    /// Make only this part of each generated table (no SQL, no split).
    pub part: Option<Part>,
    /// With `part`: write only these tables (the tables they read are made in memory).
    /// Empty: every generated table.
    pub only_tables: Vec<String>,
    /// Make everything, write nothing (`tutas check`): every stage runs and is reported, its
    /// files are encoded and hashed but go nowhere.
    pub dry_run: bool,
    /// Profile columns exactly (distinct counts, medians, types: `tutas snapshot`), keeping
    /// every value of a table while it is written.
    pub exact_profiles: bool,
}

impl RunOptions {
    /// The options of a dry run (`tutas check`, `tutas snapshot`): everything made in memory
    /// with `threads`, nothing written; `exact_profiles` for a snapshot.
    pub fn dry_run(threads: usize, progress: bool, exact_profiles: bool) -> RunOptions {
        RunOptions {
            out: PathBuf::from("dry-run"),
            threads,
            progress,
            format: Format::Csv,
            memory_limit: None,
            force: true,
            enumeration_limit: crate::sample::MAX_ENUMERATED_PAIRS,
            serial_writes: false,
            part: None,
            only_tables: Vec::new(),
            dry_run: true,
            exact_profiles,
        }
    }
}

/// A table in memory: its schema and batches.
struct TableData {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
}

/// Everything one run holds between its stages.
struct RunState<'a> {
    plan: &'a Plan,
    options: &'a RunOptions,
    out: OutputDir,
    engine: Engine,
    pool: rayon::ThreadPool,
    style: CsvStyle,
    report: RunReport,
    /// Tables and features that later stages read, in memory.
    data: HashMap<String, TableData>,
    /// The names of the tables later stages read.
    read_later: HashSet<String>,
    /// The tables this run makes: all, or those a part's `only_tables` need.
    needed: HashSet<String>,
    background: Vec<BackgroundWrite>,
    started: Instant,
}

/// Runs a plan end to end and puts its outputs in place; with `options.part`, makes that
/// part of every generated table and stops there.
pub fn run(plan: &Plan, options: &RunOptions) -> Result<RunReport> {
    let mut state = RunState::begin(plan, options)?;
    state.make_tables()?;
    if options.part.is_none() {
        state.run_features()?;
        state.run_checks()?;
        state.run_insights()?;
        state.split_and_audit()?;
    }
    state.finish()
}

/// The tables that later stages read as a whole: paired, picked from, queried, or split (a
/// part runs no SQL and no split: only other tables read them).
fn tables_read_later(plan: &Plan, part: bool) -> HashSet<String> {
    let mut read = HashSet::new();
    for t in &plan.tables {
        read.extend(t.inputs().into_iter().map(str::to_string));
    }
    if part {
        return read;
    }
    for q in plan.queries() {
        read.extend(q.reads.iter().cloned());
    }
    if let Some(sp) = &plan.split {
        read.insert(sp.from.clone());
    }
    read
}

/// The tables to make: every table, or `only` and the tables they read, transitively.
fn tables_needed(plan: &Plan, only: &[String]) -> Result<HashSet<String>> {
    if only.is_empty() {
        return Ok(plan.tables.iter().map(|t| t.name.clone()).collect());
    }
    let mut needed = HashSet::new();
    let mut pending: Vec<String> = only.to_vec();
    while let Some(name) = pending.pop() {
        let table = plan.table(&name).ok_or_else(|| {
            let names: Vec<&str> = plan.tables.iter().map(|t| t.name.as_str()).collect();
            Error::invalid(
                Diagnostic::new(format!("--tables: the scenario has no table `{name}`"))
                    .suggest(&name, names.iter().copied()),
            )
        })?;
        if needed.insert(name.clone()) {
            pending.extend(table.inputs().into_iter().map(str::to_string));
        }
    }
    Ok(needed)
}

impl<'a> RunState<'a> {
    fn begin(plan: &'a Plan, options: &'a RunOptions) -> Result<RunState<'a>> {
        let started = Instant::now();
        let needed = tables_needed(plan, &options.only_tables)?;
        let out = match options.dry_run {
            true => OutputDir::discarding(&options.out),
            false => OutputDir::begin(&options.out, options.force)?,
        };
        // Only a memory limit makes the engine spill; its files stay in the staging folder.
        let spill = match options.memory_limit {
            Some(_) if !out.discards() => Some(out.path(".tutas-spill/")?),
            _ => None,
        };
        let engine = Engine::new(
            &plan.dialect,
            options.threads,
            options.memory_limit,
            spill.as_deref(),
        )?;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(options.threads)
            .build()
            .map_err(|e| Error::msg(format!("cannot start {} threads: {e}", options.threads)))?;
        let mut report = RunReport {
            part: options.part,
            ..RunReport::new(plan)
        };
        report.warnings = out
            .stale_removed()
            .iter()
            .map(|(name, bytes)| {
                format!(
                    "removed `{name}` ({}), the staging folder of an earlier run into the same folder that did not end (killed or crashed)",
                    crate::report::human_bytes(*bytes as f64)
                )
            })
            .collect();
        Ok(RunState {
            plan,
            options,
            out,
            engine,
            pool,
            style: CsvStyle {
                datetime: plan.datetime_format.clone(),
                booleans: plan.booleans,
            },
            report,
            data: HashMap::new(),
            read_later: tables_read_later(plan, options.part.is_some()),
            needed,
            background: Vec::new(),
            started,
        })
    }

    /// A profiler for a table or feature of this schema, exact when the run asks.
    fn profiler(&self, schema: &SchemaRef) -> TableProfiler {
        match self.options.exact_profiles {
            true => TableProfiler::exact(schema),
            false => TableProfiler::new(schema),
        }
    }

    /// The CSV style when tables are written as CSV.
    fn csv_style(&self) -> Option<&CsvStyle> {
        (self.options.format == Format::Csv).then_some(&self.style)
    }

    /// Makes every table in declaration order, then registers the SQL aliases.
    fn make_tables(&mut self) -> Result<()> {
        for table in &self.plan.tables {
            check_interrupt()?;
            if !self.needed.contains(&table.name) {
                continue;
            }
            let report = match &table.kind {
                // A part writes no source table; it reads one only when a table it makes does.
                TableKind::Source(_)
                    if self.options.part.is_some() && !self.read_later.contains(&table.name) =>
                {
                    None
                }
                TableKind::Source(path) => {
                    Some(self.read_source(table, path)?).filter(|_| self.options.part.is_none())
                }
                TableKind::Entity(entity) => {
                    let picked = self.bind_picks(&entity.picks)?;
                    let source = EntityTable::new(entity, self.plan.seed, picked);
                    self.make_table(table, &source, Vec::new(), Instant::now())?
                }
                TableKind::Pairs(pairs) => self.make_pair_table(table, pairs)?,
            };
            self.report.tables.extend(report);
        }
        if self.options.part.is_none() {
            for (alias, target) in &self.plan.aliases {
                self.engine.register_alias(alias, target)?;
            }
        }
        Ok(())
    }

    fn bind_picks(&self, picks: &[crate::plan::PickSource]) -> Result<PickedColumns> {
        PickedColumns::bind(picks, |name| {
            self.data
                .get(name)
                .map(|t| (&t.schema, t.batches.as_slice()))
        })
    }

    fn make_pair_table(
        &mut self,
        table: &TablePlan,
        pairs: &PairPlan,
    ) -> Result<Option<TableReport>> {
        // The sampler's preparation (grouping, classifying, counting) is part of the table's time.
        let started = Instant::now();
        let sides = [
            self.whole_table(&pairs.sides[0].table)?,
            self.whole_table(&pairs.sides[1].table)?,
        ];
        let picked = self.bind_picks(&pairs.picks)?;
        let (sampler, strata) = self.pool.install(|| {
            PairSampler::new(
                pairs,
                [&sides[0], &sides[1]],
                picked,
                self.plan.seed,
                self.options.enumeration_limit,
            )
        })?;
        self.make_table(table, &sampler, strata, started)
    }

    /// All rows of a made table as one batch.
    fn whole_table(&self, name: &str) -> Result<RecordBatch> {
        let t = self
            .data
            .get(name)
            .ok_or_else(|| Error::msg(format!("table `{name}` was not made")))?;
        Ok(concat_batches(&t.schema, &t.batches)?)
    }

    /// Makes a generated or sampled table: kept in memory and written in the background when
    /// later stages read it, else streamed to its file. A part writes only its rows, and only
    /// the tables asked for (the others it makes are inputs of those, kept in memory). A
    /// shuffled table is made whole first; hidden columns are kept for later tables only.
    fn make_table(
        &mut self,
        table: &TablePlan,
        made: &dyn ChunkSource,
        strata: Vec<crate::report::StratumReport>,
        started: Instant,
    ) -> Result<Option<TableReport>> {
        let whole: u64 = (0..made.chunk_count()).map(|c| made.chunk_rows(c)).sum();
        let mut stage = Stage::start(
            format!("table {}", table.name),
            whole,
            self.options.progress,
        );
        stage.started = started;
        let range = self.options.part.map_or(0..whole, |p| p.rows(whole));
        let order = match table.shuffle {
            true => Some(shuffle_order(self.plan.seed, &table.name, whole)?),
            false => None,
        };
        let messy = self.messy(made, table, &strata, range.clone(), order.as_deref());
        let made: &dyn ChunkSource = messy.as_ref().map_or(made, |m| m as &dyn ChunkSource);
        let shuffled = match order {
            Some(order) => Some(Shuffled::new(&self.pool, made, table, order, &stage.bar)?),
            None => None,
        };
        let source: &dyn ChunkSource = shuffled.as_ref().map_or(made, |s| s as &dyn ChunkSource);
        let strata = match (self.options.part, &shuffled) {
            (None, _) => strata,
            (Some(_), None) => part_strata(strata, range.clone(), None),
            (Some(_), Some(s)) => part_strata(strata, range.clone(), Some(&|r| s.origin(r))),
        };
        let written = Written { source, table };
        let part = PartOf::new(&written, range);
        let rows = part.rows();
        let mut report = TableReport {
            name: table.name.clone(),
            rows,
            columns: table.written_schema().fields().len(),
            strata,
            profile: Vec::new(),
            mess: Vec::new(),
        };
        let schema = table.written_schema();
        let profiler = self.profiler(&schema);
        if self.read_later.contains(&table.name) {
            // A shuffled table's progress was shown while it was made.
            let bar = match shuffled {
                Some(_) => ProgressBar::hidden(),
                None => stage.bar.clone(),
            };
            let batches = collect(&self.pool, source, &bar)?;
            stage.computed();
            self.keep_table(table, batches.clone())?;
            if !self.writes(table) {
                stage.done(0, &mut self.report.timings);
                return Ok(None);
            }
            let writer = self.writer("unprocessed", &table.name, &schema)?;
            let cut = part
                .cut(&batches)
                .iter()
                .map(|b| table.written_batch(b))
                .collect();
            self.background.push(BackgroundWrite::start(
                cut,
                writer,
                profiler,
                self.csv_style().cloned(),
                stage.started,
                self.report.timings.len(),
                ReportSlot::Table(self.report.tables.len()),
            ));
        } else {
            stage.bar.set_length(rows);
            report.profile = self.stream_table(table, &part, profiler, &mut stage)?;
        }
        report.mess = messy.map(|m| m.counts()).unwrap_or_default();
        stage.done(rows, &mut self.report.timings);
        Ok(Some(report))
    }

    /// The made table with its mess put in, counting the changes of the rows this run writes
    /// (`rows`, in written order; `order` maps written to made rows for a shuffled table).
    fn messy<'m>(
        &self,
        made: &'m dyn ChunkSource,
        table: &'m TablePlan,
        strata: &[crate::facts::StratumReport],
        rows: std::ops::Range<u64>,
        order: Option<&[u32]>,
    ) -> Option<crate::generate::mess::Messy<'m>> {
        let messy = messy(made, table, self.plan.seed, strata)?;
        Some(match self.options.part {
            Some(_) => messy.counting(counted_rows(rows, order)),
            None => messy,
        })
    }

    /// Makes `part` of a table no later stage reads and streams it to its file; returns the
    /// column profiles.
    fn stream_table(
        &self,
        table: &TablePlan,
        part: &PartOf,
        mut profiler: TableProfiler,
        stage: &mut Stage,
    ) -> Result<Vec<crate::report::ColumnProfile>> {
        let mut writer = self.writer("unprocessed", &table.name, &table.written_schema())?;
        let style = self.csv_style().cloned();
        stream_to_file(
            &self.pool,
            part,
            &mut writer,
            &mut profiler,
            style.as_ref(),
            &stage.bar,
        )?;
        stage.bytes += writer.finish(&self.out)?;
        Ok(profiler.finish())
    }

    /// Whether this run writes `table`: always, but in a part that names other `--tables`.
    fn writes(&self, table: &TablePlan) -> bool {
        self.options.part.is_none()
            || self.options.only_tables.is_empty()
            || self.options.only_tables.contains(&table.name)
    }

    /// Keeps a made table whole for the tables that read it, and registers what SQL sees.
    fn keep_table(&mut self, table: &TablePlan, batches: Vec<RecordBatch>) -> Result<()> {
        let written: Vec<RecordBatch> = batches.iter().map(|b| table.written_batch(b)).collect();
        self.engine
            .register(&table.name, table.written_schema(), written)?;
        self.data.insert(
            table.name.clone(),
            TableData {
                schema: table.schema.clone(),
                batches,
            },
        );
        Ok(())
    }

    /// A staged file for a table or feature, in the run's format.
    fn writer(&self, folder: &str, name: &str, schema: &SchemaRef) -> Result<TableWriter> {
        TableWriter::create(&self.out, folder, name, schema, self.options.format)
    }

    /// Registers a `source` file as a table (queries read the file), reads it whole to profile
    /// it, and keeps its rows when later stages pair or pick from them.
    fn read_source(&mut self, table: &TablePlan, path: &std::path::Path) -> Result<TableReport> {
        let (schema, batches) = crate::source::read(&self.engine, path)
            .map_err(|e| e.at_path(&format!("tables.{}.source", table.name)))?;
        let mut profiler = self.profiler(&schema);
        batches.iter().for_each(|b| profiler.add(b));
        let rows = batches.iter().map(|b| b.num_rows() as u64).sum();
        // Registered whatever reads it: an alias may name it.
        match self.read_later.contains(&table.name) {
            true => self.keep(&table.name, schema.clone(), batches)?,
            false => self.engine.register(&table.name, schema.clone(), batches)?,
        }
        Ok(TableReport {
            name: table.name.clone(),
            rows,
            columns: schema.fields().len(),
            strata: Vec::new(),
            profile: profiler.finish(),
            mess: Vec::new(),
        })
    }

    /// Keeps a table in memory and registers it in the engine.
    fn keep(&mut self, name: &str, schema: SchemaRef, batches: Vec<RecordBatch>) -> Result<()> {
        self.engine
            .register(name, schema.clone(), batches.clone())?;
        self.data
            .insert(name.to_string(), TableData { schema, batches });
        Ok(())
    }

    fn run_features(&mut self) -> Result<()> {
        for q in &self.plan.features {
            check_interrupt()?;
            if self.options.serial_writes {
                for write in std::mem::take(&mut self.background) {
                    write.finish(&self.out, &mut self.report)?;
                }
            }
            let mut stage = Stage::start(format!("feature {}", q.name), 0, self.options.progress);
            let (schema, batches) = self
                .engine
                .query(&q.sql)
                .map_err(|e| query_error("feature", q, &e))?;
            stage.computed();
            let writer = self.writer("processed_1", &q.name, &schema)?;
            self.keep(&q.name, schema.clone(), batches.clone())?;
            let rows = batches.iter().map(|b| b.num_rows() as u64).sum();
            self.background.push(BackgroundWrite::start(
                batches,
                writer,
                self.profiler(&schema),
                self.csv_style().cloned(),
                stage.started,
                self.report.timings.len(),
                ReportSlot::Feature(self.report.features.len()),
            ));
            self.report.features.push(TableReport {
                name: q.name.clone(),
                rows,
                columns: schema.fields().len(),
                strata: Vec::new(),
                profile: Vec::new(),
                mess: Vec::new(),
            });
            stage.done(rows, &mut self.report.timings);
        }
        Ok(())
    }

    /// Each check is first counted on every core; only a check that returns rows (a failure,
    /// or one boolean) is run again for them, in the one-partition order.
    fn run_checks(&mut self) -> Result<()> {
        for q in &self.plan.checks {
            check_interrupt()?;
            let rows = self
                .engine
                .count_rows(&q.sql)
                .map_err(|e| query_error("check", q, &e))?;
            let batches = match rows {
                0 => Vec::new(),
                _ => {
                    self.engine
                        .query(&q.sql)
                        .map_err(|e| query_error("check", q, &e))?
                        .1
                }
            };
            let result = check_result(&q.name, &batches);
            if !result.passed {
                return Err(check_failure(q, &result, &batches));
            }
            self.report.checks.push(result);
        }
        Ok(())
    }

    fn run_insights(&mut self) -> Result<()> {
        for q in &self.plan.insights {
            check_interrupt()?;
            let (schema, batches) = self
                .engine
                .query(&q.sql)
                .map_err(|e| query_error("insight", q, &e))?;
            self.report.insights.push(InsightResult {
                name: q.name.clone(),
                columns: schema.fields().iter().map(|f| f.name().clone()).collect(),
                table: pretty_format_batches(&batches)?.to_string(),
                rows: crate::report::batches_to_json(&batches)?,
            });
        }
        Ok(())
    }

    /// The split, its preprocessing file and the audit (which runs while the split's files are
    /// written). No SQL runs after this point: every table but the split's source is released.
    fn split_and_audit(&mut self) -> Result<()> {
        self.engine.forget_tables()?;
        let source = self
            .plan
            .split
            .as_ref()
            .and_then(|sp| self.data.remove(&sp.from));
        self.data.clear();
        let Some(sp) = &self.plan.split else {
            return Ok(());
        };
        check_interrupt()?;
        let mut stage = Stage::start("split", 0, self.options.progress);
        let TableData { schema, batches } =
            source.ok_or_else(|| Error::msg(format!("split source `{}` was not made", sp.from)))?;
        // A table split directly is split as written: without its hidden columns, by name
        // (`tutas split --from` reads only the columns the split needs).
        let (schema, batches) = match self.plan.table(&sp.from) {
            Some(t) => {
                let written = t.written_schema();
                let kept: Vec<usize> = (0..schema.fields().len())
                    .filter(|&i| written.field_with_name(schema.field(i).name()).is_ok())
                    .collect();
                let batches = batches
                    .iter()
                    .map(|b| b.project(&kept))
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                (Arc::new(schema.project(&kept)?), batches)
            }
            None => (schema, batches),
        };
        let s = self.pool.install(|| split(sp, &schema, &batches))?;
        stage.computed();
        drop(batches);
        let (written, audited) = self.pool.install(|| {
            rayon::join(
                || write_split(&s, &self.out, &self.style, &self.pool, &stage.bar),
                || {
                    audit(&s, sp.leak_threshold, |f| {
                        crate::split::audit::lineage(self.plan, &sp.target, f)
                    })
                },
            )
        });
        stage.bytes += written?;
        let audited = audited?;
        write_json(
            &self.out,
            "processed_2/preprocessing.json",
            &crate::write::split::preprocessing(sp, &s),
        )?;
        self.report.split = Some(SplitReport {
            method: s.method.clone(),
            train: s.balance(&s.train),
            test: s.balance(&s.test),
            scalers: s.scalers.clone(),
            features: s.columns.iter().map(|c| c.name.clone()).collect(),
            imputed: s.imputed.clone(),
        });
        stage.done(
            s.train.len() as u64 + s.test.len() as u64,
            &mut self.report.timings,
        );
        if let Some(caveat) = &audited.caveat {
            self.report
                .warnings
                .push(format!("split of `{}`: {caveat}", sp.from));
        }
        let leaks = !audited.leaks.is_empty();
        if sp.leak_is_error && leaks {
            return Err(leak_error(&audited));
        }
        self.report.audit = Some(audited);
        Ok(())
    }

    /// Waits for the background writes, writes the manifest and the report, and puts the
    /// staged folder in place.
    fn finish(mut self) -> Result<RunReport> {
        for write in std::mem::take(&mut self.background) {
            write.finish(&self.out, &mut self.report)?;
        }
        check_interrupt()?;
        // The engine's spill files must go before the folder is committed.
        drop(self.engine);
        if !self.out.discards() {
            let spill = self.out.path(".tutas-spill/")?;
            if spill.exists() {
                std::fs::remove_dir_all(&spill)?;
            }
        }
        let files = self.out.staged_files()?;
        write_json(
            &self.out,
            MANIFEST,
            &serde_json::to_value(Manifest {
                files: files.clone(),
            })
            .map_err(|e| Error::msg(format!("JSON error: {e}")))?,
        )?;
        self.report.files = files;
        self.report.seconds = self.started.elapsed().as_secs_f64();
        write_json(&self.out, "report.json", &self.report.to_json())?;
        let html = crate::report::html::render(&self.report);
        self.out.write_file("report.html", html.as_bytes())?;
        self.out.commit()?;
        Ok(self.report)
    }
}

/// Writes X and y of both parts (`processed_2/`); returns the bytes written.
fn write_split(
    s: &SplitData,
    out: &OutputDir,
    style: &CsvStyle,
    pool: &rayon::ThreadPool,
    bar: &ProgressBar,
) -> Result<u64> {
    let mut bytes = 0;
    for (name, rows) in [("train", &s.train), ("test", &s.test)] {
        let blocks = rows.chunks(CHUNK_ROWS as usize).collect::<Vec<_>>();
        let x = |i: u64| {
            let block = blocks[i as usize];
            Chunk::from_lines(block.len(), s.x_lines(block))
        };
        let y = |i: u64| Chunk::new(s.y_batch(blocks[i as usize])?, Some(style));
        let parts: [(String, SchemaRef, &ChunkMaker); 2] = [
            (format!("X_{name}"), s.x_schema(), &x),
            (format!("y_{name}"), s.y_schema(), &y),
        ];
        for (file, schema, part) in parts {
            let mut writer = TableWriter::create(out, "processed_2", &file, &schema, Format::Csv)?;
            produce(
                pool,
                blocks.len() as u64,
                part,
                &mut |c: &Chunk| writer.write(c),
                bar,
            )?;
            bytes += writer.finish(out)?;
        }
    }
    Ok(bytes)
}

fn leak_error(a: &Audit) -> Error {
    let mut d = Diagnostic::at(
        "split.audit.on_leak",
        format!("suspected label leak: {}", a.leaks.join(", ")),
    );
    for f in a.features.iter().filter(|f| f.leak) {
        if let Some(r) = &f.reason {
            d = d.note(r.clone());
        }
    }
    Error::runtime(
        d.help("drop the leaking columns in `split.drop`, or set `split.audit.on_leak: warn`"),
    )
}
