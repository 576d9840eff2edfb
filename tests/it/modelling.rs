//! Modelling power: hidden columns, shuffled tables, SQL parameters, weighted pairs, time of
//! day, and splits that do not leak.

use std::path::{Path, PathBuf};

use crate::common::{col, files, read_csv, tutas};

/// Writes `text` as `scenario.yaml` in a fresh folder and runs it there with `args`.
pub(crate) fn run_text(
    text: &str,
    args: &[&str],
) -> (tempfile::TempDir, PathBuf, crate::common::Output) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("scenario.yaml"), text).unwrap();
    let mut all = vec!["run", "scenario.yaml", "--out", "out", "-q"];
    all.extend_from_slice(args);
    let o = tutas(dir.path(), &all);
    let out = dir.path().join("out");
    (dir, out, o)
}

const SHOP: &str = r#"
name: hidden-shop
seed: 3
tables:
  customer:
    rows: 3000
    columns:
      id: { sequence: "C{:05}" }
      activity: { log_normal: { mu: 0, sigma: 1 } }
      busy: activity > 1
  product:
    rows: 500
    columns:
      sku: { sequence: "P{:04}" }
      price: { uniform: [1, 100], round: 2 }
      slot: { window: { start: { datetime: [2025-01-01, 2025-01-31] }, length: { uniform_int: [1, 3] } } }
    hidden: [slot]
  orders:
    rows: 20000
    pairs: { c: customer, p: product }
    columns:
      customer: c.id
      sku: p.sku
      busy: c.busy
      late: p.slot_end > TIMESTAMP '2025-01-15 00:00:00'
      secret: c.activity * 2
    strata:
      - { name: cheap, share: 0.7, where: p.price < 50, set: { returned: { bernoulli: 0.1 } } }
      - { name: dear, share: 0.3, where: p.price >= 50, set: { returned: { bernoulli: 0.3 } } }
    hidden: [secret]
    shuffle: true
  customer_view:
    rows: 10
    columns:
      picked: { pick: customer.activity }
features:
  order_features: SELECT * FROM orders
split: { from: order_features, target: returned, drop: [customer, sku], test_size: 0.25 }
"#;

fn header(path: &Path) -> Vec<String> {
    read_csv(path).0
}

#[test]
fn hidden_columns_are_read_by_later_columns_and_tables_but_never_written() {
    let text = SHOP.replace(
        "  customer:\n    rows: 3000\n",
        "  customer:\n    rows: 3000\n    hidden: [activity]\n",
    );
    for format in ["csv", "parquet"] {
        let (_dir, out, o) = run_text(&text, &["--format", format]);
        assert_eq!(o.code, 0, "{}", o.stderr);
        for (path, bytes) in files(&out) {
            let text = String::from_utf8_lossy(&bytes);
            for hidden in ["activity", "slot_start", "slot_end", "secret"] {
                assert!(
                    !text.contains(hidden),
                    "{path} holds hidden column `{hidden}`"
                );
            }
        }
        let report = std::fs::read_to_string(out.join("report.json")).unwrap();
        assert!(!report.contains("\"slot_start\"") && !report.contains("\"secret\""));
    }
    let (_dir, out, _) = run_text(&text, &[]);
    assert_eq!(
        header(&out.join("unprocessed/customer.csv")),
        ["id", "busy"]
    );
    assert_eq!(
        header(&out.join("unprocessed/product.csv")),
        ["sku", "price"]
    );
    // `late` read the hidden window; `picked` drew from the hidden `activity`.
    let (h, rows) = read_csv(&out.join("unprocessed/orders.csv"));
    let late = col(&h, "late");
    assert!(rows.iter().any(|r| r[late] == "true") && rows.iter().any(|r| r[late] == "false"));
    let (h, rows) = read_csv(&out.join("unprocessed/customer_view.csv"));
    assert!(
        rows.iter()
            .all(|r| r[col(&h, "picked")].parse::<f64>().unwrap() > 0.0)
    );
}

#[test]
fn sql_and_the_split_cannot_see_hidden_columns() {
    let text = SHOP.replace("SELECT * FROM orders", "SELECT secret FROM orders");
    let (_dir, _out, o) = run_text(&text, &[]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("secret"), "{}", o.stderr);
    let text = SHOP.replace("    hidden: [slot]\n", "    hidden: [slots]\n");
    let (_dir, _out, o) = run_text(&text, &[]);
    assert_eq!(o.code, 2);
    insta::assert_snapshot!(o.stderr);
}

