//! Beyond one machine: the scenario's SQL written for Spark, BigQuery and DuckDB and run in
//! DuckDB and Spark; Parquet that pyarrow reads typed; `tutas split --from`.
//!
//! The Python tests make their own virtual environment under the target folder (once; later
//! runs reuse it) from `tests/engines/requirements.txt`, from the package registry.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::common::{col, read_csv, root, run_scenario, tutas};

/// The Python of the engine tests' virtual environment, made on first use.
fn python() -> &'static Path {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PYTHON
        .get_or_init(make_environment)
        .as_deref()
        .unwrap_or_else(|e| panic!("cannot make the Python environment: {e}"))
}

fn make_environment() -> Result<PathBuf, String> {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("engines-venv");
    let requirements = root().join("tests/engines/requirements.txt");
    let wanted = std::fs::read_to_string(&requirements).map_err(|e| e.to_string())?;
    let stamp = venv.join("installed.txt");
    let python = venv.join("bin/python");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(python);
    }
    let sh = |program: &Path, args: &[&str]| -> Result<(), String> {
        let out = Command::new(program)
            .args(args)
            .output()
            .map_err(|e| format!("{}: {e}", program.display()))?;
        match out.status.success() {
            true => Ok(()),
            false => Err(format!(
                "{} {args:?} failed:\n{}{}",
                program.display(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )),
        }
    };
    let _ = std::fs::remove_dir_all(&venv);
    sh(
        Path::new("python3"),
        &["-m", "venv", venv.to_str().unwrap()],
    )?;
    sh(
        &python,
        &[
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            // The cache would keep another ~400 MB (pyspark) on a machine that builds once.
            "--no-cache-dir",
            "-r",
            requirements.to_str().unwrap(),
        ],
    )?;
    std::fs::write(&stamp, wanted).map_err(|e| e.to_string())?;
    Ok(python)
}

/// Runs a command with the environment's `bin` first on the PATH; returns (code, stdout, stderr).
fn in_environment(program: &str, args: &[&str], cwd: &Path) -> (i32, String, String) {
    let bin = python().parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new(bin.join(program))
        .args(args)
        .current_dir(cwd)
        .env("PATH", path)
        .env("SPARK_LOCAL_IP", "127.0.0.1")
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `tutas sql SCENARIO --dialect DIALECT [--json]`, which must succeed.
fn sql(scenario: &str, dialect: &str, json: bool) -> String {
    let mut args = vec!["sql", scenario, "--dialect", dialect];
    if json {
        args.push("--json");
    }
    let o = tutas(&root(), &args);
    assert_eq!(o.code, 0, "{}", o.stderr);
    o.stdout
}

#[test]
fn the_scenarios_sql_for_each_engine() {
    for dialect in ["spark", "bigquery", "duckdb"] {
        insta::assert_snapshot!(
            format!("sql_{dialect}"),
            sql("scenarios/default.yaml", dialect, false)
        );
    }
    let json: serde_json::Value =
        serde_json::from_str(&sql("scenarios/default.yaml", "spark", true)).unwrap();
    assert_eq!(
        json["generated"],
        serde_json::json!(["murid", "tutor", "interaksi"])
    );
    assert_eq!(json["tables"]["murid"]["available_start"], "TIMESTAMP_NTZ");
    assert!(
        json["locations"]["checks.label_needs_good_feedback"]
            .as_str()
            .unwrap()
            .starts_with("scenarios/default.yaml:")
    );
}

#[test]
fn duckdb_runs_the_duckdb_sql_on_the_csvs_and_gets_processed_1_back() {
    let (_csv, csv_run, _) = run_scenario("scenarios/default.yaml", &["-q"]);
    let (_pq, parquet_run, _) =
        run_scenario("scenarios/default.yaml", &["-q", "--format", "parquet"]);
    let dir = tempfile::tempdir().unwrap();
    let queries = dir.path().join("duckdb.json");
    std::fs::write(&queries, sql("scenarios/default.yaml", "duckdb", true)).unwrap();
    let script = |run: &Path, expected: &Path| {
        in_environment(
            "python",
            &[
                "duckdb_features.py",
                queries.to_str().unwrap(),
                run.to_str().unwrap(),
                expected.join("processed_1").to_str().unwrap(),
            ],
            &root().join("tests/engines"),
        )
    };
    let (code, stdout, stderr) = script(&csv_run, &parquet_run);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("DuckDB agrees with tutas"), "{stdout}");
    // The comparison can fail: another seed's features are other rows.
    let (_other, other_run, _) = run_scenario(
        "scenarios/default.yaml",
        &["-q", "--format", "parquet", "--seed", "7"],
    );
    let (code, stdout, _) = script(&csv_run, &other_run);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("missing rows"), "{stdout}");
}

