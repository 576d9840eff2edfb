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
//!    [`MAX_ENUMERATED_PAIRS`] pairs, each is tested exactly and the satisfying
//!    ones are listed: the population of satisfying pairs is then known exactly
//!    and sampling needs no rejection at all. Otherwise undecided pairs are
//!    proposed and tested in vectorized batches (bounded rejection, see 4).
//! 4. **Draw.** A draw picks a TRUE group pair with probability ∝ `|g_a|·|g_b|`
//!    (then a row of each group uniformly) or a listed pair with weight 1, so
//!    every satisfying pair has the same probability. In rejection mode, a
//!    proposal from an undecided group pair that fails the condition is redrawn
//!    from the start, which keeps the result exactly uniform; the number of
//!    proposals is bounded, and exceeding the bound is an error with the numbers.
//!
//! 5. **Gather little.** Drawn pairs are positions in each side sorted by group, so a
//!    draw reads no memory. Key columns, and pair columns that classification already
//!    decided per group pair (e.g. `m.topic = t.topic`), are gathered from the small group
//!    pair table; only the other columns an expression reads are gathered from the sides.
//!
//! A stratum with no satisfying pair fails before any row is drawn, naming the
//! stratum, its condition and the counts. Rows are drawn in chunks, each with
//! its own stream `(seed, table, "stratum:<name>", chunk)`.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, RecordBatch, UInt32Array, new_null_array,
};
use datafusion::arrow::compute::take;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::logical_expr::{Expr, Operator};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::utils::collect_columns;
use rand::RngExt;

use crate::analyze::{PairPlan, StratumPlan};
use crate::codes;
use crate::error::{Diagnostic, Error, Result};
use crate::generate::{CHUNK_ROWS, generate_column};
use crate::rng::{Rng, stream};
use crate::sql::{append_evaluated, batch, eval, eval_mask};

/// A column becomes a grouping key when it has at most this many distinct values.
pub const MAX_KEY_VALUES: usize = 256;
/// Largest number of group pairs classified at once.
pub const MAX_GROUP_PAIRS: usize = 1 << 20;
/// Undecided pairs up to this count are tested exhaustively and listed.
pub const MAX_ENUMERATED_PAIRS: u64 = 20_000_000;
/// Proposals per requested row before rejection sampling gives up (plus a fixed allowance).
pub const MAX_PROPOSALS_PER_ROW: u64 = 10_000;

/// What happened in one stratum, for the run summary and report.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StratumReport {
    /// Stratum name.
    pub name: String,
    /// The condition.
    pub condition: String,
    /// Rows requested.
    pub requested: u64,
    /// Rows produced.
    pub produced: u64,
    /// All pairs: rows of one side × rows of the other.
    pub population: u64,
    /// Pairs satisfying the condition (exact, or estimated in rejection mode).
    pub satisfying: f64,
    /// Whether `satisfying` is exact.
    pub exact: bool,
    /// Share of uniform pairs that satisfy the condition (what naive rejection would accept).
    pub acceptance: f64,
    /// `exact` (no rejection) or `rejection` (bounded, over undecided group pairs).
    pub method: String,
}

/// Rows of one side grouped by their key tuple. Sampling works on *positions* in grouped
/// order (rows sorted by group, stably), so group `g` is the positions `start[g]..start[g + 1]`
/// and drawing a row of a group needs no memory access.
struct Groups {
    /// The row at each position.
    order: Vec<u32>,
    /// The first position of each group, then the number of rows.
    start: Vec<u32>,
}

impl Groups {
    fn count(&self) -> usize {
        self.start.len() - 1
    }

    fn size(&self, g: u32) -> u64 {
        (self.start[g as usize + 1] - self.start[g as usize]) as u64
    }

    fn positions(&self, g: u32) -> std::ops::Range<u32> {
        self.start[g as usize]..self.start[g as usize + 1]
    }
}

