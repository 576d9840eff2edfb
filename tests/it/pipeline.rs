//! Split, audit, report, schema and the command line.

use crate::common::*;

#[test]
fn stratified_split_keeps_class_shares_and_scales_on_training_rows() {
    let out = root().join("dataset/processed_2");
    let (xh, xtr) = read_csv(&out.join("X_train.csv"));
    let (_, xte) = read_csv(&out.join("X_test.csv"));
    let (yh, ytr) = read_csv(&out.join("y_train.csv"));
    let (_, yte) = read_csv(&out.join("y_test.csv"));
    assert_eq!(yh, vec!["label"]);
    assert!(!xh.contains(&"label".to_string()) && !xh.contains(&"id_murid".to_string()));
    assert_eq!(
        (xtr.len(), xte.len(), ytr.len(), yte.len()),
        (1600, 400, 1600, 400)
    );
    let ones = |y: &Vec<Vec<String>>| y.iter().filter(|r| r[0] == "1").count() as f64;
    let total_ones = ones(&ytr) + ones(&yte);
    let exact_test_ones = total_ones * 400.0 / 2000.0;
    assert!(
        (ones(&yte) - exact_test_ones).abs() <= 1.0,
        "{} vs {exact_test_ones}",
        ones(&yte)
    );
    let pre: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("preprocessing.json")).unwrap())
            .unwrap();
    for s in pre["standardize"].as_array().unwrap() {
        let c = col(&xh, s["column"].as_str().unwrap());
        let v: Vec<f64> = xtr.iter().map(|r| r[c].parse().unwrap()).collect();
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let std = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
        assert!(mean.abs() < 1e-9, "{mean}");
        assert!((std - 1.0).abs() < 1e-9, "{std}");
        // Both parts use the training parameters: undone, every value is one of the feature
        // table's own values of that column.
        let name = s["column"].as_str().unwrap();
        let mut source = source_values(name);
        source.sort_by(f64::total_cmp);
        let (m, sd) = (s["mean"].as_f64().unwrap(), s["std"].as_f64().unwrap());
        for r in xte.iter().chain(&xtr) {
            let raw = r[c].parse::<f64>().unwrap() * sd + m;
            let at = source.partition_point(|&v| v < raw - 1e-6 * raw.abs().max(1.0));
            let near = source
                .get(at)
                .is_some_and(|&v| (v - raw).abs() <= 1e-6 * raw.abs().max(1.0));
            assert!(near, "{name}: {raw} is no value of the feature table");
        }
    }
}

/// The values of a numeric column of the default scenario's feature table.
fn source_values(column: &str) -> Vec<f64> {
    let features = root().join("dataset/processed_1/tutas_recommender_training_features.csv");
    let (header, rows) = read_csv(&features);
    let c = col(&header, column);
    rows.iter()
        .map(|r| match r[c].as_str() {
            "true" => 1.0,
            "false" => 0.0,
            v => v.parse().unwrap(),
        })
        .collect()
}

#[test]
fn the_audit_names_the_leaking_features() {
    let (_dir, out, o) = run_scenario("scenarios/default.yaml", &[]);
    let audit = o.stdout[o.stdout.find("\naudit\n").unwrap()..o.stdout.find("\ntiming").unwrap()]
        .to_string();
    assert!(audit.contains("LEAK feedback_score"));
    insta::assert_snapshot!(audit);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert!(
        report["audit"]["leaks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l == "feedback_score")
    );
    // Every output file is listed with its hash.
    for f in report["files"].as_array().unwrap() {
        let p = out.join(f["path"].as_str().unwrap());
        assert_eq!(
            tutas::write::staging::blake3_file(&p).unwrap(),
            f["blake3"].as_str().unwrap()
        );
    }
}

#[test]
fn the_committed_schema_is_up_to_date() {
    let committed = std::fs::read_to_string(root().join("schemas/scenario.schema.json")).unwrap();
    assert_eq!(
        committed.trim_end(),
        tutas::schema_json().trim_end(),
        "run `cargo run -- schema > schemas/scenario.schema.json`"
    );
}

#[test]
fn help() {
    let o = tutas(&root(), &["--help"]);
    assert_eq!(o.code, 0);
    insta::assert_snapshot!("help", o.stdout);
}

#[test]
fn run_help() {
    let o = tutas(&root(), &["run", "--help"]);
    assert_eq!(o.code, 0);
    insta::assert_snapshot!("run_help", o.stdout);
}

#[test]
fn check_accepts_the_shipped_scenarios_and_their_variants_with_a_dry_run() {
    for entry in std::fs::read_dir(root().join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let s = path.to_str().unwrap();
        // The large scenario's dry run at a thousandth of its size: a debug build is slow.
        let scale = if s.ends_with("large.yaml") {
            "0.001"
        } else {
            "1"
        };
        let o = tutas(&root(), &["check", s, "--scale", scale]);
        assert_eq!(o.code, 0, "{s}: {}", o.stderr);
        assert!(o.stdout.contains("the static checks"), "{}", o.stdout);
        if s.ends_with("messy.yaml") {
            let variant = "variant `drift`: `tutas run --variant drift` will succeed";
            assert!(o.stdout.contains(variant), "{}", o.stdout);
        }
        assert!(
            o.stdout.contains("`tutas run` will succeed"),
            "{}",
            o.stdout
        );
    }
}

/// Strings become one indicator column per category, booleans 0/1, integers stay whole; X and y
/// rows stay aligned through the shuffle.
const ENCODING: &str = r#"
name: encoding
seed: 4
tables:
  t:
    rows: 3000
    columns:
      id: { sequence: "R{}" }
      cat: { choice: [b, a, c] }
      flag: { bernoulli: 0.5 }
      n: { uniform_int: [0, 9] }
      label: CAST(n >= 5 AS BIGINT)
features:
  f: SELECT * FROM t
split:
  from: f
  target: label
  drop: [id]
  test_size: 0.25
  stratify: label
  audit: { on_leak: warn }
"#;

#[test]
fn features_are_encoded_one_hot_and_rows_stay_aligned() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("e.yaml"), ENCODING).unwrap();
    let o = tutas(dir.path(), &["run", "e.yaml", "--out", "out", "-q"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let out = dir.path().join("out");
    let (_, source) = read_csv(&out.join("unprocessed/t.csv"));
    let mut counts = std::collections::HashMap::new();
    for r in &source {
        *counts.entry(r[1].clone()).or_insert(0) += 1;
    }
    let mut seen = std::collections::HashMap::new();
    for part in ["train", "test"] {
        let (xh, x) = read_csv(&out.join(format!("processed_2/X_{part}.csv")));
        let (_, y) = read_csv(&out.join(format!("processed_2/y_{part}.csv")));
        assert_eq!(xh, ["cat_a", "cat_b", "cat_c", "flag", "n"]);
        assert_eq!(x.len(), y.len());
        for (row, label) in x.iter().zip(&y) {
            let hot: Vec<usize> = (0..3).filter(|&c| row[c] == "1").collect();
            assert_eq!(hot.len(), 1, "{row:?}");
            assert!((0..3).all(|c| row[c] == "0" || row[c] == "1"));
            *seen.entry(["a", "b", "c"][hot[0]].to_string()).or_insert(0) += 1;
            assert!(row[3] == "0" || row[3] == "1");
            let n: i64 = row[4].parse().unwrap();
            assert_eq!(
                label[0],
                ((n >= 5) as i64).to_string(),
                "X and y rows disagree"
            );
        }
    }
    assert_eq!(seen, counts);
}
