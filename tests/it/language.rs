//! What the language's lines mean: modifier order, range ends, date-time arithmetic, names.

use crate::common::*;

/// Runs a scenario given as text in a fresh folder; returns the folder and the output.
fn run_text(yaml: &str, extra: &[&str]) -> (tempfile::TempDir, Output) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.yaml"), yaml).unwrap();
    let mut args = vec!["run", "s.yaml", "--out", "out", "-q"];
    args.extend_from_slice(extra);
    let o = tutas(dir.path(), &args);
    (dir, o)
}

fn column(dir: &tempfile::TempDir, table: &str, name: &str) -> Vec<String> {
    let (h, rows) = read_csv(&dir.path().join(format!("out/unprocessed/{table}.csv")));
    let c = col(&h, name);
    rows.into_iter().map(|r| r[c].clone()).collect()
}

#[test]
fn resolution_truncates_the_drawn_value_before_add() {
    let (dir, o) = run_text(
        r#"
name: order
seed: 3
tables:
  visit:
    rows: 1000
    columns:
      at: { datetime: [2025-01-01, 2025-03-31], resolution: day, add: { uniform_int: [0, 359] }, unit: minute }
"#,
        &[],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let minutes: std::collections::BTreeSet<i64> = column(&dir, "visit", "at")
        .iter()
        .map(|t| secs(t).rem_euclid(86_400) / 60)
        .collect();
    assert!(
        minutes.len() > 300,
        "{} distinct minutes of the day",
        minutes.len()
    );
    assert!(minutes.iter().all(|m| (0..360).contains(m)), "{minutes:?}");
}

#[test]
fn a_date_as_the_end_of_a_range_includes_that_day() {
    let (dir, o) = run_text(
        r#"
name: ends
seed: 3
tables:
  t:
    rows: 20000
    columns:
      by_date: { datetime: [2025-01-01, 2025-01-03] }
      by_time: { datetime: [2025-01-01 06:00, 2025-01-03 12:00] }
"#,
        &[],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let values = |name| -> Vec<i64> { column(&dir, "t", name).iter().map(|t| secs(t)).collect() };
    let by_date = values("by_date");
    let (lo, hi) = (
        *by_date.iter().min().unwrap(),
        *by_date.iter().max().unwrap(),
    );
    assert!(
        lo >= secs("2025-01-01") && lo < secs("2025-01-01 01:00"),
        "{lo}"
    );
    assert!(
        hi >= secs("2025-01-03 23:00") && hi <= secs("2025-01-03 23:59:59"),
        "{hi}"
    );
    let by_time = values("by_time");
    assert!(
        by_time
            .iter()
            .all(|&t| (secs("2025-01-01 06:00")..=secs("2025-01-03 12:00")).contains(&t))
    );
    assert!(*by_time.iter().max().unwrap() > secs("2025-01-03 11:00"));
}

#[test]
fn date_times_take_whole_days_hours_and_minutes() {
    let (dir, o) = run_text(
        r#"
name: arithmetic
seed: 3
tables:
  t:
    rows: 100
    columns:
      at: { datetime: [2025-01-01, 2025-01-31] }
      lead: { uniform_int: [-3, 30] }
      due: add_days(at, lead)
      soon: add_minutes(add_hours(at, 2), 30)
      half: add_days(at, 0.5)
"#,
        &[],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let at = column(&dir, "t", "at");
    let lead = column(&dir, "t", "lead");
    let (due, soon, half) = (
        column(&dir, "t", "due"),
        column(&dir, "t", "soon"),
        column(&dir, "t", "half"),
    );
    for i in 0..at.len() {
        let a = secs(&at[i]);
        assert_eq!(secs(&due[i]), a + lead[i].parse::<i64>().unwrap() * 86_400);
        assert_eq!(secs(&soon[i]), a + 9_000);
        assert_eq!(secs(&half[i]), a + 43_200);
    }
}

#[test]
fn interval_arithmetic_points_to_the_date_functions() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.yaml"),
        "name: i\ntables:\n  t:\n    rows: 3\n    columns:\n      at: { datetime: [2025-01-01, 2025-01-31] }\n      n: { uniform_int: [1, 3] }\n      due: at + n * INTERVAL '1 day'\n",
    )
    .unwrap();
    let o = tutas(dir.path(), &["check", "s.yaml"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("add_days(ts, n)"), "{}", o.stderr);
}

#[test]
fn a_bare_name_in_a_condition_is_the_pair_column_even_when_a_side_has_one() {
    let (dir, o) = run_text(
        r#"
name: shadow
seed: 3
tables:
  patient:
    rows: 200
    columns:
      id: { sequence: "P{}" }
      sms_opt_in: { bernoulli: 0.4 }
  clinic:
    rows: 20
    columns:
      id: { sequence: "C{}" }
      sms_opt_in: { bernoulli: 0.5 }
  appointment:
    rows: 1000
    pairs: { p: patient, c: clinic }
    columns:
      patient: p.id
      sms_opt_in: p.sms_opt_in AND c.sms_opt_in
    strata:
      - { name: sms, share: 0.5, where: sms_opt_in }
      - { name: no_sms, share: 0.5, where: NOT sms_opt_in }
"#,
        &[],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let sms = column(&dir, "appointment", "sms_opt_in");
    assert!(sms[..500].iter().all(|v| v == "true") && sms[500..].iter().all(|v| v == "false"));
}

/// A pair column may read the pair columns before it, as a generated table's columns do; a bare
/// name a side also has is the row's own column there too.
#[test]
fn a_pair_column_reads_the_pair_columns_before_it() {
    let (dir, o) = run_text(
        r#"
name: shop
seed: 3
tables:
  customer:
    rows: 100
    columns:
      id: { sequence: "C{}" }
      age: { uniform_int: [18, 80] }
  product:
    rows: 50
    columns:
      sku: { sequence: "P{}" }
      price: { uniform: [5, 500], round: 2 }
  orders:
    rows: 600
    pairs: { c: customer, p: product }
    columns:
      customer: c.id
      price: p.price * 2
      big: price > 600
      label: CASE WHEN big AND c.age < 40 THEN 'young big' ELSE 'other' END
    strata:
      - { name: big, share: 0.5, where: big AND c.age < 40 }
      - { name: small, share: 0.5, where: NOT big }
"#,
        &[],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let price = column(&dir, "orders", "price");
    let big = column(&dir, "orders", "big");
    let label = column(&dir, "orders", "label");
    for i in 0..600 {
        let doubled: f64 = price[i].parse().unwrap();
        assert_eq!(big[i] == "true", doubled > 600.0, "row {i}: {}", price[i]);
        let expected = if i < 300 { "young big" } else { "other" };
        assert_eq!(label[i], expected, "row {i}");
    }
    assert!(big[..300].iter().all(|b| b == "true") && big[300..].iter().all(|b| b == "false"));
}

#[test]
fn an_identifier_column_is_not_one_hot_encoded() {
    let (_dir, o) = run_text(
        r#"
name: ids
seed: 3
tables:
  t:
    rows: 2000
    columns:
      patient_id: { sequence: "P{:05}" }
      age: { uniform_int: [18, 90] }
      label: age > 50
split: { from: t, target: label, test_size: 0.25 }
"#,
        &[],
    );
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(
        o.stderr
            .contains("text feature `patient_id` has 2000 distinct values")
            && o.stderr.contains("split.max_categories")
            && o.stderr.contains("add it to `split.drop`"),
        "{}",
        o.stderr
    );
}

#[test]
fn check_refuses_a_split_feature_it_cannot_encode() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.yaml"),
        "name: d\ntables:\n  t:\n    rows: 30\n    columns:\n      at: { datetime: [2025-01-01, 2025-01-31] }\n      label: { bernoulli: 0.5 }\nsplit: { from: t, target: label, test_size: 0.2 }\n",
    )
    .unwrap();
    let o = tutas(dir.path(), &["check", "s.yaml"]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr.contains("feature `at` is Timestamp(s)")
            || o.stderr.contains("feature `at` is Timestamp"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr.contains("add `at` to `split.drop`"),
        "{}",
        o.stderr
    );
}
