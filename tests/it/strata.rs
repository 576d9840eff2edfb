//! Interaction tables: exact strata, computed flags, uniform sampling, impossible strata.

use std::collections::HashMap;

use crate::common::*;

#[test]
fn every_row_satisfies_its_stratum_and_flags_follow_the_linked_rows() {
    let (dir, _) = run_default(&["--scale", "5"]);
    let out = dir.path().join("out/unprocessed");
    let (mh, murid) = read_csv(&out.join("murid.csv"));
    let (th, tutor) = read_csv(&out.join("tutor.csv"));
    let (ih, inter) = read_csv(&out.join("interaksi.csv"));
    let m: HashMap<&str, &Vec<String>> = murid.iter().map(|r| (r[0].as_str(), r)).collect();
    let t: HashMap<&str, &Vec<String>> = tutor.iter().map(|r| (r[0].as_str(), r)).collect();
    assert_eq!(inter.len(), 10_000);
    let flag = |r: &Vec<String>, c: &str| r[col(&ih, c)] == "true";
    let mut feedback0 = 0;
    let mut positives = 0;
    for (i, r) in inter.iter().enumerate() {
        let mr = m[r[0].as_str()];
        let tr = t[r[1].as_str()];
        let topic = mr[col(&mh, "preferensi_topik")] == tr[col(&th, "keahlian_topik")];
        let style = mr[col(&mh, "gaya_belajar")] == tr[col(&th, "gaya_belajar")];
        let mode = mr[col(&mh, "metode_belajar")] == tr[col(&th, "metode_belajar")];
        let overlap = secs(&mr[col(&mh, "available_start")]) < secs(&tr[col(&th, "available_end")])
            && secs(&mr[col(&mh, "available_end")]) > secs(&tr[col(&th, "available_start")]);
        let mf = mr[col(&mh, "is_flexible")] == "true";
        let tf = tr[col(&th, "is_flexible")] == "true";
        assert_eq!(
            (
                flag(r, "topik_match"),
                flag(r, "gaya_match"),
                flag(r, "metode_match"),
                flag(r, "time_overlap"),
                flag(r, "murid_flexible"),
                flag(r, "tutor_flexible")
            ),
            (topic, style, mode, overlap, mf, tf),
            "row {i}"
        );
        let all = topic && style && mode;
        let feedback: i64 = r[col(&ih, "feedback_score")].parse().unwrap();
        let label: i64 = r[col(&ih, "label")].parse().unwrap();
        assert_eq!(label, (feedback >= 4) as i64);
        feedback0 += (feedback == 0) as usize;
        positives += label as usize;
        // Rows come stratum by stratum: 7,000 / 1,000 / 1,000 / 1,000.
        match i {
            0..7000 => assert!(
                all && (overlap || mf || tf) && (feedback == 4 || feedback == 5),
                "positive row {i}"
            ),
            7000..8000 => assert!(
                !topic && !style && !mode && feedback == 0,
                "all_mismatch row {i}"
            ),
            8000..9000 => assert!(
                all && !overlap && !mf && !tf && feedback == 0,
                "time_no_flex row {i}"
            ),
            _ => assert!(
                all && !overlap && (mf || tf) && (1..=5).contains(&feedback),
                "time_flex row {i}"
            ),
        }
    }
    assert_eq!(feedback0, 2000);
    let share = positives as f64 / inter.len() as f64;
    assert!(
        (0.725..0.755).contains(&share),
        "label 1 share {share} (original ≈ 0.74)"
    );
}

#[test]
fn default_strata_counts_and_distributions() {
    let (ih, inter) = read_csv(&root().join("dataset/unprocessed/interaksi.csv"));
    assert_eq!(inter.len(), 2000);
    let fb = col(&ih, "feedback_score");
    let count = |v: &str| inter.iter().filter(|r| r[fb] == v).count();
    assert_eq!(count("0"), 400);
    assert_eq!(
        count("4") + count("5")
            - inter[1800..]
                .iter()
                .filter(|r| r[fb] == "4" || r[fb] == "5")
                .count(),
        1400
    );
    let positives = inter.iter().filter(|r| r[col(&ih, "label")] == "1").count();
    assert!((1440..=1520).contains(&positives), "{positives}");
}