#[test]
fn pyarrow_reads_date_times_as_timestamps() {
    let (_dir, out, _) = run_scenario("scenarios/default.yaml", &["-q", "--format", "parquet"]);
    let code = format!(
        "import pyarrow.parquet as pq\n\
         t = pq.read_table({:?})\n\
         print(t.schema.field('available_start').type, t.column('available_start')[0])",
        out.join("unprocessed/murid.parquet")
    );
    let (status, stdout, stderr) = in_environment("python", &["-c", &code], &root());
    assert_eq!(status, 0, "{stderr}");
    let (header, rows) = read_csv(&root().join("dataset/unprocessed/murid.csv"));
    let first = &rows[0][col(&header, "available_start")];
    // pyarrow prints the type, then the first value in ISO form with seconds.
    assert_eq!(stdout.trim(), format!("timestamp[us] {first}:00"));
}

/// The split of `from` into a fresh `out`; returns the folder.
fn split_from(from: &Path, dir: &Path) -> PathBuf {
    let out = dir.join("split");
    let o = tutas(
        &root(),
        &[
            "split",
            "scenarios/default.yaml",
            "--from",
            from.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    out
}

#[test]
fn split_from_a_runs_parquet_features_is_that_runs_processed_2() {
    let (_run_dir, run, _) = run_scenario("scenarios/default.yaml", &["-q", "--format", "parquet"]);
    let dir = tempfile::tempdir().unwrap();
    let feature = run.join("processed_1/tutas_recommender_training_features.parquet");
    let out = split_from(&feature, dir.path());
    let names = [
        "X_train.csv",
        "X_test.csv",
        "y_train.csv",
        "y_test.csv",
        "preprocessing.json",
    ];
    for name in names {
        let a = std::fs::read(run.join("processed_2").join(name)).unwrap();
        let b = std::fs::read(out.join("processed_2").join(name)).unwrap();
        assert!(a == b, "processed_2/{name} differs");
    }
    // The input may not lie inside the folder the split replaces.
    let o = tutas(
        &root(),
        &[
            "split",
            "scenarios/default.yaml",
            "--from",
            feature.to_str().unwrap(),
            "--out",
            run.to_str().unwrap(),
        ],
    );
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("is inside --out"), "{}", o.stderr);
    assert!(feature.exists());
    // A table without the split's columns is named with what it has.
    let murid = run.join("unprocessed/murid.parquet");
    let o = tutas(
        &root(),
        &[
            "split",
            "scenarios/default.yaml",
            "--from",
            murid.to_str().unwrap(),
            "--out",
            dir.path().join("x").to_str().unwrap(),
        ],
    );
    assert_eq!(o.code, 2, "{}", o.stderr);
    insta::assert_snapshot!(o.stderr.replace(murid.to_str().unwrap(), "[murid.parquet]"));
}

/// `spark-submit --master local[2] spark/tutas_spark.py SCENARIO --out OUT --parts N`.
fn spark_submit(scenario: &Path, out: &Path, parts: &str) -> (i32, String, String) {
    let binary = crate::common::binary();
    let spark_dir = root().join("spark");
    in_environment(
        "spark-submit",
        &[
            "--master",
            "local[2]",
            "--conf",
            "spark.ui.enabled=false",
            "--conf",
            "spark.driver.host=127.0.0.1",
            "--conf",
            "spark.driver.bindAddress=127.0.0.1",
            spark_dir.join("tutas_spark.py").to_str().unwrap(),
            scenario.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--parts",
            parts,
            "--tutas",
            binary.to_str().unwrap(),
        ],
        &root(),
    )
}

#[test]
fn spark_makes_the_same_tables_features_checks_and_insights() {
    let (_run_dir, run, _) = run_scenario("scenarios/default.yaml", &["-q", "--format", "parquet"]);
    let dir = tempfile::tempdir().unwrap();
    let spark_out = dir.path().join("spark");
    let (code, stdout, stderr) =
        spark_submit(&root().join("scenarios/default.yaml"), &spark_out, "3");
    assert_eq!(code, 0, "{stdout}{stderr}");
    let parts = std::fs::read_dir(spark_out.join("unprocessed/interaksi"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".parquet")
        })
        .count();
    assert_eq!(parts, 3, "one file per part");
    let (code, stdout, stderr) = in_environment(
        "python",
        &[
            "spark_compare.py",
            spark_out.to_str().unwrap(),
            run.to_str().unwrap(),
        ],
        &root().join("tests/engines"),
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("Spark agrees with tutas"), "{stdout}");

    // The split of Spark's features (rows in Spark's order): the run's class counts in each
    // part, and scalers fitted on its own training rows.
    let split = split_from(
        &spark_out.join("processed_1/tutas_recommender_training_features"),
        dir.path(),
    );
    let report = |d: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(d.join("report.json")).unwrap()).unwrap()
    };
    let (ours, theirs) = (report(&run), report(&split));
    for part in ["train", "test"] {
        assert_eq!(ours["split"][part], theirs["split"][part], "{part}");
    }
    let (header, rows) = read_csv(&split.join("processed_2/X_train.csv"));
    for scaler in theirs["split"]["scalers"].as_array().unwrap() {
        let c = col(&header, scaler["column"].as_str().unwrap());
        let values: Vec<f64> = rows.iter().map(|r| r[c].parse().unwrap()).collect();
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64;
        assert!(
            mean.abs() < 1e-6 && (var - 1.0).abs() < 1e-6,
            "{scaler}: {mean} {var}"
        );
    }
}

