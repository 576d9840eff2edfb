//! What a careful reading and a new user found silently wrong or misleading: each test
//! reproduces one report and pins the located error or the right number.

use crate::common::{errors, folder, read_csv, tutas};

/// A table of pairs: `s` (50 rows, `score`, a text `device` and a hidden `motivation`),
/// `c` (5 rows) and `e` linking them; `{strata}` and `{rest}` are filled in per test.
fn pairs_scenario(strata: &str, rest: &str) -> String {
    format!(
        "name: p
seed: 3
tables:
  s:
    rows: 50
    columns:
      id: {{ sequence: \"S{{:03}}\" }}
      score: {{ uniform: [0, 10] }}
      device: {{ choice: [ios, android] }}
      motivation: {{ uniform: [0, 1] }}
    hidden: [motivation]
  c:
    rows: 5
    columns:
      cid: {{ sequence: \"C{{}}\" }}
      level: {{ choice: [Intro, Expert] }}
  e:
    rows: 100
    pairs: {{ s: s, c: c }}
    columns:
      sid: s.id
      score: s.score
      device: s.device
    strata:
{strata}
{rest}"
    )
}

#[test]
fn a_variant_that_replaces_variants_runs_instead_of_panicking() {
    let dir = folder(&[(
        "s.yaml",
        "name: v\ntables:\n  t:\n    rows: 3\n    columns: { a: { uniform_int: [1, 3] } }\nvariants:\n  bad: { variants: {}, tables.t.rows: 5 }\n",
    )]);
    let o = tutas(dir.path(), &["run", "s.yaml", "--variant", "bad", "-q"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (_, rows) = read_csv(&dir.path().join("dataset/unprocessed/t.csv"));
    assert_eq!(rows.len(), 5);
}

#[test]
fn a_key_given_twice_is_a_located_error_at_any_depth() {
    for (yaml, key, parent, first, second) in [
        (
            "name: d\ntables:\n  t:\n    rows: 3\n    columns:\n      age: { uniform_int: [1, 3] }\n      age: { uniform_int: [5, 6] }\n",
            "age",
            "`tables.t.columns`",
            6,
            "s.yaml:7:7",
        ),
        (
            "name: d\nseed: 1\ntables:\n  t:\n    rows: 3\n    columns: { a: 1 }\nseed: 2\n",
            "seed",
            "the top level",
            2,
            "s.yaml:7:1",
        ),
        (
            "name: d\ntables:\n  t: { rows: 3, rows: 4, columns: { a: 1 } }\n",
            "rows",
            "`tables.t`",
            3,
            "s.yaml:3:17",
        ),
    ] {
        let dir = folder(&[("s.yaml", yaml)]);
        for args in [&["check", "s.yaml"][..], &["run", "s.yaml", "-q"]] {
            let o = tutas(dir.path(), args);
            let command = args[0];
            assert_eq!(o.code, 2, "{command}: {}", o.stderr);
            let expected = format!("`{key}` is given twice under {parent} (first on line {first})");
            assert!(o.stderr.contains(&expected), "{}", o.stderr);
            assert!(o.stderr.contains(&format!("--> {second}")), "{}", o.stderr);
            assert_eq!(errors(&o.stderr), 1, "{}", o.stderr);
        }
    }
}

/// Empty cells of a column in a CSV file.
fn empty_cells(path: &std::path::Path, column: &str) -> u64 {
    let (header, rows) = read_csv(path);
    let i = crate::common::col(&header, column);
    rows.iter().filter(|r| r[i].is_empty()).count() as u64
}

/// The `rows` of a table's mess effect in a report.json.
fn mess_rows(report: &std::path::Path, table: &str, effect: &str) -> u64 {
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    let tables = json["tables"].as_array().unwrap();
    let t = tables.iter().find(|t| t["name"] == table).unwrap();
    let m = t["mess"].as_array().unwrap();
    m.iter().find(|m| m["effect"] == effect).unwrap()["rows"]
        .as_u64()
        .unwrap()
}

#[test]
fn each_part_counts_the_mess_of_its_own_rows() {
    for shuffle in ["false", "true"] {
        let dir = folder(&[(
            "s.yaml",
            &format!(
                "name: m\nseed: 5\ntables:\n  t:\n    rows: 5000\n    shuffle: {shuffle}\n    columns:\n      id: {{ sequence: \"T{{}}\" }}\n      income: {{ uniform: [0, 100] }}\n    nulls: {{ income: 0.3 }}\n"
            ),
        )]);
        let whole = tutas(dir.path(), &["run", "s.yaml", "--out", "whole", "-q"]);
        assert_eq!(whole.code, 0, "{}", whole.stderr);
        let total = mess_rows(&dir.path().join("whole/report.json"), "t", "nulls");
        assert_eq!(
            total,
            empty_cells(&dir.path().join("whole/unprocessed/t.csv"), "income")
        );
        let mut sum = 0;
        for k in 1..=3 {
            let out = format!("part-{k}");
            let o = tutas(
                dir.path(),
                &[
                    "run",
                    "s.yaml",
                    "--parts",
                    "3",
                    "--part",
                    &k.to_string(),
                    "--out",
                    &out,
                    "-q",
                ],
            );
            assert_eq!(o.code, 0, "{}", o.stderr);
            let part = dir.path().join(&out);
            let counted = mess_rows(&part.join("report.json"), "t", "nulls");
            let in_file = empty_cells(&part.join("unprocessed/t.csv"), "income");
            assert_eq!(counted, in_file, "shuffle {shuffle}, part {k}");
            sum += counted;
        }
        assert_eq!(
            sum, total,
            "shuffle {shuffle}: the parts' counts add up to the whole"
        );
    }
}

#[test]
fn a_null_parameter_shows_the_values_its_row_holds() {
    let rest = "    derive:\n      y: { bernoulli: \"CASE WHEN device = 'ios' THEN score / 10.0 ELSE NULL END\" }";
    let yaml = pairs_scenario("      - { name: all, share: 1, where: \"TRUE\" }", rest);
    let dir = folder(&[("s.yaml", &yaml)]);
    let o = tutas(dir.path(), &["run", "s.yaml", "-q"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    // The row's own values, by the expression's columns: `device` is `android` there (the
    // side `s` has a column of that name too, which printed empty before).
    assert!(o.stderr.contains("is empty (NULL) in row"), "{}", o.stderr);
    assert!(o.stderr.contains("device = android"), "{}", o.stderr);
    assert!(regex_like_score(&o.stderr), "{}", o.stderr);
    assert!(o.stderr.contains("COALESCE"), "{}", o.stderr);
}

/// Whether the message shows `score = <a number>`.
fn regex_like_score(s: &str) -> bool {
    s.split("score = ")
        .nth(1)
        .is_some_and(|rest| rest.chars().next().is_some_and(|c| c.is_ascii_digit()))
}

#[test]
fn a_dead_runs_staging_folder_is_removed_and_a_live_ones_kept() {
    let dir = folder(&[(
        "s.yaml",
        "name: s\ntables:\n  t:\n    rows: 3\n    columns: { a: 1 }\n",
    )]);
    // A process that has ended: its id names no live process (ids are not reused at once).
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let stale = dir.path().join(format!(".out.tutas-staging-{dead}"));
    std::fs::create_dir_all(stale.join("unprocessed")).unwrap();
    std::fs::write(stale.join("unprocessed/t.csv"), vec![b'x'; 4096]).unwrap();
    let live = dir
        .path()
        .join(format!(".out.tutas-staging-{}", std::process::id()));
    std::fs::create_dir(&live).unwrap();
    let o = tutas(dir.path(), &["run", "s.yaml", "--out", "out"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(!stale.exists(), "the dead run's staging folder is removed");
    assert!(
        live.exists(),
        "a live process's staging folder is left alone"
    );
    assert!(
        o.stdout.contains(&format!(
            "warning: removed `.out.tutas-staging-{dead}` (4.0 KiB), the staging folder of an earlier run"
        )),
        "{}",
        o.stdout
    );
    let quiet = std::fs::create_dir(&stale)
        .map(|_| tutas(dir.path(), &["run", "s.yaml", "--out", "out", "-q"]));
    let quiet = quiet.unwrap();
    assert!(
        quiet.stderr.starts_with("warning: removed"),
        "{}",
        quiet.stderr
    );
}

#[test]
fn check_answers_whether_run_will_succeed() {
    let feasible = "      - { name: all, share: 1, where: \"TRUE\" }";
    let cases = [
        // A variant naming a path that does not exist: static, exit 2.
        (
            pairs_scenario(feasible, "variants:\n  drift: { tables.e.strata.nope.share: 0.5 }"),
            2,
            "variant `drift`: tables.e.strata.nope.share",
        ),
        // A condition on a value no generator makes: the stratum cannot be met.
        (
            pairs_scenario(
                "      - { name: a, share: 0.5, where: \"c.level = 'Beginner'\" }\n      - { name: b, share: 0.5, where: \"TRUE\" }",
                "",
            ),
            1,
            "stratum `a` of table `e` cannot be met",
        ),
        // An empty value reaching a `bernoulli`.
        (
            pairs_scenario(feasible, "    derive:\n      y: { bernoulli: \"CASE WHEN device = 'ios' THEN 0.5 END\" }"),
            1,
            "is empty (NULL) in row",
        ),
        // Empty values reaching the split without `impute`.
        (
            pairs_scenario(feasible, "    nulls: { device: 0.2 }\n    derive:\n      y: score > 5\nsplit: { from: e, target: y, drop: [sid], test_size: 0.2 }")
                .replace("    nulls: { device: 0.2 }\n    derive:", "    derive:")
                .replace("    hidden: [motivation]", "    hidden: [motivation]\n    nulls: { device: 0.2 }"),
            1,
            "column `device` has",
        ),
    ];
    for (yaml, code, expected) in cases {
        let dir = folder(&[("s.yaml", &yaml)]);
        let check = tutas(dir.path(), &["check", "s.yaml"]);
        assert_eq!(check.code, code, "{yaml}\n{}", check.stderr);
        assert!(check.stderr.contains(expected), "{}", check.stderr);
        assert!(!dir.path().join("dataset").exists(), "check writes nothing");
        let mut run = vec!["run", "s.yaml", "-q"];
        if yaml.contains("variants:") {
            run.extend(["--variant", "drift"]);
        }
        let run = tutas(dir.path(), &run);
        assert_eq!(run.code, code, "run fails as check said: {}", run.stderr);
    }
    // `--static` leaves what needs data to the run, and says so.
    let dir = folder(&[(
        "s.yaml",
        &pairs_scenario(
            "      - { name: a, share: 1, where: \"c.level = 'Beginner'\" }",
            "",
        ),
    )]);
    let o = tutas(dir.path(), &["check", "s.yaml", "--static"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("left to `tutas run`"), "{}", o.stdout);
}

#[test]
fn one_mistake_gives_one_error() {
    // A failed generator in one stratum's `set` was taken for a boolean and compared with
    // the other strata's columns: three errors.
    let set = |k: &str| format!("set: {{ k: {{ poisson: {k} }}, j: {{ bernoulli: 0.5 }} }}");
    let strata = format!(
        "      - {{ name: a, share: 0.5, where: \"score > 5\", {} }}\n      - {{ name: b, share: 0.3, where: \"score <= 5\", {} }}\n      - {{ name: c, share: 0.2, where: \"score <= 5\", {} }}",
        set("-1"),
        set("2"),
        set("2")
    );
    let yaml = pairs_scenario(
        &strata,
        "    derive:\n      y: \"k > 1 AND j\"\nsplit: { from: e, target: y, drop: [sid], test_size: 0.2 }",
    );
    let dir = folder(&[("s.yaml", &yaml)]);
    let o = tutas(dir.path(), &["check", "s.yaml"]);
    assert_eq!(o.code, 2);
    assert_eq!(errors(&o.stderr), 1, "{}", o.stderr);
    assert!(o.stderr.contains("strata[0].set.k.poisson"), "{}", o.stderr);
    // A float split target.
    let yaml = pairs_scenario(
        "      - { name: all, share: 1, where: \"TRUE\" }",
        "split: { from: e, target: score, drop: [sid], test_size: 0.2 }",
    );
    let dir = folder(&[("s.yaml", &yaml)]);
    let o = tutas(dir.path(), &["check", "s.yaml"]);
    assert_eq!(o.code, 2);
    assert_eq!(errors(&o.stderr), 1, "{}", o.stderr);
}

#[test]
fn a_text_feature_with_empty_values_is_told_to_take_the_most_frequent() {
    let yaml = "name: t\nseed: 1\ntables:\n  t:\n    rows: 200\n    columns:\n      device: { choice: [ios, android] }\n      x: { uniform: [0, 1] }\n      y: x > 0.5\n    nulls: { device: 0.2, x: 0.1 }\nsplit: { from: t, target: y, test_size: 0.2 }\n";
    let dir = folder(&[("s.yaml", yaml)]);
    let o = tutas(dir.path(), &["run", "s.yaml", "-q"]);
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains("column `device` has"), "{}", o.stderr);
    assert!(
        o.stderr.contains("impute: { device: most_frequent }"),
        "{}",
        o.stderr
    );
    assert!(!o.stderr.contains("median"), "{}", o.stderr);
    // A number is offered the median.
    let dir = folder(&[("s.yaml", &yaml.replace("device: 0.2, ", ""))]);
    let o = tutas(dir.path(), &["run", "s.yaml", "-q"]);
    assert!(o.stderr.contains("impute: { x: median }"), "{}", o.stderr);
}

#[test]
fn a_key_indented_one_space_too_few_is_named_with_its_columns() {
    let yaml = pairs_scenario(
        "      - name: a\n        share: 1\n       where: score > 1",
        "",
    );
    let dir = folder(&[("s.yaml", &yaml)]);
    let o = tutas(dir.path(), &["check", "s.yaml"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("missing field `where`"), "{}", o.stderr);
    assert!(
        o.stderr.contains(
            "`where` on line 27 starts at column 8, but the keys of this mapping start at column 9"
        ),
        "{}",
        o.stderr
    );
}

#[test]
fn a_hidden_column_in_a_query_is_said_to_be_hidden() {
    let yaml = pairs_scenario(
        "      - { name: all, share: 1, where: \"TRUE\" }",
        "features:\n  f: SELECT e.*, s.motivation FROM e JOIN s ON e.sid = s.id",
    );
    let dir = folder(&[("s.yaml", &yaml)]);
    let o = tutas(dir.path(), &["check", "s.yaml"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr
            .contains("`motivation` is a hidden column of table `s`"),
        "{}",
        o.stderr
    );
}

#[test]
fn diff_quotes_categories_that_spaces_would_hide() {
    let yaml = "name: q\nseed: 1\ntables:\n  t:\n    rows: 4000\n    columns:\n      country: { choice: [\" ID\", \"ID \", \"ID\", MY], weights: [0.1, 0.1, 0.7, 0.1] }\n";
    let dir = folder(&[("s.yaml", yaml)]);
    let a = tutas(dir.path(), &["run", "s.yaml", "--out", "a", "-q"]);
    assert_eq!(a.code, 0, "{}", a.stderr);
    let b = tutas(
        dir.path(),
        &[
            "run",
            "s.yaml",
            "--out",
            "b",
            "-q",
            "--set",
            "tables.t.columns.country.weights=[0.3, 0.3, 0.3, 0.1]",
        ],
    );
    assert_eq!(b.code, 0, "{}", b.stderr);
    let o = tutas(dir.path(), &["diff", "a", "b"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("\" ID\" "), "{}", o.stdout);
    assert!(o.stdout.contains("\"ID \" "), "{}", o.stdout);
    assert!(o.stdout.contains(", ID "), "{}", o.stdout);
}

#[test]
fn sql_that_fails_on_the_data_is_located() {
    let yaml = "name: r\ntables:\n  t:\n    rows: 20\n    columns:\n      x: { uniform_int: [0, 3] }\n      s: \"CAST(x AS VARCHAR) || 'a'\"\n      bad: \"CAST(s AS INT)\"\n";
    let dir = folder(&[("s.yaml", yaml)]);
    for args in [&["check", "s.yaml"][..], &["run", "s.yaml", "-q"]] {
        let o = tutas(dir.path(), args);
        assert_eq!(o.code, 1, "{}", o.stderr);
        assert!(
            o.stderr.contains("the SQL here failed on the data"),
            "{}",
            o.stderr
        );
        assert!(o.stderr.contains("--> s.yaml:8:7"), "{}", o.stderr);
        assert!(o.stderr.contains("tables.t.columns.bad"), "{}", o.stderr);
    }
    // In a stratum's condition and a derive column too.
    let strata = "      - { name: all, share: 1, where: \"CAST(device || 'x' AS INT) > 0\" }";
    let dir = folder(&[("s.yaml", &pairs_scenario(strata, ""))]);
    let o = tutas(dir.path(), &["check", "s.yaml"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(
        o.stderr.contains("tables.e.strata[0].where"),
        "{}",
        o.stderr
    );
}

#[test]
fn a_variant_that_fails_at_run_time_is_caught_by_check_at_its_own_line() {
    let rest = "variants:\n  broken: { tables.e.strata.all.where: \"score > 100\" }";
    let yaml = pairs_scenario(
        "      - { name: all, share: 1, where: \"score < 50\" }",
        rest,
    );
    let dir = folder(&[("s.yaml", &yaml)]);
    let o = tutas(dir.path(), &["check", "s.yaml"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    let line = yaml.lines().position(|l| l.contains("broken:")).unwrap() + 1;
    assert!(
        o.stderr.contains(&format!("--> s.yaml:{line}:")),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("with variant `broken`"), "{}", o.stderr);
    assert!(
        o.stdout.contains("`tutas run` will succeed"),
        "the scenario itself does"
    );
    // A --set names itself, and its path by index is the one errors print.
    let o = tutas(
        dir.path(),
        &[
            "check",
            "s.yaml",
            "--set",
            "tables.e.strata.all.where=score >",
        ],
    );
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr.contains("at: tables.e.strata[0].where"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr
            .contains("a value here comes from --set tables.e.strata.all.where=score >"),
        "{}",
        o.stderr
    );
    assert!(
        !o.stderr.contains("-->"),
        "the file's unchanged line is not pointed at: {}",
        o.stderr
    );
}

#[test]
fn messages_say_what_is_wrong_in_the_scenarios_words() {
    for (yaml, expected) in [
        (
            "name: m\ntables:\n  g:\n    rows: 2\n    columns: { gid: { sequence: \"G{}\" } }\n  t:\n    rows: 2\n    columns:\n      x: { pick: { from: g, columns: [gid, gid] } }\n",
            "`gid` is picked twice",
        ),
        (
            "name: m\ntables:\n  t:\n    rows: 2\n    columns:\n      w: { window: { start: { datetime: [2025-01-01, 2025-01-02] }, length: -3 } }\n",
            "a window's length can be negative",
        ),
        (
            "name: m\ntables:\n  t:\n    rows: 2\n    columns:\n      s: { sequence: \"{}\", start: 18446744073709551615 }\n",
            "is above the largest 64-bit integer",
        ),
        (
            "name: m\nseed: abc\ntables:\n  t:\n    rows: 2\n    columns: { a: 1 }\n",
            "expected a whole number from 0 to",
        ),
        (
            "name: m\ntables:\n  t:\n    rows: 2\n    columns:\n      x: { uniform_int: [0, 10], clamp: [9007199254740993, 9007199254740995] }\n      c: { choice: [9007199254740993, 2.5] }\n",
            "no float holds 9007199254740993 exactly",
        ),
    ] {
        let dir = folder(&[("s.yaml", yaml)]);
        let o = tutas(dir.path(), &["check", "s.yaml"]);
        assert_eq!(o.code, 2, "{yaml}: {}", o.stderr);
        assert!(o.stderr.contains(expected), "{}", o.stderr);
        assert_eq!(errors(&o.stderr), 1, "{}", o.stderr);
    }
    // A window's length may be a number; a clamp of whole bounds beyond 2^53 is exact.
    let yaml = "name: m\ntables:\n  t:\n    rows: 50\n    columns:\n      w: { window: { start: { datetime: [2025-01-01, 2025-01-02] }, length: 3 } }\n      x: { uniform_int: [0, 10], clamp: [9007199254740993, 9007199254740995] }\n";
    let dir = folder(&[("s.yaml", yaml)]);
    let o = tutas(dir.path(), &["run", "s.yaml", "-q"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (h, rows) = read_csv(&dir.path().join("dataset/unprocessed/t.csv"));
    let x = crate::common::col(&h, "x");
    assert!(
        rows.iter().all(|r| r[x] == "9007199254740993"),
        "clamped up to the exact bound"
    );
}

#[test]
fn an_empty_group_value_is_named_as_the_splits_group() {
    let yaml = "name: g\nseed: 1\ntables:\n  t:\n    rows: 200\n    columns:\n      who: { choice: [a, b, c, d] }\n      x: { uniform: [0, 1] }\n      y: x > 0.5\n    nulls: { who: 0.1 }\nsplit: { from: t, target: y, drop: [who], group: who, test_size: 0.25 }\n";
    let dir = folder(&[("s.yaml", yaml)]);
    let o = tutas(dir.path(), &["check", "s.yaml"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(
        o.stderr.contains("the split's group `who` has"),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("at: split.group"), "{}", o.stderr);
}
