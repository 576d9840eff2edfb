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

/// The default scenario's report, made once for the section tests below.
fn default_report() -> &'static serde_json::Value {
    static REPORT: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    REPORT.get_or_init(|| {
        let (_a, out_a, _) = run_scenario("scenarios/default.yaml", &["-q"]);
        let (_b, out_b, _) = run_scenario("scenarios/default.yaml", &["-q", "--threads", "1"]);
        let r = stable_report(&out_a);
        assert_eq!(
            r,
            stable_report(&out_b),
            "two runs give the same report, audit included"
        );
        let mut full = report(&out_a);
        full["seconds"] = serde_json::json!("[seconds]");
        full["version"] = serde_json::json!("[version]");
        for t in full["timings"].as_array_mut().unwrap() {
            t["seconds"] = serde_json::json!("[seconds]");
        }
        full
    })
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap()
}

/// One line per column: kind, counts, moments and the most frequent values.
fn profile_lines(table: &serde_json::Value) -> String {
    let mut lines = Vec::new();
    for c in table["profile"].as_array().unwrap() {
        let mut line = format!(
            "{} ({}): {} rows, {} empty",
            c["name"].as_str().unwrap(),
            c["kind"].as_str().unwrap(),
            c["count"],
            c["nulls"]
        );
        if let Some(n) = c.get("numeric") {
            line += &format!(
                "; mean {} std {:.6} min {} max {}; bins {}",
                n["mean"],
                n["std"].as_f64().unwrap(),
                n["min"],
                n["max"],
                n["bins"].as_array().unwrap().len()
            );
            if let Some(v) = n.get("values") {
                line += &format!("; values {v}");
            }
        }
        if let Some(t) = c.get("true_count") {
            line += &format!("; true {t}");
        }
        if let Some(t) = c.get("text") {
            let top: Vec<String> = t["top"]
                .as_array()
                .unwrap()
                .iter()
                .take(3)
                .map(|v| format!("{}×{}", v[0].as_str().unwrap(), v[1]))
                .collect();
            line += &format!(
                "; distinct {}{}; top {}",
                t["distinct"],
                if t["complete"] == true { "" } else { "+" },
                top.join(", ")
            );
        }
        lines.push(line);
    }
    lines.join("\n")
}

#[test]
fn report_header() {
    let r = default_report();
    let header: serde_json::Map<String, serde_json::Value> =
        ["scenario", "scenario_sha256", "seed", "version", "seconds"]
            .iter()
            .map(|k| (k.to_string(), r[*k].clone()))
            .collect();
    insta::assert_snapshot!(pretty(&header.into()));
}

