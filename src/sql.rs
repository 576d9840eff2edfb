//! The embedded SQL engine (Apache DataFusion).
//!
//! One [`Engine`] serves every SQL text in a scenario: column expressions,
//! strata conditions, features, checks and insights. It is configured so SQL
//! written for BigQuery runs: the dialect is selectable (backtick-quoted
//! names), scenario `aliases` map warehouse names such as
//! `tutas_data.interaksi_data` onto generated tables, and `IF` and `COUNTIF`
//! are added as functions. Queries are read-only: DDL, DML and statements
//! (`CREATE EXTERNAL TABLE`, `COPY`, `INSERT`, `SET`) are refused, and no table
//! can be read by path.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Int64Array, RecordBatch};
use datafusion::arrow::compute::kernels::zip::zip;
use datafusion::arrow::compute::{cast, prep_null_mask_filter};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatchOptions;
use datafusion::catalog::{MemorySchemaProvider, SchemaProvider};
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::datasource::MemTable;
use datafusion::datasource::memory::{DataSourceExec, MemorySourceConfig};
use datafusion::error::DataFusionError;
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::logical_expr::{
    Accumulator, ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility, create_udaf,
};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::filter::FilterExec;
use datafusion::physical_plan::operator_statistics::{
    ExtendedStatistics, StatisticsProvider, StatisticsRegistry, StatisticsResult,
};
use datafusion::prelude::{Expr, SQLOptions, SessionConfig, SessionContext};

use crate::error::{Error, Result};

/// The SQL engine of one run.
pub struct Engine {
    ctx: SessionContext,
    runtime: tokio::runtime::Runtime,
}

/// Batches a filter over an in-memory table is tried on to estimate how many rows it keeps.
const SELECTIVITY_SAMPLE_BATCHES: usize = 16;
/// Rows of each of those batches (the first ones) it is tried on: at most 65,536 rows in all,
/// so that even a costly condition adds little to planning.
const SELECTIVITY_SAMPLE_ROWS: usize = 4096;

/// Estimates the rows a filter over an in-memory table keeps by running it on the first rows
/// of a few of the table's batches, spread evenly over it (the same rows every time).
///
/// DataFusion's own estimate assumes values spread evenly between a column's bounds, and
/// in-memory tables carry no bounds, so it keeps every row: a join then builds its hash table
/// on whichever side it meets first. With this estimate, joins follow the sizes the data
/// has (the default scenario's feature query builds on its 2.6M failed pairs rather than the
/// 10M joined interactions, and a check on failed interactions builds on those).
#[derive(Debug)]
struct SampledFilterStatistics;

impl StatisticsProvider for SampledFilterStatistics {
    fn compute_statistics(
        &self,
        plan: &dyn ExecutionPlan,
        child_stats: &[ExtendedStatistics],
    ) -> datafusion::error::Result<StatisticsResult> {
        let (Some(filter), [input]) = (plan.downcast_ref::<FilterExec>(), child_stats) else {
            return Ok(StatisticsResult::Delegate);
        };
        let Some(kept) = sampled_share(filter) else {
            return Ok(StatisticsResult::Delegate);
        };
        let mut stats = input.base().clone();
        let scale = |n: usize| (n as f64 * kept).round() as usize;
        stats.num_rows = stats.num_rows.map(scale).to_inexact();
        stats.total_byte_size = stats.total_byte_size.map(scale).to_inexact();
        for column in &mut stats.column_statistics {
            *column = column.clone().to_inexact();
        }
        let stats = stats.project(filter.projection().as_ref());
        Ok(StatisticsResult::Computed(ExtendedStatistics::new(stats)))
    }
}

/// The share of rows `filter` keeps on a sample of its input's batches, when its input is an
/// in-memory table.
fn sampled_share(filter: &FilterExec) -> Option<f64> {
    let source = filter.input().downcast_ref::<DataSourceExec>()?;
    let memory = (source.data_source().as_ref() as &dyn std::any::Any)
        .downcast_ref::<MemorySourceConfig>()?;
    let batches: Vec<&RecordBatch> = memory.partitions().iter().flatten().collect();
    if batches.is_empty() {
        return None;
    }
    let picks = SELECTIVITY_SAMPLE_BATCHES.min(batches.len());
    let (mut rows, mut kept) = (0usize, 0usize);
    for i in 0..picks {
        let batch = batches[i * batches.len() / picks];
        let batch = batch.slice(0, batch.num_rows().min(SELECTIVITY_SAMPLE_ROWS));
        let batch = match memory.projection() {
            Some(columns) => batch.project(columns).ok()?,
            None => batch,
        };
        let mask = eval_mask(filter.predicate(), &batch).ok()?;
        rows += batch.num_rows();
        kept += mask.true_count();
    }
    (rows > 0).then(|| kept as f64 / rows as f64)
}

