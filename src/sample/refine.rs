//! Refining an undecided group pair, so that a stratum over a large product is sampled
//! exactly instead of guessed at.
//!
//! The stratum's condition, with the pair columns written out as their SQL over the sides and
//! the group pair's key values put in as literals, is simplified and split into conjuncts
//! (`A AND B AND ...`: a pair satisfies it exactly when it satisfies every conjunct):
//!
//! - a conjunct that reads one side only filters that side's rows before any pairing
//!   (`c.credit_limit > 15000` keeps 106 of 200,000 customers);
//! - a comparison between a key of each side (`a.x < b.y`, each half of a `BETWEEN` or of an
//!   interval overlap `m.start < t.end AND m.end > t.start`) is counted exactly per row
//!   ([`super::counted`]); at most two distinct keys of side B are counted, with any number of
//!   comparisons on each;
//! - anything else (`OR`, functions of both sides, a third key) stays, and every pair drawn
//!   among the candidates is tested against the whole condition.
//!
//! The candidates of a group pair are then the filtered rows of each side, and, under range
//! conditions, only the pairs the counts allow: their number is exact.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, RecordBatch, UInt32Array, new_null_array};
use datafusion::arrow::compute::take;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{DFSchema, ScalarValue, TableReference};
use datafusion::execution::context::ExecutionProps;
use datafusion::logical_expr::physical_planning_context::PhysicalPlanningContext;
use datafusion::logical_expr::simplify::SimplifyContext;
use datafusion::logical_expr::utils::split_conjunction_owned;
use datafusion::logical_expr::{Between, BinaryExpr, Expr, ExprSchemable, Operator};
use datafusion::optimizer::simplify_expressions::ExprSimplifier;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::utils::collect_columns;

use super::PairSpace;
use super::counted::{Bound, Interval, KeyKind, RangeIndex};
use crate::batch::{eval, eval_mask};
use crate::error::{Error, Result};
use crate::plan::StratumPlan;

/// One counted comparison: `b_key` is bounded by `a_key` (`b_key OP a_key`).
struct Comparison {
    a_key: Arc<dyn PhysicalExpr>,
    bound: Bound,
    kind: KeyKind,
}

/// The comparisons on one key of side B.
struct KeyedComparisons {
    b_key: Arc<dyn PhysicalExpr>,
    kind: KeyKind,
    comparisons: Vec<Comparison>,
}

/// What a condition, its keys put in, says about a group pair.
struct Residual {
    /// A conjunct is false whatever the rows: no pair satisfies.
    impossible: bool,
    /// Per side, the conjuncts that read only that side.
    filters: [Vec<Arc<dyn PhysicalExpr>>; 2],
    /// The counted comparisons, by key of side B (at most two keys).
    ranges: Vec<KeyedComparisons>,
    /// Some conjunct is neither: drawn pairs must be tested against the whole condition.
    test: bool,
    /// How the condition was refined, for the report.
    shape: String,
}

/// The candidates of one refined group pair: exact when `test` is false.
pub(super) struct Refined {
    /// The group pair.
    pub g: u32,
    /// Whether a drawn pair must be tested against the condition.
    pub test: bool,
    /// How many candidate pairs there are.
    pub weight: u64,
    /// Positions (in grouped order) of the candidate rows of side A.
    a: Vec<u32>,
    /// Positions of the candidate rows of side B.
    b: Vec<u32>,
    candidates: Candidates,
}

enum Candidates {
    /// Every pair of the candidate rows.
    Product,
    /// Under range conditions: per candidate of A, its intervals and the running count of its
    /// partners; the partners are found in the index.
    Ranges {
        index: RangeIndex,
        intervals: Vec<(Interval, Interval)>,
        cumulative: Vec<u64>,
    },
}

impl Refined {
    /// The `k`-th candidate pair (`k < weight`) as positions of each side.
    pub fn pair(&self, k: u64) -> Option<(u32, u32)> {
        match &self.candidates {
            Candidates::Product => {
                let nb = self.b.len() as u64;
                Some((self.a[(k / nb) as usize], self.b[(k % nb) as usize]))
            }
            Candidates::Ranges {
                index,
                intervals,
                cumulative,
            } => {
                let i = cumulative.partition_point(|&c| c <= k);
                let before = if i == 0 { 0 } else { cumulative[i - 1] };
                let (first, second) = intervals[i];
                let partner = index.nth(first, second, k - before)?;
                Some((self.a[i], self.b[partner as usize]))
            }
        }
    }
}

