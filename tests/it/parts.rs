//! `tutas run --parts N --part K`: parts that concatenate to the single run.

use std::path::{Path, PathBuf};

use crate::common::{root, run_scenario, tutas};

/// The default scenario at a scale where every table has several chunks (100,000 students
/// and tutors: 2 chunks each; 200,000 interactions: 4 chunks over 4 strata).
const SCALE: &str = "100";
const TABLES: [&str; 3] = ["murid", "tutor", "interaksi"];

/// Runs part `k` of `n` of the default scenario into `dir/part-k` and returns that folder.
fn make_part(dir: &Path, n: usize, k: usize, extra: &[&str]) -> PathBuf {
    make_part_of("scenarios/default.yaml", dir, n, k, extra)
}

/// Runs part `k` of `n` of `scenario` into `dir/part-k` and returns that folder.
fn make_part_of(scenario: &str, dir: &Path, n: usize, k: usize, extra: &[&str]) -> PathBuf {
    let out = dir.join(format!("part-{k}"));
    let (n, k) = (n.to_string(), k.to_string());
    let mut args = vec![
        "run",
        scenario,
        "--scale",
        SCALE,
        "--parts",
        &n,
        "--part",
        &k,
        "--out",
        out.to_str().unwrap(),
        "-q",
    ];
    args.extend_from_slice(extra);
    let o = tutas(&root(), &args);
    assert_eq!(o.code, 0, "{}", o.stderr);
    out
}

/// Parts' CSV files concatenated, the header kept once.
fn concatenated(parts: &[PathBuf], table: &str) -> Vec<u8> {
    let mut whole = Vec::new();
    let mut header = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let bytes = std::fs::read(part.join(format!("unprocessed/{table}.csv"))).unwrap();
        let body = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
        if i == 0 {
            header = bytes[..body].to_vec();
        }
        assert_eq!(
            String::from_utf8_lossy(&bytes[..body]),
            String::from_utf8_lossy(&header),
            "part {} of `{table}` starts with the header",
            i + 1
        );
        whole.extend_from_slice(if i == 0 { &bytes } else { &bytes[body..] });
    }
    whole
}

#[test]
fn parts_concatenated_are_the_single_run_byte_for_byte() {
    let (_single_dir, single, _) =
        run_scenario("scenarios/default.yaml", &["--scale", SCALE, "-q"]);
    for n in [1, 3, 7] {
        let dir = tempfile::tempdir().unwrap();
        // Any thread count: odd parts on one thread, even parts on three.
        let parts: Vec<PathBuf> = (1..=n)
            .map(|k| {
                make_part(
                    dir.path(),
                    n,
                    k,
                    &["--threads", if k % 2 == 1 { "1" } else { "3" }],
                )
            })
            .collect();
        for table in TABLES {
            let expected = std::fs::read(single.join(format!("unprocessed/{table}.csv"))).unwrap();
            assert!(
                concatenated(&parts, table) == expected,
                "{n} parts of `{table}` differ from the single run"
            );
        }
        assert!(
            !parts[0].join("processed_1").exists() && !parts[0].join("processed_2").exists(),
            "a part runs no SQL and no split"
        );
    }
}

#[test]
fn parquet_parts_hold_the_single_runs_rows() {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let read = |path: PathBuf| {
        let file = std::fs::File::open(&path).unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap();
        let batches: Vec<_> = reader.map(|b| b.unwrap()).collect();
        datafusion::arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap()
    };
    let (_single_dir, single, _) = run_scenario(
        "scenarios/default.yaml",
        &["--scale", SCALE, "--format", "parquet", "-q"],
    );
    let dir = tempfile::tempdir().unwrap();
    let parts: Vec<PathBuf> = (1..=3)
        .map(|k| make_part(dir.path(), 3, k, &["--format", "parquet"]))
        .collect();
    for table in TABLES {
        let file = format!("unprocessed/{table}.parquet");
        let pieces: Vec<_> = parts.iter().map(|p| read(p.join(&file))).collect();
        let joined =
            datafusion::arrow::compute::concat_batches(&pieces[0].schema(), &pieces).unwrap();
        assert!(joined == read(single.join(&file)), "`{table}` differs");
    }
}

#[test]
fn a_part_can_write_one_table_and_says_which_rows_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let all = make_part(dir.path(), 2, 2, &[]);
    let only = dir.path().join("only");
    let o = tutas(
        &root(),
        &[
            "run",
            "scenarios/default.yaml",
            "--scale",
            SCALE,
            "--parts",
            "2",
            "--part",
            "2",
            "--tables",
            "interaksi",
            "--out",
            only.to_str().unwrap(),
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(!only.join("unprocessed/murid.csv").exists());
    assert_eq!(
        std::fs::read(only.join("unprocessed/interaksi.csv")).unwrap(),
        std::fs::read(all.join("unprocessed/interaksi.csv")).unwrap()
    );
    assert!(o.stdout.contains("part 2 of 2"), "{}", o.stdout);
    // 200,000 interactions: part 2 holds rows 100,000..200,000, which are the rest of
    // `positive` (140,000) and all of the other three strata (20,000 each).
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(only.join("report.json")).unwrap()).unwrap();
    let strata = &report["tables"][0]["strata"];
    let produced: Vec<u64> = (0..4)
        .map(|i| strata[i]["produced"].as_u64().unwrap())
        .collect();
    assert_eq!(produced, [40_000, 20_000, 20_000, 20_000]);
    assert_eq!(report["part"], serde_json::json!({"number": 2, "of": 2}));
}

#[test]
fn a_part_outside_the_parts_or_an_unknown_table_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();
    let o = tutas(
        &root(),
        &[
            "run",
            "scenarios/default.yaml",
            "--parts",
            "3",
            "--part",
            "4",
            "--out",
            out,
        ],
    );
    assert_eq!(o.code, 2);
    insta::assert_snapshot!(o.stderr);
    let o = tutas(
        &root(),
        &[
            "run",
            "scenarios/default.yaml",
            "--parts",
            "3",
            "--part",
            "1",
            "--tables",
            "interaksii",
            "--out",
            out,
        ],
    );
    assert_eq!(o.code, 2);
    insta::assert_snapshot!(o.stderr);
    assert!(!dir.path().join("out").exists());
}

/// Messy tables (missing and dirty values, duplicates, correlated columns) and a variant are
/// made in parts too: concatenated, the single run's bytes.
#[test]
fn messy_parts_concatenate_to_the_single_run() {
    let extra = ["--variant", "drift"];
    let (_single_dir, single, _) = run_scenario(
        "scenarios/messy.yaml",
        &[&["--scale", SCALE, "-q"], &extra[..]].concat(),
    );
    let dir = tempfile::tempdir().unwrap();
    let parts: Vec<PathBuf> = (1..=3)
        .map(|k| make_part_of("scenarios/messy.yaml", dir.path(), 3, k, &extra))
        .collect();
    for table in TABLES {
        let whole = std::fs::read(single.join(format!("unprocessed/{table}.csv"))).unwrap();
        assert!(concatenated(&parts, table) == whole, "{table}");
    }
}
