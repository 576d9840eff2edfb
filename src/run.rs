//! The pipeline of one run: generate → sample → features → checks → insights → split → audit → write.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::util::pretty::pretty_format_batches;
use serde_json::json;

use crate::analyze::{Plan, TableKind};
use crate::audit::{Audit, audit};
use crate::error::{Diagnostic, Error, Result};
use crate::generate::{GenKind, generate_table};
use crate::output::{CsvStyle, OutputDir, sha256_file, write_csv, write_json};
use crate::report::{CheckResult, InsightResult, RunReport, StageTiming, TableReport};
use crate::sample::sample_table;
use crate::scenario::Scenario;
use crate::split::{split, write_x, write_y};
use crate::sql::{Engine, clean_error};

/// Set by Ctrl-C; the run stops at the next stage boundary and leaves the output folder as it was.
pub static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Options of a run that do not change its data.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Output folder.
    pub out: PathBuf,
    /// Threads for generation.
    pub threads: usize,
    /// Print stage lines while running.
    pub progress: bool,
}

fn check_interrupt() -> Result<()> {
    if INTERRUPTED.load(Ordering::SeqCst) {
        return Err(Error::msg(
            "interrupted: nothing was written; the output folder is as it was",
        ));
    }
    Ok(())
}

struct Stage {
    name: String,
    started: Instant,
    progress: bool,
}

impl Stage {
    fn start(name: impl Into<String>, progress: bool) -> Stage {
        let name = name.into();
        if progress {
            eprintln!("  {name} ...");
        }
        Stage {
            name,
            started: Instant::now(),
            progress,
        }
    }

    fn done(self, rows: u64, timings: &mut Vec<StageTiming>) {
        let seconds = self.started.elapsed().as_secs_f64();
        if self.progress {
            eprintln!("  {} done: {rows} rows in {seconds:.3} s", self.name);
        }
        timings.push(StageTiming {
            stage: self.name,
            rows,
            seconds,
        });
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

    for table in &plan.tables {
        check_interrupt()?;
        let stage = Stage::start(format!("table {}", table.name), opts.progress);
        let (batches, strata) = match &table.kind {
            TableKind::Entity(entity) => {
                let mut entity = entity.clone();
                bind_picks(&mut entity, &data)?;
                (
                    pool.install(|| generate_table(&entity, plan.seed))?,
                    Vec::new(),
                )
            }
            TableKind::Pairs(pairs) => {
                let a = whole(&data, &pairs.sides[0].1)?;
                let b = whole(&data, &pairs.sides[1].1)?;
                pool.install(|| sample_table(pairs, [&a, &b], plan.seed))?
            }
            TableKind::Source(_) => (engine.read_table(&table.name)?.1, Vec::new()),
        };
        let rows: u64 = batches.iter().map(|b| b.num_rows() as u64).sum();
        if !matches!(table.kind, TableKind::Source(_)) {
            engine.register(&table.name, table.schema.clone(), batches.clone())?;
            write_csv(
                &out.path(&format!("unprocessed/{}.csv", table.name))?,
                &table.schema,
                &batches,
                &style,
            )?;
        }
        data.insert(table.name.clone(), (table.schema.clone(), batches));
        stage.done(rows, &mut report.timings);
        report.tables.push(TableReport {
            name: table.name.clone(),
            rows,
            columns: table.schema.fields().len(),
            strata,
        });
    }
    for (alias, target) in &plan.aliases {
        engine.register_alias(alias, target)?;
    }

    for q in &plan.features {
        check_interrupt()?;
        let stage = Stage::start(format!("feature {}", q.name), opts.progress);
        let (schema, batches) = engine
            .query(&q.sql)
            .map_err(|e| query_error("feature", &q.name, &q.path, &e))?;
        engine.register(&q.name, schema.clone(), batches.clone())?;
        write_csv(
            &out.path(&format!("processed_1/{}.csv", q.name))?,
            &schema,
            &batches,
            &style,
        )?;
        let rows = batches.iter().map(|b| b.num_rows() as u64).sum();
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

    if let Some(sp) = &plan.split {
        check_interrupt()?;
        let stage = Stage::start("split", opts.progress);
        let (schema, batches) = data
            .get(&sp.from)
            .ok_or_else(|| Error::msg(format!("split source `{}` was not made", sp.from)))?;
        let s = split(sp, schema, batches)?;
        write_x(&out.path("processed_2/X_train.csv")?, &s, &s.train)?;
        write_x(&out.path("processed_2/X_test.csv")?, &s, &s.test)?;
        write_y(&out.path("processed_2/y_train.csv")?, &s, &s.train)?;
        write_y(&out.path("processed_2/y_test.csv")?, &s, &s.test)?;
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
        let audit_result = audit(&s, sp.leak_threshold, |feature| {
            lineage(scenario, &sp.target, feature)
        })?;
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

    check_interrupt()?;
    report.seconds = started.elapsed().as_secs_f64();
    for (rel, path) in out.staged_files()? {
        let bytes = std::fs::metadata(&path)?.len();
        report.files.push(crate::report::FileReport {
            path: rel,
            bytes,
            sha256: sha256_file(&path)?,
        });
    }
    write_json(&out.path("report.json")?, &report.to_json())?;
    out.commit()?;
    Ok(report)
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
    Error::runtime(
        Diagnostic::at(path, format!("{kind} `{name}` failed"))
            .note(format!("SQL engine: {}", clean_error(e))),
    )
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