const UNIFORM: &str = r#"
name: uniformity
seed: 3
tables:
  a:
    rows: 40
    columns:
      k: { choice: [x, y, z] }
      v: { uniform_int: [0, 100] }
  b:
    rows: 40
    columns:
      k: { choice: [x, y, z] }
      v: { uniform_int: [0, 100] }
  p:
    rows: 200000
    pairs: { l: a, r: b }
    columns:
      ia: l.v
      ka: l.k
      same: l.k = r.k
      less: l.v < r.v
      row_a: l.v * 1000 + r.v
    strata:
      - name: matched
        share: 1
        where: same AND less
"#;

#[test]
fn sampling_is_uniform_over_satisfying_pairs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("u.yaml"), UNIFORM).unwrap();
    let o = tutas(dir.path(), &["run", "u.yaml", "--out", "out", "-q"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (ah, a) = read_csv(&dir.path().join("out/unprocessed/a.csv"));
    let (_, b) = read_csv(&dir.path().join("out/unprocessed/b.csv"));
    let (_, p) = read_csv(&dir.path().join("out/unprocessed/p.csv"));
    // Enumerate satisfying (a row, b row) pairs; identify drawn pairs by (k, v) values (collisions merge cells).
    let key = |r: &Vec<String>| {
        (
            r[col(&ah, "k")].clone(),
            r[col(&ah, "v")].parse::<i64>().unwrap(),
        )
    };
    let mut expected: HashMap<(String, i64, i64), f64> = HashMap::new();
    for x in &a {
        for y in &b {
            let (kx, vx) = key(x);
            let (ky, vy) = key(y);
            if kx == ky && vx < vy {
                *expected.entry((kx, vx, vy)).or_insert(0.0) += 1.0;
            }
        }
    }
    let total: f64 = expected.values().sum();
    let mut observed: HashMap<(String, i64, i64), f64> = HashMap::new();
    for r in &p {
        let vx: i64 = r[0].parse().unwrap();
        let code: i64 = r[4].parse().unwrap();
        assert_eq!(r[2], "true");
        assert_eq!(r[3], "true");
        *observed
            .entry((r[1].clone(), vx, code % 1000))
            .or_insert(0.0) += 1.0;
    }
    for k in observed.keys() {
        assert!(
            expected.contains_key(k),
            "drew a pair that does not satisfy the condition: {k:?}"
        );
    }
    let n = p.len() as f64;
    let chi2: f64 = expected
        .iter()
        .map(|(k, w)| {
            let e = n * w / total;
            let o = observed.get(k).copied().unwrap_or(0.0);
            (o - e).powi(2) / e
        })
        .sum();
    let df = expected.len() as f64 - 1.0;
    // Mean df, standard deviation sqrt(2 df): 5 standard deviations is a false alarm once in millions.
    assert!(
        chi2 < df + 5.0 * (2.0 * df).sqrt(),
        "chi2 {chi2} with {df} degrees of freedom"
    );
}

/// `concat` skips NULLs, so it cannot be classified with unknown columns set to NULL: the
/// sampler must test such a condition pair by pair (with grouping, `concat(l.k, NULL)` = `l.k`
/// would wrongly decide every pair of a group).
const NOT_STRICT: &str = r#"
name: not-strict
seed: 5
tables:
  a:
    rows: 300
    columns:
      id: { sequence: "A{}" }
      k: { choice: [x, y] }
  b:
    rows: 300
    columns:
      code: { sequence: "{}" }
      k: { choice: [x, y] }
  p:
    rows: 5000
    pairs: { l: a, r: b }
    columns:
      id: l.id
      k: l.k
      code: r.code
      same: l.k = r.k
    strata:
      - name: x7
        share: 0.5
        where: concat(l.k, r.code) = 'x7'
      - name: same_y
        share: 0.5
        where: same AND concat(l.k, 'y') = 'yy'
"#;

#[test]
fn conditions_with_functions_that_skip_nulls_hold_on_every_row() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("n.yaml"), NOT_STRICT).unwrap();
    let o = tutas(dir.path(), &["run", "n.yaml", "--out", "out", "-q"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (h, p) = read_csv(&dir.path().join("out/unprocessed/p.csv"));
    assert_eq!(p.len(), 5000);
    for (i, r) in p.iter().enumerate() {
        let (k, code, same) = (&r[col(&h, "k")], &r[col(&h, "code")], &r[col(&h, "same")]);
        if i < 2500 {
            assert_eq!((k.as_str(), code.as_str()), ("x", "7"), "row {i}");
        } else {
            assert_eq!((k.as_str(), same.as_str()), ("y", "true"), "row {i}");
        }
    }
}

#[test]
fn an_impossible_stratum_fails_at_once_with_its_counts() {
    let scenario = std::fs::read_to_string(root().join("scenarios/default.yaml"))
        .unwrap()
        .replace(
            "where: NOT topik_match AND NOT gaya_match AND NOT metode_match",
            "where: NOT topik_match AND m.preferensi_topik = 'Astrologi'",
        );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("impossible.yaml"), scenario).unwrap();
    let o = tutas(dir.path(), &["run", "impossible.yaml", "--out", "out"]);
    assert_eq!(o.code, 1);
    assert!(
        !dir.path().join("out/unprocessed").exists(),
        "nothing is written"
    );
    insta::assert_snapshot!(o.stderr);
}

