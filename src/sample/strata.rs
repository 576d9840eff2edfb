//! Each stratum's sampler: classification of group pairs, enumeration or bounded rejection,
//! and the draws.

use datafusion::arrow::array::{Array, AsArray, new_null_array};
use datafusion::arrow::datatypes::DataType;
use rand::RngExt;

use super::groups::Groups;
use super::refine::{Refined, Refiner};
use super::weights::Weights;
use super::{MAX_PROPOSALS_PER_ROW, PairSpace, Pairs, Reads, reads_of};
use crate::batch::{eval, eval_mask};
use crate::error::{Diagnostic, Error, Result};
use crate::facts::StratumReport;
use crate::generate::CHUNK_ROWS;
use crate::generate::rng::{Rng, stream};
use crate::plan::StratumPlan;

/// One weighted entry of a stratum's sampler.
#[derive(Clone, Copy)]
enum SamplerEntry {
    /// A group pair whose pairs all satisfy (TRUE) or must be tested (undecided).
    Groups { a: u32, b: u32, test: bool },
    /// One listed satisfying pair (rows `a`, `b`) of group pair `g`.
    Pair { a: u32, b: u32, g: u32 },
    /// The candidates of a refined group pair (by index in `Sampler::refined`).
    Refined(u32),
}

/// What a proposal needs before it is kept.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Check {
    /// Nothing: it satisfies by construction.
    None,
    /// Testing: a pair that fails is redrawn.
    Test,
    /// Verifying what counting claims: a pair that fails is a bug in tutas.
    Verify,
    /// Not kept: a weighted draw from counted candidates fell outside its envelope.
    Dropped,
}

pub(super) struct Sampler {
    entries: Vec<SamplerEntry>,
    cumulative: Vec<u64>,
    /// With weighted sides: running sums of the entries' masses (see [`super::weights`]).
    masses: Option<Vec<f64>>,
    refined: Vec<Refined>,
    /// Proposals may be turned down: candidates to test, or weighted counted candidates.
    rejection: bool,
    /// The columns testing the condition needs.
    reads: Reads,
}

/// What classification and refinement found for a stratum.
struct Population {
    entries: Vec<SamplerEntry>,
    refined: Vec<Refined>,
    /// Pairs known to satisfy: TRUE group pairs, listed pairs, counted candidates.
    satisfying: u64,
    /// Candidate pairs that must be tested.
    to_test: u64,
    /// How the undecided group pairs were resolved, for the report.
    detail: String,
}

pub(super) fn build_sampler(
    p: &PairSpace,
    stratum: &StratumPlan,
) -> Result<(Sampler, StratumReport)> {
    let width = [p.sides[0].num_columns(), p.sides[1].num_columns()];
    let reads = reads_of(
        p.plan,
        width,
        &p.decided,
        &[&stratum.condition],
        &vec![false; p.plan.columns.len()],
    );
    let found = population(p, stratum, &reads)?;
    let population = p.sides[0].num_rows() as u64 * p.sides[1].num_rows() as u64;
    let mut total = 0u64;
    let cumulative: Vec<u64> = found
        .entries
        .iter()
        .map(|e| {
            total += match e {
                SamplerEntry::Groups { a, b, .. } => p.groups[0].size(*a) * p.groups[1].size(*b),
                SamplerEntry::Pair { .. } => 1,
                SamplerEntry::Refined(i) => found.refined[*i as usize].weight,
            };
            total
        })
        .collect();
    let masses = p.weights.as_ref().map(|w| masses(p, w, &found));
    if let Some(m) = &masses
        && stratum.rows > 0
        && total > 0
    {
        no_weightless_stratum(p, stratum, m)?;
    }
    let enveloped = masses.is_some() && !found.refined.is_empty();
    let rejection = found.to_test > 0 || enveloped;
    let counted = found.refined.iter().any(|r| !r.test);
    let method = match (found.to_test > 0, counted) {
        (true, _) => "rejection",
        (false, true) => "counted",
        (false, false) => "exact",
    };
    let mut report = StratumReport {
        name: stratum.name.clone(),
        condition: stratum.sql.trim().to_string(),
        requested: stratum.rows,
        produced: 0,
        population,
        satisfying: found.satisfying as f64,
        exact: found.to_test == 0,
        acceptance: ratio(found.satisfying as f64, population),
        method: method.into(),
        detail: found.detail.clone(),
    };
    // Without candidates to test, `total` is the number of satisfying pairs: 0 is proven.
    if stratum.rows > 0 && total == 0 {
        return Err(impossible(p, stratum, population));
    }
    let sampler = Sampler {
        entries: found.entries,
        cumulative,
        masses,
        refined: found.refined,
        rejection,
        reads,
    };
    if found.to_test > 0 {
        // Estimate the share of the candidates that satisfy, for the report.
        let mut rng = stream(0, &p.plan.table, &format!("estimate:{}", stratum.name), 0);
        let (tested, accepted) = estimate_undecided(p, stratum, &sampler, &mut rng)?;
        let share = ratio(accepted as f64, tested);
        report.satisfying = found.satisfying as f64 + found.to_test as f64 * share;
        report.acceptance = ratio(report.satisfying, population);
        if stratum.rows > 0 && accepted == 0 && found.satisfying == 0 {
            return Err(not_found(p, stratum, population, found.to_test, tested));
        }
    }
    Ok((sampler, report))
}

