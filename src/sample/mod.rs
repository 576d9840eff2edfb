//! Sampling interaction tables: pairs of rows drawn under exact strata.
//!
//! # Method
//!
//! A stratum asks for `n` pairs `(a, b)` drawn uniformly, with replacement, from
//! all pairs of rows that satisfy its condition: what rejection sampling over
//! uniform pairs gives, but without paying `1 / acceptance` draws per row.
//!
//! 1. **Group.** Every low-cardinality column that the conditions read
//!    (booleans, and strings or integers with at most [`MAX_KEY_VALUES`]
//!    distinct values) becomes a key. Rows of each side are grouped by their key
//!    tuple, so each *group pair* `(g_a, g_b)` holds `|g_a|·|g_b|` pairs that agree
//!    on every key column.
//! 2. **Classify.** The condition is evaluated once per group pair with the key
//!    columns set to the group's values and every other column set to NULL.
//!    SQL's three-valued logic then says, for all pairs of the group pair at
//!    once: TRUE (every pair satisfies), FALSE (none does) or NULL (it depends on
//!    the non-key columns). This is sound because AND, OR, NOT, comparisons and
//!    arithmetic propagate NULL as "unknown"; conditions using null-aware
//!    constructs (IS NULL, COALESCE, CASE, ...) skip grouping and are tested pair by
//!    pair. Equality tests across the two sides such as `m.topic = t.topic` are
//!    decided here, which is where rejection sampling wastes its draws.
//! 3. **Resolve the undecided.** If the undecided group pairs hold at most
//!    [`MAX_ENUMERATED_PAIRS`] pairs, each is tested and the satisfying ones are listed: the
//!    satisfying pairs are then known exactly (method `exact`). Above that bound each
//!    undecided group pair is *refined* ([`refine`]): the condition, its key values put in
//!    and simplified, is split into conjuncts;
//!    - conjuncts that read one side filter that side's rows first (`c.limit > 15000 AND
//!      p.price > 110` over 4·10⁹ pairs becomes 106 × 19 candidates);
//!    - comparisons of a key of each side (`<`, `<=`, `>`, `>=`, `=`, `BETWEEN`; an interval
//!      overlap is two of them) are counted per row by sorting the other side
//!      ([`counted`]): each row of one side knows exactly how many partners it has;
//!    - what is left (an `OR` across the sides, a function of both, a third key) is tested.
//!
//!    Without anything left to test the candidates are exactly the satisfying pairs (method
//!    `counted`). Otherwise the candidates are tested one by one when there are at most the
//!    bound, or proposed and tested in vectorized batches (method `rejection`).
//! 4. **Draw.** A draw picks an entry with probability ∝ its number of pairs: a TRUE group
//!    pair (then a row of each group uniformly), a listed pair (weight 1), or a refined group
//!    pair, where the draw's offset names one candidate (for counted ranges: a row of one side
//!    by its running count, then its k-th partner). Every satisfying pair has the same
//!    probability. A proposal that must be tested and fails is redrawn from the start, which
//!    keeps the result exactly uniform; the number of proposals is bounded, and exceeding the
//!    bound is an error with the numbers. Counted pairs are verified against the condition as
//!    well: a failure there is a bug, reported as one.
//!
//!    With weighted sides (`pairs: { p: { table, weight } }`) a satisfying pair `(a, b)` is
//!    drawn with probability ∝ `w(a)·w(b)` instead ([`weights`]): a TRUE group pair has mass
//!    `W(g_a)·W(g_b)` (its groups' summed weights) and its rows are drawn ∝ their weights; a
//!    listed pair has mass `w(a)·w(b)`; a refined group pair has mass `count·max(w_a)·max(w_b)`
//!    and a proposal from it is kept with probability `w(a)·w(b) / (max(w_a)·max(w_b))`. The
//!    last is rejection from an envelope: still exact, but as many proposals per row as the
//!    largest weight product over the mean one, so very uneven weights over counted strata
//!    cost more draws (bounded like every rejection).
//! 5. **Gather little.** Drawn pairs are positions in each side sorted by group, so a
//!    draw reads no memory. Key columns, and pair columns that classification already
//!    decided per group pair (e.g. `m.topic = t.topic`), are gathered from the small group
//!    pair table; only the other columns an expression reads are gathered from the sides.
//!
//! Costs: classification is one evaluation per group pair (at most [`MAX_GROUP_PAIRS`]);
//! enumeration tests every undecided pair; refinement evaluates the filters once per row,
//! sorts the other side (`O(n log n)`, and `O(n log n)` memory for a second key) and counts
//! every row in `O(log n)` (`O(log² n)` for two keys); a counted draw costs as much.
//!
//! A stratum fails before any row is drawn when no pair satisfies it, and says so only when
//! that is proven (every pair decided, tested or counted). When candidates are sampled and
//! none of the tested ones satisfies, the error says how many were tested and what that
//! bounds, not that none satisfies. Rows are drawn in chunks, each with its own stream
//! `(seed, table, "stratum:<name>", chunk)`.