#[test]
fn report_tables_and_strata() {
    let tables: Vec<serde_json::Value> = default_report()["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| serde_json::json!({"name": t["name"], "rows": t["rows"], "columns": t["columns"], "strata": t["strata"]}))
        .collect();
    insta::assert_snapshot!(pretty(&tables.into()));
}

#[test]
fn report_profile_of_murid() {
    insta::assert_snapshot!(profile_lines(&default_report()["tables"][0]));
}

#[test]
fn report_profile_of_tutor() {
    insta::assert_snapshot!(profile_lines(&default_report()["tables"][1]));
}

#[test]
fn report_profile_of_interaksi() {
    insta::assert_snapshot!(profile_lines(&default_report()["tables"][2]));
}

#[test]
fn report_profile_of_the_features() {
    insta::assert_snapshot!(profile_lines(&default_report()["features"][0]));
}

#[test]
fn report_checks_and_insights() {
    let r = default_report();
    let insights: Vec<serde_json::Value> = r["insights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| serde_json::json!({"name": i["name"], "rows": i["rows"]}))
        .collect();
    insta::assert_snapshot!(pretty(
        &serde_json::json!({"checks": r["checks"], "insights": insights})
    ));
}

#[test]
fn report_split_and_audit() {
    let r = default_report();
    insta::assert_snapshot!(pretty(
        &serde_json::json!({"split": r["split"], "audit": r["audit"]})
    ));
}

#[test]
fn report_files_and_stages() {
    let r = default_report();
    let stages: Vec<&serde_json::Value> = r["timings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["stage"])
        .collect();
    insta::assert_snapshot!(pretty(
        &serde_json::json!({"files": r["files"], "stages": stages})
    ));
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
    // What the page shows is what report.json holds, value by value.
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let shown = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    for t in r["tables"]
        .as_array()
        .unwrap()
        .iter()
        .chain(r["features"].as_array().unwrap())
    {
        for expected in [shown(&t["name"]), format!("{} rows", t["rows"])] {
            assert!(written.contains(&expected), "{expected}");
        }
        for c in t["profile"].as_array().unwrap() {
            assert!(
                written.contains(&format!(">{}<", shown(&c["name"]))),
                "{}",
                c["name"]
            );
        }
        for s in t["strata"].as_array().unwrap() {
            assert!(
                written.contains(&format!(">{}<", shown(&s["name"]))),
                "{}",
                s["name"]
            );
            assert!(
                written.contains(&format!(">{}<", s["produced"])),
                "{}",
                s["produced"]
            );
        }
    }
    for c in r["checks"].as_array().unwrap() {
        assert!(written.contains(&shown(&c["name"])), "{}", c["name"]);
    }
    for f in r["files"].as_array().unwrap() {
        assert!(written.contains(&shown(&f["blake3"])), "{}", f["path"]);
    }
    for leak in r["audit"]["leaks"].as_array().unwrap() {
        assert!(written.contains(&shown(leak)), "{leak}");
    }
    assert_eq!(
        written.matches("<section").count(),
        written.matches("</section>").count(),
        "sections are closed"
    );
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
    assert!(!same.stdout.contains(": changed"), "{}", same.stdout);
    assert!(!same.stdout.contains("DRIFT"), "{}", same.stdout);
}

/// Text from a scenario (names, values, conditions) is shown as text, never as markup.
const MARKUP: &str = r#"
name: "<script>alert('name')</script>"
seed: 1
tables:
  a:
    rows: 50
    columns:
      tag: { choice: ["<script>alert(1)</script>", "b&c", "\"q\""] }
      v: { uniform_int: [0, 9] }
  p:
    rows: 20
    pairs: { l: a, r: a }
    columns:
      less: l.v < r.v
    strata:
      - { name: "<u>under</u>", share: 1, where: "less AND l.tag <> '<i>'" }
insights:
  "<img src=x onerror=alert(1)>": SELECT tag AS "<td>" FROM a LIMIT 2
"#;

#[test]
fn the_report_page_escapes_everything_from_the_scenario() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.yaml"), MARKUP).unwrap();
    let o = tutas(dir.path(), &["run", "m.yaml", "--out", "out", "-q"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let page = std::fs::read_to_string(dir.path().join("out/report.html")).unwrap();
    for raw in ["<script", "<u>", "<img", "<i>", "<td>\n", "b&c"] {
        assert!(!page.contains(raw), "`{raw}` is in the page unescaped");
    }
    for escaped in [
        "&lt;script&gt;alert(",
        "&lt;u&gt;under&lt;/u&gt;",
        "&lt;img src=x",
        "b&amp;c",
        "l.tag &lt;&gt; '&lt;i&gt;'",
    ] {
        assert!(page.contains(escaped), "`{escaped}` is missing");
    }
    // `tutas report` renders whatever report.json holds, kinds and methods included, as text.
    let path = dir.path().join("out/report.json");
    let edited = std::fs::read_to_string(&path)
        .unwrap()
        .replace("\"kind\": \"text\"", "\"kind\": \"<script>k</script>\"")
        .replace(
            "\"method\": \"exact\"",
            "\"method\": \"<script>m</script>\"",
        );
    std::fs::write(&path, edited).unwrap();
    let o = tutas(dir.path(), &["report", "out"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let page = std::fs::read_to_string(dir.path().join("out/report.html")).unwrap();
    assert!(!page.contains("<script"));
    assert!(page.contains("&lt;script&gt;k") && page.contains("&lt;script&gt;m"));
}

#[test]
fn diff_says_when_a_distinct_count_is_only_a_lower_bound() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = "name: ids\nseed: 1\ntables:\n  t:\n    rows: 1500\n    columns:\n      id: { sequence: \"I{}\" }\n";
    std::fs::write(dir.path().join("s.yaml"), scenario).unwrap();
    for out in ["a", "b"] {
        assert_eq!(
            tutas(dir.path(), &["run", "s.yaml", "--out", out, "-q"]).code,
            0
        );
    }
    let o = tutas(dir.path(), &["diff", "a", "b", "--all"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout
            .contains("id (text): distinct more than 1000 → more than 1000"),
        "{}",
        o.stdout
    );
}