#[test]
fn a_shuffled_table_is_deterministic_whatever_the_threads_and_parts() {
    let (_a, one, o) = run_text(SHOP, &["--threads", "1"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (_b, three, _) = run_text(SHOP, &["--threads", "3"]);
    assert!(
        files(&one) == files(&three),
        "outputs differ between 1 and 3 threads"
    );
    // The shuffle mixes the strata: in made order, the first 14,000 rows are `cheap`.
    let (h, rows) = read_csv(&one.join("unprocessed/orders.csv"));
    let (_c, unshuffled, _) = run_text(&SHOP.replace("    shuffle: true\n", ""), &[]);
    let (_, plain) = read_csv(&unshuffled.join("unprocessed/orders.csv"));
    assert_ne!(rows, plain);
    let (mut sorted, mut plain_sorted) = (rows.clone(), plain.clone());
    sorted.sort();
    plain_sorted.sort();
    assert_eq!(sorted, plain_sorted, "the same rows in another order");
    let (ph, products) = read_csv(&one.join("unprocessed/product.csv"));
    let price: std::collections::HashMap<&str, f64> = products
        .iter()
        .map(|r| {
            (
                r[col(&ph, "sku")].as_str(),
                r[col(&ph, "price")].parse().unwrap(),
            )
        })
        .collect();
    let sku = col(&h, "sku");
    let first_dear = rows
        .iter()
        .position(|r| price[r[sku].as_str()] >= 50.0)
        .unwrap();
    assert!(first_dear < 100, "a `dear` row comes early: {first_dear}");
    // Parts of a shuffled table still concatenate to it.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("scenario.yaml"), SHOP).unwrap();
    let mut whole = Vec::new();
    for k in 1..=3 {
        let out = format!("part{k}");
        let k = k.to_string();
        let o = tutas(
            dir.path(),
            &[
                "run",
                "scenario.yaml",
                "--parts",
                "3",
                "--part",
                &k,
                "--out",
                &out,
                "-q",
            ],
        );
        assert_eq!(o.code, 0, "{}", o.stderr);
        let bytes = std::fs::read(dir.path().join(&out).join("unprocessed/orders.csv")).unwrap();
        let body = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
        whole.extend_from_slice(if k == "1" { &bytes } else { &bytes[body..] });
        let report: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.path().join(&out).join("report.json")).unwrap(),
        )
        .unwrap();
        let strata = &report["tables"][2]["strata"];
        let sum = strata[0]["produced"].as_u64().unwrap() + strata[1]["produced"].as_u64().unwrap();
        assert!(sum == 6666 || sum == 6667, "{sum}");
    }
    assert!(whole == std::fs::read(one.join("unprocessed/orders.csv")).unwrap());
}

const CLINIC: &str = r#"
name: clinic
seed: 11
tables:
  patient:
    rows: 400
    columns:
      patient_no: { sequence: "{}" }
      pid: { sequence: "P{:04}" }
      age: { uniform_int: [18, 90] }
  clinic:
    rows: 20
    columns:
      cid: { sequence: "K{:02}" }
      kind: { choice: [general, dental, eye] }
  visit:
    rows: 6000
    pairs: { p: patient, c: clinic }
    columns:
      pid: p.pid
      patient_no: CAST(p.patient_no AS BIGINT)
      age: p.age
      kind: c.kind
    strata:
      - { name: young, share: 0.5, where: age < 50, set: { day: { uniform_int: [1, 365] }, no_show: { bernoulli: 0.3 } } }
      - { name: old, share: 0.5, where: age >= 50, set: { day: { uniform_int: [1, 365] }, no_show: { bernoulli: 0.1 } } }
features:
  visits: SELECT * FROM visit
split:
  from: visits
  target: no_show
  drop: [pid]
  test_size: 0.25
  one_hot: { drop_first: true }
"#;

/// A column of a split part as numbers.
fn numbers(out: &Path, file: &str, column: &str) -> Vec<f64> {
    let (h, rows) = read_csv(&out.join("processed_2").join(file));
    let c = col(&h, column);
    rows.iter().map(|r| r[c].parse().unwrap()).collect()
}