mod classify;
mod counted;
mod groups;
mod refine;
mod strata;
mod weights;

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, RecordBatch, UInt32Array, new_null_array};
use datafusion::arrow::compute::take;
use datafusion::arrow::datatypes::{Field, Schema};
use datafusion::logical_expr::Expr;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::utils::collect_columns;

use crate::batch::{batch, eval, evaluate_params};
use crate::error::Result;
use crate::facts::StratumReport;
use crate::generate::draw::generate_column;
use crate::generate::rng::stream;
use crate::generate::{CHUNK_ROWS, ChunkSource, Inputs, PickedColumns};
use crate::plan::{Derived, DerivedColumn, PairPlan, StratumPlan};
use classify::null_monotone;
use groups::{Groups, KeyCodes, group_rows, key_codes};
use strata::{Sampler, build_sampler, draw};

/// A column becomes a grouping key when it has at most this many distinct values.
pub const MAX_KEY_VALUES: usize = 256;
/// Largest number of group pairs classified at once.
pub const MAX_GROUP_PAIRS: usize = 1 << 20;
/// Undecided pairs up to this count are tested exhaustively and listed (the default of
/// [`PairSampler::new`]'s `enumeration_limit`).
pub const MAX_ENUMERATED_PAIRS: u64 = 20_000_000;
/// Proposals per requested row before rejection sampling gives up (plus a fixed allowance).
pub const MAX_PROPOSALS_PER_ROW: u64 = 10_000;

/// The pairs of one interaction table, prepared once for all its strata: both sides grouped
/// by their key columns, the group pairs with what is decided per group pair.
struct PairSpace<'a> {
    plan: &'a PairPlan,
    /// The values `pick` generators in `set` draw from.
    picked: PickedColumns,
    /// Undecided (or candidate) pairs up to this count are tested one by one and listed.
    enumeration_limit: u64,
    sides: [&'a RecordBatch; 2],
    /// Whether every expression reads NULL as "unknown", so group pairs can be classified.
    grouped: bool,
    groups: [Groups; 2],
    /// Per side, the indices of its key columns.
    keys: [Vec<usize>; 2],
    /// Each side's read non-key columns in grouped order (by position); `None` for the others.
    by_position: [Vec<Option<ArrayRef>>; 2],
    /// One row per group pair: key columns hold the groups' values, other side columns are
    /// NULL; with grouping, the pair columns evaluated on them follow (the condition schema).
    group_pairs: RecordBatch,
    /// Per pair column, its value for each group pair when that value holds for every pair of
    /// the group pair (no NULL anywhere): gathered by group pair instead of evaluated per row.
    decided: Vec<Option<ArrayRef>>,
    /// The columns the output rows need.
    output_reads: Reads,
    /// The sides' row weights, when a side is weighted.
    weights: Option<weights::Weights>,
}

/// The columns a batch of drawn pairs must hold to evaluate some expressions; the others are
/// left NULL, so only what is read is gathered.
#[derive(Clone)]
struct Reads {
    /// Per side, whether each column is read.
    side: [Vec<bool>; 2],
    /// Whether each pair column is needed.
    pair: Vec<bool>,
}

/// Drawn pairs: positions (in grouped order) of each side and the group pair of each.
#[derive(Default)]
struct Pairs {
    a: Vec<u32>,
    b: Vec<u32>,
    g: Vec<u32>,
}

impl Pairs {
    fn with_capacity(n: usize) -> Pairs {
        Pairs {
            a: Vec::with_capacity(n),
            b: Vec::with_capacity(n),
            g: Vec::with_capacity(n),
        }
    }