/// A stratum with rows to draw must have satisfying pairs of weight above 0.
fn no_weightless_stratum(p: &PairSpace, stratum: &StratumPlan, masses: &[f64]) -> Result<()> {
    match masses.last().copied().unwrap_or(0.0) > 0.0 {
        true => Ok(()),
        false => Err(Error::runtime(Diagnostic::at(
            &stratum.path,
            format!(
                "stratum `{}` of table `{}`: every pair that satisfies it has weight 0",
                stratum.name, p.plan.table
            ),
        ))),
    }
}

/// Running sums of the entries' masses under the sides' weights.
fn masses(p: &PairSpace, w: &Weights, found: &Population) -> Vec<f64> {
    let mut total = 0.0;
    found
        .entries
        .iter()
        .map(|e| {
            total += match *e {
                SamplerEntry::Groups { a, b, .. } => {
                    w.group(0, &p.groups[0], a) * w.group(1, &p.groups[1], b)
                }
                SamplerEntry::Pair { a, b, .. } => w.at(0, a) * w.at(1, b),
                SamplerEntry::Refined(i) => {
                    found.refined[i as usize].weight as f64 * w.max[0] * w.max[1]
                }
            };
            total
        })
        .collect()
}

fn ratio(part: f64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part / whole as f64 }
}

/// Classifies the group pairs, then lists the undecided ones' satisfying pairs when there are
/// few, or refines them (side filters, counted ranges) when there are many.
fn population(p: &PairSpace, stratum: &StratumPlan, reads: &Reads) -> Result<Population> {
    let [ga, gb] = &p.groups;
    let nb = gb.count();
    // Without grouping, NULL does not stand for "unknown": every pair is undecided.
    let classes = if p.grouped {
        eval(&stratum.condition, &p.group_pairs).map_err(|e| e.at_sql(&stratum.path))?
    } else {
        new_null_array(&DataType::Boolean, p.group_pairs.num_rows())
    };
    let classes = classes.as_boolean();
    let mut found = Population {
        entries: Vec::new(),
        refined: Vec::new(),
        satisfying: 0,
        to_test: 0,
        detail: "classified by key columns".into(),
    };
    let mut undecided = 0u64;
    let mut undecided_groups = Vec::new();
    for r in 0..classes.len() {
        let (a, b) = ((r / nb) as u32, (r % nb) as u32);
        let w = ga.size(a) * gb.size(b);
        if classes.is_null(r) {
            undecided += w;
            undecided_groups.push(r as u32);
        } else if classes.value(r) {
            found.satisfying += w;
            found
                .entries
                .push(SamplerEntry::Groups { a, b, test: false });
        }
    }
    if undecided <= p.enumeration_limit {
        for g in undecided_groups {
            let listed = list_satisfying(p, stratum, reads, g, group_pair_candidates(p, g))?;
            found.satisfying += listed.len() as u64;
            found.entries.extend(listed);
        }
        if undecided > 0 {
            found.detail = format!("{undecided} undecided pairs tested one by one");
        }
        return Ok(found);
    }
    let mut refiner = Refiner::new(p, stratum)?;
    let mut refined = Vec::new();
    for g in undecided_groups {
        refined.extend(refiner.refine(g)?);
    }
    let to_test: u64 = refined.iter().filter(|r| r.test).map(|r| r.weight).sum();
    let enumerate = to_test <= p.enumeration_limit;
    for r in refined {
        if r.test && enumerate {
            let candidates = (0..r.weight).filter_map(|k| r.pair(k).map(|(a, b)| (a, b, r.g)));
            let listed = list_satisfying(p, stratum, reads, r.g, candidates)?;
            found.satisfying += listed.len() as u64;
            found.entries.extend(listed);
        } else {
            if r.test {
                found.to_test += r.weight;
            } else {
                found.satisfying += r.weight;
            }
            found
                .entries
                .push(SamplerEntry::Refined(found.refined.len() as u32));
            found.refined.push(r);
        }
    }
    found.detail = format!(
        "{undecided} undecided pairs refined: {}{}",
        refiner.shapes.join("; "),
        if enumerate && to_test > 0 {
            format!("; {to_test} candidates tested one by one")
        } else {
            String::new()
        }
    );
    Ok(found)
}