fn report(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap()
}

#[test]
fn a_grouped_split_keeps_each_group_in_one_part_and_the_classes_near_their_shares() {
    let text = CLINIC.replace(
        "  test_size: 0.25\n",
        "  test_size: 0.25\n  group: patient_no\n",
    );
    let (_dir, out, o) = run_text(&text, &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let train: std::collections::HashSet<i64> = numbers(&out, "X_train.csv", "patient_no")
        .iter()
        .map(|&x| x as i64)
        .collect();
    let test: Vec<f64> = numbers(&out, "X_test.csv", "patient_no");
    assert!(
        test.iter().all(|&p| !train.contains(&(p as i64))),
        "a patient in both parts"
    );
    // Each class's test rows are within one group's rows of its exact share.
    let all: Vec<f64> = [numbers(&out, "X_train.csv", "patient_no"), test.clone()].concat();
    let mut sizes = std::collections::HashMap::new();
    all.iter()
        .for_each(|&p| *sizes.entry(p as i64).or_insert(0usize) += 1);
    let largest = *sizes.values().max().unwrap() as f64;
    let r = report(&out);
    let (tr, te) = (&r["split"]["train"], &r["split"]["test"]);
    let n_test = (6000.0f64 * 0.25).ceil();
    for class in ["0", "1"] {
        let (a, b) = (
            tr["classes"][class].as_f64().unwrap(),
            te["classes"][class].as_f64().unwrap(),
        );
        let exact = n_test * (a + b) / 6000.0;
        assert!(
            (b - exact).abs() <= largest,
            "class {class}: {b} test rows, exact {exact}, largest group {largest}"
        );
    }
    assert!(
        r["split"]["method"]
            .as_str()
            .unwrap()
            .starts_with("grouped by `patient_no`")
    );
    let overlap = &r["audit"]["overlaps"][0];
    assert_eq!(
        (overlap["column"].as_str(), overlap["in_both"].as_u64()),
        (Some("pid"), Some(0))
    );
    // Without `group`, the audit shows the patients found in both parts.
    let (_dir, out, _) = run_text(CLINIC, &[]);
    let r = report(&out);
    assert!(r["audit"]["overlaps"][0]["in_both"].as_u64().unwrap() > 100);
    assert!(o.stdout.is_empty() && !r["split"]["method"].as_str().unwrap().is_empty());
}

#[test]
fn a_time_split_puts_every_test_row_after_every_training_row() {
    let text = CLINIC.replace(
        "  test_size: 0.25\n",
        "  test_size: 0.25\n  order_by: day\n",
    );
    let (_dir, out, o) = run_text(&text, &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let train = numbers(&out, "X_train.csv", "day");
    let test = numbers(&out, "X_test.csv", "day");
    let last_train = train.iter().cloned().fold(f64::MIN, f64::max);
    let first_test = test.iter().cloned().fold(f64::MAX, f64::min);
    assert!(
        last_train < first_test,
        "train up to {last_train}, test from {first_test}"
    );
    assert!(
        test.len() <= 1500 && test.len() > 1400,
        "{} test rows",
        test.len()
    );
    let bad = text.replace(
        "  order_by: day\n",
        "  order_by: day\n  stratify: no_show\n",
    );
    let (_dir, _out, o) = run_text(&bad, &[]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("cannot also stratify"), "{}", o.stderr);
}

#[test]
fn one_hot_can_drop_each_features_first_category() {
    let (_dir, out, o) = run_text(CLINIC, &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (h, _) = read_csv(&out.join("processed_2/X_train.csv"));
    assert!(!h.contains(&"kind_dental".to_string()), "{h:?}");
    assert!(h.contains(&"kind_eye".to_string()) && h.contains(&"kind_general".to_string()));
    let pre: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("processed_2/preprocessing.json")).unwrap())
            .unwrap();
    assert_eq!(pre["one_hot_drop_first"], true);
}

const MODEL: &str = r#"
name: sql-parameters
seed: 5
tables:
  customer:
    rows: 100000
    columns:
      id: { sequence: "C{:06}" }
      score: { uniform: [-6, 6] }
      churn: { bernoulli: "1 / (1 + exp(-score))" }
      spend: { normal: { mean: "100 + 10 * score", std: 5 } }
  product:
    rows: 200
    columns:
      sku: { sequence: "P{:03}" }
      price: { uniform: [1, 100], round: 2 }
  orders:
    rows: 50000
    pairs: { c: customer, p: product }
    columns:
      id: c.id
      sku: p.sku
    strata:
      - { name: all, share: 1, where: "TRUE", set: { returned: { bernoulli: "p.price / 100" } } }
    derive:
      label: { bernoulli: "CASE WHEN returned THEN 0.9 ELSE 0.1 END" }
"#;

/// The rate of `true` in each bucket of an input against the mean probability there: within
/// four binomial standard deviations in every bucket.
fn rates_match(pairs: &[(f64, bool)], buckets: &[(f64, f64)], p: impl Fn(f64) -> f64) {
    for &(lo, hi) in buckets {
        let rows: Vec<&(f64, bool)> = pairs.iter().filter(|(x, _)| *x >= lo && *x < hi).collect();
        let n = rows.len() as f64;
        assert!(n > 1000.0, "bucket [{lo}, {hi}) has {n} rows");
        let expected: f64 = rows.iter().map(|(x, _)| p(*x)).sum();
        let variance: f64 = rows.iter().map(|(x, _)| p(*x) * (1.0 - p(*x))).sum();
        let observed = rows.iter().filter(|(_, b)| *b).count() as f64;
        let z = (observed - expected) / variance.sqrt().max(1.0);
        assert!(
            z.abs() < 4.0,
            "bucket [{lo}, {hi}): {observed} true, expected {expected:.1} (z = {z:.2})"
        );
    }
}

#[test]
fn a_bernoulli_with_a_sql_probability_matches_it_in_every_bucket_of_its_input() {
    let (_dir, out, o) = run_text(MODEL, &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (h, rows) = read_csv(&out.join("unprocessed/customer.csv"));
    let (score, churn, spend) = (col(&h, "score"), col(&h, "churn"), col(&h, "spend"));
    let pairs: Vec<(f64, bool)> = rows
        .iter()
        .map(|r| (r[score].parse().unwrap(), r[churn] == "true"))
        .collect();
    let buckets: Vec<(f64, f64)> = (-6..6).map(|b| (b as f64, b as f64 + 1.0)).collect();
    rates_match(&pairs, &buckets, |s| 1.0 / (1.0 + (-s).exp()));
    // The normal's mean follows the row: residuals have mean 0 and sd 5 overall.
    let residuals: Vec<f64> = rows
        .iter()
        .map(|r| r[spend].parse::<f64>().unwrap() - 100.0 - 10.0 * r[score].parse::<f64>().unwrap())
        .collect();
    let mean = residuals.iter().sum::<f64>() / residuals.len() as f64;
    let sd =
        (residuals.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / residuals.len() as f64).sqrt();
    assert!(
        mean.abs() < 0.1 && (sd - 5.0).abs() < 0.1,
        "mean {mean}, sd {sd}"
    );
    // In an interaction table: `set` reads the linked product, `derive` draws from `set`.
    let (ph, products) = read_csv(&out.join("unprocessed/product.csv"));
    let price: std::collections::HashMap<String, f64> = products
        .iter()
        .map(|r| {
            (
                r[col(&ph, "sku")].clone(),
                r[col(&ph, "price")].parse().unwrap(),
            )
        })
        .collect();
    let (h, orders) = read_csv(&out.join("unprocessed/orders.csv"));
    let (sku, returned, label) = (col(&h, "sku"), col(&h, "returned"), col(&h, "label"));
    let pairs: Vec<(f64, bool)> = orders
        .iter()
        .map(|r| (price[&r[sku]], r[returned] == "true"))
        .collect();
    rates_match(
        &pairs,
        &[(1.0, 25.0), (25.0, 50.0), (50.0, 75.0), (75.0, 101.0)],
        |x| x / 100.0,
    );
    let pairs: Vec<(f64, bool)> = orders
        .iter()
        .map(|r| {
            (
                f64::from(u8::from(r[returned] == "true")),
                r[label] == "true",
            )
        })
        .collect();
    rates_match(&pairs, &[(0.0, 0.5), (0.5, 1.5)], |r| {
        if r > 0.5 { 0.9 } else { 0.1 }
    });
}

#[test]
fn a_sql_parameter_that_is_the_same_everywhere_gives_the_numbers_value() {
    let line = "      spend: { normal: { mean: \"100 + 10 * score\", std: 5 } }\n";
    let with = |noise: &str| MODEL.replace(line, &format!("{line}      noise: {noise}\n"));
    let fixed = with("{ normal: { mean: 3, std: 2 } }");
    let sql = with("{ normal: { mean: \"1 + 2\", std: \"2\" } }");
    assert!(fixed.contains("noise") && sql.contains("noise"));
    let (_a, a, _) = run_text(&fixed, &[]);
    let (_b, b, o) = run_text(&sql, &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let file = "unprocessed/customer.csv";
    assert!(std::fs::read(a.join(file)).unwrap() == std::fs::read(b.join(file)).unwrap());
}

#[test]
fn a_parameter_out_of_its_range_names_the_row_and_what_it_read() {
    let bad = MODEL.replace("1 / (1 + exp(-score))", "score / 5");
    let (_dir, out, o) = run_text(&bad, &[]);
    assert_eq!(o.code, 1);
    assert!(!out.exists());
    insta::assert_snapshot!(o.stderr);
    let text = MODEL.replace("1 / (1 + exp(-score))", "id");
    let (_dir, _out, o) = run_text(&text, &[]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr
            .contains("a parameter must be a number; `id` is Utf8"),
        "{}",
        o.stderr
    );
}

#[test]
fn date_times_follow_the_hours_weights_without_helper_columns() {
    let text = r#"
name: hours
seed: 9
tables:
  visit:
    rows: 100000
    columns:
      at: { datetime: [2025-01-01, 2025-01-31], hours: { "0-5": 0.06, "8-17": 0.7, 20: 0.24 } }
"#;
    let (_dir, out, o) = run_text(text, &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (h, rows) = read_csv(&out.join("unprocessed/visit.csv"));
    let mut per_hour = [0f64; 24];
    let mut days = std::collections::HashSet::new();
    for r in &rows {
        let t = crate::common::secs(&r[col(&h, "at")]);
        per_hour[(t.rem_euclid(86_400) / 3_600) as usize] += 1.0;
        days.insert(t.div_euclid(86_400));
    }
    assert_eq!(days.len(), 31, "every day of January, no other");
    let n = rows.len() as f64;
    for (hour, count) in per_hour.iter().enumerate() {
        // Weights sum to 1: 0.06 over six hours, 0.7 over ten, 0.24 at 20:00.
        let p = match hour {
            0..=5 => 0.01,
            8..=17 => 0.07,
            20 => 0.24,
            _ => 0.0,
        };
        let sd = (n * p * (1.0 - p)).sqrt().max(1.0);
        assert!(
            (count - n * p).abs() < 5.0 * sd,
            "hour {hour}: {count} rows, expected {}",
            n * p
        );
    }
    let bad = text.replace("2025-01-31]", "2025-01-31 12:00]");
    let (_dir, _out, o) = run_text(&bad, &[]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("with `hours`, the range is whole days"),
        "{}",
        o.stderr
    );
}

/// A stratum's condition over (a.k, a.v, b.k, b.v).
type Condition = fn(&str, f64, &str, f64) -> bool;

const WEIGHTED: &str = r#"
name: weighted
seed: 11
tables:
  a:
    rows: 40
    hidden: [w]
    columns:
      id: { sequence: "A{}" }
      k: { choice: [x, y] }
      v: { uniform: [0, 100], round: 2 }
      w: { uniform_int: [0, 4] }
      shown_w: w
  b:
    rows: 30
    columns:
      id: { sequence: "B{}" }
      k: { choice: [x, y] }
      v: { uniform: [0, 100], round: 2 }
  p:
    rows: 60000
    pairs: { l: { table: a, weight: w }, r: { table: b, weight: "1 + v / 10.0" } }
    columns:
      a_id: l.id
      b_id: r.id
    strata:
      - { name: same_key, rows: 20000, where: "l.k = r.k", set: { stratum: { constant: same_key } } }
      - { name: below, rows: 20000, where: "l.v < r.v", set: { stratum: { constant: below } } }
      - { name: tested, rows: 20000, where: "l.v + r.v > 100 OR l.v < 20", set: { stratum: { constant: tested } } }
"#;

/// Rows of weighted sides are drawn in proportion to the product of the weights among the
/// pairs that satisfy each stratum, whichever way the sampler finds them (key groups, counted
/// ranges, pairs tested one by one); a row of weight 0 is never drawn. Long because the three
/// ways share one run and one expected-count computation.
#[test]
fn weighted_sides_draw_pairs_in_proportion_to_the_product_of_their_weights() {
    let (_dir, out, o) = run_text(WEIGHTED, &["--enumeration-limit", "10"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (ah, a) = read_csv(&out.join("unprocessed/a.csv"));
    let (bh, b) = read_csv(&out.join("unprocessed/b.csv"));
    let (ph, p) = read_csv(&out.join("unprocessed/p.csv"));
    assert!(!ah.contains(&"w".to_string()), "{ah:?}");
    let field = |h: &[String], r: &[String], c: &str| r[col(h, c)].clone();
    let num = |h: &[String], r: &[String], c: &str| field(h, r, c).parse::<f64>().unwrap();
    let conditions: [(&str, Condition); 3] = [
        ("same_key", |ka, _, kb, _| ka == kb),
        ("below", |_, va, _, vb| va < vb),
        ("tested", |_, va, _, vb| va + vb > 100.0 || va < 20.0),
    ];
    for (stratum, holds) in conditions {
        let mut expected = std::collections::HashMap::new();
        for x in &a {
            for y in &b {
                let w = num(&ah, x, "shown_w") * (1.0 + num(&bh, y, "v") / 10.0);
                let ok = holds(
                    &field(&ah, x, "k"),
                    num(&ah, x, "v"),
                    &field(&bh, y, "k"),
                    num(&bh, y, "v"),
                );
                if ok && w > 0.0 {
                    expected.insert((field(&ah, x, "id"), field(&bh, y, "id")), w);
                }
            }
        }
        let rows: Vec<_> = p
            .iter()
            .filter(|r| field(&ph, r, "stratum") == stratum)
            .collect();
        assert_eq!(rows.len(), 20000, "{stratum}");
        let mut observed = std::collections::HashMap::new();
        for r in rows {
            let key = (field(&ph, r, "a_id"), field(&ph, r, "b_id"));
            assert!(
                expected.contains_key(&key),
                "{stratum}: drew {key:?}, which has weight 0 or fails"
            );
            *observed.entry(key).or_insert(0.0) += 1.0;
        }
        let total: f64 = expected.values().sum();
        let chi2: f64 = expected
            .iter()
            .map(|(k, w)| {
                let e = 20000.0 * w / total;
                (observed.get(k).copied().unwrap_or(0.0) - e).powi(2) / e
            })
            .sum();
        let df = expected.len() as f64 - 1.0;
        assert!(
            chi2 < df + 5.0 * (2.0 * df).sqrt(),
            "{stratum}: chi2 {chi2}, {df} degrees of freedom"
        );
        // Against uniform drawing, the same statistic must be far off: the test has power.
        let n = expected.len() as f64;
        let uniform: f64 = expected
            .keys()
            .map(|k| {
                let e = 20000.0 / n;
                (observed.get(k).copied().unwrap_or(0.0) - e).powi(2) / e
            })
            .sum();
        assert!(
            uniform > df + 10.0 * (2.0 * df).sqrt(),
            "{stratum}: uniform chi2 {uniform}"
        );
    }
    let negative = WEIGHTED.replace("weight: w }", "weight: \"w - 2\" }");
    let (_dir, out, o) = run_text(&negative, &[]);
    assert_eq!(o.code, 1);
    assert!(
        o.stderr.contains("the weight `w - 2` is -2 in row"),
        "{}",
        o.stderr
    );
    assert!(!out.exists());
}

/// The two modelling scenarios make data a model can learn from but not perfectly: the
/// audit's logistic regression beats always predicting the majority class, and stays far
/// from perfect; the appointments' grouped split shares no patient between the parts.
#[test]
fn the_modelling_scenarios_are_learnable_but_not_perfectly() {
    for (scenario, overlap) in [
        ("scenarios/appointments.yaml", Some("patient_id")),
        ("scenarios/transactions.yaml", None),
    ] {
        let (_dir, out, o) = crate::common::run_scenario(scenario, &["--scale", "0.25"]);
        assert_eq!(o.code, 0, "{scenario}: {}", o.stderr);
        let audit = &report(&out)["audit"];
        let accuracy = audit["baseline"]["accuracy"].as_f64().unwrap();
        let balanced = audit["baseline"]["balanced_accuracy"].as_f64().unwrap();
        let majority = audit["majority_accuracy"].as_f64().unwrap();
        assert!(
            accuracy > majority,
            "{scenario}: accuracy {accuracy}, majority {majority}"
        );
        assert!(
            (0.6..0.9).contains(&balanced),
            "{scenario}: balanced accuracy {balanced}"
        );
        assert!(audit["leaks"].as_array().unwrap().is_empty(), "{scenario}");
        if let Some(column) = overlap {
            let found = audit["overlaps"].as_array().unwrap();
            let row = found.iter().find(|r| r["column"] == column).unwrap();
            assert_eq!(row["in_both"], 0, "{scenario}: {row}");
            assert!(row["test_values"].as_u64().unwrap() > 0);
        }
    }
}

/// `derive` reads the linked rows (`l.x`) as well as the row's own columns; a bare name that
/// both have means the row's own column.
#[test]
fn derive_reads_the_linked_rows() {
    let text = r#"
name: derive-sides
seed: 1
tables:
  a:
    rows: 50
    columns:
      x: { uniform: [0, 1] }
      age: { uniform_int: [1, 9] }
  b:
    rows: 20
    columns:
      y: { uniform: [0, 1] }
  p:
    rows: 2000
    pairs: { l: a, r: b }
    columns:
      age: l.age * 10
      x_copy: l.x
    strata:
      - { name: all, share: 1, where: "l.x < 0.9" }
    derive:
      sum: l.x + r.y
      own_age: age
      near: { normal: { mean: "l.x * 100", std: 0.000001 } }
"#;
    let (_dir, out, o) = run_text(text, &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (h, rows) = read_csv(&out.join("unprocessed/p.csv"));
    let (_, b) = read_csv(&out.join("unprocessed/b.csv"));
    let ys: Vec<f64> = b.iter().map(|r| r[0].parse().unwrap()).collect();
    for r in &rows {
        let v = |c: &str| r[col(&h, c)].parse::<f64>().unwrap();
        let y = v("sum") - v("x_copy");
        assert!(
            ys.iter().any(|b| (b - y).abs() < 1e-9),
            "sum - x is one of b's y: {y}"
        );
        assert_eq!(v("own_age"), v("age"));
        assert!((v("near") - 100.0 * v("x_copy")).abs() < 1e-3);
    }
}

/// `hidden: true` on a column's generator is the table's `hidden` list: the same bytes; inside
/// a mixture it is refused.
#[test]
fn hidden_on_a_generator_is_the_tables_hidden_list() {
    let listed = SHOP;
    let marked = SHOP
        .replace(
            "      activity: { log_normal: { mu: 0, sigma: 1 } }",
            "      activity: { log_normal: { mu: 0, sigma: 1 }, hidden: true }",
        )
        .replace("    hidden: [slot]\n", "")
        .replace(
            "      slot: { window: {",
            "      slot: { hidden: true, window: {",
        );
    let listed = listed.replace(
        "      busy: activity > 1\n",
        "      busy: activity > 1\n    hidden: [activity]\n",
    );
    let (_d1, a, o) = run_text(&listed, &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (_d2, b, o) = run_text(&marked, &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(files(&a) == files(&b), "same bytes");
    assert!(!header(&b.join("unprocessed/customer.csv")).contains(&"activity".to_string()));
    let nested = SHOP.replace(
        "      price: { uniform: [1, 100], round: 2 }",
        "      price: { mixture: [ { weight: 1, uniform: [1, 100], hidden: true } ] }",
    );
    let (_d3, _out, o) = run_text(&nested, &[]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr
            .contains("`hidden` belongs to a column's own generator"),
        "{}",
        o.stderr
    );
}