/// Everything shared by the strata of one table.
struct Prepared<'a> {
    plan: &'a PairPlan,
    sides: [&'a RecordBatch; 2],
    /// Whether every expression reads NULL as "unknown", so group pairs can be classified.
    grouped: bool,
    groups: [Groups; 2],
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

/// One weighted entry of a stratum's sampler.
#[derive(Clone, Copy)]
enum Entry {
    /// A group pair whose pairs all satisfy (TRUE) or must be tested (undecided).
    Groups { a: u32, b: u32, test: bool },
    /// One listed satisfying pair (rows `a`, `b`) of group pair `g`.
    Pair { a: u32, b: u32, g: u32 },
}

struct Sampler {
    entries: Vec<Entry>,
    cumulative: Vec<u64>,
    rejection: bool,
    /// The columns testing the condition needs.
    reads: Reads,
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
    prepared: Prepared<'a>,
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
        seed: u64,
    ) -> Result<(Self, Vec<StratumReport>)> {
        let prepared = prepare(plan, sides)?;
        let mut samplers = Vec::new();
        let mut reports = Vec::new();
        for stratum in &plan.strata {
            let (sampler, mut report) = build_sampler(&prepared, stratum)?;
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
                prepared,
                samplers,
                work,
                seed,
            },
            reports,
        ))
    }

    /// Number of output chunks (rows come stratum by stratum, each stratum in chunks).
    pub fn chunks(&self) -> u64 {
        self.work.len() as u64
    }

    /// Output chunk `i`: its rows are drawn from the stream `(seed, table, "stratum:<name>", chunk)`.
    pub fn chunk(&self, i: u64) -> Result<RecordBatch> {
        let (s, c) = self.work[i as usize];
        let plan = self.prepared.plan;
        let stratum = &plan.strata[s];
        let n = (stratum.rows - c * CHUNK_ROWS).min(CHUNK_ROWS) as usize;
        let mut rng = stream(
            self.seed,
            &plan.table,
            &format!("stratum:{}", stratum.name),
            c,
        );
        let pairs = draw(&self.prepared, &self.samplers[s], stratum, &mut rng, n)?;
        build_rows(&self.prepared, stratum, &pairs, self.seed, c)
    }
}

fn prepare<'a>(plan: &'a PairPlan, sides: [&'a RecordBatch; 2]) -> Result<Prepared<'a>> {
    let width = [sides[0].num_columns(), sides[1].num_columns()];
    // Columns of each side that any expression reads: only these can be keys.
    let mut read: [Vec<bool>; 2] = [vec![false; width[0]], vec![false; width[1]]];
    for (_, _, physical) in &plan.columns {
        mark_side_columns(physical, width, &mut read);
    }
    for stratum in &plan.strata {
        mark_side_columns(&stratum.condition, width, &mut read);
    }
    let exprs: Vec<&Expr> = plan
        .columns
        .iter()
        .map(|(_, e, _)| e)
        .chain(plan.strata.iter().map(|s| &s.expr))
        .collect();
    let grouped = exprs.iter().all(|e| null_monotone(e));
    // Per side, the key columns with their value codes.
    let mut coded: [Vec<(usize, KeyCodes)>; 2] = [Vec::new(), Vec::new()];
    if grouped {
        for side in 0..2 {
            coded[side] = (0..width[side])
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
    let keys: [Vec<usize>; 2] = coded.map(|c| c.into_iter().map(|(i, _)| i).collect());
    let mut by_position: [Vec<Option<ArrayRef>>; 2] = [Vec::new(), Vec::new()];
    for side in 0..2 {
        let order = UInt32Array::from(groups[side].order.clone());
        for (i, col) in sides[side].columns().iter().enumerate() {
            by_position[side].push(if read[side][i] && !keys[side].contains(&i) {
                Some(take(col.as_ref(), &order, None)?)
            } else {
                None
            });
        }
    }
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
    let output_reads = reads_of(plan, width, &decided, &[], &vec![true; plan.columns.len()]);
    Ok(Prepared {
        plan,
        sides,
        grouped,
        groups,
        by_position,
        group_pairs,
        decided,
        output_reads,
    })
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
            if let Some(k) = c.index().checked_sub(width[0] + width[1]) {
                reads.pair[k] = true;
            }
        }
    }
    for (k, (_, _, physical)) in plan.columns.iter().enumerate() {
        if reads.pair[k] && decided[k].is_none() {
            mark_side_columns(physical, width, &mut reads.side);
        }
    }
    reads
}

impl Prepared<'_> {
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
        for (k, (name, _, physical)) in self.plan.columns.iter().enumerate() {
            let value = if let Some(values) = &self.decided[k] {
                take(values.as_ref(), &by_group, None)?
            } else if reads.pair[k] {
                eval(physical, &side)?
            } else {
                let field = self.plan.condition_schema.field(offset + k);
                new_null_array(field.data_type(), n)
            };
            fields.push(Field::new(name, value.data_type().clone(), true));
            columns.push(value);
        }
        batch(fields, columns, n)
    }
}