/// Dialect names accepted by `sql.dialect`.
pub const DIALECTS: &[&str] = &[
    "generic",
    "bigquery",
    "postgresql",
    "mysql",
    "duckdb",
    "sqlite",
    "snowflake",
    "hive",
    "ansi",
    "mssql",
    "redshift",
];

impl Engine {
    /// A new engine with the given dialect, thread count, optional memory limit in bytes, and
    /// the folder for its spill files (created if missing; its parent must exist).
    pub fn new(
        dialect: &str,
        threads: usize,
        memory_limit: Option<usize>,
        spill_dir: Option<&std::path::Path>,
    ) -> Result<Engine> {
        let mut config = SessionConfig::new()
            // One partition keeps every query's row order independent of the thread count.
            .with_target_partitions(1)
            .with_information_schema(false);
        config.options_mut().sql_parser.dialect = dialect
            .parse()
            .map_err(|_| Error::msg(format!("unknown SQL dialect `{dialect}`")))?;
        let mut runtime_env = RuntimeEnvBuilder::new();
        if let Some(limit) = memory_limit {
            runtime_env = runtime_env.with_memory_limit(limit, 1.0);
        }
        if let Some(dir) = spill_dir {
            runtime_env = runtime_env.with_temp_file_path(dir);
        }
        config.options_mut().optimizer.use_statistics_registry = true;
        let mut statistics = StatisticsRegistry::default_with_builtin_providers();
        statistics.register(Arc::new(SampledFilterStatistics));
        let state = SessionStateBuilder::new()
            .with_statistics_registry(statistics)
            .with_config(config)
            .with_runtime_env(runtime_env.build_arc()?)
            .with_default_features()
            .build();
        let ctx = SessionContext::new_with_state(state);
        ctx.register_udf(ScalarUDF::from(IfFunction::new()));
        ctx.register_udaf(countif());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads.max(1))
            .enable_all()
            .build()
            .map_err(|e| Error::msg(format!("cannot start the SQL runtime: {e}")))?;
        Ok(Engine { ctx, runtime })
    }

    /// Registers a table from in-memory batches (replacing any table of that name).
    pub fn register(&self, name: &str, schema: SchemaRef, batches: Vec<RecordBatch>) -> Result<()> {
        let table = Arc::new(MemTable::try_new(schema, vec![batches])?);
        self.ctx.deregister_table(name)?;
        self.ctx.register_table(name, table)?;
        Ok(())
    }

    /// Deregisters every table and alias, so that their batches are freed once nothing else
    /// holds them.
    pub fn forget_tables(&self) -> Result<()> {
        let Some(catalog) = self.ctx.catalog("datafusion") else {
            return Ok(());
        };
        for schema in catalog.schema_names() {
            if let Some(provider) = catalog.schema(&schema) {
                for table in provider.table_names() {
                    provider.deregister_table(&table)?;
                }
            }
        }
        Ok(())
    }

    /// Makes `alias` (`name` or `schema.name`) refer to the registered table `target`.
    pub fn register_alias(&self, alias: &str, target: &str) -> Result<()> {
        let table = self
            .runtime
            .block_on(self.ctx.table_provider(target))
            .map_err(|_| Error::msg(format!("alias target `{target}` is not a table")))?;
        // A backtick-quoted `a.b` may reach the planner as one name or as two parts: register both.
        self.ctx
            .deregister_table(datafusion::common::TableReference::bare(alias))?;
        self.ctx.register_table(
            datafusion::common::TableReference::bare(alias),
            table.clone(),
        )?;
        if let Some((schema, name)) = alias.split_once('.') {
            let catalog = self
                .ctx
                .catalog("datafusion")
                .ok_or_else(|| Error::msg("default catalog missing"))?;
            let provider = match catalog.schema(schema) {
                Some(p) => p,
                None => {
                    let p: Arc<dyn SchemaProvider> = Arc::new(MemorySchemaProvider::new());
                    catalog.register_schema(schema, p.clone())?;
                    p
                }
            };
            provider.deregister_table(name)?;
            provider.register_table(name.to_string(), table)?;
        }
        Ok(())
    }

    /// Plans a read-only query and returns its output schema, without running it.
    pub fn plan(&self, sql: &str) -> Result<SchemaRef, DataFusionError> {
        let df = self
            .runtime
            .block_on(self.ctx.sql_with_options(sql, read_only()))?;
        Ok(Arc::new(df.schema().as_arrow().clone()))
    }

    /// Runs a read-only query and collects its result.
    pub fn query(&self, sql: &str) -> Result<(SchemaRef, Vec<RecordBatch>), DataFusionError> {
        self.runtime.block_on(async {
            let df = self.ctx.sql_with_options(sql, read_only()).await?;
            let schema = Arc::new(df.schema().as_arrow().clone());
            Ok((schema, df.collect().await?))
        })
    }

    /// Parses a SQL expression against `schema` and returns its logical and physical forms.
    pub fn expr(
        &self,
        sql: &str,
        schema: &DFSchema,
    ) -> Result<(Expr, Arc<dyn PhysicalExpr>), DataFusionError> {
        let expr = self.ctx.parse_sql_expr(sql, schema)?;
        let physical = self.ctx.create_physical_expr(expr.clone(), schema)?;
        Ok((expr, physical))
    }
}