/// Customers and products where few of each pass a one-side condition: the pairs that satisfy
/// `c.credit_limit > limit AND p.price > price` are the product of the two filtered sides.
fn shop(customers: u64, products: u64, rows: u64, condition: &str) -> String {
    format!(
        r#"
name: shop
seed: 7
tables:
  customer:
    rows: {customers}
    columns:
      id: {{ sequence: "C{{}}" }}
      credit_limit: {{ log_normal: {{ mu: 8, sigma: 0.6 }}, round: 2 }}
      segment: {{ choice: [retail, wholesale] }}
  product:
    rows: {products}
    columns:
      sku: {{ sequence: "P{{}}" }}
      price: {{ log_normal: {{ mu: 3, sigma: 0.5 }}, round: 2 }}
  orders:
    rows: {rows}
    pairs: {{ c: customer, p: product }}
    columns:
      customer: c.id
      sku: p.sku
      credit_limit: c.credit_limit
      price: p.price
      segment: c.segment
    strata:
      - {{ name: rare, share: 1, where: "{condition}" }}
"#
    )
}

/// Draws of (customer, sku) are uniform over `expected` pairs: every drawn pair is one of them
/// and a chi-square test over their counts passes.
fn assert_uniform(
    drawn: &[(String, String)],
    expected: &std::collections::HashSet<(String, String)>,
) {
    let mut counts: HashMap<&(String, String), f64> = HashMap::new();
    for pair in drawn {
        assert!(
            expected.contains(pair),
            "drew a pair that does not satisfy: {pair:?}"
        );
        *counts.entry(pair).or_default() += 1.0;
    }
    let e = drawn.len() as f64 / expected.len() as f64;
    let chi2: f64 = expected
        .iter()
        .map(|k| (counts.get(k).copied().unwrap_or(0.0) - e).powi(2) / e)
        .sum();
    let df = expected.len() as f64 - 1.0;
    assert!(
        chi2 < df + 5.0 * (2.0 * df).sqrt(),
        "chi2 {chi2} with {df} degrees of freedom"
    );
}

fn run_shop(yaml: &str, extra: &[&str]) -> (tempfile::TempDir, Output) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("shop.yaml"), yaml).unwrap();
    let mut args = vec!["run", "shop.yaml", "--out", "out"];
    args.extend_from_slice(extra);
    let o = tutas(dir.path(), &args);
    (dir, o)
}

/// (customer, sku) pairs.
type IdPairs = std::collections::HashSet<(String, String)>;