/// Scalar functions that return NULL whenever an argument is NULL (strict), so they keep the
/// Kleene reading of NULL as "unknown". Functions not listed (`concat` skips NULLs, `coalesce`
/// replaces them, volatile ones change per row) turn grouping off: slower, never wrong.
const STRICT_FUNCTIONS: &[&str] = &[
    "abs",
    "acos",
    "asin",
    "atan",
    "atan2",
    "cbrt",
    "ceil",
    "cos",
    "exp",
    "floor",
    "ln",
    "log",
    "log10",
    "log2",
    "power",
    "pow",
    "round",
    "signum",
    "sin",
    "sqrt",
    "tan",
    "trunc",
    "degrees",
    "radians",
    "ascii",
    "bit_length",
    "btrim",
    "character_length",
    "char_length",
    "length",
    "initcap",
    "left",
    "lower",
    "lpad",
    "ltrim",
    "octet_length",
    "repeat",
    "replace",
    "reverse",
    "right",
    "rpad",
    "rtrim",
    "split_part",
    "starts_with",
    "ends_with",
    "strpos",
    "substr",
    "substring",
    "translate",
    "upper",
    "trim",
    "date_part",
    "datepart",
    "date_trunc",
    "datetrunc",
    "to_timestamp",
    "to_date",
    "from_unixtime",
    "make_date",
    "regexp_like",
];

/// Whether the expression treats NULL as "unknown" throughout (Kleene logic), so evaluating it
/// with unknown columns set to NULL can only return a value when every value of them would
/// give that same value. Only constructs known to behave so are accepted.
fn null_monotone(e: &Expr) -> bool {
    let mut ok = true;
    let _ = e.apply(|node| {
        let good = match node {
            Expr::Column(_)
            | Expr::Literal(..)
            | Expr::Alias(_)
            | Expr::Not(_)
            | Expr::Negative(_)
            | Expr::Between(_)
            | Expr::Like(_)
            | Expr::SimilarTo(_)
            | Expr::InList(_)
            | Expr::Cast(_)
            | Expr::TryCast(_) => true,
            Expr::BinaryExpr(b) => {
                !matches!(b.op, Operator::IsDistinctFrom | Operator::IsNotDistinctFrom)
            }
            Expr::ScalarFunction(f) => STRICT_FUNCTIONS.contains(&f.name()),
            _ => false,
        };
        if !good {
            ok = false;
            return Ok(TreeNodeRecursion::Stop);
        }
        Ok(TreeNodeRecursion::Continue)
    });
    ok
}

/// A key column coded: per row, the rank of its value among the column's distinct values.
struct KeyCodes {
    codes: Vec<u32>,
    distinct: usize,
}

/// Codes a column that can be a key (boolean, integer or string) with at most `limit` distinct
/// values; `None` otherwise. NULL ranks first; ranks follow value order, so groups are ordered
/// by value and never by hashing.
fn key_codes(a: &ArrayRef, limit: usize) -> Option<KeyCodes> {
    let present = |i: usize| a.is_valid(i);
    match a.data_type() {
        DataType::Boolean => {
            let v = a.as_boolean();
            rank_codes(a.len(), |i| present(i).then(|| v.value(i)), limit)
        }
        DataType::Int64 => {
            let v = a.as_primitive::<datafusion::arrow::datatypes::Int64Type>();
            rank_codes(a.len(), |i| present(i).then(|| v.value(i)), limit)
        }
        DataType::Int32 => {
            let v = a.as_primitive::<datafusion::arrow::datatypes::Int32Type>();
            rank_codes(a.len(), |i| present(i).then(|| v.value(i)), limit)
        }
        DataType::Utf8 => {
            let v = a.as_string::<i32>();
            rank_codes(a.len(), |i| present(i).then(|| v.value(i)), limit)
        }
        _ => None,
    }
}

