//! The SQL feature stage on published and generated data.

use std::collections::HashMap;

use crate::common::*;

/// The original's feature query from `seed-readme.md`, verbatim.
const SEED_FEATURE_SQL: &str = r#"
-- Join tutor metadata to include rating and teaching hours
WITH gagal AS (
  SELECT id_murid, id_tutor
  FROM `tutas_data.interaksi_data`
  WHERE feedback_score < 4
)

SELECT
  i.*,
  t.rating,
  t.total_jam_ngajar,
  IF(g.id_murid IS NOT NULL, TRUE, FALSE) AS pernah_gagal
FROM `tutas_data.interaksi_data` i
LEFT JOIN `tutas_data.tutor_data` t
  ON i.id_tutor = t.id_tutor
LEFT JOIN gagal g
  ON i.id_murid = g.id_murid AND i.id_tutor = g.id_tutor;
"#;

fn sorted_rows(path: &std::path::Path) -> Vec<String> {
    let (_, rows) = read_csv(path);
    // Compare values, not spellings: `5.0` = `5`, `True` = `true`.
    let value = |f: &String| match f.parse::<f64>() {
        Ok(x) => x.to_string(),
        Err(_) => f.to_lowercase(),
    };
    let mut v: Vec<String> = rows
        .iter()
        .map(|r| r.iter().map(value).collect::<Vec<_>>().join(","))
        .collect();
    v.sort();
    v
}

#[test]
fn the_original_sql_runs_verbatim_and_reproduces_the_published_export() {
    let data = root().join("tests/data");
    let sql = SEED_FEATURE_SQL.trim().trim_end_matches(';');
    let scenario = format!(
        "name: verbatim\nsql:\n  dialect: bigquery\n  aliases: {{ tutas_data.interaksi_data: interaksi, tutas_data.tutor_data: tutor }}\n\
         tables:\n  tutor: {{ source: {0}/tutor.csv }}\n  interaksi: {{ source: {0}/interaksi.csv }}\n\
         features:\n  verbatim: |\n{1}\n",
        data.display(),
        sql.lines()
            .map(|l| format!("    {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("v.yaml"), scenario).unwrap();
    let o = tutas(
        dir.path(),
        &[
            "run",
            "v.yaml",
            "--out",
            "out",
            "-q",
            "--allow-outside-paths",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let ours = sorted_rows(&dir.path().join("out/processed_1/verbatim.csv"));
    let published = sorted_rows(&data.join("processed_1/tutas_recommender_training_features.csv"));
    assert_eq!(
        ours.len(),
        2012,
        "the original join repeats interactions of pairs that failed twice"
    );
    assert_eq!(ours, published);
}

#[test]
fn seed_reference_features_equal_the_published_export_without_its_duplicates() {
    let (_dir, out, _) = run_scenario("scenarios/seed-reference.yaml", &["-q"]);
    let ours = sorted_rows(&out.join("processed_1/tutas_recommender_training_features.csv"));
    assert_eq!(ours.len(), 2000, "one row per interaction");
    let mut published =
        sorted_rows(&root().join("tests/data/processed_1/tutas_recommender_training_features.csv"));
    published.dedup();
    let mut ours_distinct = ours.clone();
    ours_distinct.dedup();
    assert_eq!(ours_distinct, published);
}

#[test]
fn default_features_have_one_row_per_interaction_and_a_correct_pernah_gagal() {
    let (ih, inter) = read_csv(&root().join("dataset/unprocessed/interaksi.csv"));
    let (fh, feats) =
        read_csv(&root().join("dataset/processed_1/tutas_recommender_training_features.csv"));
    assert_eq!(feats.len(), inter.len());
    let mut failed: HashMap<(String, String), bool> = HashMap::new();
    for r in &inter {
        let f: i64 = r[col(&ih, "feedback_score")].parse().unwrap();
        let e = failed.entry((r[0].clone(), r[1].clone())).or_insert(false);
        *e |= f < 4;
    }
    let mut a: Vec<String> = inter.iter().map(|r| r.join(",")).collect();
    let mut b: Vec<String> = feats.iter().map(|r| r[..10].join(",")).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b, "the features keep every interaction exactly once");
    for r in &feats {
        let expected = failed[&(r[0].clone(), r[1].clone())];
        assert_eq!(r[col(&fh, "pernah_gagal")] == "true", expected, "{r:?}");
    }
}

#[test]
fn insights_of_the_default_scenario() {
    let (_dir, _, o) = run_scenario("scenarios/default.yaml", &[]);
    let summary = o.stdout.split("\ntiming").next().unwrap().to_string();
    insta::assert_snapshot!(summary);
}

/// A feature query over 300,000 rows (5 chunks): it runs in two parts, whose order must not
/// depend on the threads; its LEFT JOINs put matched rows before unmatched ones per batch.
const PARTS: &str = r#"
name: parts
seed: 3
tables:
  item:
    rows: 300_000
    columns:
      id: { sequence: "I{}" }
      kind: { uniform_int: [1, 5000] }
      score: { uniform_int: [0, 99] }
  kind:
    rows: 4000
    columns:
      kind: { sequence: "{}" }
      weight: { uniform: [0, 1], round: 3 }
features:
  item_features: |
    WITH low AS (SELECT DISTINCT kind FROM item WHERE score < 3)
    SELECT i.*, k.weight, l.kind IS NOT NULL AS has_low
    FROM item i
    LEFT JOIN kind k ON i.kind = k.kind
    LEFT JOIN low l ON i.kind = l.kind
checks:
  one_row_per_item: SELECT (SELECT COUNT(*) FROM item_features) = (SELECT COUNT(*) FROM item)
  weights_from_kinds: SELECT * FROM item_features f JOIN kind k ON f.kind = k.kind WHERE f.weight <> k.weight
"#;

#[test]
fn the_feature_stage_gives_the_same_bytes_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.yaml"), PARTS).unwrap();
    for threads in ["1", "4"] {
        let o = tutas(
            dir.path(),
            &[
                "run",
                "p.yaml",
                "--out",
                threads,
                "-q",
                "--threads",
                threads,
            ],
        );
        assert_eq!(o.code, 0, "{}", o.stderr);
    }
    let read =
        |t: &str| std::fs::read(dir.path().join(t).join("processed_1/item_features.csv")).unwrap();
    let (one, four) = (read("1"), read("4"));
    assert!(one.len() > 1_000_000);
    assert!(
        one == four,
        "the feature table differs between 1 and 4 threads"
    );
}