#[test]
fn a_failing_check_fails_the_spark_job_with_tutass_message() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("failing.yaml");
    let text = std::fs::read_to_string(root().join("scenarios/default.yaml")).unwrap();
    let text = text.replacen(
        "checks:\n",
        "checks:\n  no_good_feedback: |\n    SELECT id_murid, feedback_score FROM interaksi WHERE feedback_score >= 4\n",
        1,
    );
    std::fs::write(&scenario, text).unwrap();
    let o = tutas(
        dir.path(),
        &["run", scenario.to_str().unwrap(), "--out", "out", "-q"],
    );
    assert_eq!(o.code, 1, "{}", o.stderr);
    let (code, stdout, stderr) = spark_submit(&scenario, &dir.path().join("spark"), "2");
    assert_eq!(code, 1, "{stdout}{stderr}");
    // The message's first lines, up to the query (Spark's rows come in Spark's order).
    let head = |s: &str| -> String {
        let start = s
            .find("error: check")
            .unwrap_or_else(|| panic!("no check error in:\n{s}"));
        s[start..]
            .lines()
            .filter(|l| l.starts_with("error") || l.contains("-->") || l.contains("= at:"))
            .take(3)
            .collect::<Vec<_>>()
            .join("\n")
    };
    // spark-submit passes on the driver's own output on its stdout.
    assert_eq!(head(&format!("{stdout}{stderr}")), head(&o.stderr));
    assert!(
        head(&o.stderr).contains("returned 1486 rows"),
        "{}",
        o.stderr
    );
}

/// pandas agrees with the split's imputation: the value is the median of the training rows'
/// known values, every filled row has it, and X has no empty cell.
#[test]
fn pandas_agrees_with_the_imputation_fitted_on_the_training_rows() {
    let (_dir, out, o) = crate::modelling::run_text(crate::messy::MESSY, &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let code = format!(
        "import json, pandas as pd\n\
         x = pd.read_csv({x:?})\n\
         p = {{i['column']: i for i in json.load(open({p:?}))['impute']}}\n\
         known = x[x.income_missing == 0].income\n\
         assert x.notna().all().all(), 'empty cells in X'\n\
         assert known.median() == p['income']['value'], (known.median(), p['income']['value'])\n\
         assert (x[x.income_missing == 1].income == known.median()).all()",
        x = out.join("processed_2/X_train.csv"),
        p = out.join("processed_2/preprocessing.json"),
    );
    let (status, stdout, stderr) = in_environment("python", &["-c", &code], &root());
    assert_eq!(status, 0, "{stdout}{stderr}");
}