    fn push(&mut self, (a, b, g): (u32, u32, u32)) {
        self.a.push(a);
        self.b.push(b);
        self.g.push(g);
    }

    fn len(&self) -> usize {
        self.a.len()
    }
}

/// A prepared interaction table: every stratum's sampler, ready to make any chunk on demand.
pub struct PairSampler<'a> {
    space: PairSpace<'a>,
    samplers: Vec<Sampler>,
    /// (stratum, chunk within the stratum) of each output chunk, in output order.
    work: Vec<(usize, u64)>,
    seed: u64,
}

impl<'a> PairSampler<'a> {
    /// Groups the sides, classifies group pairs and builds each stratum's sampler.
    /// Fails here, before any row is drawn, when a stratum cannot be met.
    pub fn new(
        plan: &'a PairPlan,
        sides: [&'a RecordBatch; 2],
        picked: PickedColumns,
        seed: u64,
        enumeration_limit: u64,
    ) -> Result<(Self, Vec<StratumReport>)> {
        let mut space = prepare(plan, sides, picked)?;
        space.enumeration_limit = enumeration_limit;
        let mut samplers = Vec::new();
        let mut reports = Vec::new();
        for stratum in &plan.strata {
            let (sampler, mut report) = build_sampler(&space, stratum)?;
            report.produced = stratum.rows;
            samplers.push(sampler);
            reports.push(report);
        }
        let work = plan
            .strata
            .iter()
            .enumerate()
            .flat_map(|(s, st)| (0..st.rows.div_ceil(CHUNK_ROWS)).map(move |c| (s, c)))
            .collect();
        Ok((
            PairSampler {
                space,
                samplers,
                work,
                seed,
            },
            reports,
        ))
    }
}

impl ChunkSource for PairSampler<'_> {
    /// Rows come stratum by stratum, each stratum in chunks.
    fn chunk_count(&self) -> u64 {
        self.work.len() as u64
    }

    /// Output chunk `i`: its rows are drawn from the stream `(seed, table, "stratum:<name>", chunk)`.
    fn chunk(&self, i: u64) -> Result<RecordBatch> {
        let (s, c) = self.work[i as usize];
        let plan = self.space.plan;
        let stratum = &plan.strata[s];
        let n = (stratum.rows - c * CHUNK_ROWS).min(CHUNK_ROWS) as usize;
        let mut rng = stream(
            self.seed,
            &plan.table,
            &format!("stratum:{}", stratum.name),
            c,
        );
        let pairs = draw(&self.space, &self.samplers[s], stratum, &mut rng, n)?;
        build_rows(&self.space, stratum, &pairs, self.seed, c)
    }

    fn chunk_rows(&self, i: u64) -> u64 {
        let (s, c) = self.work[i as usize];
        (self.space.plan.strata[s].rows - c * CHUNK_ROWS).min(CHUNK_ROWS)
    }
}

fn prepare<'a>(
    plan: &'a PairPlan,
    sides: [&'a RecordBatch; 2],
    picked: PickedColumns,
) -> Result<PairSpace<'a>> {
    let width = [sides[0].num_columns(), sides[1].num_columns()];
    // Columns of each side that any expression reads: only these can be keys.
    let mut read: [Vec<bool>; 2] = [vec![false; width[0]], vec![false; width[1]]];
    for column in &plan.columns {
        mark_side_columns(&column.physical, width, &mut read);
    }
    for stratum in &plan.strata {
        mark_side_columns(&stratum.condition, width, &mut read);
        for p in stratum.set_params.iter().flatten() {
            mark_side_columns(&p.physical, width, &mut read);
        }
    }
    let exprs: Vec<&Expr> = plan
        .columns
        .iter()
        .map(|c| &c.expr)
        .chain(plan.strata.iter().map(|s| &s.expr))
        .collect();
    let grouped = exprs.iter().all(|e| null_monotone(e));
    let (groups, reps, keys) = group_sides(sides, &read, grouped);
    // `derive` reads side columns only for output: gathered, never keys.
    let mut gathered = read.clone();
    for d in &plan.derive {
        for expr in d.expressions() {
            mark_side_columns(expr, width, &mut gathered);
        }
    }
    let by_position = by_position(sides, &groups, &gathered, &keys)?;
    let mut group_pairs = group_pair_batch(plan, sides, &keys, &reps)?;

    let mut decided = vec![None; plan.columns.len()];
    // Without grouping, NULL does not stand for "unknown": nothing is decided per group pair.
    if grouped {
        group_pairs = with_pair_columns(plan, &group_pairs)?;
        for (k, d) in decided.iter_mut().enumerate() {
            let values = group_pairs.column(width[0] + width[1] + k);
            *d = (values.null_count() == 0).then(|| values.clone());
        }
    }
    // The rows built for output also feed the `set` parameters.
    let derived = plan.derive.iter().flat_map(|d| d.expressions());
    let set_params: Vec<&Arc<dyn PhysicalExpr>> = plan
        .strata
        .iter()
        .flat_map(|s| s.set_params.iter().flatten().map(|p| &p.physical))
        .chain(derived)
        .collect();
    let output_reads = reads_of(
        plan,
        width,
        &decided,
        &set_params,
        &vec![true; plan.columns.len()],
    );
    let weights = weights::Weights::of(plan, sides, &groups)?;
    Ok(PairSpace {
        plan,
        picked,
        enumeration_limit: MAX_ENUMERATED_PAIRS,
        sides,
        grouped,
        groups,
        keys,
        by_position,
        group_pairs,
        decided,
        output_reads,
        weights,
    })
}

