//! The run report: its numbers against the data, its data model, `tutas report` and `tutas diff`.

use crate::common::*;

fn report(out: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap()
}

fn profile<'a>(
    r: &'a serde_json::Value,
    section: &str,
    table: &str,
    column: &str,
) -> &'a serde_json::Value {
    let t = r[section]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == table)
        .unwrap();
    t["profile"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == column)
        .unwrap()
}

#[test]
fn report_numbers_agree_with_the_files() {
    let (_dir, out, _) = run_scenario("scenarios/default.yaml", &["-q"]);
    let r = report(&out);
    let (ih, inter) = read_csv(&out.join("unprocessed/interaksi.csv"));
    let labels = inter
        .iter()
        .filter(|row| row[col(&ih, "label")] == "1")
        .count() as f64;
    let label = &profile(&r, "tables", "interaksi", "label")["numeric"];
    assert!((label["mean"].as_f64().unwrap() * inter.len() as f64 - labels).abs() < 1e-6);
    let feedback = &profile(&r, "tables", "interaksi", "feedback_score")["numeric"];
    assert_eq!(
        feedback["bins"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_u64().unwrap())
            .sum::<u64>(),
        2000
    );
    let (mh, murid) = read_csv(&out.join("unprocessed/murid.csv"));
    let flexible = murid
        .iter()
        .filter(|row| row[col(&mh, "is_flexible")] == "true")
        .count() as u64;
    assert_eq!(
        profile(&r, "tables", "murid", "is_flexible")["true_count"]
            .as_u64()
            .unwrap(),
        flexible
    );
    let styles = &profile(&r, "tables", "murid", "gaya_belajar")["text"]["top"];
    let visual = murid
        .iter()
        .filter(|row| row[col(&mh, "gaya_belajar")] == "Visual")
        .count() as u64;
    assert!(
        styles
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v[0] == "Visual" && v[1].as_u64() == Some(visual))
    );
    let (_, y_test) = read_csv(&out.join("processed_2/y_test.csv"));
    let ones = y_test.iter().filter(|row| row[0] == "1").count() as u64;
    assert_eq!(r["split"]["test"]["classes"]["1"].as_u64().unwrap(), ones);
    let failed = &profile(
        &r,
        "features",
        "tutas_recommender_training_features",
        "pernah_gagal",
    )["true_count"];
    let (fh, feats) = read_csv(&out.join("processed_1/tutas_recommender_training_features.csv"));
    assert_eq!(
        failed.as_u64().unwrap(),
        feats
            .iter()
            .filter(|row| row[col(&fh, "pernah_gagal")] == "true")
            .count() as u64
    );
}

/// The report without what changes from run to run (timings) and release to release (version).
fn stable_report(out: &std::path::Path) -> serde_json::Value {
    let mut r = report(out);
    for key in ["timings", "seconds", "version"] {
        r.as_object_mut().unwrap().remove(key);
    }
    r
}

#[test]
fn the_report_data_model() {
    let (_a, out_a, _) = run_scenario("scenarios/default.yaml", &["-q"]);
    let (_b, out_b, _) = run_scenario("scenarios/default.yaml", &["-q", "--threads", "1"]);
    let r = stable_report(&out_a);
    assert_eq!(
        r,
        stable_report(&out_b),
        "two runs give the same report, audit included"
    );
    insta::assert_snapshot!(serde_json::to_string_pretty(&r).unwrap());
}

#[test]
fn tutas_report_re_renders_the_same_page() {
    let (_dir, out, _) = run_scenario("scenarios/default.yaml", &["-q"]);
    let written = std::fs::read_to_string(out.join("report.html")).unwrap();
    for section in [
        "Tables",
        "Features",
        "Checks",
        "Insights",
        "Split",
        "Leakage audit",
        "Timing",
        "Files",
        "<svg",
    ] {
        assert!(written.contains(section), "{section}");
    }
    std::fs::remove_file(out.join("report.html")).unwrap();
    let o = tutas(&root(), &["report", out.to_str().unwrap()]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(
        std::fs::read_to_string(out.join("report.html")).unwrap(),
        written
    );
}

#[test]
fn diff_against_another_seed() {
    let (_a, out_a, _) = run_scenario("scenarios/default.yaml", &["-q"]);
    let (_b, out_b, _) = run_scenario("scenarios/default.yaml", &["-q", "--seed", "7"]);
    let o = tutas(
        &root(),
        &["diff", out_a.to_str().unwrap(), out_b.to_str().unwrap()],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("unprocessed/murid.csv: changed"));
    insta::assert_snapshot!(o.stdout);
    let same = tutas(
        &root(),
        &["diff", out_a.to_str().unwrap(), out_a.to_str().unwrap()],
    );
    assert!(!same.stdout.contains("changed"), "{}", same.stdout);
}
