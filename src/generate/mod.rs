//! Generation of entity tables, chunk by chunk.
//!
//! A table of `n` rows is cut into chunks of [`CHUNK_ROWS`] rows. Each column of
//! each chunk draws from its own stream `(seed, table, column, chunk)` ([`rng`]), so a
//! chunk can be generated alone, chunks run in parallel, and the bytes do not
//! depend on the number of threads. SQL columns are evaluated on the chunk's
//! Arrow batch after the generated columns before them. What each generator kind draws
//! is in [`draw`]; fake names and phone numbers in [`locale`].
//!
//! Interaction tables ([`crate::sample`]) are made through the same [`ChunkSource`]
//! interface, so the run produces and writes both kinds of table the same way.

pub mod correlate;
pub mod draw;
pub mod locale;
mod locale_id;
pub mod mess;
mod pattern;
pub mod rng;

use datafusion::arrow::array::{ArrayRef, RecordBatch, UInt32Array};
use datafusion::arrow::compute::{cast, concat, take};
use datafusion::arrow::datatypes::{DataType, Field, SchemaRef};

use crate::batch::append_evaluated;
use crate::error::{Diagnostic, Error, Result};
use crate::plan::{ColumnPlan, EntityPlan, PickId, PickSource, ValueType};
pub use draw::Inputs;
use draw::{generate_column, generate_window};

pub use draw::PickedColumns;

/// Rows per chunk: the unit of parallel work and of random streams.
pub const CHUNK_ROWS: u64 = 1 << 16;

/// Number of chunks of a table of `rows` rows.
pub fn chunk_count(rows: u64) -> u64 {
    rows.div_ceil(CHUNK_ROWS)
}

/// A table made chunk by chunk: any chunk can be made alone, on any thread.
pub trait ChunkSource: Sync {
    /// The number of chunks.
    fn chunk_count(&self) -> u64;
    /// Makes chunk `i` (`0 ≤ i < chunk_count()`).
    fn chunk(&self, i: u64) -> Result<RecordBatch>;
    /// The rows chunk `i` will have, without making it.
    fn chunk_rows(&self, i: u64) -> u64;
}

impl PickedColumns {
    /// Binds each pick source to its column's values: `table(name)` gives a made table's
    /// batches. Values are cast to the type generation reads (Int64, Float64, UTF-8, seconds).
    pub fn bind<'t>(
        picks: &[PickSource],
        table: impl Fn(&str) -> Option<(&'t SchemaRef, &'t [RecordBatch])>,
    ) -> Result<PickedColumns> {
        let mut columns = Vec::new();
        for p in picks {
            let (schema, batches) = table(&p.table)
                .ok_or_else(|| Error::msg(format!("table `{}` was not made", p.table)))?;
            let index = schema.index_of(&p.column).map_err(|_| {
                Error::msg(format!("table `{}` has no column `{}`", p.table, p.column))
            })?;
            let field = schema.field(index);
            let parts: Vec<&dyn datafusion::arrow::array::Array> =
                batches.iter().map(|b| b.column(index).as_ref()).collect();
            let values: ArrayRef = if parts.is_empty() {
                datafusion::arrow::array::new_empty_array(field.data_type())
            } else {
                concat(&parts)?
            };
            if values.is_empty() || values.null_count() > 0 {
                let has = match values.is_empty() {
                    true => "no rows".to_string(),
                    false => format!(
                        "{} empty value{}, and a drawn value is never empty",
                        values.null_count(),
                        if values.null_count() == 1 { "" } else { "s" }
                    ),
                };
                return Err(Error::runtime(Diagnostic::at(
                    &p.path,
                    format!("cannot pick from `{}.{}`: it has {has}", p.table, p.column),
                )));
            }
            let ty = match field.data_type() {
                DataType::Date32 | DataType::Date64 => Some(ValueType::DateTime),
                t => ValueType::from_arrow(t),
            };
            let ty = ty.ok_or_else(|| {
                Error::msg(format!(
                    "cannot pick from `{}.{}` of type {}",
                    p.table,
                    p.column,
                    field.data_type()
                ))
            })?;
            columns.push(cast(&values, &ty.arrow())?);
        }
        Ok(PickedColumns(columns))
    }
}