/// Per side, the read columns that are not keys, in grouped order (keys come from the group
/// pair batch); `None` for the others.
fn by_position(
    sides: [&RecordBatch; 2],
    groups: &[Groups; 2],
    read: &[Vec<bool>; 2],
    keys: &[Vec<usize>; 2],
) -> Result<[Vec<Option<ArrayRef>>; 2]> {
    let mut out: [Vec<Option<ArrayRef>>; 2] = [Vec::new(), Vec::new()];
    for side in 0..2 {
        let order = UInt32Array::from(groups[side].order.clone());
        for (i, col) in sides[side].columns().iter().enumerate() {
            out[side].push(if read[side][i] && !keys[side].contains(&i) {
                Some(take(col.as_ref(), &order, None)?)
            } else {
                None
            });
        }
    }
    Ok(out)
}

/// Groups both sides by their key columns (read, low-cardinality; none without `grouped`),
/// giving up keys until there are at most [`MAX_GROUP_PAIRS`] group pairs; returns the
/// groups, a representative row of each, and the key columns of each side.
#[allow(clippy::type_complexity)]
fn group_sides(
    sides: [&RecordBatch; 2],
    read: &[Vec<bool>; 2],
    grouped: bool,
) -> ([Groups; 2], [Vec<u32>; 2], [Vec<usize>; 2]) {
    // Per side, the key columns with their value codes.
    let mut coded: [Vec<(usize, KeyCodes)>; 2] = [Vec::new(), Vec::new()];
    if grouped {
        for side in 0..2 {
            coded[side] = (0..sides[side].num_columns())
                .filter(|&i| read[side][i])
                .filter_map(|i| Some((i, key_codes(sides[side].column(i), MAX_KEY_VALUES)?)))
                .collect();
        }
    }
    let (groups, reps) = loop {
        let (ga, ra) = group_rows(sides[0].num_rows(), &coded[0]);
        let (gb, rb) = group_rows(sides[1].num_rows(), &coded[1]);
        if ga.count().saturating_mul(gb.count()) <= MAX_GROUP_PAIRS {
            break ([ga, gb], [ra, rb]);
        }
        // Too many group pairs: give up the key with the most distinct values.
        let side = if ga.count() >= gb.count() { 0 } else { 1 };
        let worst = (0..coded[side].len())
            .max_by_key(|&k| coded[side][k].1.distinct)
            .unwrap_or(0);
        coded[side].remove(worst);
    };
    let keys = coded.map(|c| c.into_iter().map(|(i, _)| i).collect());
    (groups, reps, keys)
}

/// Marks the side columns a physical expression over the side schema reads.
fn mark_side_columns(expr: &Arc<dyn PhysicalExpr>, width: [usize; 2], read: &mut [Vec<bool>; 2]) {
    for c in collect_columns(expr) {
        let i = c.index();
        if i < width[0] {
            read[0][i] = true;
        } else if i < width[0] + width[1] {
            read[1][i - width[0]] = true;
        }
    }
}