/// Refines the undecided group pairs of one stratum; residual conditions are planned once per
/// distinct text.
pub(super) struct Refiner<'a> {
    space: &'a PairSpace<'a>,
    /// The condition with the pair columns written out, over both sides' columns.
    condition: Expr,
    /// Each side's columns, qualified by its alias.
    side_schemas: [DFSchema; 2],
    cache: HashMap<String, Rc<Residual>>,
    /// How the group pairs were refined (distinct shapes, in order of first use).
    pub shapes: Vec<String>,
}

impl<'a> Refiner<'a> {
    pub fn new(space: &'a PairSpace<'a>, stratum: &StratumPlan) -> Result<Refiner<'a>> {
        let plan = space.plan;
        let table = TableReference::bare(plan.table.as_str());
        let columns: HashMap<&str, &Expr> = plan
            .columns
            .iter()
            .map(|c| (c.name.as_str(), &c.expr))
            .collect();
        let condition = stratum
            .expr
            .clone()
            .transform(|e| match &e {
                Expr::Column(c) if c.relation.as_ref().is_none_or(|r| *r == table) => {
                    match columns.get(c.name.as_str()) {
                        Some(defined) => Ok(Transformed::yes((*defined).clone())),
                        None => Ok(Transformed::no(e)),
                    }
                }
                _ => Ok(Transformed::no(e)),
            })?
            .data;
        // Types coerced once, as the engine does before planning (`price > 110` compares floats).
        let context = SimplifyContext::builder()
            .with_schema(Arc::new(plan.side_schema.clone()))
            .build();
        let condition = ExprSimplifier::new(context).coerce(condition, &plan.side_schema)?;
        let side_schemas = [0, 1].map(|s| {
            DFSchema::try_from_qualified_schema(
                plan.sides[s].alias.as_str(),
                space.sides[s].schema().as_ref(),
            )
        });
        let [a, b] = side_schemas;
        Ok(Refiner {
            space,
            condition,
            side_schemas: [a?, b?],
            cache: HashMap::new(),
            shapes: Vec::new(),
        })
    }

    /// Which side an alias names.
    fn side_of(&self, relation: Option<&TableReference>) -> Option<usize> {
        let relation = relation?;
        (0..2).find(|&s| relation.table() == self.space.plan.sides[s].alias)
    }

    /// The sides an expression reads (bit 0: side A, bit 1: side B; 4: something else).
    fn reads(&self, e: &Expr) -> u8 {
        e.column_refs()
            .into_iter()
            .map(|c| match self.side_of(c.relation.as_ref()) {
                Some(s) => 1 << s,
                None => 4,
            })
            .fold(0, |acc, bit| acc | bit)
    }

    /// The condition of group pair (`a`, `b`) with its keys put in, simplified.
    fn residual_expr(&self, g: u32) -> Result<Expr> {
        let space = self.space;
        let width0 = space.sides[0].num_columns();
        let keys = &space.keys;
        let row = g as usize;
        let substituted = self
            .condition
            .clone()
            .transform(|e| {
                let Expr::Column(c) = &e else {
                    return Ok(Transformed::no(e));
                };
                let Some(side) = self.side_of(c.relation.as_ref()) else {
                    return Ok(Transformed::no(e));
                };
                let Ok(i) = space.sides[side].schema().index_of(&c.name) else {
                    return Ok(Transformed::no(e));
                };
                if !keys[side].contains(&i) {
                    return Ok(Transformed::no(e));
                }
                let column = space.group_pairs.column(side * width0 + i);
                let value = ScalarValue::try_from_array(column, row)?;
                Ok(Transformed::yes(Expr::Literal(value, None)))
            })?
            .data;
        let context = SimplifyContext::builder()
            .with_schema(Arc::new(space.plan.side_schema.clone()))
            .build();
        Ok(ExprSimplifier::new(context).simplify(substituted)?)
    }

    /// Plans a residual condition: filters, counted comparisons, and whether to test.
    fn plan_residual(&self, residual: Expr) -> Result<Residual> {
        let mut out = Residual {
            impossible: false,
            filters: [Vec::new(), Vec::new()],
            ranges: Vec::new(),
            test: false,
            shape: String::new(),
        };
        let mut texts: Vec<String> = Vec::new();
        for conjunct in split_conjunction_owned(residual)
            .into_iter()
            .flat_map(expand_between)
        {
            match conjunct {
                Expr::Literal(ScalarValue::Boolean(Some(true)), _) => continue,
                Expr::Literal(..) => {
                    out.impossible = true;
                    continue;
                }
                _ => {}
            }
            if conjunct.is_volatile() {
                out.test = true;
                continue;
            }
            match self.reads(&conjunct) {
                1 => out.filters[0].push(self.physical(&conjunct, 0)?),
                2 => out.filters[1].push(self.physical(&conjunct, 1)?),
                3 => {
                    if !self.add_comparison(&conjunct, &mut out.ranges, &mut texts)? {
                        out.test = true;
                    }
                }
                _ => out.test = true,
            }
        }
        let mut shape = Vec::new();
        for (side, filters) in out.filters.iter().enumerate() {
            if !filters.is_empty() {
                let alias = &self.space.plan.sides[side].alias;
                shape.push(format!("{} filter(s) on `{alias}`", filters.len()));
            }
        }
        for (keyed, text) in out.ranges.iter().zip(&texts) {
            shape.push(format!(
                "{} range comparison(s) on `{text}`",
                keyed.comparisons.len()
            ));
        }
        if out.test {
            shape.push("other conditions tested per pair".into());
        }
        out.shape = if shape.is_empty() {
            "every pair".into()
        } else {
            shape.join(", ")
        };
        Ok(out)
    }

    /// Adds a comparison between a key of each side to `ranges`; false when it is not one
    /// (or a third key of side B).
    fn add_comparison(
        &self,
        conjunct: &Expr,
        ranges: &mut Vec<KeyedComparisons>,
        texts: &mut Vec<String>,
    ) -> Result<bool> {
        let Expr::BinaryExpr(BinaryExpr { left, op, right }) = conjunct else {
            return Ok(false);
        };
        let bound = match op {
            Operator::Eq => Bound::Equal,
            Operator::Lt => Bound::Less,
            Operator::LtEq => Bound::LessOrEqual,
            Operator::Gt => Bound::Greater,
            Operator::GtEq => Bound::GreaterOrEqual,
            _ => return Ok(false),
        };
        let (a_key, b_key, bound) = match (self.reads(left), self.reads(right)) {
            (1, 2) => (left.as_ref(), right.as_ref(), bound.mirrored()),
            (2, 1) => (right.as_ref(), left.as_ref(), bound),
            _ => return Ok(false),
        };
        let schema = &self.space.plan.side_schema;
        let (Ok(ta), Ok(tb)) = (a_key.get_type(schema), b_key.get_type(schema)) else {
            return Ok(false);
        };
        let Some(kind) = KeyKind::of(&ta, &tb) else {
            return Ok(false);
        };
        let text = b_key.to_string();
        let position = match texts.iter().position(|t| *t == text) {
            Some(p) if ranges[p].kind == kind => p,
            Some(_) => return Ok(false),
            None if ranges.len() < 2 => {
                ranges.push(KeyedComparisons {
                    b_key: self.physical(b_key, 1)?,
                    kind,
                    comparisons: Vec::new(),
                });
                texts.push(text);
                ranges.len() - 1
            }
            None => return Ok(false),
        };
        ranges[position].comparisons.push(Comparison {
            a_key: self.physical(a_key, 0)?,
            bound,
            kind,
        });
        Ok(true)
    }

    fn physical(&self, e: &Expr, side: usize) -> Result<Arc<dyn PhysicalExpr>> {
        Ok(datafusion::physical_expr::create_physical_expr(
            e,
            &self.side_schemas[side],
            &ExecutionProps::new(),
            &PhysicalPlanningContext::default(),
        )?)
    }

    /// The candidates of undecided group pair `g`; `None` when it has none.
    pub fn refine(&mut self, g: u32) -> Result<Option<Refined>> {
        let residual_expr = self.residual_expr(g)?;
        let text = residual_expr.to_string();
        let residual = match self.cache.get(&text) {
            Some(r) => r.clone(),
            None => {
                let r = Rc::new(self.plan_residual(residual_expr)?);
                self.cache.insert(text, r.clone());
                r
            }
        };
        if !self.shapes.contains(&residual.shape) {
            self.shapes.push(residual.shape.clone());
        }
        if residual.impossible {
            return Ok(None);
        }
        let nb = self.space.groups[1].count() as u32;
        let a = self.filtered(0, g / nb, &residual.filters[0])?;
        let b = self.filtered(1, g % nb, &residual.filters[1])?;
        let refined = if residual.ranges.is_empty() {
            Refined {
                g,
                test: residual.test,
                weight: a.len() as u64 * b.len() as u64,
                a,
                b,
                candidates: Candidates::Product,
            }
        } else {
            self.counted(g, a, b, &residual)?
        };
        Ok((refined.weight > 0).then_some(refined))
    }

    /// The positions of group `group` of `side` whose rows pass every filter.
    fn filtered(
        &self,
        side: usize,
        group: u32,
        filters: &[Arc<dyn PhysicalExpr>],
    ) -> Result<Vec<u32>> {
        let mut positions: Vec<u32> = self.space.groups[side].positions(group).collect();
        for filter in filters {
            if positions.is_empty() {
                break;
            }
            let mask = eval_mask(filter, &self.rows_at(side, &positions, &[filter])?)?;
            positions = positions
                .into_iter()
                .enumerate()
                .filter(|(i, _)| mask.value(*i))
                .map(|(_, p)| p)
                .collect();
        }
        Ok(positions)
    }

    /// The rows of `side` at `positions`, with the columns the expressions read (the others
    /// NULL, in place).
    fn rows_at(
        &self,
        side: usize,
        positions: &[u32],
        exprs: &[&Arc<dyn PhysicalExpr>],
    ) -> Result<RecordBatch> {
        let batch = self.space.sides[side];
        let order = &self.space.groups[side].order;
        let rows = UInt32Array::from_iter_values(positions.iter().map(|&p| order[p as usize]));
        let read: Vec<usize> = exprs
            .iter()
            .flat_map(|e| collect_columns(e))
            .map(|c| c.index())
            .collect();
        let columns: Vec<ArrayRef> = batch
            .columns()
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if read.contains(&i) {
                    Ok(take(c.as_ref(), &rows, None)?)
                } else {
                    Ok(new_null_array(c.data_type(), positions.len()))
                }
            })
            .collect::<Result<_>>()?;
        let fields = self.side_schemas[side]
            .fields()
            .iter()
            .map(|f| f.as_ref().clone().with_nullable(true))
            .collect();
        crate::batch::batch(fields, columns, positions.len())
    }

    /// Each value of a key expression at `positions` of `side`, as ordinals.
    fn ordinals(
        &self,
        side: usize,
        positions: &[u32],
        key: &Arc<dyn PhysicalExpr>,
        kind: KeyKind,
    ) -> Result<Vec<Option<u64>>> {
        let values = eval(key, &self.rows_at(side, positions, &[key])?)?;
        kind.ordinals(&values).ok_or_else(|| {
            Error::msg(format!(
                "cannot compare values of type {}",
                values.data_type()
            ))
        })
    }

    /// The candidates of group pair `g` under range conditions, counted exactly per row of A.
    fn counted(&self, g: u32, a: Vec<u32>, b: Vec<u32>, residual: &Residual) -> Result<Refined> {
        let b_keys: Vec<Vec<Option<u64>>> = residual
            .ranges
            .iter()
            .map(|r| self.ordinals(1, &b, &r.b_key, r.kind))
            .collect::<Result<_>>()?;
        // A row of B with a NULL key satisfies no comparison on it.
        let keep: Vec<usize> = (0..b.len())
            .filter(|&i| b_keys.iter().all(|k| k[i].is_some()))
            .collect();
        let b: Vec<u32> = keep.iter().map(|&i| b[i]).collect();
        let key =
            |d: usize| -> Vec<u64> { keep.iter().map(|&i| b_keys[d][i].unwrap_or(0)).collect() };
        let first = key(0);
        let second = (residual.ranges.len() > 1).then(|| key(1));
        let index = RangeIndex::new(&first, second.as_deref());
        let mut dims: Vec<Vec<(Bound, Vec<Option<u64>>)>> = Vec::new();
        for r in &residual.ranges {
            let mut comparisons = Vec::new();
            for c in &r.comparisons {
                comparisons.push((c.bound, self.ordinals(0, &a, &c.a_key, c.kind)?));
            }
            dims.push(comparisons);
        }
        let interval = |d: usize, i: usize| -> Option<Interval> {
            let Some(comparisons) = dims.get(d) else {
                return Some(Interval::ALL);
            };
            comparisons
                .iter()
                .try_fold(Interval::ALL, |acc, (bound, values)| {
                    Some(acc.intersect(bound.interval(values[i]?)))
                })
        };
        let (mut kept_a, mut intervals, mut cumulative) = (Vec::new(), Vec::new(), Vec::new());
        let mut total = 0u64;
        for (i, &position) in a.iter().enumerate() {
            let (Some(i1), Some(i2)) = (interval(0, i), interval(1, i)) else {
                continue;
            };
            let count = index.count(i1, i2);
            if count > 0 {
                total += count;
                kept_a.push(position);
                intervals.push((i1, i2));
                cumulative.push(total);
            }
        }
        Ok(Refined {
            g,
            test: residual.test,
            weight: total,
            a: kept_a,
            b,
            candidates: Candidates::Ranges {
                index,
                intervals,
                cumulative,
            },
        })
    }
}

/// `x BETWEEN lo AND hi` as `x >= lo AND x <= hi`, so each half can be counted; other
/// conjuncts as they are.
fn expand_between(e: Expr) -> Vec<Expr> {
    match e {
        Expr::Between(Between {
            expr,
            negated: false,
            low,
            high,
        }) => vec![
            Expr::BinaryExpr(BinaryExpr::new(expr.clone(), Operator::GtEq, low)),
            Expr::BinaryExpr(BinaryExpr::new(expr, Operator::LtEq, high)),
        ],
        other => vec![other],
    }
}
