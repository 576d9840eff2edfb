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
use rand::RngExt;

use crate::analyze::{PairPlan, StratumPlan};
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

/// Rows of one side grouped by their key tuple.
struct Groups {
    /// Row indices of each group, in row order.
    members: Vec<Vec<u32>>,
}

/// Everything shared by the strata of one table.
struct Prepared<'a> {
    plan: &'a PairPlan,
    sides: [&'a RecordBatch; 2],
    /// Column indices of each side that the expressions read.
    read: [Vec<usize>; 2],
    groups: [Groups; 2],
    /// Side batch (both sides' columns) where each row is a group pair, non-key columns NULL.
    group_pair_batch: RecordBatch,
}

/// One weighted entry of a stratum's sampler.
#[derive(Clone, Copy)]
enum Entry {
    /// A group pair whose pairs all satisfy (TRUE) or must be tested (undecided).
    Groups { a: u32, b: u32, test: bool },
    /// One listed satisfying pair.
    Pair { a: u32, b: u32 },
}

struct Sampler {
    entries: Vec<Entry>,
    cumulative: Vec<u64>,
    rejection: bool,
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
        let (a, b) = draw(&self.prepared, &self.samplers[s], stratum, &mut rng, n)?;
        build_rows(&self.prepared, stratum, &a, &b, self.seed, c)
    }
}

