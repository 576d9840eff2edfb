//! Broken scenarios: one clear message with a location, exit code 2, nothing written.

use crate::common::*;

const BASE: &str = r#"name: shop
seed: 1
vocab:
  colour: [red, green]
tables:
  shop:
    rows: 10
    columns:
      id: { sequence: "S{:03}" }
      colour: { choice: colour }
      opened: { datetime: [2024-01-01, 2024-12-31] }
  orders:
    rows: 20
    pairs: { s: shop, o: shop }
    columns:
      same: s.colour = o.colour
    strata:
      - { name: same, share: 0.5, where: same }
      - { name: other, share: 0.5, where: NOT same }
features:
  per_colour: SELECT colour, COUNT(*) AS n FROM shop GROUP BY colour
"#;

/// `BASE` with `from` replaced by `to` once.
fn edited(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "`{from}` not in the base scenario");
    BASE.replacen(from, to, 1)
}

/// `tutas check` and `tutas run` both refuse the scenario with exit code 2 and the same
/// message, pointing somewhere, and write nothing; the message is snapshotted as `name`.
fn refused(name: &str, yaml: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("broken.yaml"), yaml).unwrap();
    let check = tutas(dir.path(), &["check", "broken.yaml"]);
    assert_eq!(check.code, 2, "{}", check.stderr);
    assert!(check.stderr.starts_with("error: "), "{}", check.stderr);
    assert!(!check.stderr.contains("panicked"));
    let run = tutas(dir.path(), &["run", "broken.yaml", "--out", "out"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr, check.stderr, "run and check report the same");
    assert!(!dir.path().join("out").exists(), "nothing written");
    insta::assert_snapshot!(name, check.stderr);
}

/// One test (and one snapshot) per broken scenario: `name: from => to` edits `BASE`.
macro_rules! refused_edits {
    ($($name:ident: $from:expr => $to:expr;)*) => {
        $(
            #[test]
            fn $name() {
                refused(stringify!($name), &edited($from, $to));
            }
        )*
    };
}

#[test]
fn malformed_yaml() {
    refused(
        "malformed_yaml",
        "name: shop\ntables:\n  shop:\n    rows: 10\n   columns: x\n",
    );
}

#[test]
fn empty_file() {
    refused("empty_file", "");
}

refused_edits! {
    unknown_top_level_key: "seed: 1" => "sead: 1";
    unknown_generator_key: "{ choice: colour }" => "{ choise: colour }";
    wrong_type_rows: "rows: 10" => "rows: ten";
    unknown_vocab: "{ choice: colour }" => "{ choice: colours }";
    empty_choice: "{ choice: colour }" => "{ choice: [] }";
    negative_weight: "{ choice: colour }" => "{ choice: colour, weights: [1, -1] }";
    zero_weights: "{ choice: colour }" => "{ choice: colour, weights: [0, 0] }";
    inverted_range: "{ datetime: [2024-01-01, 2024-12-31] }" => "{ datetime: [2024-12-31, 2024-01-01] }";
    two_kinds: "{ sequence: \"S{:03}\" }" => "{ sequence: \"S{:03}\", fake: full_name }";
    unknown_fake: "{ sequence: \"S{:03}\" }" => "{ fake: full_nam }";
    unknown_pair_table: "{ s: shop, o: shop }" => "{ s: shop, o: shops }";
    unknown_column_in_sql: "s.colour = o.colour" => "s.color = o.colour";
    sql_does_not_parse: "s.colour = o.colour" => "s.colour = = o.colour";
    condition_not_boolean: "where: same }" => "where: s.id }";
    shares_do_not_sum_to_one: "share: 0.5, where: NOT same" => "share: 0.4, where: NOT same";
    unknown_table_in_feature: "FROM shop GROUP" => "FROM shops GROUP";
    ddl_is_refused: "SELECT colour, COUNT(*) AS n FROM shop GROUP BY colour" => "CREATE EXTERNAL TABLE x STORED AS CSV LOCATION '/etc/passwd'";
    copy_is_refused: "SELECT colour, COUNT(*) AS n FROM shop GROUP BY colour" => "COPY shop TO '/tmp/x.csv'";
    file_path_is_refused: "FROM shop GROUP" => "FROM '/etc/passwd' GROUP";
    absurd_rows: "rows: 20" => "rows: 1e15";
    bad_sequence_pattern: "\"S{:03}\"" => "\"S{:x}\"";
    sequence_past_the_largest_integer: "\"S{:03}\" }" => "\"S{:03}\", start: 9223372036854775800 }";
    pick_from_later_table: "{ choice: colour }" => "{ pick: orders.same }";
    bad_probability: "{ choice: colour }" => "{ bernoulli: 1.5 }";
    unknown_locale: "seed: 1" => "seed: 1\nlocale: xx_XX";
    source_outside_project: "  shop:\n    rows: 10" => "  other: { source: /etc/passwd }\n  shop:\n    rows: 10";
    unknown_side_alias: "s.colour = o.colour" => "q.colour = o.colour";
    a_parse_error_points_into_the_query: "per_colour: SELECT colour, COUNT(*) AS n FROM shop GROUP BY colour" => "per_colour: |\n    SELECT colour,\n           COUNT(*) AS n\n    FROM shop WHERE colour = = 'red'\n    GROUP BY colour";
    what_reads_a_failed_table_is_not_reported_again: "{ choice: colour }" => "{ choice: colour, weights: [1] }";
    a_kind_the_locale_lacks: "{ sequence: \"S{:03}\" }" => "{ fake: iban, locale: ja_JP }";
    a_kind_the_table_locale_lacks: "    rows: 10\n    columns:\n" => "    rows: 10\n    locale: ar_SA\n    columns:\n      city: { fake: city }\n";
    unknown_generator_locale: "{ sequence: \"S{:03}\" }" => "{ fake: city, locale: de_CH }";
    a_pattern_escape_that_is_none: "{ sequence: \"S{:03}\" }" => "{ pattern: 'S\\x#' }";
    unique_on_a_kind_that_cannot_promise_it: "{ choice: colour }" => "{ choice: colour, unique: true }";
    words_of_a_kind_without_words: "{ sequence: \"S{:03}\" }" => "{ fake: city, words: 3 }";
    a_latitude_box_off_the_globe: "{ sequence: \"S{:03}\" }" => "{ fake: latitude, within: [80, 95] }";
    a_column_declared_later: "{ sequence: \"S{:03}\" }" => "\"upper(colour)\"";
    a_float_target_is_no_class_label: "  per_colour: SELECT colour, COUNT(*) AS n FROM shop GROUP BY colour\n" => "  per_colour: SELECT colour, COUNT(*) / 2.0 AS n FROM shop GROUP BY colour\nsplit:\n  from: per_colour\n  target: n\n  test_size: 0.5\n";
}

