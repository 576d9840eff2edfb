//! The pipeline of one run: generate → sample → features → checks → insights → split → audit → write.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::util::pretty::pretty_format_batches;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde_json::json;

use crate::analyze::{Plan, TableKind};
use crate::audit::{Audit, audit};
use crate::error::{Diagnostic, Error, Result};
use crate::generate::{CHUNK_ROWS, GenKind, chunk_count, generate_chunk};
use crate::output::{Chunk, CsvStyle, Format, OutputDir, TableWriter, write_json};
use crate::profile::TableProfiler;
use crate::report::{CheckResult, InsightResult, RunReport, StageTiming, TableReport};
use crate::sample::PairSampler;
use crate::scenario::Scenario;
use crate::split::{SplitData, split};
use crate::sql::{Engine, clean_error};
use datafusion::error::DataFusionError;

/// Set by Ctrl-C; the run stops at the next stage boundary and leaves the output folder as it was.
pub static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Options of a run that do not change its data.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Output folder.
    pub out: PathBuf,
    /// Threads for generation.
    pub threads: usize,
    /// Show progress bars (on a terminal).
    pub progress: bool,
    /// File format of tables and features.
    pub format: Format,
}

fn check_interrupt() -> Result<()> {
    if INTERRUPTED.load(Ordering::SeqCst) {
        return Err(Error::msg(
            "interrupted: nothing was written; the output folder is as it was",
        ));
    }
    Ok(())
}

/// One stage of the run: a progress bar while it runs, a timing when it ends.
struct Stage {
    name: String,
    started: Instant,
    bar: ProgressBar,
    /// Bytes of the files the stage wrote.
    bytes: u64,
}

impl Stage {
    fn start(name: impl Into<String>, rows: u64, progress: bool) -> Stage {
        let name = name.into();
        let bar = if progress {
            ProgressBar::new(rows)
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:>28} [{bar:30}] {human_pos}/{human_len} rows {per_sec} {eta}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.set_prefix(name.clone());
        Stage {
            name,
            started: Instant::now(),
            bar,
            bytes: 0,
        }
    }

    fn done(self, rows: u64, timings: &mut Vec<StageTiming>) {
        self.bar.finish_and_clear();
        timings.push(StageTiming {
            stage: self.name,
            rows,
            bytes: self.bytes,
            seconds: self.started.elapsed().as_secs_f64(),
        });
    }
}

/// Tables that later stages read as a whole: picked from, paired, queried by SQL, or split.
fn kept_in_memory(plan: &Plan) -> HashSet<String> {
    let mut keep = HashSet::new();
    for t in &plan.tables {
        match &t.kind {
            TableKind::Pairs(p) => keep.extend(p.sides.iter().map(|(_, table)| table.clone())),
            TableKind::Entity(e) => {
                for c in &e.columns {
                    let mut c = c.clone();
                    c.visit_gens_mut(&mut |g| {
                        if let GenKind::Pick { table, .. } = &g.kind {
                            keep.insert(table.clone());
                        }
                    });
                }
            }
            TableKind::Source(_) => {}
        }
    }
    let words: HashSet<&str> = plan
        .features
        .iter()
        .chain(&plan.checks)
        .chain(&plan.insights)
        .flat_map(|q| q.sql.split(|c: char| !(c.is_alphanumeric() || c == '_')))
        .collect();
    for t in &plan.tables {
        if words.contains(t.name.as_str()) {
            keep.insert(t.name.clone());
        }
    }
    for (alias, target) in &plan.aliases {
        if alias.split('.').any(|part| words.contains(part)) {
            keep.insert(target.clone());
        }
    }
    if let Some(sp) = &plan.split {
        keep.insert(sp.from.clone());
    }
    keep
}

/// Makes the batch with a given index.
type Maker<'a> = dyn Fn(u64) -> Result<RecordBatch> + Sync + 'a;

/// Makes the chunk (batch and, for CSV, its lines) with a given index.
type ChunkMaker<'a> = dyn Fn(u64) -> Result<Chunk> + Sync + 'a;

