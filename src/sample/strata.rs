//! Each stratum's sampler: classification of group pairs, enumeration or bounded rejection,
//! and the draws.

use datafusion::arrow::array::{Array, AsArray, new_null_array};
use datafusion::arrow::datatypes::DataType;
use rand::RngExt;

use super::groups::Groups;
use super::{MAX_ENUMERATED_PAIRS, MAX_PROPOSALS_PER_ROW, PairSpace, Pairs, Reads, reads_of};
use crate::batch::{eval, eval_mask};
use crate::error::{Diagnostic, Error, Result};
use crate::generate::CHUNK_ROWS;
use crate::generate::rng::{Rng, stream};
use crate::plan::StratumPlan;
use crate::report::StratumReport;

/// One weighted entry of a stratum's sampler.
#[derive(Clone, Copy)]
enum SamplerEntry {
    /// A group pair whose pairs all satisfy (TRUE) or must be tested (undecided).
    Groups { a: u32, b: u32, test: bool },
    /// One listed satisfying pair (rows `a`, `b`) of group pair `g`.
    Pair { a: u32, b: u32, g: u32 },
}

pub(super) struct Sampler {
    entries: Vec<SamplerEntry>,
    cumulative: Vec<u64>,
    rejection: bool,
    /// The columns testing the condition needs.
    reads: Reads,
}

pub(super) fn build_sampler(
    p: &PairSpace,
    stratum: &StratumPlan,
) -> Result<(Sampler, StratumReport)> {
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
            entries.push(SamplerEntry::Groups { a, b, test: false });
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
        entries.extend(undecided_groups.iter().map(|&(a, b)| SamplerEntry::Groups {
            a,
            b,
            test: true,
        }));
    } else {
        for (a, b) in undecided_groups {
            let g = a * nb as u32 + b;
            let found = enumerate_satisfying(p, stratum, &reads, g)?;
            listed += found.len() as u64;
            entries.extend(
                found
                    .into_iter()
                    .map(|(a, b)| SamplerEntry::Pair { a, b, g }),
            );
        }
    }
    let mut total = 0u64;
    let cumulative: Vec<u64> = entries
        .iter()
        .map(|e| {
            total += match e {
                SamplerEntry::Groups { a, b, .. } => ga.size(*a) * gb.size(*b),
                SamplerEntry::Pair { .. } => 1,
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

/// Tests every pair of group pair `g`; returns the satisfying ones in (a, b) order.
fn enumerate_satisfying(
    p: &PairSpace,
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
fn propose(p: &PairSpace, sampler: &Sampler, rng: &mut Rng) -> ((u32, u32, u32), bool) {
    let total = *sampler.cumulative.last().expect("non-empty sampler");
    let x = rng.random_range(0..total);
    let e = sampler.cumulative.partition_point(|&c| c <= x);
    match sampler.entries[e] {
        SamplerEntry::Pair { a, b, g } => ((a, b, g), false),
        SamplerEntry::Groups { a, b, test } => {
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
    p: &PairSpace,
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
pub(super) fn draw(
    p: &PairSpace,
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
