//! Every value exactly as declared or as read: whole numbers beyond 2^53, unsigned and
//! zoned source columns, clamps, windows, ROUND, split parts, long texts, `split --from`.

use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, Int64Array, RecordBatch, StringArray, TimestampMillisecondArray,
    TimestampNanosecondArray, UInt64Array,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use proptest::prelude::*;

use crate::common::{col, errors, folder, read_csv, tutas};

/// Writes a Parquet file of `columns`.
fn write_parquet(path: &Path, columns: Vec<(&str, ArrayRef)>) {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
        .collect();
    let batch = RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

/// Every batch of a Parquet file.
fn read_parquet(path: &Path) -> Vec<RecordBatch> {
    let file = std::fs::File::open(path).unwrap();
    parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap()
        .map(|b| b.unwrap())
        .collect()
}

/// A column of a CSV file.
fn column(path: &Path, name: &str) -> Vec<String> {
    let (header, rows) = read_csv(path);
    let i = col(&header, name);
    rows.into_iter().map(|r| r[i].clone()).collect()
}

const BIG: &str = "name: big
seed: 1
tables:
  t:
    rows: 6
    columns:
      a: { constant: 9007199254740993 }
      b: 12345678901234567
      c: { choice: [9007199254740993, 9007199254740995] }
      d: { uniform_int: [9007199254740993, 9007199254740995] }
      e: { sequence: \"{}\", start: 9007199254740993 }
      f: { choice: { 9223372036854775807: 1, -9223372036854775808: 1 } }
";

#[test]
fn whole_numbers_beyond_2_to_the_53_are_written_exactly() {
    let dir = folder(&[("s.yaml", BIG)]);
    let o = tutas(dir.path(), &["run", "s.yaml", "-q"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let csv = dir.path().join("dataset/unprocessed/t.csv");
    assert!(column(&csv, "a").iter().all(|v| v == "9007199254740993"));
    assert!(column(&csv, "b").iter().all(|v| v == "12345678901234567"));
    let allowed = |v: &String, from: i64, to: i64| (from..=to).any(|x| x.to_string() == *v);
    for name in ["c", "d"] {
        let values = column(&csv, name);
        assert!(
            values
                .iter()
                .all(|v| allowed(v, 9007199254740993, 9007199254740995)),
            "{name}: {values:?}"
        );
    }
    assert!(column(&csv, "c").iter().any(|v| v == "9007199254740993"));
    let sequence: Vec<String> = (0..6)
        .map(|i| (9007199254740993i64 + i).to_string())
        .collect();
    assert_eq!(column(&csv, "e"), sequence, "one by one, no duplicates");
    let f = column(&csv, "f");
    assert!(
        f.iter()
            .all(|v| v == "9223372036854775807" || v == "-9223372036854775808"),
        "{f:?}"
    );
    // Parquet int64 holds the same values.
    let o = tutas(
        dir.path(),
        &["run", "s.yaml", "-q", "--format", "parquet", "--out", "pq"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let batches = read_parquet(&dir.path().join("pq/unprocessed/t.parquet"));
    let e = batches[0].column_by_name("e").unwrap();
    let e = e.as_any().downcast_ref::<Int64Array>().unwrap();
    assert_eq!(
        e.values().to_vec(),
        (0..6).map(|i| 9007199254740993i64 + i).collect::<Vec<_>>()
    );
}

#[test]
fn a_whole_number_beyond_64_bits_is_a_located_error() {
    for (value, expected) in [
        (
            "99999999999999999999",
            "the integer 99999999999999999999 does not fit in 64 bits",
        ),
        (
            "18446744073709551615",
            "the integer 18446744073709551615 is above the largest 64-bit integer",
        ),
    ] {
        let yaml = format!("name: b\ntables:\n  t:\n    rows: 3\n    columns:\n      a: {value}\n");
        let dir = folder(&[("s.yaml", &yaml)]);
        let o = tutas(dir.path(), &["check", "s.yaml"]);
        assert_eq!(o.code, 2, "{}", o.stderr);
        assert!(o.stderr.contains(expected), "{}", o.stderr);
        assert!(o.stderr.contains("s.yaml:6:"), "{}", o.stderr);
        assert_eq!(errors(&o.stderr), 1, "{}", o.stderr);
    }
}

#[test]
fn an_unsigned_source_value_above_2_to_the_63_is_kept() {
    let dir = folder(&[(
        "s.yaml",
        "name: u\ntables:\n  ids:\n    source: ids.parquet\nfeatures:\n  f: SELECT id, id % 10 AS last FROM ids\ninsights:\n  biggest: SELECT MAX(id) AS m FROM ids\n",
    )]);
    let ids: ArrayRef = Arc::new(UInt64Array::from(vec![u64::MAX, 1 << 63, 7]));
    write_parquet(&dir.path().join("ids.parquet"), vec![("id", ids)]);
    let o = tutas(dir.path(), &["run", "s.yaml"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let f = dir.path().join("dataset/processed_1/f.csv");
    assert_eq!(
        column(&f, "id"),
        ["18446744073709551615", "9223372036854775808", "7"]
    );
    assert_eq!(column(&f, "last"), ["5", "8", "7"]);
    assert!(o.stdout.contains("18446744073709551615"), "{}", o.stdout);
}

#[test]
fn an_integers_clamp_keeps_every_value_inside_its_range() {
    let yaml = "name: c\nseed: 4\ntables:\n  t:\n    rows: 2000\n    columns:\n      f: { uniform_int: [0, 10], clamp: [2.5, 7.5] }\n      g: { normal: { mean: 5, std: 3 }, round: 0, clamp: [2.5, 7.5] }\n";
    let dir = folder(&[("s.yaml", yaml)]);
    let o = tutas(dir.path(), &["run", "s.yaml", "-q"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let csv = dir.path().join("dataset/unprocessed/t.csv");
    for name in ["f", "g"] {
        let values: Vec<i64> = column(&csv, name)
            .iter()
            .map(|v| v.parse().unwrap())
            .collect();
        assert!(values.iter().all(|v| (3..=7).contains(v)), "{name}");
        assert!(
            values.contains(&3) && values.contains(&7),
            "{name}: both ends are reached"
        );
    }
    let dir = folder(&[(
        "s.yaml",
        "name: c\ntables:\n  t:\n    rows: 3\n    columns:\n      f: { uniform_int: [0, 10], clamp: [2.2, 2.8] }\n",
    )]);
    let o = tutas(dir.path(), &["check", "s.yaml"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr
            .contains("no whole number lies in the clamp's range [2.2, 2.8]"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr.contains("tables.t.columns.f.clamp"),
        "{}",
        o.stderr
    );
}

#[test]
fn a_window_whose_length_can_be_negative_is_refused() {
    let window = |length: &str| {
        format!(
            "name: w\ntables:\n  t:\n    rows: 500\n    columns:\n      s:\n        window: {{ start: {{ datetime: [2025-01-01, 2025-01-31] }}, length: {length} }}\n"
        )
    };
    let dir = folder(&[("s.yaml", &window("{ normal: { mean: 2, std: 1 } }"))]);
    let o = tutas(dir.path(), &["check", "s.yaml"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("a window's length can be negative"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr.contains("tables.t.columns.s.window.length"),
        "{}",
        o.stderr
    );
    // Bounded below, it runs, and every end comes at or after its start.
    let dir = folder(&[(
        "s.yaml",
        &window("{ normal: { mean: 2, std: 1 }, clamp: [0, 10] }"),
    )]);
    let o = tutas(dir.path(), &["run", "s.yaml", "-q"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let csv = dir.path().join("dataset/unprocessed/t.csv");
    let starts = column(&csv, "s_start");
    let ends = column(&csv, "s_end");
    assert!(
        starts
            .iter()
            .zip(&ends)
            .all(|(s, e)| crate::common::secs(e) >= crate::common::secs(s))
    );
}

#[test]
fn round_rounds_the_stored_value_as_duckdb_does() {
    let yaml = "name: r\ntables:\n  t:\n    rows: 1\n    columns: { a: 1 }\ninsights:\n  r: SELECT ROUND(434.0 / 8000, 4) AS a, ROUND(0.285, 2) AS b, ROUND(1.005, 2) AS c, ROUND(0.125, 2) AS d, ROUND(-2.5) AS e, ROUND(1234.5, -2) AS f\n";
    let dir = folder(&[("s.yaml", yaml)]);
    let o = tutas(dir.path(), &["run", "s.yaml"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("dataset/report.json")).unwrap(),
    )
    .unwrap();
    let row = &report["insights"][0]["rows"][0];
    // 0.05425 is stored as 0.054249999…, 0.285 as 0.28499…, 1.005 as 1.00499…; 0.125 and
    // -2.5 are exact halves, rounded away from zero.
    assert_eq!(row["a"], 0.0542);
    assert_eq!(row["b"], 0.28);
    assert_eq!(row["c"], 1.0);
    assert_eq!(row["d"], 0.13);
    assert_eq!(row["e"], -3.0);
    assert_eq!(row["f"], 1200.0);
}

#[test]
fn zoned_and_fine_source_date_times_are_whole_seconds_in_utc_or_refused() {
    let dir = folder(&[(
        "s.yaml",
        "name: z\ntables:\n  e:\n    source: e.parquet\nfeatures:\n  f: SELECT * FROM e\noutput: { datetime_format: \"%d/%m/%Y %H:%M:%S\" }\n",
    )]);
    // 2024-01-01 10:00:00 UTC, stored with a +07:00 zone; and in nanoseconds without a zone.
    let zoned: ArrayRef =
        Arc::new(TimestampMillisecondArray::from(vec![1_704_103_200_000]).with_timezone("+07:00"));
    let nanos: ArrayRef = Arc::new(TimestampNanosecondArray::from(vec![
        1_704_103_201_000_000_000,
    ]));
    write_parquet(
        &dir.path().join("e.parquet"),
        vec![("zoned", zoned), ("nanos", nanos)],
    );
    let o = tutas(dir.path(), &["run", "s.yaml", "-q"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let f = dir.path().join("dataset/processed_1/f.csv");
    assert_eq!(
        column(&f, "zoned"),
        ["01/01/2024 10:00:00"],
        "UTC, in the scenario's format"
    );
    assert_eq!(column(&f, "nanos"), ["01/01/2024 10:00:01"]);
    // Parquet output: microseconds without a zone, as documented.
    let o = tutas(
        dir.path(),
        &["run", "s.yaml", "-q", "--format", "parquet", "--out", "pq"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let batches = read_parquet(&dir.path().join("pq/processed_1/f.parquet"));
    let schema = batches[0].schema();
    for name in ["zoned", "nanos"] {
        assert_eq!(
            schema.field_with_name(name).unwrap().data_type(),
            &DataType::Timestamp(TimeUnit::Microsecond, None)
        );
    }
    // A fraction of a second is refused, naming the file, the row and the column.
    let fraction: ArrayRef = Arc::new(TimestampNanosecondArray::from(vec![0, 1_500_000_000]));
    write_parquet(&dir.path().join("e.parquet"), vec![("at", fraction)]);
    let o = tutas(dir.path(), &["run", "s.yaml", "-q"]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr.contains("e.parquet`, row 2, column `at`"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr.contains("has a fraction of a second"),
        "{}",
        o.stderr
    );
}

#[test]
fn text_read_from_parquet_is_written_as_plain_strings() {
    let dir = folder(&[(
        "s.yaml",
        "name: t\ntables:\n  c:\n    source: c.parquet\nfeatures:\n  f: SELECT name, UPPER(name) AS shout FROM c\n",
    )]);
    let names: ArrayRef = Arc::new(StringArray::from(vec!["ayu", "budi"]));
    write_parquet(&dir.path().join("c.parquet"), vec![("name", names)]);
    let o = tutas(dir.path(), &["run", "s.yaml", "-q", "--format", "parquet"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let batches = read_parquet(&dir.path().join("dataset/processed_1/f.parquet"));
    for f in batches[0].schema().fields() {
        assert_eq!(f.data_type(), &DataType::Utf8, "{}", f.name());
    }
}

#[test]
fn a_class_with_no_row_in_a_part_is_a_warning_and_the_audit_says_so() {
    let yaml = "name: two\ntables:\n  t:\n    rows: 12\n    columns:\n      x: { uniform: [0, 1] }\n      y: \"CASE WHEN x > 0.9 THEN 1 ELSE 0 END\"\nsplit: { from: t, target: y, test_size: 0.2, stratify: none }\n";
    let dir = folder(&[("s.yaml", yaml)]);
    let o = tutas(dir.path(), &["run", "s.yaml"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout
            .contains("warning: split of `t`: the test part has no row of class 1"),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("NOT MEANINGFUL"), "{}", o.stdout);
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("dataset/report.json")).unwrap(),
    )
    .unwrap();
    assert!(
        report["audit"]["caveat"]
            .as_str()
            .unwrap()
            .contains("not meaningful")
    );
    assert_eq!(report["audit"]["leaks"].as_array().unwrap().len(), 0);
    assert_eq!(report["warnings"].as_array().unwrap().len(), 1);
}

#[test]
fn a_report_keeps_a_sample_of_a_long_text() {
    let long = "x".repeat(1_000_000);
    let yaml = format!(
        "name: l\ntables:\n  t:\n    rows: 3\n    columns:\n      note: {{ constant: \"{long}\" }}\n"
    );
    let dir = folder(&[("s.yaml", &yaml)]);
    let o = tutas(dir.path(), &["run", "s.yaml", "-q"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    for file in ["report.json", "report.html"] {
        let bytes = std::fs::metadata(dir.path().join("dataset").join(file))
            .unwrap()
            .len();
        assert!(bytes < 100_000, "{file}: {bytes} bytes");
    }
    let report = std::fs::read_to_string(dir.path().join("dataset/report.json")).unwrap();
    assert!(report.contains("… (1000000 characters)"));
}

#[test]
fn split_from_reads_columns_by_name_wherever_they_are() {
    let columns = [
        ("age", "{ uniform_int: [18, 60] }"),
        ("ts", "{ datetime: [2025-01-01, 2025-03-01] }"),
        ("plan", "{ choice: [basic, pro] }"),
        ("churn", "{ choice: [0, 1] }"),
    ];
    // The dropped date-time first, in the middle and last; the target moves too.
    for order in [[1, 0, 2, 3], [0, 1, 2, 3], [0, 3, 2, 1], [3, 2, 0, 1]] {
        let declared: String = order
            .iter()
            .map(|&i| format!("      {}: {}\n", columns[i].0, columns[i].1))
            .collect();
        let yaml = format!(
            "name: sf\nseed: 2\ntables:\n  t:\n    rows: 300\n    columns:\n{declared}split: {{ from: t, target: churn, drop: [ts], test_size: 0.25 }}\n"
        );
        let dir = folder(&[("s.yaml", &yaml)]);
        let o = tutas(
            dir.path(),
            &["run", "s.yaml", "--out", "run", "-q", "--format", "parquet"],
        );
        assert_eq!(o.code, 0, "{}", o.stderr);
        let o = tutas(
            dir.path(),
            &[
                "split",
                "s.yaml",
                "--from",
                "run/unprocessed/t.parquet",
                "--out",
                "split",
                "-q",
            ],
        );
        assert_eq!(o.code, 0, "{order:?}: {}", o.stderr);
        for file in [
            "X_train.csv",
            "X_test.csv",
            "y_train.csv",
            "y_test.csv",
            "preprocessing.json",
        ] {
            let a = std::fs::read(dir.path().join("run/processed_2").join(file)).unwrap();
            let b = std::fs::read(dir.path().join("split/processed_2").join(file)).unwrap();
            assert!(a == b, "{order:?}: {file} differs");
        }
    }
}

#[test]
fn a_broken_csv_source_is_named_with_its_file_and_line_at_check() {
    let scenario = "name: c\ntables:\n  s:\n    source: s.csv\n";
    for (csv, expected) in [
        (
            "a,a\n1,2\n",
            "s.csv`, line 1: `a` names columns 1 and 2 of the header",
        ),
        (
            "a,b\n1,2\n3,4\n5\n",
            "s.csv`, line 4: 1 field where the header has 2",
        ),
        (
            "a,b\n1,\"two\nlines\"\n5,6,7\n",
            "s.csv`, line 4: 3 fields where the header has 2",
        ),
    ] {
        let dir = folder(&[("s.yaml", scenario), ("s.csv", csv)]);
        let o = tutas(dir.path(), &["check", "s.yaml", "--static"]);
        assert_eq!(o.code, 2, "{}", o.stderr);
        assert!(o.stderr.contains(expected), "{}", o.stderr);
        assert!(o.stderr.contains("tables.s.source"), "{}", o.stderr);
        assert_eq!(errors(&o.stderr), 1, "{}", o.stderr);
    }
    // A column whose values turn to decimals after 5,000 rows is read as floats.
    let mut csv = String::from("n\n");
    for i in 0..6000 {
        csv.push_str(&format!("{i}\n"));
    }
    csv.push_str("0.5\n");
    let dir = folder(&[("s.yaml", scenario), ("s.csv", &csv)]);
    let o = tutas(dir.path(), &["run", "s.yaml", "-q"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Any 64-bit integer survives YAML → generator → CSV and Parquet → a source read →
    /// SQL → CSV, unchanged.
    #[test]
    fn any_64_bit_integer_survives_every_step(
        values in proptest::collection::vec(
            prop_oneof![
                any::<i64>(),
                Just(i64::MIN),
                Just(i64::MAX),
                (-3i64..=3).prop_map(|d| (1i64 << 53) + d),
                (-3i64..=3).prop_map(|d| -(1i64 << 53) + d),
            ],
            1..6,
        )
    ) {
        let choice = values.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
        let first = values[0];
        let make = format!("name: a\nseed: 9\ntables:\n  t:\n    rows: 40\n    columns:\n      c: {{ constant: {first} }}\n      v: {{ choice: [{choice}] }}\n");
        let dir = folder(&[("make.yaml", &make)]);
        for format in ["csv", "parquet"] {
            let out = format!("made-{format}");
            let o = tutas(dir.path(), &["run", "make.yaml", "-q", "--format", format, "--out", &out]);
            prop_assert_eq!(o.code, 0, "{}", o.stderr);
            let read = format!("name: r\ntables:\n  t:\n    source: {out}/unprocessed/t.{format}\nfeatures:\n  f: SELECT c, v, CAST(v AS VARCHAR) AS text FROM t\n");
            std::fs::write(dir.path().join("read.yaml"), read).unwrap();
            let o = tutas(dir.path(), &["run", "read.yaml", "-q", "--out", "read"]);
            prop_assert_eq!(o.code, 0, "{}", o.stderr);
            let f = dir.path().join("read/processed_1/f.csv");
            prop_assert!(column(&f, "c").iter().all(|c| *c == first.to_string()));
            let texts = column(&f, "text");
            for (v, t) in column(&f, "v").iter().zip(&texts) {
                prop_assert_eq!(v, t);
                prop_assert!(values.iter().any(|x| x.to_string() == *v), "{} not declared", v);
            }
        }
    }
}

#[test]
fn a_pick_of_several_columns_takes_them_from_one_row() {
    let yaml = "name: pk\nseed: 4\ntables:\n  customer:\n    rows: 4\n    columns:\n      id: { sequence: \"C{}\" }\n      city: { choice: [Jakarta, Bandung, Medan, Solo] }\n      segment: { choice: [a, b] }\n  orders:\n    rows: 3000\n    columns:\n      who: { pick: { from: customer, columns: [id, city, segment] } }\n      alone: { pick: customer.city }\n";
    let dir = folder(&[("s.yaml", yaml)]);
    let o = tutas(dir.path(), &["run", "s.yaml", "-q"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (header, customers) = read_csv(&dir.path().join("dataset/unprocessed/customer.csv"));
    assert_eq!(header, ["id", "city", "segment"]);
    let (header, orders) = read_csv(&dir.path().join("dataset/unprocessed/orders.csv"));
    assert_eq!(header, ["who_id", "who_city", "who_segment", "alone"]);
    let row_of = |id: &str| customers.iter().find(|c| c[0] == id).unwrap();
    assert!(
        orders.iter().all(|o| row_of(&o[0])[1..] == o[1..3]),
        "every row is one customer's"
    );
    // Each of the four customers comes up about a quarter of the time.
    for c in &customers {
        let n = orders.iter().filter(|o| o[0] == c[0]).count() as f64;
        assert!((n / 3000.0 - 0.25).abs() < 0.05, "{}: {n}", c[0]);
    }
    // A single-column pick draws its own row: it agrees with the row pick about a quarter
    // of the time only (when the cities differ).
    let agree = orders.iter().filter(|o| o[1] == o[3]).count() as f64 / 3000.0;
    assert!(agree < 0.6, "{agree}");
}

#[test]
fn a_pick_from_an_emptied_column_is_refused_and_a_date_is_a_date_time() {
    let yaml = "name: pk\nseed: 4\ntables:\n  customer:\n    rows: 10\n    columns:\n      income: { uniform: [0, 10] }\n    nulls: { income: 0.5 }\n  orders:\n    rows: 5\n    columns:\n      inc: { pick: customer.income }\n";
    let dir = folder(&[("s.yaml", yaml)]);
    let o = tutas(dir.path(), &["check", "s.yaml", "--static"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr
            .contains("cannot pick from `customer.income`: it has `nulls`"),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("s.yaml:12:"), "{}", o.stderr);
    // From a source: dates are picked as date-times at midnight; empty values are refused
    // with the pick's position.
    let yaml = "name: pk\nseed: 4\ntables:\n  days:\n    source: days.csv\n  orders:\n    rows: 50\n    columns:\n      day: { pick: days.d }\n      n: { pick: days.n }\n";
    let dir = folder(&[
        ("s.yaml", yaml),
        ("days.csv", "d,n\n2024-01-05,1\n2024-02-29,2\n"),
    ]);
    let o = tutas(dir.path(), &["run", "s.yaml", "-q"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let days = column(&dir.path().join("dataset/unprocessed/orders.csv"), "day");
    assert!(
        days.iter()
            .all(|d| d == "2024-01-05 00:00:00" || d == "2024-02-29 00:00:00"),
        "{days:?}"
    );
    std::fs::write(
        dir.path().join("days.csv"),
        "d,n\n2024-01-05,1\n2024-02-29,\n",
    )
    .unwrap();
    let o = tutas(dir.path(), &["run", "s.yaml", "-q"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(
        o.stderr
            .contains("cannot pick from `days.n`: it has 1 empty value,"),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("s.yaml:10:"), "{}", o.stderr);
}

#[test]
fn sql_json_carries_the_output_settings() {
    let yaml = "name: o\ntables:\n  t:\n    rows: 2\n    columns: { a: 1 }\noutput: { datetime_format: \"%d/%m/%Y %H.%M\", booleans: int }\n";
    let dir = folder(&[("s.yaml", yaml)]);
    let o = tutas(
        dir.path(),
        &["sql", "s.yaml", "--dialect", "duckdb", "--json"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let json: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(json["output"]["datetime_format"], "%d/%m/%Y %H.%M");
    assert_eq!(json["output"]["booleans"], "int");
}

#[test]
fn round_of_32_bit_floats_and_their_text_are_the_floats_own() {
    let yaml = "name: r\ntables:\n  t:\n    rows: 3\n    columns: { a: { sequence: \"{}\", start: 10 } }\nfeatures:\n  f: SELECT a, CAST(a AS FLOAT) / 8000 AS x, ROUND(CAST(a AS FLOAT) / 8000, 4) AS r FROM t\n";
    let dir = folder(&[("s.yaml", yaml)]);
    let o = tutas(dir.path(), &["run", "s.yaml", "-q"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let f = dir.path().join("dataset/processed_1/f.csv");
    // 10/8000 as a 32-bit float is 0.00124999997…: DuckDB rounds it to 0.0012.
    assert_eq!(column(&f, "x"), ["0.00125", "0.001375", "0.0015"]);
    assert_eq!(column(&f, "r"), ["0.0012", "0.0014", "0.0015"]);
}

#[test]
fn a_csv_source_of_unsigned_integers_above_2_to_the_63_is_read_exactly() {
    let dir = folder(&[
        (
            "s.yaml",
            "name: u\ntables:\n  ids:\n    source: ids.csv\nfeatures:\n  f: SELECT id, id > 5 AS big FROM ids\n",
        ),
        (
            "ids.csv",
            "id\n18446744073709551615\n9223372036854775808\n3\n",
        ),
    ]);
    let o = tutas(dir.path(), &["run", "s.yaml", "-q"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let f = dir.path().join("dataset/processed_1/f.csv");
    assert_eq!(
        column(&f, "id"),
        ["18446744073709551615", "9223372036854775808", "3"]
    );
    assert_eq!(column(&f, "big"), ["true", "true", "false"]);
}

#[test]
fn split_from_needs_no_dropped_text_and_refuses_what_is_not_parquet() {
    let yaml = "name: sf\nseed: 2\ntables:\n  t:\n    rows: 300\n    columns:\n      id: { sequence: \"C{}\" }\n      age: { uniform_int: [18, 60] }\n      churn: { choice: [0, 1] }\nsplit: { from: t, target: churn, drop: [id], test_size: 0.25 }\n";
    let dir = folder(&[("s.yaml", yaml)]);
    let o = tutas(
        dir.path(),
        &["run", "s.yaml", "--out", "run", "-q", "--format", "parquet"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let batches = read_parquet(&dir.path().join("run/unprocessed/t.parquet"));
    let without_id: Vec<(&str, ArrayRef)> = ["age", "churn"]
        .iter()
        .map(|c| (*c, batches[0].column_by_name(c).unwrap().clone()))
        .collect();
    write_parquet(&dir.path().join("no-id.parquet"), without_id);
    let o = tutas(
        dir.path(),
        &[
            "split",
            "s.yaml",
            "--from",
            "no-id.parquet",
            "--out",
            "split",
            "-q",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    std::fs::write(dir.path().join("t.csv"), "age,churn\n1,0\n").unwrap();
    let o = tutas(
        dir.path(),
        &[
            "split", "s.yaml", "--from", "t.csv", "--out", "split2", "-q",
        ],
    );
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("is not a Parquet file"), "{}", o.stderr);
}