/// A sink that writes each chunk and adds it to the table's profile.
fn write_and_profile<'a>(
    writer: &'a mut TableWriter,
    profiler: &'a mut TableProfiler,
) -> impl FnMut(&Chunk) -> Result<()> + Send + 'a {
    move |c| {
        writer.write(c)?;
        profiler.add(&c.batch);
        Ok(())
    }
}

/// Which report entry a background write profiles.
enum Entry {
    Table(usize),
    Feature(usize),
}

/// A kept table's file, written on its own thread while later stages run. Stages then
/// overlap: a stage's seconds run until its file is complete.
struct BackgroundWrite {
    thread: std::thread::JoinHandle<Result<(TableWriter, TableProfiler, Instant)>>,
    started: Instant,
    timing: usize,
    entry: Entry,
}

impl BackgroundWrite {
    fn start(
        batches: Vec<RecordBatch>,
        mut writer: TableWriter,
        mut profiler: TableProfiler,
        style: Option<CsvStyle>,
        stage: &Stage,
        timing: usize,
        entry: Entry,
    ) -> BackgroundWrite {
        let thread = std::thread::spawn(move || {
            {
                let mut sink = write_and_profile(&mut writer, &mut profiler);
                for batch in batches {
                    check_interrupt()?;
                    sink(&Chunk::new(batch, style.as_ref())?)?;
                }
            }
            Ok((writer, profiler, Instant::now()))
        });
        BackgroundWrite {
            thread,
            started: stage.started,
            timing,
            entry,
        }
    }

    /// Waits for the file, then records its size, the stage's time and the table's profile.
    fn finish(self, out: &OutputDir, report: &mut RunReport) -> Result<()> {
        let (writer, profiler, ended) = self
            .thread
            .join()
            .unwrap_or_else(|_| Err(Error::msg("a writer thread panicked")))?;
        let timing = &mut report.timings[self.timing];
        timing.bytes += writer.finish(out)?;
        timing.seconds = (ended - self.started).as_secs_f64();
        let table = match self.entry {
            Entry::Table(i) => &mut report.tables[i],
            Entry::Feature(i) => &mut report.features[i],
        };
        table.profile = profiler.finish();
        Ok(())
    }
}

/// Makes `chunks` chunks in waves on the pool; `sink` takes each wave in order while the next
/// is made, and each chunk is dropped once the sink has it.
fn produce(
    pool: &rayon::ThreadPool,
    chunks: u64,
    make: &ChunkMaker,
    sink: &mut (dyn FnMut(&Chunk) -> Result<()> + Send),
    bar: &ProgressBar,
) -> Result<()> {
    let wave = (pool.current_num_threads() as u64 * 2).max(2);
    let mut pending: Vec<Chunk> = Vec::new();
    let mut next = 0;
    loop {
        check_interrupt()?;
        let range = next..(next + wave).min(chunks);
        next = range.end;
        let (made, written) = pool.install(|| {
            rayon::join(
                || range.into_par_iter().map(make).collect::<Result<Vec<_>>>(),
                || pending.iter().try_for_each(&mut *sink),
            )
        });
        written?;
        for c in pending.drain(..) {
            bar.inc(c.batch.num_rows() as u64);
        }
        pending = made?;
        if pending.is_empty() {
            return Ok(());
        }
    }
}