fn read_only() -> SQLOptions {
    SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false)
}

/// DataFusion's message without backtraces or doubled prefixes.
pub fn clean_error(e: &DataFusionError) -> String {
    let mut s = e.strip_backtrace();
    for prefix in ["External error: ", "Context(\"", "Arrow error: "] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.to_string();
        }
    }
    if s.contains("DDL not supported")
        || s.contains("DML not supported")
        || s.contains("Statement not supported")
    {
        s = format!(
            "{s} (scenario SQL is read-only: only queries over the scenario's tables are allowed)"
        );
    }
    s
}

/// Evaluates a boolean physical expression on a batch; NULL counts as false.
pub fn eval_mask(expr: &Arc<dyn PhysicalExpr>, batch: &RecordBatch) -> Result<BooleanArray> {
    let array = eval(expr, batch)?;
    let mask = array.as_boolean_opt().ok_or_else(|| {
        Error::msg(format!(
            "condition returned {} instead of boolean",
            array.data_type()
        ))
    })?;
    Ok(if mask.null_count() > 0 {
        prep_null_mask_filter(mask)
    } else {
        mask.clone()
    })
}

/// A batch with an explicit row count, so a batch of no columns still has rows.
pub fn batch(fields: Vec<Field>, columns: Vec<ArrayRef>, rows: usize) -> Result<RecordBatch> {
    Ok(RecordBatch::try_new_with_options(
        Arc::new(Schema::new(fields)),
        columns,
        &RecordBatchOptions::new().with_row_count(Some(rows)),
    )?)
}

/// Evaluates `expr` on the columns so far and appends its result as column `name`.
pub fn append_evaluated(
    fields: &mut Vec<Field>,
    columns: &mut Vec<ArrayRef>,
    rows: usize,
    name: &str,
    expr: &Arc<dyn PhysicalExpr>,
) -> Result<()> {
    let value = eval(expr, &batch(fields.clone(), columns.clone(), rows)?)?;
    fields.push(Field::new(name, value.data_type().clone(), true));
    columns.push(value);
    Ok(())
}

/// Evaluates a physical expression on a batch into an array.
pub fn eval(expr: &Arc<dyn PhysicalExpr>, batch: &RecordBatch) -> Result<ArrayRef> {
    Ok(expr.evaluate(batch)?.into_array(batch.num_rows())?)
}

/// BigQuery's `IF(condition, then, else)`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct IfFunction {
    signature: Signature,
}