/// Every pair of group pair `g`, in (a, b) order.
fn group_pair_candidates(p: &PairSpace, g: u32) -> impl Iterator<Item = (u32, u32, u32)> {
    let nb = p.groups[1].count() as u32;
    let ga = p.groups[0].positions(g / nb);
    let gb = p.groups[1].positions(g % nb);
    ga.flat_map(move |a| gb.clone().map(move |b| (a, b, g)))
}

/// What tutas counts exactly, for messages about conditions it has to test pair by pair.
const CONDITION_HELP: &str = "tutas counts exactly: comparisons of one side's columns (with constants or each other), and comparisons of a column of each side (<, <=, >, >=, =, BETWEEN) joined by AND; an OR or a function of both sides is tested pair by pair";

/// A stratum whose candidates were sampled but none satisfied: says what was tested and what
/// that bounds, not that no pair satisfies.
fn not_found(
    p: &PairSpace,
    stratum: &StratumPlan,
    population: u64,
    candidates: u64,
    tested: u64,
) -> Error {
    // No success in `tested` uniform draws: fewer than 3/tested of the candidates satisfy, with
    // 95% confidence (the rule of three).
    let bound = (3.0 / tested.max(1) as f64 * candidates as f64).ceil();
    Error::runtime(
        Diagnostic::at(
            &stratum.path,
            format!(
                "stratum `{}` of table `{}`: no pair satisfying its condition was found; it needs {} rows",
                stratum.name, p.plan.table, stratum.rows
            ),
        )
        .note(format!("condition: {}", stratum.sql.trim()))
        .note(format!(
            "of the {population} pairs, {candidates} remain after the conditions tutas decides or counts exactly; {tested} of them, drawn at random, were tested and none satisfied"
        ))
        .note(format!(
            "so fewer than {bound} of the candidates satisfy (95% confidence); this is a sample, not a proof"
        ))
        .help(CONDITION_HELP),
    )
}

