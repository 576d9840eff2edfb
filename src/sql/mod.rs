//! The embedded SQL engine (Apache DataFusion).
//!
//! One [`Engine`] plans every SQL text of a scenario during analysis (on empty tables), and a
//! fresh one runs them with the data. It is configured so SQL written for BigQuery runs: the
//! dialect is selectable (backtick-quoted names), scenario `aliases` map warehouse names such
//! as `warehouse.orders` onto generated tables, and `IF` and `COUNTIF` are added as functions
//! ([`functions`]). Queries are read-only: DDL, DML and statements (`CREATE EXTERNAL TABLE`,
//! `COPY`, `INSERT`, `SET`) are refused, and no table can be read by path.

pub mod dialect;
mod functions;
mod parallel;
mod statistics;

use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::{MemorySchemaProvider, SchemaProvider};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{DFSchema, TableReference};
use datafusion::datasource::MemTable;
use datafusion::error::DataFusionError;
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::operator_statistics::StatisticsRegistry;
use datafusion::prelude::{Expr, SQLOptions, SessionConfig, SessionContext};
use datafusion::sql::sqlparser;

use crate::error::{Error, Result};

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

pub use functions::ADD_FUNCTIONS;

/// A SQL engine: a DataFusion session and the runtime its queries run on.
pub struct Engine {
    ctx: SessionContext,
    runtime: tokio::runtime::Runtime,
    dialect: String,
    /// Threads queries may use.
    threads: usize,
}

/// A query planned without running it.
pub struct PlannedQuery {
    /// Its output schema.
    pub schema: SchemaRef,
    /// The tables its plan scans (subqueries included; CTEs are not tables).
    pub scans: Vec<TableReference>,
}