#[test]
fn a_unique_pattern_with_fewer_values_than_rows() {
    let yaml = edited(
        "{ sequence: \"S{:03}\" }",
        "{ pattern: \"S-#\", unique: true }",
    )
    .replacen("rows: 10", "rows: 11", 1);
    refused("a_unique_pattern_with_fewer_values_than_rows", &yaml);
}

#[test]
fn a_failed_pick_source_is_not_reported_again() {
    let yaml = edited("{ choice: colour }", "{ choice: colours }").replacen(
        "  orders:",
        "  other:\n    rows: 5\n    columns:\n      c: { pick: shop.colour }\n  orders:",
        1,
    );
    refused("a_failed_pick_source_is_not_reported_again", &yaml);
}

#[test]
fn a_failed_run_leaves_the_previous_output_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.yaml"), BASE).unwrap();
    assert_eq!(
        tutas(dir.path(), &["run", "ok.yaml", "--out", "out", "-q"]).code,
        0
    );
    let before = files(&dir.path().join("out"));
    let failing = format!("{BASE}checks:\n  never: SELECT * FROM shop\n");
    std::fs::write(
        dir.path().join("fail.yaml"),
        failing.replace("seed: 1", "seed: 2"),
    )
    .unwrap();
    let o = tutas(dir.path(), &["run", "fail.yaml", "--out", "out"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(o.stderr.contains("check `never` failed"), "{}", o.stderr);
    assert_eq!(files(&dir.path().join("out")), before);
    let left: Vec<_> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        left.iter()
            .all(|n| !n.to_string_lossy().starts_with(".tutas")),
        "{left:?}"
    );
}

#[test]
fn an_unwritable_output_folder_is_refused() {
    let o = tutas(
        &root(),
        &["run", "scenarios/default.yaml", "--out", "/proc/tutas-out"],
    );
    assert_eq!(o.code, 2, "{}", o.stderr);
    insta::assert_snapshot!(o.stderr);
}

/// Each word of a scenario (outside comments), one at a time, with an `x` appended.
fn single_typos(text: &str) -> Vec<(String, String)> {
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let code = line.find('#').map_or(line, |i| &line[..i]);
        let bytes = code.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i].is_ascii_alphabetic() || bytes[i] == b'_' {
                let start = i;
                while i < bytes.len() && word(bytes[i]) {
                    i += 1;
                }
                if i - start >= 3 {
                    let at = offset + i;
                    let typo = format!("{}x{}", &text[..at], &text[at..]);
                    out.push((
                        format!(
                            "`{}x` on line {}",
                            &code[start..i],
                            text[..at].lines().count()
                        ),
                        typo,
                    ));
                }
            } else {
                i += 1;
            }
        }
        offset += line.len();
    }
    out
}

#[test]
fn each_single_typo_in_the_shipped_scenarios_gives_at_most_one_error() {
    let mut refused = 0;
    for scenario in ["scenarios/default.yaml", "scenarios/seed-reference.yaml"] {
        let text = std::fs::read_to_string(root().join(scenario)).unwrap();
        let base = root().join("scenarios");
        for (what, typo) in single_typos(&text) {
            let loaded = tutas::run::load_source(
                tutas::scenario::yaml::Source::new(scenario, typo),
                &base,
                &tutas::run::LoadOptions::default(),
            );
            if let Err(e) = loaded {
                refused += 1;
                assert_eq!(
                    e.diagnostics.len(),
                    1,
                    "{scenario}: {what} gives {} errors:\n{}",
                    e.diagnostics.len(),
                    e.render()
                );
            }
        }
    }
    assert!(refused > 200, "most typos break a scenario: {refused}");
}