impl IfFunction {
    fn new() -> Self {
        IfFunction {
            signature: Signature::any(3, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for IfFunction {
    fn name(&self) -> &str {
        "if"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, args: &[DataType]) -> datafusion::error::Result<DataType> {
        Ok(if args[1] == DataType::Null {
            args[2].clone()
        } else {
            args[1].clone()
        })
    }
    fn invoke_with_args(
        &self,
        args: ScalarFunctionArgs,
    ) -> datafusion::error::Result<ColumnarValue> {
        let n = args.number_rows;
        let target = args.return_field.data_type().clone();
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let condition = cast(&arrays[0], &DataType::Boolean)?;
        let condition = condition.as_boolean();
        let condition = if condition.null_count() > 0 {
            prep_null_mask_filter(condition)
        } else {
            condition.clone()
        };
        let then = cast(&arrays[1], &target)?;
        let otherwise = cast(&arrays[2], &target)?;
        let out = zip(&condition, &then, &otherwise)?;
        Ok(
            if n == 1
                && args
                    .args
                    .iter()
                    .all(|a| matches!(a, ColumnarValue::Scalar(_)))
            {
                ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?)
            } else {
                ColumnarValue::Array(out)
            },
        )
    }
}

/// BigQuery's `COUNTIF(condition)`: the number of rows where the condition is true.
fn countif() -> datafusion::logical_expr::AggregateUDF {
    create_udaf(
        "countif",
        vec![DataType::Boolean],
        Arc::new(DataType::Int64),
        Volatility::Immutable,
        Arc::new(|_| Ok(Box::new(CountIf { count: 0 }))),
        Arc::new(vec![DataType::Int64]),
    )
}

#[derive(Debug)]
struct CountIf {
    count: i64,
}

impl Accumulator for CountIf {
    fn update_batch(&mut self, values: &[ArrayRef]) -> datafusion::error::Result<()> {
        let b = values[0].as_boolean();
        self.count += b.iter().filter(|v| *v == Some(true)).count() as i64;
        Ok(())
    }
    fn evaluate(&mut self) -> datafusion::error::Result<ScalarValue> {
        Ok(ScalarValue::Int64(Some(self.count)))
    }
    fn size(&self) -> usize {
        std::mem::size_of_val(self)
    }
    fn state(&mut self) -> datafusion::error::Result<Vec<ScalarValue>> {
        Ok(vec![ScalarValue::Int64(Some(self.count))])
    }
    fn merge_batch(&mut self, states: &[ArrayRef]) -> datafusion::error::Result<()> {
        let a = states[0]
            .as_any()
            .downcast_ref::<Int64Array>()
            .expect("countif state is Int64");
        self.count += a.iter().flatten().sum::<i64>();
        Ok(())
    }
}

impl Engine {
    /// Registers a CSV or Parquet file as a table and returns its schema.
    pub fn register_file(&self, name: &str, path: &std::path::Path) -> Result<SchemaRef> {
        let p = path.to_string_lossy().to_string();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        self.runtime.block_on(async {
            match ext.as_str() {
                "csv" => {
                    self.ctx
                        .register_csv(name, &p, datafusion::prelude::CsvReadOptions::new())
                        .await
                }
                "parquet" => {
                    self.ctx
                        .register_parquet(
                            name,
                            &p,
                            datafusion::prelude::ParquetReadOptions::default(),
                        )
                        .await
                }
                _ => Err(DataFusionError::Plan(format!(
                    "unsupported file type `.{ext}`: use .csv or .parquet"
                ))),
            }
        })?;
        let table = self.runtime.block_on(self.ctx.table_provider(name))?;
        Ok(table.schema())
    }

    /// Reads a whole registered table into memory.
    pub fn read_table(&self, name: &str) -> Result<(SchemaRef, Vec<RecordBatch>)> {
        Ok(self.query(&format!("SELECT * FROM \"{name}\""))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The physical plan of `sql`, as EXPLAIN prints it.
    fn physical_plan(engine: &Engine, sql: &str) -> String {
        let (_, batches) = engine.query(&format!("EXPLAIN {sql}")).unwrap();
        let plans =
            datafusion::arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap();
        let kinds = plans.column(0).as_string::<i32>();
        let texts = plans.column(1).as_string::<i32>();
        (0..plans.num_rows())
            .find(|&i| kinds.value(i) == "physical_plan")
            .map(|i| texts.value(i).to_string())
            .expect("a physical plan")
    }

    /// A table of `columns` Int64 columns in `batches` batches of 5,000 rows: `k` counts up,
    /// the others are `k % 100`.
    fn register_numbers(engine: &Engine, name: &str, columns: &[&str], batches: i64) {
        let schema = Arc::new(Schema::new(
            columns
                .iter()
                .map(|c| Field::new(*c, DataType::Int64, false))
                .collect::<Vec<_>>(),
        ));
        let batches = (0..batches)
            .map(|b| {
                let keys = b * 5_000..(b + 1) * 5_000;
                let arrays = columns
                    .iter()
                    .map(|c| -> ArrayRef {
                        Arc::new(Int64Array::from_iter_values(
                            keys.clone().map(|k| if *c == "k" { k } else { k % 100 }),
                        ))
                    })
                    .collect();
                RecordBatch::try_new(schema.clone(), arrays).unwrap()
            })
            .collect();
        engine.register(name, schema, batches).unwrap();
    }

    #[test]
    fn a_join_builds_on_the_side_a_filter_makes_small() {
        let engine = Engine::new("generic", 1, None, None).unwrap();
        register_numbers(&engine, "wide", &["k", "v"], 40);
        register_numbers(&engine, "narrow", &["k"], 20);
        // Unfiltered, `wide` is the larger side (200,000 rows against 100,000); its filter keeps
        // 1% of it, so the hash table belongs on it. Without an estimate of the filter, DataFusion assumes it keeps every
        // row and builds on `narrow`.
        let plan = physical_plan(
            &engine,
            "SELECT n.k FROM narrow n WHERE EXISTS (SELECT 1 FROM wide w WHERE w.k = n.k AND w.v < 1)",
        );
        let lines: Vec<&str> = plan.lines().collect();
        let join = lines
            .iter()
            .position(|l| l.contains("HashJoinExec"))
            .unwrap_or_else(|| panic!("no hash join in\n{plan}"));
        assert!(
            lines[join + 1].contains("FilterExec"),
            "the hash table is not built on the filtered side:\n{plan}"
        );
    }
}