/// The pairs satisfying `credit_limit > limit AND price > price` in the run's own tables, and
/// the drawn (customer, sku) pairs.
fn filtered_pairs(
    dir: &tempfile::TempDir,
    limit: f64,
    price: f64,
) -> (IdPairs, Vec<(String, String)>) {
    let out = dir.path().join("out/unprocessed");
    let (ch, c) = read_csv(&out.join("customer.csv"));
    let (ph, p) = read_csv(&out.join("product.csv"));
    let rich: Vec<&String> = c
        .iter()
        .filter(|r| r[col(&ch, "credit_limit")].parse::<f64>().unwrap() > limit)
        .map(|r| &r[0])
        .collect();
    let pricey: Vec<&String> = p
        .iter()
        .filter(|r| r[col(&ph, "price")].parse::<f64>().unwrap() > price)
        .map(|r| &r[0])
        .collect();
    let expected = rich
        .iter()
        .flat_map(|c| pricey.iter().map(move |p| ((*c).clone(), (*p).clone())))
        .collect();
    let (_, orders) = read_csv(&out.join("orders.csv"));
    let drawn = orders
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    (expected, drawn)
}

#[test]
fn one_side_conditions_over_four_billion_pairs_are_exact_and_uniform() {
    let (dir, o) = run_shop(
        &shop(
            200_000,
            20_000,
            100_000,
            "c.credit_limit > 15000 AND p.price > 110",
        ),
        &[],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("counted"), "{}", o.stdout);
    let (expected, drawn) = filtered_pairs(&dir, 15000.0, 110.0);
    assert_eq!(drawn.len(), 100_000);
    assert!(
        (500..5000).contains(&expected.len()),
        "{} pairs",
        expected.len()
    );
    assert!(
        o.stdout.contains(&format!(" {} ", expected.len())),
        "the exact count is reported:\n{}",
        o.stdout
    );
    assert_uniform(&drawn, &expected);
}