fn rank_codes<K: std::hash::Hash + Eq + Ord>(
    n: usize,
    value: impl Fn(usize) -> Option<K>,
    limit: usize,
) -> Option<KeyCodes> {
    let (mut codes, first) = codes::first_seen(n, (0..n).map(|i| (i, value(i))), limit)?;
    let mut distinct: Vec<(Option<K>, u32)> = first
        .iter()
        .enumerate()
        .map(|(code, &row)| (value(row), code as u32))
        .collect();
    distinct.sort();
    codes::renumber(&mut codes, distinct.iter().map(|(_, code)| *code));
    Some(KeyCodes {
        codes,
        distinct: distinct.len(),
    })
}

/// Groups rows by their key tuple (groups ordered by key value); returns groups and a representative row of each.
fn group_rows(n: usize, keys: &[(usize, KeyCodes)]) -> (Groups, Vec<u32>) {
    // Each row's key tuple as one number, mixed radix over the key columns.
    let mut tuple = vec![0u64; n];
    for (_, k) in keys {
        let radix = k.distinct as u64;
        for (t, &c) in tuple.iter_mut().zip(&k.codes) {
            *t = *t * radix + c as u64;
        }
    }
    let mut present: Vec<u64> = tuple.clone();
    present.sort_unstable();
    present.dedup();
    let group_of: HashMap<u64, u32, foldhash::fast::FixedState> = present
        .iter()
        .enumerate()
        .map(|(g, &t)| (t, g as u32))
        .collect();
    let group: Vec<u32> = tuple.iter().map(|t| group_of[t]).collect();
    // Counting sort of the rows by group: positions in grouped order.
    let mut start = vec![0u32; present.len() + 1];
    for &g in &group {
        start[g as usize + 1] += 1;
    }
    for g in 0..present.len() {
        start[g + 1] += start[g];
    }
    let mut next = start.clone();
    let mut order = vec![0u32; n];
    for (row, &g) in group.iter().enumerate() {
        order[next[g as usize] as usize] = row as u32;
        next[g as usize] += 1;
    }
    let reps = start[..present.len()]
        .iter()
        .map(|&p| order[p as usize])
        .collect();
    (Groups { order, start }, reps)
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

/// Adds the pair columns (unqualified) to a side batch: the schema conditions are planned against.
fn with_pair_columns(plan: &PairPlan, side: &RecordBatch) -> Result<RecordBatch> {
    let mut fields = owned_fields(side);
    let mut columns: Vec<ArrayRef> = side.columns().to_vec();
    for (name, _, physical) in &plan.columns {
        let v = eval(physical, side)?;
        fields.push(Field::new(name, v.data_type().clone(), true));
        columns.push(v);
    }
    batch(fields, columns, side.num_rows())
}

fn build_sampler(p: &Prepared, stratum: &StratumPlan) -> Result<(Sampler, StratumReport)> {
    let [ga, gb] = &p.groups;
    let nb = gb.count();
    let population = p.sides[0].num_rows() as u64 * p.sides[1].num_rows() as u64;
    // Without grouping, NULL does not stand for "unknown": every pair must be tested.
    let classes = if p.grouped {
        eval(&stratum.condition, &p.group_pairs)?
    } else {
        new_null_array(&DataType::Boolean, p.group_pairs.num_rows())
    };
    let classes = classes.as_boolean();
    let mut true_pairs = 0u64;
    let mut undecided = 0u64;
    let mut entries = Vec::new();
    let mut undecided_groups = Vec::new();
    for r in 0..classes.len() {
        let (a, b) = ((r / nb) as u32, (r % nb) as u32);
        let w = ga.size(a) * gb.size(b);
        if classes.is_null(r) {
            undecided += w;
            undecided_groups.push((a, b));
        } else if classes.value(r) {
            true_pairs += w;
            entries.push(Entry::Groups { a, b, test: false });
        }
    }
    let rejection = undecided > MAX_ENUMERATED_PAIRS;
    let width = [p.sides[0].num_columns(), p.sides[1].num_columns()];
    let reads = reads_of(
        p.plan,
        width,
        &p.decided,
        &[&stratum.condition],
        &vec![false; p.plan.columns.len()],
    );
    let mut listed = 0u64;
    if rejection {
        entries.extend(
            undecided_groups
                .iter()
                .map(|&(a, b)| Entry::Groups { a, b, test: true }),
        );
    } else {
        for (a, b) in undecided_groups {
            let g = a * nb as u32 + b;
            let found = enumerate_satisfying(p, stratum, &reads, g)?;
            listed += found.len() as u64;
            entries.extend(found.into_iter().map(|(a, b)| Entry::Pair { a, b, g }));
        }
    }
    let mut total = 0u64;
    let cumulative: Vec<u64> = entries
        .iter()
        .map(|e| {
            total += match e {
                Entry::Groups { a, b, .. } => ga.size(*a) * gb.size(*b),
                Entry::Pair { .. } => 1,
            };
            total
        })
        .collect();
    let satisfying = (true_pairs + listed) as f64;
    let mut report = StratumReport {
        name: stratum.name.clone(),
        condition: stratum.sql.trim().to_string(),
        requested: stratum.rows,
        produced: 0,
        population,
        satisfying,
        exact: !rejection,
        acceptance: if population == 0 {
            0.0
        } else {
            satisfying / population as f64
        },
        method: if rejection {
            "rejection".into()
        } else {
            "exact".into()
        },
    };
    // In exact mode `total` is the number of satisfying pairs; in rejection mode it is never 0.
    if stratum.rows > 0 && total == 0 {
        return Err(impossible(p, stratum, population));
    }
    let sampler = Sampler {
        entries,
        cumulative,
        rejection,
        reads,
    };
    if rejection {
        // Estimate the share of undecided pairs that satisfy, for the report.
        let mut rng = stream(0, &p.plan.table, &format!("estimate:{}", stratum.name), 0);
        let (tested, accepted) = estimate_undecided(p, stratum, &sampler, &mut rng)?;
        let share = if tested == 0 {
            1.0
        } else {
            accepted as f64 / tested as f64
        };
        report.satisfying = true_pairs as f64 + undecided as f64 * share;
        report.acceptance = report.satisfying / population as f64;
        if tested > 0 && accepted == 0 && true_pairs == 0 {
            return Err(impossible(p, stratum, population).with_note(format!(
                "{tested} pairs tested in the undecided groups, none satisfied the condition"
            )));
        }
    }
    Ok((sampler, report))
}

trait WithNote {
    fn with_note(self, note: String) -> Self;
}

impl WithNote for Error {
    fn with_note(mut self, note: String) -> Self {
        if let Some(d) = self.diagnostics.last_mut() {
            d.notes.push(note);
        }
        self
    }
}

fn impossible(p: &Prepared, stratum: &StratumPlan, population: u64) -> Error {
    let [(a, ta), (b, tb)] = &p.plan.sides;
    Error::runtime(
        Diagnostic::at(
            &stratum.path,
            format!(
                "stratum `{}` of table `{}` cannot be met: it needs {} rows, but 0 of the {} pairs ({} {ta} rows × {} {tb} rows) satisfy its condition",
                stratum.name,
                p.plan.table,
                stratum.rows,
                population,
                p.sides[0].num_rows(),
                p.sides[1].num_rows()
            ),
        )
        .note(format!("condition: {}", stratum.sql.trim()))
        .help(format!("check the values the condition needs against what `{a}` ({ta}) and `{b}` ({tb}) can hold")),
    )
}

/// Tests every pair of group pair `g`; returns the satisfying ones in (a, b) order.
fn enumerate_satisfying(
    p: &Prepared,
    stratum: &StratumPlan,
    reads: &Reads,
    g: u32,
) -> Result<Vec<(u32, u32)>> {
    let nb = p.groups[1].count() as u32;
    let ga = p.groups[0].positions(g / nb);
    let gb = p.groups[1].positions(g % nb);
    let width = gb.len();
    let mut out = Vec::new();
    let total = ga.len() * width;
    let mut start = 0;
    while start < total {
        let end = (start + CHUNK_ROWS as usize).min(total);
        let pairs = Pairs {
            a: (start..end)
                .map(|k| ga.start + (k / width) as u32)
                .collect(),
            b: (start..end)
                .map(|k| gb.start + (k % width) as u32)
                .collect(),
            g: vec![g; end - start],
        };
        let mask = eval_mask(&stratum.condition, &p.rows(reads, &pairs)?)?;
        out.extend(
            (0..pairs.len())
                .filter(|&i| mask.value(i))
                .map(|i| (pairs.a[i], pairs.b[i])),
        );
        start = end;
    }
    Ok(out)
}

/// One proposal: rows of each side, their group pair, and whether the condition must be tested.
fn propose(p: &Prepared, sampler: &Sampler, rng: &mut Rng) -> ((u32, u32, u32), bool) {
    let total = *sampler.cumulative.last().expect("non-empty sampler");
    let x = rng.random_range(0..total);
    let e = sampler.cumulative.partition_point(|&c| c <= x);
    match sampler.entries[e] {
        Entry::Pair { a, b, g } => ((a, b, g), false),
        Entry::Groups { a, b, test } => {
            let g = a * p.groups[1].count() as u32 + b;
            (
                (
                    draw_position(&p.groups[0], a, rng),
                    draw_position(&p.groups[1], b, rng),
                    g,
                ),
                test,
            )
        }
    }
}

/// A uniform position of group `g`.
fn draw_position(groups: &Groups, g: u32, rng: &mut Rng) -> u32 {
    let range = groups.positions(g);
    range.start + rng.random_range(0..range.len()) as u32
}

fn estimate_undecided(
    p: &Prepared,
    stratum: &StratumPlan,
    sampler: &Sampler,
    rng: &mut Rng,
) -> Result<(u64, u64)> {
    let mut tested = Pairs::default();
    for _ in 0..100_000 {
        let (pair, test) = propose(p, sampler, rng);
        if test {
            tested.push(pair);
        }
    }
    if tested.len() == 0 {
        return Ok((0, 0));
    }
    let mask = eval_mask(&stratum.condition, &p.rows(&sampler.reads, &tested)?)?;
    Ok((tested.len() as u64, mask.true_count() as u64))
}

/// Draws `n` satisfying pairs.
fn draw(
    p: &Prepared,
    sampler: &Sampler,
    stratum: &StratumPlan,
    rng: &mut Rng,
    n: usize,
) -> Result<Pairs> {
    let mut out = Pairs::with_capacity(n);
    if !sampler.rejection {
        for _ in 0..n {
            out.push(propose(p, sampler, rng).0);
        }
        return Ok(out);
    }
    let limit = MAX_PROPOSALS_PER_ROW * n as u64 + 1_000_000;
    let mut proposals = 0u64;
    while out.len() < n {
        let batch = ((n - out.len()) * 2).clamp(1024, CHUNK_ROWS as usize);
        let drawn: Vec<((u32, u32, u32), bool)> =
            (0..batch).map(|_| propose(p, sampler, rng)).collect();
        proposals += batch as u64;
        let mut tested = Pairs::default();
        for (pair, _) in drawn.iter().filter(|d| d.1) {
            tested.push(*pair);
        }
        let mask = if tested.len() == 0 {
            None
        } else {
            Some(eval_mask(
                &stratum.condition,
                &p.rows(&sampler.reads, &tested)?,
            )?)
        };
        let mut k = 0;
        for (pair, test) in drawn {
            let ok = if test {
                k += 1;
                mask.as_ref().is_some_and(|m| m.value(k - 1))
            } else {
                true
            };
            if ok && out.len() < n {
                out.push(pair);
            }
        }
        if proposals > limit && out.len() < n {
            return Err(Error::runtime(
                Diagnostic::at(&stratum.path, format!(
                    "stratum `{}` of table `{}`: only {} of {} rows found after {} proposals; its condition is too rare among the undecided pairs",
                    stratum.name, p.plan.table, out.len(), n, proposals
                ))
                .note(format!("condition: {}", stratum.sql.trim())),
            ));
        }
    }
    Ok(out)
}

/// The output rows of one chunk: pair columns, `set` columns, `derive` columns.
fn build_rows(
    p: &Prepared,
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
    for ((name, ty), generator) in plan.set_columns.iter().zip(&stratum.set) {
        let mut rng = stream(
            seed,
            &plan.table,
            &format!("set:{}:{name}", stratum.name),
            chunk,
        );
        columns.push(generate_column(generator, &mut rng, chunk * CHUNK_ROWS, n));
        fields.push(Field::new(name, ty.arrow(), false));
    }
    for (name, physical) in &plan.derive {
        append_evaluated(&mut fields, &mut columns, n, name, physical)?;
    }
    let schema = Arc::new(Schema::new(fields));
    Ok(RecordBatch::try_new(schema, columns)?)
}
