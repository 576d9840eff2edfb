//! Which tables a query reads is decided from its plan, never from its text: names in any
//! case, quoted names, aliases, CTEs that shadow a table, and tables read in subqueries.

use std::collections::BTreeSet;

use tutas::run::{LoadOptions, load_source};
use tutas::scenario::yaml::Source;

use crate::common::*;

const KELAS: &str = r#"
name: references
seed: 1
tables:
  kelas:
    rows: 100
    columns:
      id: { sequence: "K{:03}" }
      size: { uniform_int: [10, 40] }
  guru:
    rows: 7
    columns:
      id: { sequence: "G{}" }
sql:
  aliases: { school.classes: kelas }
insights:
  upper: SELECT COUNT(*) AS n FROM KELAS
  mixed: SELECT COUNT(*) AS n FROM Kelas
  quoted: SELECT COUNT(*) AS n FROM "kelas"
  aliased: SELECT COUNT(*) AS n FROM school.classes c
  in_subquery: SELECT (SELECT COUNT(*) FROM kelas) AS n
  in_exists: SELECT COUNT(*) AS n FROM guru g WHERE EXISTS (SELECT 1 FROM kelas k WHERE k.size > 0)
  cte_shadows: WITH kelas AS (SELECT 1 AS id) SELECT COUNT(*) AS n FROM kelas
"#;

fn reads(sql_name: &str) -> BTreeSet<String> {
    let plan = load_source(
        Source::new("r.yaml", KELAS),
        &root(),
        &LoadOptions::default(),
    )
    .map_err(|e| e.render())
    .unwrap()
    .plan;
    plan.insights
        .iter()
        .find(|q| q.name == sql_name)
        .unwrap()
        .reads
        .clone()
}

#[test]
fn the_plan_knows_what_each_query_reads() {
    let set = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    for name in ["upper", "mixed", "quoted", "aliased", "in_subquery"] {
        assert_eq!(reads(name), set(&["kelas"]), "{name}");
    }
    assert_eq!(reads("in_exists"), set(&["guru", "kelas"]));
    assert_eq!(
        reads("cte_shadows"),
        set(&[]),
        "a CTE is not the table it shadows"
    );
}

#[test]
fn every_spelling_of_a_table_reads_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.yaml"), KELAS).unwrap();
    let o = tutas(dir.path(), &["run", "r.yaml", "--out", "out", "-q"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out/report.json")).unwrap())
            .unwrap();
    let n = |name: &str| {
        report["insights"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["name"] == name)
            .map(|i| i["rows"][0]["n"].as_i64().unwrap())
            .unwrap()
    };
    for name in ["upper", "mixed", "quoted", "aliased", "in_subquery"] {
        assert_eq!(n(name), 100, "{name}");
    }
    assert_eq!(n("in_exists"), 7);
    assert_eq!(n("cte_shadows"), 1);
}

#[test]
fn a_check_on_an_upper_case_name_reads_the_table() {
    let scenario = format!("{KELAS}checks:\n  kelas_is_empty: SELECT * FROM KELAS\n");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.yaml"), scenario).unwrap();
    let o = tutas(dir.path(), &["run", "r.yaml", "--out", "out"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(
        o.stderr
            .contains("check `kelas_is_empty` failed: returned 100 rows"),
        "{}",
        o.stderr
    );
}