/// What a batch needs to hold to evaluate the given expressions over the condition schema
/// and the pair columns marked in `pair` (undecided ones read their side columns).
fn reads_of(
    plan: &PairPlan,
    width: [usize; 2],
    decided: &[Option<ArrayRef>],
    exprs: &[&Arc<dyn PhysicalExpr>],
    pair: &[bool],
) -> Reads {
    let mut reads = Reads {
        side: [vec![false; width[0]], vec![false; width[1]]],
        pair: pair.to_vec(),
    };
    for expr in exprs {
        mark_side_columns(expr, width, &mut reads.side);
        for c in collect_columns(expr) {
            // Indices past the pair columns are `set` and `derive` columns.
            if let Some(k) = c.index().checked_sub(width[0] + width[1])
                && k < reads.pair.len()
            {
                reads.pair[k] = true;
            }
        }
    }
    for (k, column) in plan.columns.iter().enumerate() {
        if reads.pair[k] && decided[k].is_none() {
            mark_side_columns(&column.physical, width, &mut reads.side);
        }
    }
    reads
}

impl PairSpace<'_> {
    /// The rows of the given pairs over the condition schema (side columns, then pair columns),
    /// holding only the columns in `reads`. Key columns are gathered from the small group pair
    /// batch and decided pair columns from their per-group-pair values, both cache-resident;
    /// only the other read columns are gathered from the sides.
    fn rows(&self, reads: &Reads, pairs: &Pairs) -> Result<RecordBatch> {
        let n = pairs.len();
        let by_group = UInt32Array::from(pairs.g.clone());
        let mut columns = Vec::new();
        let mut offset = 0;
        for (side, positions) in [(0usize, &pairs.a), (1usize, &pairs.b)] {
            let mut by_position = None;
            for (i, col) in self.sides[side].columns().iter().enumerate() {
                // Unread columns keep their place (expressions address columns by index) as cheap NULLs.
                columns.push(match &self.by_position[side][i] {
                    _ if !reads.side[side][i] => new_null_array(col.data_type(), n),
                    Some(values) => {
                        let idx =
                            by_position.get_or_insert_with(|| UInt32Array::from(positions.clone()));
                        take(values.as_ref(), idx, None)?
                    }
                    None => take(
                        self.group_pairs.column(offset + i).as_ref(),
                        &by_group,
                        None,
                    )?,
                });
            }
            offset += self.sides[side].num_columns();
        }
        let side = side_batch(self.plan, columns.clone(), n)?;
        let mut fields = owned_fields(&side);
        for (k, column) in self.plan.columns.iter().enumerate() {
            let value = if let Some(values) = &self.decided[k] {
                take(values.as_ref(), &by_group, None)?
            } else if reads.pair[k] {
                eval(&column.physical, &side)
                    .map_err(|e| pair_column_error(e, self.plan, column))?
            } else {
                let field = self.plan.condition_schema.field(offset + k);
                new_null_array(field.data_type(), n)
            };
            fields.push(Field::new(&column.name, value.data_type().clone(), true));
            columns.push(value);
        }
        batch(fields, columns, n)
    }
}

/// The side batch where row `i·|B| + j` is group pair (i, j): key columns hold the groups' values, the rest NULL.
fn group_pair_batch(
    plan: &PairPlan,
    sides: [&RecordBatch; 2],
    keys: &[Vec<usize>; 2],
    reps: &[Vec<u32>; 2],
) -> Result<RecordBatch> {
    let (na, nb) = (reps[0].len(), reps[1].len());
    let rows_a: Vec<u32> = (0..na * nb).map(|r| reps[0][r / nb.max(1)]).collect();
    let rows_b: Vec<u32> = (0..na * nb).map(|r| reps[1][r % nb.max(1)]).collect();
    let mut columns: Vec<ArrayRef> = Vec::new();
    for (side, rows) in [(0usize, &rows_a), (1usize, &rows_b)] {
        let idx = UInt32Array::from(rows.clone());
        for (i, col) in sides[side].columns().iter().enumerate() {
            if keys[side].contains(&i) {
                columns.push(take(col.as_ref(), &idx, None)?);
            } else {
                columns.push(new_null_array(col.data_type(), rows.len()));
            }
        }
    }
    side_batch(plan, columns, na * nb)
}

