//! Messy data: missing and dirty values, duplicate rows, correlated columns, and the split's
//! imputation.

use std::collections::HashMap;

use crate::common::{col, read_csv};
use crate::modelling::run_text;

pub(crate) const MESSY: &str = r#"
name: messy
seed: 5
tables:
  customer:
    rows: 20000
    columns:
      id: { sequence: "C{:05}" }
      name: { fake: full_name }
      city: { choice: [Jakarta, Bandung, Surabaya] }
      age: { uniform_int: [18, 80] }
      income: { normal: { mean: 5000, std: 1000 }, round: 2 }
    nulls:
      income: { share: 0.3, where: "age < 25" }
      city: 0.1
    dirty:
      name: { typos: 0.05, case: 0.02, whitespace: 0.02 }
      income: { outliers: { share: 0.01, scale: 100 } }
    duplicates: 0.01
  product:
    rows: 100
    columns:
      sku: { sequence: "P{:03}" }
      price: { uniform: [1, 100], round: 2 }
  orders:
    rows: 30000
    pairs: { c: customer, p: product }
    columns:
      customer: c.id
      city: c.city
      income: c.income
      price: p.price
    strata:
      - { name: cheap, share: 0.9, where: p.price < 50, set: { returned: { bernoulli: 0.1 } } }
      - { name: dear, share: 0.1, where: p.price >= 50, set: { returned: { bernoulli: 0.4 } } }
    duplicates: 0.05
features:
  f: SELECT city, income, price, returned FROM orders
checks:
  only_the_young_miss_income: SELECT * FROM customer WHERE income IS NULL AND age >= 25
split:
  from: f
  target: returned
  test_size: 0.25
  impute: { income: { strategy: median, indicator: true }, city: most_frequent }
"#;

/// The text with the customer's mess taken out (same seed: the same clean values).
fn clean(text: &str) -> String {
    let start = text.find("    nulls:\n").unwrap();
    let end = text.find("    duplicates: 0.01\n").unwrap() + "    duplicates: 0.01\n".len();
    format!("{}{}", &text[..start], &text[end..]).replace(
        "  impute: { income: { strategy: median, indicator: true }, city: most_frequent }\n",
        "",
    )
}

fn report(out: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap()
}