/// Runs a plan end to end and commits its outputs.
pub fn run(
    plan: &Plan,
    scenario: &Scenario,
    scenario_text: &str,
    engine: &Engine,
    opts: &RunOptions,
) -> Result<RunReport> {
    let started = Instant::now();
    let out = OutputDir::begin(&opts.out)?;
    let style = CsvStyle {
        datetime: plan.datetime_format.clone(),
        booleans: plan.booleans,
    };
    let mut data: HashMap<String, (SchemaRef, Vec<RecordBatch>)> = HashMap::new();
    let mut report = RunReport::new(plan, scenario_text);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(|e| Error::msg(format!("cannot start {} threads: {e}", opts.threads)))?;

    let keep = kept_in_memory(plan);
    let mut background: Vec<BackgroundWrite> = Vec::new();
    let csv_style = (opts.format == Format::Csv).then_some(&style);
    for table in &plan.tables {
        check_interrupt()?;
        let keep_this = keep.contains(&table.name);
        let (batches, strata, rows, profile) = match &table.kind {
            TableKind::Source(_) => {
                let batches = if keep_this {
                    engine.read_table(&table.name)?.1
                } else {
                    Vec::new()
                };
                let rows = batches.iter().map(|b| b.num_rows() as u64).sum();
                let mut profiler = TableProfiler::new(&table.schema);
                batches.iter().for_each(|b| profiler.add(b));
                (batches, Vec::new(), rows, profiler.finish())
            }
            kind => {
                let mut writer = TableWriter::create(
                    &out,
                    "unprocessed",
                    &table.name,
                    &table.schema,
                    opts.format,
                )?;
                let planned = match kind {
                    TableKind::Entity(e) => e.rows,
                    TableKind::Pairs(p) => p.rows,
                    TableKind::Source(_) => 0,
                };
                let mut stage =
                    Stage::start(format!("table {}", table.name), planned, opts.progress);
                let mut profiler = TableProfiler::new(&table.schema);
                // Declared here so that the chunk maker below can borrow them.
                let (entity, sides, sampler);
                let (chunks, make, strata): (u64, Box<Maker>, _) = match kind {
                    TableKind::Entity(plan_of_entity) => {
                        let mut bound = plan_of_entity.clone();
                        bind_picks(&mut bound, &data)?;
                        entity = bound;
                        let make = |c| generate_chunk(&entity, plan.seed, c);
                        (chunk_count(entity.rows), Box::new(make), Vec::new())
                    }
                    TableKind::Pairs(pairs) => {
                        sides = [
                            whole(&data, &pairs.sides[0].1)?,
                            whole(&data, &pairs.sides[1].1)?,
                        ];
                        let (made, strata) = pool.install(|| {
                            PairSampler::new(pairs, [&sides[0], &sides[1]], plan.seed)
                        })?;
                        sampler = made;
                        (sampler.chunks(), Box::new(|i| sampler.chunk(i)), strata)
                    }
                    TableKind::Source(_) => unreachable!("handled above"),
                };
                let rows = planned;
                if keep_this {
                    // Kept whole anyway: made first, written on another thread while later stages run.
                    let mut batches = Vec::new();
                    produce(
                        &pool,
                        chunks,
                        &|c| Chunk::new(make(c)?, None),
                        &mut |c: &Chunk| {
                            batches.push(c.batch.clone());
                            Ok(())
                        },
                        &stage.bar,
                    )?;
                    engine.register(&table.name, table.schema.clone(), batches.clone())?;
                    background.push(BackgroundWrite::start(
                        batches.clone(),
                        writer,
                        profiler,
                        csv_style.cloned(),
                        &stage,
                        report.timings.len(),
                        Entry::Table(report.tables.len()),
                    ));
                    stage.done(rows, &mut report.timings);
                    (batches, strata, rows, Vec::new())
                } else {
                    produce(
                        &pool,
                        chunks,
                        &|c| Chunk::new(make(c)?, csv_style),
                        &mut write_and_profile(&mut writer, &mut profiler),
                        &stage.bar,
                    )?;
                    stage.bytes += writer.finish(&out)?;
                    stage.done(rows, &mut report.timings);
                    (Vec::new(), strata, rows, profiler.finish())
                }
            }
        };
        if keep_this {
            data.insert(table.name.clone(), (table.schema.clone(), batches));
        }
        report.tables.push(TableReport {
            name: table.name.clone(),
            rows,
            columns: table.schema.fields().len(),
            strata,
            profile,
        });
    }
    for (alias, target) in &plan.aliases {
        engine.register_alias(alias, target)?;
    }

    for q in &plan.features {
        check_interrupt()?;
        let stage = Stage::start(format!("feature {}", q.name), 0, opts.progress);
        let (schema, batches) = engine
            .query(&q.sql)
            .map_err(|e| query_error("feature", &q.name, &q.path, &e))?;
        let writer = TableWriter::create(&out, "processed_1", &q.name, &schema, opts.format)?;
        engine.register(&q.name, schema.clone(), batches.clone())?;
        background.push(BackgroundWrite::start(
            batches.clone(),
            writer,
            TableProfiler::new(&schema),
            csv_style.cloned(),
            &stage,
            report.timings.len(),
            Entry::Feature(report.features.len()),
        ));
        let rows = batches.iter().map(|b| b.num_rows() as u64).sum();
        report.features.push(TableReport {
            name: q.name.clone(),
            rows,
            columns: schema.fields().len(),
            strata: Vec::new(),
            profile: Vec::new(),
        });
        data.insert(q.name.clone(), (schema, batches));
        stage.done(rows, &mut report.timings);
    }

    for q in &plan.checks {
        check_interrupt()?;
        let (_, batches) = engine
            .query(&q.sql)
            .map_err(|e| query_error("check", &q.name, &q.path, &e))?;
        let result = check_result(&q.name, &batches)?;
        let passed = result.passed;
        report.checks.push(result);
        if !passed {
            let shown = first_rows(&batches, 10)?;
            return Err(Error::runtime(
                Diagnostic::at(
                    &q.path,
                    format!(
                        "check `{}` failed: {}",
                        q.name,
                        report
                            .checks
                            .last()
                            .map(|c| c.detail.clone())
                            .unwrap_or_default()
                    ),
                )
                .note(format!("query: {}", q.sql.trim()))
                .note(format!("first offending rows:\n{shown}")),
            ));
        }
    }

    for q in &plan.insights {
        check_interrupt()?;
        let (_, batches) = engine
            .query(&q.sql)
            .map_err(|e| query_error("insight", &q.name, &q.path, &e))?;
        let table = pretty_format_batches(&batches)?.to_string();
        report.insights.push(InsightResult {
            name: q.name.clone(),
            table,
            rows: crate::report::batches_to_json(&batches)?,
        });
    }

    // No SQL runs after this point: only the split's source stays in memory (and the batches
    // that background writes still hold).
    engine.forget_tables()?;
    let split_source = plan.split.as_ref().and_then(|sp| data.remove(&sp.from));
    drop(data);

    if let Some(sp) = &plan.split {
        check_interrupt()?;
        let mut stage = Stage::start("split", 0, opts.progress);
        let (schema, batches) = split_source
            .ok_or_else(|| Error::msg(format!("split source `{}` was not made", sp.from)))?;
        let s = pool.install(|| split(sp, &schema, &batches))?;
        drop(batches);
        // The audit reads the split while its files are written: both at once.
        let (written, audit_result) = pool.install(|| {
            rayon::join(
                || write_split(&s, &out, &style, &pool, &stage.bar),
                || audit(&s, sp.leak_threshold, |f| lineage(scenario, &sp.target, f)),
            )
        });
        stage.bytes += written?;
        let audit_result = audit_result?;
        let preprocessing = json!({
            "source": sp.from,
            "target": sp.target,
            "features": s.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
            "booleans_as_0_1": s.booleans,
            "one_hot": s.one_hot,
            "standardize": s.scalers,
            "test_size": sp.test_size,
            "stratify": sp.stratify,
            "seed": sp.seed,
        });
        write_json(&out.path("processed_2/preprocessing.json")?, &preprocessing)?;
        report.split = Some(crate::report::SplitReport {
            train: s.balance(&s.train),
            test: s.balance(&s.test),
            scalers: s.scalers.clone(),
            features: s.columns.iter().map(|c| c.name.clone()).collect(),
        });
        stage.done(
            s.train.len() as u64 + s.test.len() as u64,
            &mut report.timings,
        );
        let leaks = audit_result.leaks.clone();
        report.audit = Some(audit_result);
        if sp.leak_is_error && !leaks.is_empty() {
            return Err(leak_error(report.audit.as_ref().expect("set")));
        }
    }

    for write in background {
        write.finish(&out, &mut report)?;
    }
    check_interrupt()?;
    report.seconds = started.elapsed().as_secs_f64();
    for (path, bytes, sha256) in out.staged_files()? {
        report.files.push(crate::report::FileReport {
            path,
            bytes,
            sha256,
        });
    }
    write_json(&out.path("report.json")?, &report.to_json())?;
    std::fs::write(out.path("report.html")?, crate::html::render(&report))?;
    out.commit()?;
    Ok(report)
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
        for (file, schema, part) in [
            (
                format!("X_{name}"),
                s.x_schema(),
                &(|i: u64| {
                    let block = blocks[i as usize];
                    Chunk::from_lines(block.len(), s.x_lines(block))
                }) as &ChunkMaker,
            ),
            (format!("y_{name}"), s.y_schema(), &|i: u64| {
                Chunk::new(s.y_batch(blocks[i as usize])?, Some(style))
            }),
        ] {
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

/// How the target is defined from a feature, when a `derive` column of that name reads it.
fn lineage(scenario: &Scenario, target: &str, feature: &str) -> Option<String> {
    for (table, t) in &scenario.tables {
        if let Some(sql) = t.derive.get(target) {
            let mentions = sql
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|w| w == feature);
            if mentions {
                return Some(format!(
                    "`{target}` is defined from it: `{}` (tables.{table}.derive.{target})",
                    sql.trim()
                ));
            }
        }
    }
    None
}

fn whole(data: &HashMap<String, (SchemaRef, Vec<RecordBatch>)>, name: &str) -> Result<RecordBatch> {
    let (schema, batches) = data
        .get(name)
        .ok_or_else(|| Error::msg(format!("table `{name}` was not made")))?;
    Ok(concat_batches(schema, batches)?)
}

fn bind_picks(
    entity: &mut crate::generate::EntityPlan,
    data: &HashMap<String, (SchemaRef, Vec<RecordBatch>)>,
) -> Result<()> {
    let mut failure = None;
    for column in &mut entity.columns {
        column.visit_gens_mut(&mut |g| {
            if let GenKind::Pick {
                table,
                column,
                source,
            } = &mut g.kind
            {
                match whole(data, table) {
                    Ok(batch) => match batch.column_by_name(column) {
                        Some(a) if !a.is_empty() => *source = Some(Arc::clone(a)),
                        _ => {
                            failure = Some(format!(
                                "cannot pick from `{table}.{column}`: it has no rows"
                            ))
                        }
                    },
                    Err(e) => failure = Some(e.render()),
                }
            }
        });
    }
    match failure {
        Some(f) => Err(Error::msg(f)),
        None => Ok(()),
    }
}

fn query_error(
    kind: &str,
    name: &str,
    path: &str,
    e: &datafusion::error::DataFusionError,
) -> Error {
    let mut diagnostic = Diagnostic::at(path, format!("{kind} `{name}` failed"))
        .note(format!("SQL engine: {}", clean_error(e)));
    if matches!(e.find_root(), DataFusionError::ResourcesExhausted(_)) {
        diagnostic = diagnostic.help(
            "raise --memory-limit: sorts and aggregations spill to disk, but a join's hash table \
             (built on the side estimated smaller) must fit in memory",
        );
    }
    Error::runtime(diagnostic)
}

fn check_result(name: &str, batches: &[RecordBatch]) -> Result<CheckResult> {
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    let single_bool = rows == 1
        && batches.iter().find(|b| b.num_rows() == 1).is_some_and(|b| {
            b.num_columns() == 1
                && b.column(0).data_type() == &datafusion::arrow::datatypes::DataType::Boolean
        });
    let (passed, detail) = if single_bool {
        let b = batches.iter().find(|b| b.num_rows() == 1).expect("one row");
        use datafusion::arrow::array::{Array, AsArray};
        let v = b.column(0).as_boolean();
        let ok = !v.is_null(0) && v.value(0);
        (
            ok,
            if ok {
                "returned true".to_string()
            } else {
                "returned false".to_string()
            },
        )
    } else if rows == 0 {
        (true, "returned no rows".to_string())
    } else {
        (
            false,
            format!("returned {rows} rows; a check must return no rows"),
        )
    };
    Ok(CheckResult {
        name: name.to_string(),
        passed,
        detail,
    })
}

fn first_rows(batches: &[RecordBatch], n: usize) -> Result<String> {
    let mut left = n;
    let mut shown = Vec::new();
    for b in batches {
        if left == 0 {
            break;
        }
        let take = b.num_rows().min(left);
        shown.push(b.slice(0, take));
        left -= take;
    }
    Ok(pretty_format_batches(&shown)?.to_string())
}