impl Engine {
    /// An engine with the given dialect, thread count, optional memory limit in bytes, and
    /// the folder for its spill files (created if missing; its parent must exist).
    pub fn new(
        dialect: &str,
        threads: usize,
        memory_limit: Option<usize>,
        spill_dir: Option<&Path>,
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
        // Parquet text as plain strings, as everything else tutas reads and writes.
        config
            .options_mut()
            .execution
            .parquet
            .schema_force_view_types = false;
        let mut statistics = StatisticsRegistry::default_with_builtin_providers();
        statistics.register(Arc::new(statistics::SampledFilterStatistics));
        let state = SessionStateBuilder::new()
            .with_statistics_registry(statistics)
            .with_config(config)
            .with_runtime_env(runtime_env.build_arc()?)
            .with_default_features()
            .build();
        let ctx = SessionContext::new_with_state(state);
        functions::register(&ctx);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads.max(1))
            .enable_all()
            .build()
            .map_err(|e| Error::msg(format!("cannot start the SQL runtime: {e}")))?;
        Ok(Engine {
            ctx,
            runtime,
            dialect: dialect.to_string(),
            threads: threads.max(1),
        })
    }

    /// An engine for planning only: one thread, no memory limit.
    pub fn planner(dialect: &str) -> Result<Engine> {
        Engine::new(dialect, 1, None, None)
    }

    /// The SQL dialect of the parser.
    pub fn dialect(&self) -> &str {
        &self.dialect
    }

    /// Registers a table from in-memory batches (replacing any table of that name). As in SQL,
    /// the name is case-insensitive unless quoted.
    pub fn register(&self, name: &str, schema: SchemaRef, batches: Vec<RecordBatch>) -> Result<()> {
        let table = Arc::new(MemTable::try_new(schema, vec![batches])?);
        self.ctx.deregister_table(name)?;
        self.ctx.register_table(name, table)?;
        Ok(())
    }

    /// Deregisters a table, so its batches are freed once nothing else holds them.
    pub fn forget(&self, name: &str) -> Result<()> {
        self.ctx.deregister_table(name)?;
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
        self.ctx.deregister_table(TableReference::bare(alias))?;
        self.ctx
            .register_table(TableReference::bare(alias), table.clone())?;
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

    /// The tables a query names, from its parsed statement (CTE names excluded), without
    /// planning it: what it would read, even when a table it names does not exist.
    pub fn statement_references(&self, sql: &str) -> Result<Vec<TableReference>, DataFusionError> {
        let state = self.ctx.state();
        let dialect = self.dialect.parse()?;
        let statement = state.sql_to_statement(sql, &dialect)?;
        state.resolve_table_references(&statement)
    }

    /// Plans a read-only query without running it.
    pub fn plan(&self, sql: &str) -> Result<PlannedQuery, DataFusionError> {
        let df = self
            .runtime
            .block_on(self.ctx.sql_with_options(sql, read_only()))?;
        let schema = Arc::new(df.schema().as_arrow().clone());
        let scans = table_scans(df.logical_plan())?;
        Ok(PlannedQuery { schema, scans })
    }

    /// Runs a read-only query and collects its result, on every core where the plan allows,
    /// in an order that does not depend on the thread count ([`parallel`]).
    pub fn query(&self, sql: &str) -> Result<(SchemaRef, Vec<RecordBatch>), DataFusionError> {
        self.runtime.block_on(async {
            let df = self.ctx.sql_with_options(sql, read_only()).await?;
            let schema = Arc::new(df.schema().as_arrow().clone());
            let context = Arc::new(df.task_ctx());
            let plan = df.create_physical_plan().await?;
            let batches = parallel::collect_in_parts(plan, context).await?;
            Ok((schema, batches))
        })
    }

    /// The number of rows a read-only query returns, computed on every core (in any order).
    pub fn count_rows(&self, sql: &str) -> Result<usize, DataFusionError> {
        let state = self.ctx.state_ref();
        state
            .write()
            .config_mut()
            .options_mut()
            .execution
            .target_partitions = self.threads;
        let rows = self.runtime.block_on(async {
            let df = self.ctx.sql_with_options(sql, read_only()).await?;
            df.count().await
        });
        state
            .write()
            .config_mut()
            .options_mut()
            .execution
            .target_partitions = 1;
        rows
    }

    /// Parses a SQL expression against `schema` and returns its logical and physical forms.
    pub fn expr(
        &self,
        sql: &str,
        schema: &DFSchema,
    ) -> Result<(Expr, Arc<dyn PhysicalExpr>), DataFusionError> {
        let expr = self.ctx.parse_sql_expr(sql, schema)?;
        let physical = self.physical(&expr, schema)?;
        Ok((expr, physical))
    }

    /// The physical form of a logical expression over `schema`.
    pub fn physical(
        &self,
        expr: &Expr,
        schema: &DFSchema,
    ) -> Result<Arc<dyn PhysicalExpr>, DataFusionError> {
        self.ctx.create_physical_expr(expr.clone(), schema)
    }

    /// Registers a CSV or Parquet file as a table and returns its schema.
    pub fn register_file(&self, name: &str, path: &Path) -> Result<SchemaRef> {
        let p = path.to_string_lossy().to_string();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        self.runtime.block_on(async {
            match ext.as_str() {
                // Types from every line: a value late in the file widens its column's type.
                "csv" => {
                    let options = datafusion::prelude::CsvReadOptions::new()
                        .schema_infer_max_records(usize::MAX);
                    self.ctx.register_csv(name, &p, options).await
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

    /// The schema of a CSV or Parquet file, as [`Engine::register_file`] reads it.
    pub fn file_schema(&self, path: &Path) -> Result<SchemaRef> {
        const PROBE: &str = "__tutas_schema_probe";
        let schema = self.register_file(PROBE, path);
        self.ctx.deregister_table(PROBE)?;
        schema
    }

    /// Reads a whole CSV or Parquet file into memory, as [`Engine::register_file`] reads it
    /// (see [`crate::source`], which normalizes what it gives).
    pub fn read_file(&self, path: &Path) -> Result<(SchemaRef, Vec<RecordBatch>)> {
        const PROBE: &str = "__tutas_source";
        self.register_file(PROBE, path)?;
        let read = self.read_table(PROBE);
        self.ctx.deregister_table(PROBE)?;
        read
    }

    /// Reads a whole registered table into memory.
    pub fn read_table(&self, name: &str) -> Result<(SchemaRef, Vec<RecordBatch>)> {
        Ok(self.query(&format!("SELECT * FROM \"{name}\""))?)
    }
}

fn read_only() -> SQLOptions {
    SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false)
}

/// The tables a logical plan scans, subqueries included.
fn table_scans(plan: &LogicalPlan) -> Result<Vec<TableReference>, DataFusionError> {
    let mut scans = Vec::new();
    plan.apply_with_subqueries(|node| {
        if let LogicalPlan::TableScan(scan) = node {
            scans.push(scan.table_name.clone());
        }
        Ok(TreeNodeRecursion::Continue)
    })?;
    Ok(scans)
}

/// The SQL expression with every bare identifier in `names` qualified by `qualifier`
/// (`x` → `qualifier.x`), rewritten on its parsed form; `None` when it does not parse.
pub fn qualify_identifiers(
    sql: &str,
    dialect: &str,
    names: &std::collections::HashSet<String>,
    qualifier: &str,
) -> Option<String> {
    use sqlparser::ast::{Expr as SqlExpr, Ident, visit_expressions_mut};
    let dialect = sqlparser::dialect::dialect_from_str(dialect)?;
    let mut expr = sqlparser::parser::Parser::new(dialect.as_ref())
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .ok()?;
    let _ = visit_expressions_mut(&mut expr, |e| {
        if let SqlExpr::Identifier(i) = e {
            let name = match i.quote_style {
                Some(_) => i.value.clone(),
                None => i.value.to_lowercase(),
            };
            if names.contains(&name) {
                *e = SqlExpr::CompoundIdentifier(vec![Ident::new(qualifier), i.clone()]);
            }
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    Some(expr.to_string())
}

/// The identifiers of a SQL expression, each as its parts (`m.topic` is `["m", "topic"]`),
/// unquoted names lowercased as the engine reads them; empty when it does not parse.
pub fn expression_identifiers(sql: &str, dialect: &str) -> Vec<Vec<String>> {
    use sqlparser::ast::{Expr as SqlExpr, Ident, visit_expressions};
    let Some(dialect) = sqlparser::dialect::dialect_from_str(dialect) else {
        return Vec::new();
    };
    let Ok(expr) = sqlparser::parser::Parser::new(dialect.as_ref())
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
    else {
        return Vec::new();
    };
    let normal = |i: &Ident| match i.quote_style {
        Some(_) => i.value.clone(),
        None => i.value.to_lowercase(),
    };
    let mut out = Vec::new();
    let _ = visit_expressions(&expr, |e| {
        match e {
            SqlExpr::Identifier(i) => out.push(vec![normal(i)]),
            SqlExpr::CompoundIdentifier(parts) => out.push(parts.iter().map(normal).collect()),
            _ => {}
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    out
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{ArrayRef, AsArray, Int64Array};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};

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

    /// The one-partition physical plan of `sql`.
    fn plan_of(engine: &Engine, sql: &str) -> Arc<dyn datafusion::physical_plan::ExecutionPlan> {
        engine
            .runtime
            .block_on(async { engine.ctx.sql(sql).await?.create_physical_plan().await })
            .unwrap()
    }

    #[test]
    fn joins_that_stream_their_probe_side_run_in_parts_and_others_do_not() {
        let engine = Engine::new("generic", 2, None, None).unwrap();
        // 40 batches of `wide`: 10 parts of 4; `narrow` is 20 batches.
        register_numbers(&engine, "wide", &["k", "v"], 40);
        register_numbers(&engine, "narrow", &["k"], 20);
        let split = |sql: &str| {
            parallel::split_spine(&plan_of(&engine, sql)).map(|p| {
                datafusion::physical_plan::ExecutionPlanProperties::output_partitioning(&p)
                    .partition_count()
            })
        };
        assert_eq!(
            split("SELECT w.k, w.v * 2 FROM wide w WHERE w.v < 50"),
            Some(10)
        );
        assert_eq!(
            split(
                "SELECT w.k, n.k FROM wide w LEFT JOIN (SELECT * FROM narrow WHERE k < 10) n ON w.k = n.k"
            ),
            Some(10)
        );
        assert_eq!(split("SELECT v, COUNT(*) FROM wide GROUP BY v"), None);
        assert_eq!(split("SELECT * FROM wide ORDER BY v"), None);
        assert_eq!(split("SELECT * FROM wide LIMIT 10"), None);
        // Parts give the same rows as one partition, in part order.
        let sql = "SELECT w.k, w.v FROM wide w JOIN narrow n ON w.k = n.k WHERE w.v < 70";
        let (_, parts) = engine.query(sql).unwrap();
        let one = engine
            .runtime
            .block_on(async {
                let df = engine.ctx.sql(sql).await?;
                df.collect().await
            })
            .unwrap();
        let rows = |b: &[RecordBatch]| {
            datafusion::arrow::util::pretty::pretty_format_batches(b)
                .unwrap()
                .to_string()
        };
        assert_eq!(rows(&parts), rows(&one));
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