fn prepare<'a>(plan: &'a PairPlan, sides: [&'a RecordBatch; 2]) -> Result<Prepared<'a>> {
    let exprs: Vec<&Expr> = plan
        .columns
        .iter()
        .map(|(_, e, _)| e)
        .chain(plan.strata.iter().map(|s| &s.expr))
        .collect();
    // Columns of each side that any expression reads; only these are gathered for drawn pairs.
    let mut read: [Vec<usize>; 2] = [Vec::new(), Vec::new()];
    for (side, (alias, _)) in plan.sides.iter().enumerate() {
        for e in &exprs {
            for c in e.column_refs() {
                if c.relation.as_ref().map(|r| r.table()) == Some(alias.as_str())
                    && let Ok(i) = sides[side].schema().index_of(&c.name)
                    && !read[side].contains(&i)
                {
                    read[side].push(i);
                }
            }
        }
        read[side].sort();
    }
    let mut keys: [Vec<usize>; 2] = [Vec::new(), Vec::new()];
    if exprs.iter().all(|e| null_monotone(e)) {
        for side in 0..2 {
            keys[side] = read[side]
                .iter()
                .copied()
                .filter(|&i| distinct_at_most(sides[side].column(i), MAX_KEY_VALUES).is_some())
                .collect();
        }
    }
    let (groups, reps) = loop {
        let (ga, ra) = group_rows(sides[0], &keys[0]);
        let (gb, rb) = group_rows(sides[1], &keys[1]);
        if ga.members.len().saturating_mul(gb.members.len()) <= MAX_GROUP_PAIRS {
            break ([ga, gb], [ra, rb]);
        }
        // Too many group pairs: give up the key with the most distinct values.
        let side = if ga.members.len() >= gb.members.len() {
            0
        } else {
            1
        };
        let worst = keys[side]
            .iter()
            .enumerate()
            .max_by_key(|(_, i)| distinct_at_most(sides[side].column(**i), usize::MAX).unwrap_or(0))
            .map(|(p, _)| p)
            .unwrap_or(0);
        keys[side].remove(worst);
    };
    let group_pair_batch = group_pair_batch(plan, sides, &keys, &reps)?;
    Ok(Prepared {
        plan,
        sides,
        read,
        groups,
        group_pair_batch,
    })
}

/// Whether the expression treats NULL as "unknown" throughout (Kleene logic), so evaluating it
/// with unknown columns set to NULL can only return TRUE or FALSE when every value would.
fn null_monotone(e: &Expr) -> bool {
    let mut ok = true;
    let _ = e.apply(|node| {
        let bad = match node {
            Expr::IsNull(_)
            | Expr::IsNotNull(_)
            | Expr::IsTrue(_)
            | Expr::IsFalse(_)
            | Expr::IsUnknown(_)
            | Expr::IsNotTrue(_)
            | Expr::IsNotFalse(_)
            | Expr::IsNotUnknown(_)
            | Expr::Case(_) => true,
            Expr::BinaryExpr(b) => {
                matches!(b.op, Operator::IsDistinctFrom | Operator::IsNotDistinctFrom)
            }
            Expr::ScalarFunction(f) => {
                matches!(
                    f.name(),
                    "coalesce" | "nvl" | "nvl2" | "ifnull" | "if" | "nullif" | "greatest" | "least"
                )
            }
            _ => false,
        };
        if bad {
            ok = false;
            return Ok(TreeNodeRecursion::Stop);
        }
        Ok(TreeNodeRecursion::Continue)
    });
    ok
}

/// The number of distinct values of a key-able column, if it is at most `limit`.
fn distinct_at_most(a: &ArrayRef, limit: usize) -> Option<usize> {
    let mut seen: HashMap<Option<KeyValue>, ()> = HashMap::new();
    if !matches!(
        a.data_type(),
        DataType::Boolean | DataType::Utf8 | DataType::Int64 | DataType::Int32
    ) {
        return None;
    }
    for i in 0..a.len() {
        seen.insert(key_value(a, i), ());
        if seen.len() > limit {
            return None;
        }
    }
    Some(seen.len())
}

#[derive(Hash, PartialEq, Eq, Clone, PartialOrd, Ord)]
enum KeyValue {
    Bool(bool),
    Int(i64),
    Str(String),
}

fn key_value(a: &ArrayRef, i: usize) -> Option<KeyValue> {
    if a.is_null(i) {
        return None;
    }
    Some(match a.data_type() {
        DataType::Boolean => KeyValue::Bool(a.as_boolean().value(i)),
        DataType::Int64 => KeyValue::Int(
            a.as_primitive::<datafusion::arrow::datatypes::Int64Type>()
                .value(i),
        ),
        DataType::Int32 => KeyValue::Int(
            a.as_primitive::<datafusion::arrow::datatypes::Int32Type>()
                .value(i) as i64,
        ),
        _ => KeyValue::Str(a.as_string::<i32>().value(i).to_string()),
    })
}

/// Groups rows by their key tuple (groups ordered by key value); returns groups and a representative row of each.
fn group_rows(batch: &RecordBatch, keys: &[usize]) -> (Groups, Vec<u32>) {
    let n = batch.num_rows();
    if keys.is_empty() {
        let members = if n == 0 {
            vec![]
        } else {
            vec![(0..n as u32).collect()]
        };
        let reps = if n == 0 { vec![] } else { vec![0] };
        return (Groups { members }, reps);
    }
    // Per key column, a code per row (codes ordered by value, so group order is stable).
    let mut codes: Vec<Vec<u32>> = Vec::new();
    let mut radix: Vec<u64> = Vec::new();
    for &k in keys {
        let a = batch.column(k);
        let values: Vec<Option<KeyValue>> = (0..n).map(|i| key_value(a, i)).collect();
        let mut distinct: Vec<Option<KeyValue>> = values.clone();
        distinct.sort();
        distinct.dedup();
        let index: HashMap<Option<KeyValue>, u32> = distinct
            .iter()
            .cloned()
            .enumerate()
            .map(|(i, v)| (v, i as u32))
            .collect();
        codes.push(values.iter().map(|v| index[v]).collect());
        radix.push(distinct.len() as u64);
    }
    let mut by_key: std::collections::BTreeMap<u64, Vec<u32>> = std::collections::BTreeMap::new();
    for row in 0..n {
        let mut key = 0u64;
        for (c, r) in codes.iter().zip(&radix) {
            key = key * r + c[row] as u64;
        }
        by_key.entry(key).or_default().push(row as u32);
    }
    let members: Vec<Vec<u32>> = by_key.into_values().collect();
    let reps = members.iter().map(|m| m[0]).collect();
    (Groups { members }, reps)
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

/// The side batch of the given pairs of rows.
fn pair_side_batch(p: &Prepared, a: &[u32], b: &[u32]) -> Result<RecordBatch> {
    let mut columns = Vec::new();
    for (side, rows) in [(0usize, a), (1usize, b)] {
        let idx = UInt32Array::from(rows.to_vec());
        for (i, col) in p.sides[side].columns().iter().enumerate() {
            // Unread columns keep their place (expressions address columns by index) as cheap NULLs.
            columns.push(if p.read[side].contains(&i) {
                take(col.as_ref(), &idx, None)?
            } else {
                new_null_array(col.data_type(), rows.len())
            });
        }
    }
    side_batch(p.plan, columns, a.len())
}

/// Adds the pair columns (unqualified) to a side batch: the schema conditions are planned against.
fn with_pair_columns(plan: &PairPlan, side: &RecordBatch) -> Result<RecordBatch> {
    let mut fields: Vec<Field> = side
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
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
    let nb = gb.members.len();
    let population = p.sides[0].num_rows() as u64 * p.sides[1].num_rows() as u64;
    let classes = eval(
        &stratum.condition,
        &with_pair_columns(p.plan, &p.group_pair_batch)?,
    )?;
    let classes = classes.as_boolean();
    let mut true_pairs = 0u64;
    let mut undecided = 0u64;
    let mut entries = Vec::new();
    let mut undecided_groups = Vec::new();
    for r in 0..classes.len() {
        let (a, b) = ((r / nb) as u32, (r % nb) as u32);
        let w = ga.members[a as usize].len() as u64 * gb.members[b as usize].len() as u64;
        if classes.is_null(r) {
            undecided += w;
            undecided_groups.push((a, b));
        } else if classes.value(r) {
            true_pairs += w;
            entries.push(Entry::Groups { a, b, test: false });
        }
    }
    let rejection = undecided > MAX_ENUMERATED_PAIRS;
    let mut listed = 0u64;
    if rejection {
        entries.extend(
            undecided_groups
                .iter()
                .map(|&(a, b)| Entry::Groups { a, b, test: true }),
        );
    } else {
        for (a, b) in undecided_groups {
            let found =
                enumerate_satisfying(p, stratum, &ga.members[a as usize], &gb.members[b as usize])?;
            listed += found.len() as u64;
            entries.extend(found.into_iter().map(|(a, b)| Entry::Pair { a, b }));
        }
    }
    let mut total = 0u64;
    let cumulative: Vec<u64> = entries
        .iter()
        .map(|e| {
            total += match e {
                Entry::Groups { a, b, .. } => {
                    ga.members[*a as usize].len() as u64 * gb.members[*b as usize].len() as u64
                }
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

/// Tests every pair of two groups; returns the satisfying ones in (a, b) order.
fn enumerate_satisfying(
    p: &Prepared,
    stratum: &StratumPlan,
    ga: &[u32],
    gb: &[u32],
) -> Result<Vec<(u32, u32)>> {
    let mut out = Vec::new();
    let total = ga.len() * gb.len();
    let mut start = 0;
    while start < total {
        let end = (start + CHUNK_ROWS as usize).min(total);
        let a: Vec<u32> = (start..end).map(|k| ga[k / gb.len()]).collect();
        let b: Vec<u32> = (start..end).map(|k| gb[k % gb.len()]).collect();
        let mask = eval_mask(
            &stratum.condition,
            &with_pair_columns(p.plan, &pair_side_batch(p, &a, &b)?)?,
        )?;
        out.extend(
            (0..a.len())
                .filter(|&i| mask.value(i))
                .map(|i| (a[i], b[i])),
        );
        start = end;
    }
    Ok(out)
}

fn propose(p: &Prepared, sampler: &Sampler, rng: &mut Rng) -> (u32, u32, bool) {
    let total = *sampler.cumulative.last().expect("non-empty sampler");
    let x = rng.random_range(0..total);
    let e = sampler.cumulative.partition_point(|&c| c <= x);
    match sampler.entries[e] {
        Entry::Pair { a, b } => (a, b, false),
        Entry::Groups { a, b, test } => {
            let ma = &p.groups[0].members[a as usize];
            let mb = &p.groups[1].members[b as usize];
            (
                ma[rng.random_range(0..ma.len())],
                mb[rng.random_range(0..mb.len())],
                test,
            )
        }
    }
}

fn estimate_undecided(
    p: &Prepared,
    stratum: &StratumPlan,
    sampler: &Sampler,
    rng: &mut Rng,
) -> Result<(u64, u64)> {
    let mut a = Vec::new();
    let mut b = Vec::new();
    for _ in 0..100_000 {
        let (x, y, test) = propose(p, sampler, rng);
        if test {
            a.push(x);
            b.push(y);
        }
    }
    if a.is_empty() {
        return Ok((0, 0));
    }
    let mask = eval_mask(
        &stratum.condition,
        &with_pair_columns(p.plan, &pair_side_batch(p, &a, &b)?)?,
    )?;
    Ok((a.len() as u64, mask.true_count() as u64))
}

/// Draws `n` satisfying pairs.
fn draw(
    p: &Prepared,
    sampler: &Sampler,
    stratum: &StratumPlan,
    rng: &mut Rng,
    n: usize,
) -> Result<(Vec<u32>, Vec<u32>)> {
    let mut a = Vec::with_capacity(n);
    let mut b = Vec::with_capacity(n);
    if !sampler.rejection {
        for _ in 0..n {
            let (x, y, _) = propose(p, sampler, rng);
            a.push(x);
            b.push(y);
        }
        return Ok((a, b));
    }
    let limit = MAX_PROPOSALS_PER_ROW * n as u64 + 1_000_000;
    let mut proposals = 0u64;
    while a.len() < n {
        let batch = ((n - a.len()) * 2).clamp(1024, CHUNK_ROWS as usize);
        let drawn: Vec<(u32, u32, bool)> = (0..batch).map(|_| propose(p, sampler, rng)).collect();
        proposals += batch as u64;
        let (ta, tb): (Vec<u32>, Vec<u32>) =
            drawn.iter().filter(|d| d.2).map(|d| (d.0, d.1)).unzip();
        let mask = if ta.is_empty() {
            None
        } else {
            Some(eval_mask(
                &stratum.condition,
                &with_pair_columns(p.plan, &pair_side_batch(p, &ta, &tb)?)?,
            )?)
        };
        let mut k = 0;
        for (x, y, test) in drawn {
            let ok = if test {
                k += 1;
                mask.as_ref().is_some_and(|m| m.value(k - 1))
            } else {
                true
            };
            if ok && a.len() < n {
                a.push(x);
                b.push(y);
            }
        }
        if proposals > limit && a.len() < n {
            return Err(Error::runtime(
                Diagnostic::at(&stratum.path, format!(
                    "stratum `{}` of table `{}`: only {} of {} rows found after {} proposals; its condition is too rare among the undecided pairs",
                    stratum.name, p.plan.table, a.len(), n, proposals
                ))
                .note(format!("condition: {}", stratum.sql.trim())),
            ));
        }
    }
    Ok((a, b))
}

/// The output rows of one chunk: pair columns, `set` columns, `derive` columns.
fn build_rows(
    p: &Prepared,
    stratum: &StratumPlan,
    a: &[u32],
    b: &[u32],
    seed: u64,
    chunk: u64,
) -> Result<RecordBatch> {
    let plan = p.plan;
    let n = a.len();
    let side = pair_side_batch(p, a, b)?;
    let mut fields: Vec<Field> = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    for (name, _, physical) in &plan.columns {
        let v = eval(physical, &side)?;
        fields.push(Field::new(name, v.data_type().clone(), true));
        columns.push(v);
    }
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