fn impossible(p: &PairSpace, stratum: &StratumPlan, population: u64) -> Error {
    let [a, b] = &p.plan.sides;
    let (ta, tb) = (&a.table, &b.table);
    let (a, b) = (&a.alias, &b.alias);
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

/// Tests the candidate pairs (positions and group pair) and lists those that satisfy, in order.
fn list_satisfying(
    p: &PairSpace,
    stratum: &StratumPlan,
    reads: &Reads,
    g: u32,
    candidates: impl Iterator<Item = (u32, u32, u32)>,
) -> Result<Vec<SamplerEntry>> {
    let mut out = Vec::new();
    let mut candidates = candidates.peekable();
    while candidates.peek().is_some() {
        let mut pairs = Pairs::with_capacity(CHUNK_ROWS as usize);
        for pair in candidates.by_ref().take(CHUNK_ROWS as usize) {
            pairs.push(pair);
        }
        let mask = eval_mask(&stratum.condition, &p.rows(reads, &pairs)?)
            .map_err(|e| e.at_sql(&stratum.path))?;
        out.extend(
            (0..pairs.len())
                .filter(|&i| mask.value(i))
                .map(|i| SamplerEntry::Pair {
                    a: pairs.a[i],
                    b: pairs.b[i],
                    g,
                }),
        );
    }
    Ok(out)
}

/// One proposal: rows of each side, their group pair, and what it needs before it is kept.
fn propose(p: &PairSpace, sampler: &Sampler, rng: &mut Rng) -> ((u32, u32, u32), Check) {
    if let (Some(masses), Some(w)) = (&sampler.masses, &p.weights) {
        return propose_weighted(p, sampler, masses, w, rng);
    }
    let total = *sampler.cumulative.last().expect("non-empty sampler");
    let x = rng.random_range(0..total);
    let e = sampler.cumulative.partition_point(|&c| c <= x);
    match sampler.entries[e] {
        SamplerEntry::Pair { a, b, g } => ((a, b, g), Check::None),
        SamplerEntry::Groups { a, b, test } => {
            let g = a * p.groups[1].count() as u32 + b;
            let check = if test { Check::Test } else { Check::None };
            (
                (
                    draw_position(&p.groups[0], a, rng),
                    draw_position(&p.groups[1], b, rng),
                    g,
                ),
                check,
            )
        }
        SamplerEntry::Refined(i) => {
            // The offset of `x` within the entry is uniform over its candidates.
            let before = if e == 0 { 0 } else { sampler.cumulative[e - 1] };
            let r = &sampler.refined[i as usize];
            let (a, b) = r
                .pair(x - before)
                .expect("an offset below the entry's weight names a candidate");
            let check = if r.test { Check::Test } else { Check::Verify };
            ((a, b, r.g), check)
        }
    }
}

/// One proposal with weighted sides: an entry by mass, then rows in proportion to their
/// weights (group pairs) or uniformly and kept under the envelope (counted candidates).
fn propose_weighted(
    p: &PairSpace,
    sampler: &Sampler,
    masses: &[f64],
    w: &Weights,
    rng: &mut Rng,
) -> ((u32, u32, u32), Check) {
    let x = rng.random::<f64>() * masses[masses.len() - 1];
    let e = masses.partition_point(|&c| c <= x).min(masses.len() - 1);
    match sampler.entries[e] {
        SamplerEntry::Pair { a, b, g } => ((a, b, g), Check::None),
        SamplerEntry::Groups { a, b, test } => {
            let g = a * p.groups[1].count() as u32 + b;
            let pair = (
                w.draw(0, &p.groups[0], a, rng),
                w.draw(1, &p.groups[1], b, rng),
                g,
            );
            (pair, if test { Check::Test } else { Check::None })
        }
        SamplerEntry::Refined(i) => {
            let r = &sampler.refined[i as usize];
            let (a, b) = r
                .pair(rng.random_range(0..r.weight))
                .expect("an offset below the entry's weight names a candidate");
            let check = match (w.keep(a, b, rng), r.test) {
                (false, _) => Check::Dropped,
                (true, true) => Check::Test,
                (true, false) => Check::Verify,
            };
            ((a, b, r.g), check)
        }
    }
}

/// A uniform position of group `g`.
fn draw_position(groups: &Groups, g: u32, rng: &mut Rng) -> u32 {
    let range = groups.positions(g);
    range.start + rng.random_range(0..range.len()) as u32
}

fn estimate_undecided(
    p: &PairSpace,
    stratum: &StratumPlan,
    sampler: &Sampler,
    rng: &mut Rng,
) -> Result<(u64, u64)> {
    let mut tested = Pairs::default();
    for _ in 0..100_000 {
        let (pair, check) = propose(p, sampler, rng);
        if check == Check::Test {
            tested.push(pair);
        }
    }
    if tested.len() == 0 {
        return Ok((0, 0));
    }
    let mask = eval_mask(&stratum.condition, &p.rows(&sampler.reads, &tested)?)
        .map_err(|e| e.at_sql(&stratum.path))?;
    Ok((tested.len() as u64, mask.true_count() as u64))
}

/// Draws `n` satisfying pairs.
pub(super) fn draw(
    p: &PairSpace,
    sampler: &Sampler,
    stratum: &StratumPlan,
    rng: &mut Rng,
    n: usize,
) -> Result<Pairs> {
    let mut out = Pairs::with_capacity(n);
    let limit = MAX_PROPOSALS_PER_ROW * n as u64 + 1_000_000;
    let mut proposals = 0u64;
    while out.len() < n {
        let batch = if sampler.rejection {
            ((n - out.len()) * 2).clamp(1024, CHUNK_ROWS as usize)
        } else {
            n - out.len()
        };
        let drawn: Vec<((u32, u32, u32), Check)> =
            (0..batch).map(|_| propose(p, sampler, rng)).collect();
        proposals += batch as u64;
        let mut checked = Pairs::default();
        for (pair, _) in drawn
            .iter()
            .filter(|d| matches!(d.1, Check::Test | Check::Verify))
        {
            checked.push(*pair);
        }
        let mask = match checked.len() {
            0 => None,
            _ => Some(
                eval_mask(&stratum.condition, &p.rows(&sampler.reads, &checked)?)
                    .map_err(|e| e.at_sql(&stratum.path))?,
            ),
        };
        let mut k = 0;
        for (pair, check) in drawn {
            let ok = match check {
                Check::None => true,
                Check::Dropped => false,
                Check::Test | Check::Verify => {
                    k += 1;
                    mask.as_ref().is_some_and(|m| m.value(k - 1))
                }
            };
            if !ok && check == Check::Verify {
                return Err(Error::msg(format!(
                    "internal error, this is a bug in tutas: a counted pair of stratum `{}` does not satisfy its condition",
                    stratum.name
                )));
            }
            if ok && out.len() < n {
                out.push(pair);
            }
        }
        if proposals > limit && out.len() < n {
            return Err(Error::runtime(
                Diagnostic::at(&stratum.path, format!(
                    "stratum `{}` of table `{}`: only {} of {} rows found after {} proposals; its condition is too rare among the candidate pairs",
                    stratum.name, p.plan.table, out.len(), n, proposals
                ))
                .note(format!("condition: {}", stratum.sql.trim()))
                .help(CONDITION_HELP),
            ));
        }
    }
    Ok(out)
}