fn mess_rows(report: &serde_json::Value, table: &str, column: Option<&str>, effect: &str) -> f64 {
    let t = report["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == table)
        .unwrap();
    let m = t["mess"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["effect"] == effect && m.get("column").and_then(|c| c.as_str()) == column);
    m.unwrap_or_else(|| panic!("{table} {column:?} {effect}"))["rows"]
        .as_f64()
        .unwrap()
}

/// Within five binomial standard deviations of `n · p`.
fn near(count: f64, n: f64, p: f64, what: &str) {
    let sd = (n * p * (1.0 - p)).sqrt().max(1.0);
    assert!(
        (count - n * p).abs() < 5.0 * sd,
        "{what}: {count}, expected {}",
        n * p
    );
}

/// Each effect hits its share of rows (of the rows its condition allows), the report counts
/// what was put in, the values outside the mess are the clean run's, and nothing else moves.
/// Long because it reads one pair of runs (clean and messy) once and checks every effect on
/// it: split up, each part would run the pair again.
#[test]
fn missing_and_dirty_values_and_duplicates_are_put_in_as_declared() {
    let (_d1, messy, o) = run_text(MESSY, &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (_d2, plain, o) = run_text(&clean(MESSY), &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (h, dirty) = read_csv(&messy.join("unprocessed/customer.csv"));
    let (_, truth) = read_csv(&plain.join("unprocessed/customer.csv"));
    assert_eq!(dirty.len(), 20000);
    let r = report(&messy);
    let c = |name: &str| col(&h, name);
    // Duplicates: exact copies of another row, counted.
    let mut seen: HashMap<&Vec<String>, usize> = HashMap::new();
    dirty
        .iter()
        .for_each(|row| *seen.entry(row).or_default() += 1);
    let copies: usize = seen.values().map(|n| n - 1).sum();
    assert_eq!(copies as f64, mess_rows(&r, "customer", None, "duplicates"));
    near(copies as f64, 20000.0, 0.01, "duplicates");
    // Rows that are not copies line up with the clean run: compare them value by value.
    let originals: Vec<(&Vec<String>, &Vec<String>)> = dirty
        .iter()
        .zip(&truth)
        .filter(|(d, t)| d[c("id")] == t[c("id")])
        .collect();
    assert!(originals.len() >= 20000 - copies - 5);
    let young = originals
        .iter()
        .filter(|(_, t)| t[c("age")].parse::<i64>().unwrap() < 25)
        .count();
    let emptied = originals
        .iter()
        .filter(|(d, _)| d[c("income")].is_empty())
        .count();
    near(
        emptied as f64,
        young as f64,
        0.3,
        "income nulls among the young",
    );
    assert!(
        originals
            .iter()
            .all(|(d, t)| !d[c("income")].is_empty() || t[c("age")].parse::<i64>().unwrap() < 25)
    );
    let scaled = originals
        .iter()
        .filter(|(d, t)| !d[c("income")].is_empty() && d[c("income")] != t[c("income")])
        .count();
    near(scaled as f64, originals.len() as f64, 0.01, "outliers");
    let cities = originals
        .iter()
        .filter(|(d, _)| d[c("city")].is_empty())
        .count();
    near(cities as f64, originals.len() as f64, 0.1, "city nulls");
    let names = originals
        .iter()
        .filter(|(d, t)| d[c("name")] != t[c("name")])
        .count();
    near(
        names as f64,
        originals.len() as f64,
        1.0 - 0.95 * 0.98 * 0.98,
        "dirty names",
    );
    for (d, t) in &originals {
        assert_eq!(
            d[c("age")],
            t[c("age")],
            "a column without mess is the clean one"
        );
        if d[c("name")] != t[c("name")] {
            // Whitespace and case undone, at most one edit is left (a typo).
            let norm = |v: &str| {
                v.split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_lowercase()
            };
            let (a, b) = (norm(&d[c("name")]), norm(&t[c("name")]));
            // One edit: a letter deleted, inserted or replaced, or two neighbours swapped.
            let edits = strsim::osa_distance(&a, &b);
            assert!(edits <= 1, "{} from {}", d[c("name")], t[c("name")]);
        }
    }
    // An interaction table keeps its strata exactly through duplication.
    let orders = r["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "orders")
        .unwrap();
    for s in orders["strata"].as_array().unwrap() {
        assert_eq!(s["produced"], s["requested"]);
    }
    let (oh, rows) = read_csv(&messy.join("unprocessed/orders.csv"));
    let dear = rows
        .iter()
        .filter(|r| r[col(&oh, "price")].parse::<f64>().unwrap() >= 50.0)
        .count();
    assert_eq!(dear, 3000);
}

/// Raising one share changes no other value, and only adds affected rows.
#[test]
fn a_share_changes_only_its_own_effect() {
    let (_d1, a, o) = run_text(MESSY, &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let more = MESSY.replace("      city: 0.1\n", "      city: 0.2\n");
    let (_d2, b, o) = run_text(&more, &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (h, ra) = read_csv(&a.join("unprocessed/customer.csv"));
    let (_, rb) = read_csv(&b.join("unprocessed/customer.csv"));
    let city = col(&h, "city");
    let mut added = 0;
    for (x, y) in ra.iter().zip(&rb) {
        for (i, (u, v)) in x.iter().zip(y).enumerate() {
            if i != city {
                assert_eq!(u, v);
            }
        }
        assert!(
            x[city].is_empty() <= y[city].is_empty(),
            "a row empty at 0.1 stays empty at 0.2"
        );
        added += (y[city].is_empty() && !x[city].is_empty()) as usize;
    }
    near(
        added as f64,
        20000.0 * 0.9,
        0.1 / 0.9,
        "city emptied at 0.2 but not at 0.1",
    );
    let (_d3, one, o) = run_text(MESSY, &["--threads", "1"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        crate::common::files(&one) == crate::common::files(&a),
        "the same bytes on one thread"
    );
}

/// The split fills empty features with the training rows' statistic, adds the indicator,
/// and writes what it fitted; without `impute` the error points at it.
#[test]
fn the_split_imputes_from_the_training_rows_only() {
    let (_d, out, o) = run_text(MESSY, &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let pre: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("processed_2/preprocessing.json")).unwrap())
            .unwrap();
    let income = pre["impute"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["column"] == "income")
        .unwrap();
    assert_eq!(income["strategy"], "median");
    assert_eq!(income["indicator"], "income_missing");
    let (xh, x) = read_csv(&out.join("processed_2/X_train.csv"));
    assert!(
        x.iter().all(|r| r.iter().all(|v| !v.is_empty())),
        "X has no empty cell"
    );
    // The median of the training rows' known incomes, computed here from X itself.
    let (i, m) = (col(&xh, "income"), col(&xh, "income_missing"));
    let mut known: Vec<f64> = x
        .iter()
        .filter(|r| r[m] == "0")
        .map(|r| r[i].parse().unwrap())
        .collect();
    known.sort_by(f64::total_cmp);
    let n = known.len();
    let median = if n % 2 == 1 {
        known[n / 2]
    } else {
        (known[n / 2 - 1] + known[n / 2]) / 2.0
    };
    assert_eq!(income["value"].as_f64().unwrap(), median);
    let filled: Vec<&Vec<String>> = x.iter().filter(|r| r[m] == "1").collect();
    assert_eq!(
        filled.len() as u64,
        income["missing_train"].as_u64().unwrap()
    );
    assert!(
        filled
            .iter()
            .all(|r| r[i].parse::<f64>().unwrap() == median)
    );
    let without = MESSY.replace(
        "  impute: { income: { strategy: median, indicator: true }, city: most_frequent }\n",
        "",
    );
    let (_d, _out, o) = run_text(&without, &[]);
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains("impute: { "), "{}", o.stderr);
}

const CORRELATED: &str = r#"
name: correlated
seed: 3
tables:
  tutor:
    rows: 100000
    columns:
      rating: { uniform: [3.0, 5.0], round: 2 }
      hours: { log_normal: { mu: 4, sigma: 1 }, round: 0 }
      price: { normal: { mean: 100, std: 20 } }
      cheap: price < 90
    correlate:
      - { columns: [rating, hours], rank: 0.6 }
      - { columns: [hours, price], rank: -0.3 }
"#;

fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut r = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        for k in i..=j {
            r[order[k]] = (i + j) as f64 / 2.0;
        }
        i = j + 1;
    }
    r
}

fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let (ra, rb) = (ranks(a), ranks(b));
    let n = a.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = ra.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = rb.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

/// Correlated columns reach their rank correlations, keep exactly the values they drew
/// uncorrelated, and columns after them read the reordered values.
#[test]
fn correlated_columns_keep_their_distributions() {
    let (_d1, a, o) = run_text(CORRELATED, &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let plain = CORRELATED.split("    correlate:").next().unwrap();
    let (_d2, b, o) = run_text(plain, &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (h, ra) = read_csv(&a.join("unprocessed/tutor.csv"));
    let (_, rb) = read_csv(&b.join("unprocessed/tutor.csv"));
    let column = |rows: &[Vec<String>], name: &str| -> Vec<f64> {
        rows.iter()
            .map(|r| r[col(&h, name)].parse().unwrap())
            .collect()
    };
    let (rating, hours, price) = (
        column(&ra, "rating"),
        column(&ra, "hours"),
        column(&ra, "price"),
    );
    let s = spearman(&rating, &hours);
    assert!((s - 0.6).abs() < 0.02, "rating ~ hours {s}");
    let s = spearman(&hours, &price);
    assert!((s + 0.3).abs() < 0.02, "hours ~ price {s}");
    for name in ["rating", "hours", "price"] {
        let (mut x, mut y) = (column(&ra, name), column(&rb, name));
        x.sort_by(f64::total_cmp);
        y.sort_by(f64::total_cmp);
        assert_eq!(x, y, "{name} keeps the values it drew");
    }
    let cheap = col(&h, "cheap");
    assert!(
        ra.iter()
            .zip(&price)
            .all(|(r, p)| (r[cheap] == "true") == (*p < 90.0))
    );
    let bad = CORRELATED.replace("rank: -0.3", "rank: 1.5");
    let (_d, _out, o) = run_text(&bad, &[]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("between -1 and 1"), "{}", o.stderr);
}

/// Missing values are nulls in Parquet too, as many as the report counts.
#[test]
fn missing_values_are_parquet_nulls() {
    let text = "name: p\nseed: 2\ntables:\n  t:\n    rows: 100000\n    columns:\n      x: { uniform: [0, 1], nulls: 0.25 }\n      s: { choice: [a, b], nulls: 0.1 }\n";
    let (_d, out, o) = run_text(text, &["--format", "parquet"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let file = std::fs::File::open(out.join("unprocessed/t.parquet")).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let (mut x, mut s) = (0, 0);
    for batch in reader {
        let batch = batch.unwrap();
        x += batch.column(0).null_count();
        s += batch.column(1).null_count();
    }
    let r = report(&out);
    assert_eq!(x as f64, mess_rows(&r, "t", Some("x"), "nulls"));
    assert_eq!(s as f64, mess_rows(&r, "t", Some("s"), "nulls"));
    near(x as f64, 100000.0, 0.25, "x nulls");
    near(s as f64, 100000.0, 0.1, "s nulls");
}

/// `--set` is the same as editing the file by hand, byte for byte, and is recorded.
#[test]
fn set_equals_editing_the_file() {
    let sets = [
        "--set",
        "tables.murid.rows=500",
        "--set",
        "tables.interaksi.strata.positive.share=0.6",
        "--set",
        "tables.interaksi.strata[1].share=0.2",
    ];
    let (_d1, set, o) =
        crate::common::run_scenario("scenarios/default.yaml", &[&["-q"], &sets[..]].concat());
    assert_eq!(o.code, 0, "{}", o.stderr);
    let text =
        std::fs::read_to_string(crate::common::root().join("scenarios/default.yaml")).unwrap();
    let edited = text
        .replacen("    rows: 1000\n", "    rows: 500\n", 1)
        .replacen("        share: 0.7\n", "        share: 0.6\n", 1)
        .replacen("        share: 0.1\n", "        share: 0.2\n", 1);
    assert_ne!(edited, text);
    let (_d2, by_hand, o) = run_text(&edited, &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        crate::common::files(&set) == crate::common::files(&by_hand),
        "same bytes"
    );
    assert_eq!(
        report(&set)["settings"][0],
        "--set tables.murid.rows=500",
        "the report records the overrides"
    );
}

/// A variant is its overrides: the same bytes as giving them with `--set`.
#[test]
fn a_variant_equals_its_overrides() {
    let (_d1, variant, o) =
        crate::common::run_scenario("scenarios/messy.yaml", &["-q", "--variant", "drift"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (_d2, set, o) = crate::common::run_scenario(
        "scenarios/messy.yaml",
        &[
            "-q",
            "--set",
            "tables.interaksi.strata.positive.share=0.5",
            "--set",
            "tables.interaksi.strata.all_mismatch.share=0.3",
            "--set",
            "tables.tutor.dirty.rating.outliers.share=0.1",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        crate::common::files(&variant) == crate::common::files(&set),
        "same bytes"
    );
    // `tutas diff` of the base and the variant names the drifted columns, and only those.
    let (_d3, base, o) = crate::common::run_scenario("scenarios/messy.yaml", &["-q"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let diff = crate::common::tutas(
        &crate::common::root(),
        &["diff", base.to_str().unwrap(), variant.to_str().unwrap()],
    );
    assert_eq!(diff.code, 0, "{}", diff.stderr);
    for drifted in [
        "rating (number)",
        "topik_match (boolean): true 90.0% → 70.0%",
        "label (number)",
    ] {
        let line = diff
            .stdout
            .lines()
            .find(|l| l.contains(drifted))
            .unwrap_or_else(|| panic!("{drifted}: {}", diff.stdout));
        assert!(line.ends_with("DRIFT"), "{line}");
    }
    assert!(
        diff.stdout
            .contains("murid: 1000 rows (same); 9 columns unchanged"),
        "{}",
        diff.stdout
    );
    let same = crate::common::tutas(
        &crate::common::root(),
        &["diff", base.to_str().unwrap(), base.to_str().unwrap()],
    );
    assert!(!same.stdout.contains("DRIFT"), "{}", same.stdout);
}

/// An override that does not fit names itself, and says what was expected.
#[test]
fn a_bad_override_names_itself() {
    for (args, expected) in [
        (
            vec!["--set", "tables.murid.rowz=5"],
            "--set tables.murid.rowz=5: unknown field `rowz`",
        ),
        (
            vec!["--set", "tables.murid.rows=many"],
            "--set tables.murid.rows=many: invalid value",
        ),
        (
            vec!["--set", "tables.interaksi.strata.positiv.share=0.5"],
            "`tables.interaksi.strata` has no `positiv`; did you mean `positive`?",
        ),
        (
            vec!["--set", "tables.murid.rows"],
            "--set tables.murid.rows: expected PATH=VALUE",
        ),
        (
            vec!["--variant", "drift"],
            "--variant drift: the scenario has no variant `drift`",
        ),
        (
            vec!["--set", "tables.interaksi.strata.positive.share=0.9"],
            "a value here comes from --set tables.interaksi.strata.positive.share=0.9",
        ),
    ] {
        let o = crate::common::tutas(
            &crate::common::root(),
            &[
                &[
                    "run",
                    "scenarios/default.yaml",
                    "--out",
                    "/nonexistent/never",
                ],
                &args[..],
            ]
            .concat(),
        );
        assert_eq!(o.code, 2, "{args:?}: {}", o.stderr);
        assert!(o.stderr.contains(expected), "{args:?}: {}", o.stderr);
    }
}

/// Each dirty effect alone: the rows that differ from the clean run are exactly the rows the
/// report counts.
#[test]
fn dirty_values_are_counted_exactly() {
    let clean = "name: d\nseed: 4\ntables:\n  t:\n    rows: 30000\n    columns:\n      name: { fake: full_name }\n      amount: { uniform: [1, 100], round: 2 }\n";
    let (_d0, plain, o) = run_text(clean, &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (_, truth) = read_csv(&plain.join("unprocessed/t.csv"));
    for (dirty, column, effect, index) in [
        ("{ name: { typos: 0.04 } }", "name", "typos", 0),
        ("{ name: { case: 0.04 } }", "name", "case", 0),
        ("{ name: { whitespace: 0.04 } }", "name", "whitespace", 0),
        (
            "{ amount: { outliers: { share: 0.04, scale: 1000 } } }",
            "amount",
            "outliers",
            1,
        ),
    ] {
        let (_d, out, o) = run_text(&format!("{clean}    dirty: {dirty}\n"), &[]);
        assert_eq!(o.code, 0, "{}", o.stderr);
        let (_, rows) = read_csv(&out.join("unprocessed/t.csv"));
        let differ = rows
            .iter()
            .zip(&truth)
            .filter(|(a, b)| a[index] != b[index])
            .count();
        assert_eq!(
            differ as f64,
            mess_rows(&report(&out), "t", Some(column), effect),
            "{effect}"
        );
        near(differ as f64, 30000.0, 0.04, effect);
    }
}