fn side_batch(plan: &PairPlan, columns: Vec<ArrayRef>, rows: usize) -> Result<RecordBatch> {
    let fields: Vec<Field> = plan
        .side_schema
        .fields()
        .iter()
        .map(|f| f.as_ref().clone().with_nullable(true))
        .collect();
    batch(fields, columns, rows)
}

/// The fields of a batch's schema, to extend.
fn owned_fields(batch: &RecordBatch) -> Vec<Field> {
    batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect()
}

/// A pair column's SQL failing on the linked rows, placed at the column.
fn pair_column_error(
    e: crate::error::Error,
    plan: &PairPlan,
    column: &crate::plan::PairColumn,
) -> crate::error::Error {
    e.at_sql(&format!("tables.{}.columns.{}", plan.table, column.name))
}

/// Adds the pair columns (unqualified) to a side batch: the schema conditions are planned against.
fn with_pair_columns(plan: &PairPlan, side: &RecordBatch) -> Result<RecordBatch> {
    let mut fields = owned_fields(side);
    let mut columns: Vec<ArrayRef> = side.columns().to_vec();
    for column in &plan.columns {
        let v = eval(&column.physical, side).map_err(|e| pair_column_error(e, plan, column))?;
        fields.push(Field::new(&column.name, v.data_type().clone(), true));
        columns.push(v);
    }
    batch(fields, columns, side.num_rows())
}

/// The output rows of one chunk: pair columns, `set` columns, `derive` columns.
fn build_rows(
    p: &PairSpace,
    stratum: &StratumPlan,
    pairs: &Pairs,
    seed: u64,
    chunk: u64,
) -> Result<RecordBatch> {
    let plan = p.plan;
    let n = pairs.len();
    let rows = p.rows(&p.output_reads, pairs)?;
    let first = rows.num_columns() - plan.columns.len();
    let mut fields: Vec<Field> = rows.schema().fields()[first..]
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    let mut columns: Vec<ArrayRef> = rows.columns()[first..].to_vec();
    // `derive` reads the linked rows too: it is evaluated with the side columns in front.
    let side_fields: Vec<Field> = rows.schema().fields()[..first]
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    let side_columns = &rows.columns()[..first];
    let with_sides = |fields: &[Field], columns: &[ArrayRef]| {
        batch(
            [&side_fields[..], fields].concat(),
            [side_columns, columns].concat(),
            n,
        )
    };
    let first = chunk * CHUNK_ROWS;
    let sets = plan
        .set_columns
        .iter()
        .zip(&stratum.set)
        .zip(&stratum.set_params);
    for (((name, ty), generator), params) in sets {
        let params = match params.is_empty() {
            true => Vec::new(),
            false => evaluate_params(params, &rows, first)?,
        };
        let inputs = Inputs {
            picked: &p.picked,
            params: &params,
            first,
        };
        let key = format!("set:{}:{name}", stratum.name);
        let mut rng = stream(seed, &plan.table, &key, chunk);
        columns.push(generate_column(generator, &mut rng, n, &inputs));
        fields.push(Field::new(name, ty.arrow(), false));
    }
    for derived in &plan.derive {
        let value = derived_value(p, derived, &with_sides(&fields, &columns)?, seed, chunk)?;
        fields.push(Field::new(&derived.name, value.data_type().clone(), true));
        columns.push(value);
    }
    let schema = Arc::new(Schema::new(fields));
    Ok(RecordBatch::try_new(schema, columns)?)
}

/// One `derive` column's values over the row so far (the side columns in front).
fn derived_value(
    p: &PairSpace,
    derived: &DerivedColumn,
    so_far: &RecordBatch,
    seed: u64,
    chunk: u64,
) -> Result<ArrayRef> {
    match &derived.value {
        Derived::Sql(physical) => eval(physical, so_far)
            .map_err(|e| e.at_sql(&format!("tables.{}.derive.{}", p.plan.table, derived.name))),
        Derived::Generate(generator, params) => {
            let first = chunk * CHUNK_ROWS;
            let params = evaluate_params(params, so_far, first)?;
            let inputs = Inputs {
                picked: &p.picked,
                params: &params,
                first,
            };
            let key = format!("derive:{}", derived.name);
            let mut rng = stream(seed, &p.plan.table, &key, chunk);
            Ok(generate_column(
                generator,
                &mut rng,
                so_far.num_rows(),
                &inputs,
            ))
        }
    }
}