#[test]
fn one_side_conditions_are_refined_at_a_small_scale_too() {
    let (dir, o) = run_shop(
        &shop(
            3_000,
            800,
            60_000,
            "c.credit_limit > 10000 AND p.price > 60",
        ),
        &["--enumeration-limit", "1000"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.contains("counted") && o.stdout.contains("filter(s) on `c`"),
        "{}",
        o.stdout
    );
    let (expected, drawn) = filtered_pairs(&dir, 10000.0, 60.0);
    assert!(
        (50..2000).contains(&expected.len()),
        "{} pairs",
        expected.len()
    );
    assert_uniform(&drawn, &expected);
}

#[test]
fn range_and_mixed_conditions_far_above_the_bound_hold_on_every_row() {
    for condition in [
        // A range between a column of each side, satisfied by few of 4e9 pairs.
        "c.credit_limit < p.price * 4 AND p.price > 60",
        // One-side filters, a range, and an OR over both sides that is tested.
        "c.credit_limit > 9000 AND c.credit_limit < p.price * 200 AND (c.segment = 'retail' OR p.price > 80)",
    ] {
        let (dir, o) = run_shop(&shop(200_000, 20_000, 20_000, condition), &["-q"]);
        assert_eq!(o.code, 0, "{condition}: {}", o.stderr);
        let (h, orders) = read_csv(&dir.path().join("out/unprocessed/orders.csv"));
        assert_eq!(orders.len(), 20_000);
        for r in &orders {
            let limit: f64 = r[col(&h, "credit_limit")].parse().unwrap();
            let price: f64 = r[col(&h, "price")].parse().unwrap();
            let retail = r[col(&h, "segment")] == "retail";
            let ok = if condition.starts_with("c.credit_limit < ") {
                limit < price * 4.0 && price > 60.0
            } else {
                limit > 9000.0 && limit < price * 200.0 && (retail || price > 80.0)
            };
            assert!(ok, "{condition}: {r:?}");
        }
    }
}

#[test]
fn a_condition_no_sample_satisfies_fails_saying_only_what_was_tested() {
    let (dir, o) = run_shop(
        &shop(200_000, 20_000, 10, "c.credit_limit * p.price = 12345.678"),
        &[],
    );
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(
        !o.stderr.contains("but 0 of the"),
        "claims a proof it does not have:\n{}",
        o.stderr
    );
    assert!(
        o.stderr.contains("were tested and none satisfied") && o.stderr.contains("not a proof"),
        "{}",
        o.stderr
    );
    assert!(!dir.path().join("out").exists());
}

const OVERLAP: &str = r#"
name: overlap
seed: 1
tables:
  a:
    rows: 1_000_000
    columns:
      id: { sequence: "A{}" }
      slot: { window: { start: { datetime: [2020-01-01, 2029-12-31] }, length: { uniform_int: [1, 60] }, unit: minute } }
  b:
    rows: 1_000_000
    columns:
      id: { sequence: "B{}" }
      slot: { window: { start: { datetime: [2020-01-01, 2029-12-31] }, length: { uniform_int: [1, 60] }, unit: minute } }
  p:
    rows: 50000
    pairs: { x: a, y: b }
    columns:
      a_start: x.slot_start
      a_end: x.slot_end
      b_start: y.slot_start
      b_end: y.slot_end
    strata:
      - { name: overlapping, share: 1, where: x.slot_start < y.slot_end AND x.slot_end > y.slot_start }
"#;

#[test]
fn interval_overlaps_of_a_million_by_a_million_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("o.yaml"), OVERLAP).unwrap();
    let o = tutas(dir.path(), &["run", "o.yaml", "--out", "out"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let line = o
        .stdout
        .lines()
        .find(|l| l.contains("overlapping"))
        .unwrap();
    assert!(line.ends_with("counted"), "{}", o.stdout);
    let (h, rows) = read_csv(&dir.path().join("out/unprocessed/p.csv"));
    assert_eq!(rows.len(), 50_000);
    for r in &rows {
        let t = |c: &str| secs(&r[col(&h, c)]);
        assert!(
            t("a_start") < t("b_end") && t("a_end") > t("b_start"),
            "{r:?}"
        );
    }
}

/// Counted ranges (one key of each side, and two) draw uniformly over the satisfying pairs.
/// The columns have more distinct values than grouping keys may, so the undecided pairs are
/// refined (the enumeration limit is lowered to make them so at this size).
#[test]
fn counted_ranges_are_uniform_over_the_satisfying_pairs() {
    for condition in ["x.v < y.v AND y.v < x.v + 10", "x.s < y.e AND x.e > y.s"] {
        let yaml = format!(
            r#"
name: ranges
seed: 11
tables:
  a:
    rows: 400
    columns:
      id: {{ sequence: "A{{}}" }}
      v: {{ uniform_int: [0, 2000] }}
      s: {{ uniform_int: [0, 5000] }}
      len: {{ uniform_int: [1, 80] }}
      e: s + len
  b:
    rows: 300
    columns:
      id: {{ sequence: "B{{}}" }}
      v: {{ uniform_int: [0, 2000] }}
      s: {{ uniform_int: [0, 5000] }}
      len: {{ uniform_int: [1, 80] }}
      e: s + len
  p:
    rows: 40000
    pairs: {{ x: a, y: b }}
    columns:
      a_id: x.id
      b_id: y.id
    strata:
      - {{ name: r, share: 1, where: "{condition}" }}
"#
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("r.yaml"), yaml).unwrap();
        let o = tutas(
            dir.path(),
            &["run", "r.yaml", "--out", "out", "--enumeration-limit", "10"],
        );
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert!(o.stdout.contains("counted"), "{condition}: {}", o.stdout);
        let out = dir.path().join("out/unprocessed");
        let (h, a) = read_csv(&out.join("a.csv"));
        let (_, b) = read_csv(&out.join("b.csv"));
        let num = |r: &Vec<String>, c: &str| r[col(&h, c)].parse::<i64>().unwrap();
        let mut expected = std::collections::HashSet::new();
        for x in &a {
            for y in &b {
                let ok = if condition.starts_with("x.v") {
                    num(x, "v") < num(y, "v") && num(y, "v") < num(x, "v") + 10
                } else {
                    num(x, "s") < num(y, "e") && num(x, "e") > num(y, "s")
                };
                if ok {
                    expected.insert((x[0].clone(), y[0].clone()));
                }
            }
        }
        let (_, p) = read_csv(&out.join("p.csv"));
        let drawn: Vec<(String, String)> = p
            .into_iter()
            .map(|r| (r[0].clone(), r[1].clone()))
            .collect();
        assert!(
            expected.len() > 100,
            "{condition}: {} pairs",
            expected.len()
        );
        assert!(
            o.stdout.contains(&format!(" {} ", expected.len())),
            "{condition}: the exact count:\n{}",
            o.stdout
        );
        assert_uniform(&drawn, &expected);
    }
}