impl PickedColumns {
    /// `n` rows drawn uniformly from the picked table, each column of `columns` taken from the
    /// same row: one draw per row.
    fn rows<'c>(
        &self,
        columns: &'c [(String, PickId, ValueType)],
        rng: &mut rng::Rng,
        n: usize,
    ) -> Result<Vec<(&'c str, ArrayRef)>> {
        let Some((_, first, _)) = columns.first() else {
            return Ok(Vec::new());
        };
        let len = self.0[first.0].len();
        let rows: UInt32Array = (0..n)
            .map(|_| rand::RngExt::random_range(rng, 0..len) as u32)
            .collect();
        columns
            .iter()
            .map(|(name, id, _)| Ok((name.as_str(), take(&self.0[id.0], &rows, None)?)))
            .collect()
    }
}

/// A generated table, its picks bound: makes any chunk on demand.
pub struct EntityTable<'a> {
    plan: &'a EntityPlan,
    seed: u64,
    picked: PickedColumns,
}

impl<'a> EntityTable<'a> {
    /// The table of `plan` under `seed`, with its pick sources bound.
    pub fn new(plan: &'a EntityPlan, seed: u64, picked: PickedColumns) -> Self {
        EntityTable { plan, seed, picked }
    }
}

impl EntityTable<'_> {
    /// What a column's generator reads in chunk `chunk`, and its stream `(seed, table, key, chunk)`.
    fn inputs<'p>(
        &'p self,
        params: &'p [ArrayRef],
        key: &str,
        chunk: u64,
    ) -> (Inputs<'p>, rng::Rng) {
        let inputs = Inputs {
            picked: &self.picked,
            params,
            first: chunk * CHUNK_ROWS,
        };
        (inputs, rng::stream(self.seed, &self.plan.table, key, chunk))
    }
}

impl ChunkSource for EntityTable<'_> {
    fn chunk_count(&self) -> u64 {
        chunk_count(self.plan.rows)
    }

    fn chunk_rows(&self, chunk: u64) -> u64 {
        (self.plan.rows - chunk * CHUNK_ROWS).min(CHUNK_ROWS)
    }

    fn chunk(&self, chunk: u64) -> Result<RecordBatch> {
        let plan = self.plan;
        let first = chunk * CHUNK_ROWS;
        let n = (plan.rows - first).min(CHUNK_ROWS) as usize;
        let mut fields: Vec<Field> = Vec::new();
        let mut arrays: Vec<ArrayRef> = Vec::new();
        for (index, column) in plan.columns.iter().enumerate() {
            match column {
                ColumnPlan::Generated {
                    name,
                    generator,
                    params,
                } => {
                    let params = column_params(params, &fields, &arrays, n, first)?;
                    let (inputs, mut rng) = self.inputs(&params, name, chunk);
                    arrays.push(generate_column(generator, &mut rng, n, &inputs));
                    fields.push(Field::new(name, generator.value_type().arrow(), false));
                }
                ColumnPlan::Window {
                    key,
                    start_name,
                    end_name,
                    start,
                    length,
                    unit,
                    params,
                } => {
                    let params = column_params(params, &fields, &arrays, n, first)?;
                    let (inputs, mut rng) = self.inputs(&params, key, chunk);
                    let (s, e) = generate_window(start, length, *unit, &mut rng, n, &inputs);
                    arrays.push(s);
                    arrays.push(e);
                    fields.push(Field::new(start_name, ValueType::DateTime.arrow(), false));
                    fields.push(Field::new(end_name, ValueType::DateTime.arrow(), false));
                }
                ColumnPlan::PickRow { key, columns } => {
                    let mut rng = rng::stream(self.seed, &plan.table, key, chunk);
                    for (name, array) in self.picked.rows(columns, &mut rng, n)? {
                        fields.push(Field::new(name, array.data_type().clone(), false));
                        arrays.push(array);
                    }
                }
                ColumnPlan::Sql { name, expr } => {
                    append_evaluated(&mut fields, &mut arrays, n, name, expr)
                        .map_err(|e| e.at_sql(&format!("tables.{}.columns.{name}", plan.table)))?;
                }
            }
            for c in plan.correlations.iter().filter(|c| c.after == index) {
                let mut rng = rng::stream(self.seed, &plan.table, &c.key, chunk);
                correlate::reorder(c, &mut arrays, &mut rng)?;
            }
        }
        Ok(RecordBatch::try_new(plan.schema.clone(), arrays)?)
    }
}

/// A column's SQL parameters evaluated over the columns made before it (none: no work).
fn column_params(
    params: &[crate::plan::ParamExpr],
    fields: &[Field],
    arrays: &[ArrayRef],
    n: usize,
    first: u64,
) -> Result<Vec<ArrayRef>> {
    if params.is_empty() {
        return Ok(Vec::new());
    }
    let so_far = crate::batch::batch(fields.to_vec(), arrays.to_vec(), n)?;
    crate::batch::evaluate_params(params, &so_far, first)
}
