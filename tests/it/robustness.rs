//! Robustness: mutated scenarios, interrupted runs, thread counts, output formats.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rand::RngExt;
use tutas::run::{LoadOptions, load_source};
use tutas::scenario::yaml::Source;

use crate::common::*;

/// Number of mutated scenarios `tutas check` is fed; fixed, and the mutations are seeded.
const MUTATION_CASES: usize = 300;

fn mutate(text: &str, rng: &mut tutas::generate::rng::Rng) -> String {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    for _ in 0..rng.random_range(1..=3) {
        let i = rng.random_range(0..lines.len());
        match rng.random_range(0..7) {
            0 => {
                lines.remove(i);
            }
            1 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            2 => {
                let j = rng.random_range(0..lines.len());
                lines.swap(i, j);
            }
            3 => {
                let chars: Vec<char> = lines[i].chars().collect();
                if !chars.is_empty() {
                    let k = rng.random_range(0..chars.len());
                    let pool = [
                        ':', ' ', '{', '}', '[', ']', '-', '\'', '"', '9', 'x', ',', '#', '\t',
                    ];
                    let mut c = chars;
                    c[k] = pool[rng.random_range(0..pool.len())];
                    lines[i] = c.into_iter().collect();
                }
            }
            4 => {
                let numbers = [
                    "-1",
                    "0",
                    "1e20",
                    "0.5",
                    "99999999999999999999",
                    "nan",
                    "[]",
                    "{}",
                    "~",
                ];
                let n = numbers[rng.random_range(0..numbers.len())];
                lines[i] = lines[i]
                    .split(' ')
                    .map(|w| {
                        if w.chars().all(|c| c.is_ascii_digit() || c == '.') && !w.is_empty() {
                            n.to_string()
                        } else {
                            w.to_string()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" ");
            }
            5 => {
                // Replace a word by another word of the file: a wrong reference, a wrong key.
                let words: Vec<String> = text
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .filter(|w| w.len() > 2)
                    .map(String::from)
                    .collect();
                let from: Vec<&str> = lines[i]
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .filter(|w| w.len() > 2)
                    .collect();
                if let (Some(a), false) = (from.first().map(|s| s.to_string()), words.is_empty()) {
                    let b = &words[rng.random_range(0..words.len())];
                    lines[i] = lines[i].replacen(&a, b, 1);
                }
            }
            _ => {
                let keep = rng.random_range(0..lines.len());
                lines.truncate(keep.max(1));
            }
        }
        if lines.is_empty() {
            break;
        }
    }
    lines.join("\n")
}

#[test]
fn mutated_scenarios_never_panic_and_every_error_points_somewhere() {
    let originals: Vec<(String, String)> = [
        "scenarios/default.yaml",
        "scenarios/seed-reference.yaml",
        "bench/murid.yaml",
    ]
    .iter()
    .map(|p| {
        (
            p.to_string(),
            std::fs::read_to_string(root().join(p)).unwrap(),
        )
    })
    .collect();
    let mut rng = tutas::generate::rng::stream(7, "robustness", "mutations", 0);
    let mut refused = 0;
    for case in 0..MUTATION_CASES {
        let (path, original) = &originals[case % originals.len()];
        let text = mutate(original, &mut rng);
        let base = root().join(Path::new(path).parent().unwrap());
        let options = LoadOptions::default();
        let result = std::panic::catch_unwind(|| {
            load_source(Source::new("fuzz.yaml", text.clone()), &base, &options).map(|_| ())
        });
        match result {
            Err(_) => {
                panic!("case {case} panicked; scenario:\n{text}");
            }
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                refused += 1;
                for d in &e.diagnostics {
                    assert!(
                        d.location.is_some() || d.path.is_some(),
                        "case {case}: `{}` has no location; scenario:\n{text}",
                        d.message
                    );
                }
            }
        }
    }
    assert!(
        refused > MUTATION_CASES / 4,
        "mutations should break most scenarios: {refused} refused"
    );
}

#[test]
fn an_interrupted_run_leaves_the_output_folder_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = tutas(
        &root(),
        &[
            "run",
            "scenarios/default.yaml",
            "--out",
            out.to_str().unwrap(),
            "-q",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let before = all_files(&out);
    // Large enough to be still running when interrupted.
    let child = Command::new(crate::common::binary())
        .args([
            "run",
            "bench/murid.yaml",
            "--scale",
            "50",
            "--out",
            out.to_str().unwrap(),
            "-q",
        ])
        .current_dir(root())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    // The run stages its outputs next to the output folder: it is interrupted once its first
    // table's file holds rows, in the middle of writing (no sleep decides when).
    let writing = || {
        std::fs::read_dir(dir.path()).unwrap().any(|e| {
            let e = e.unwrap();
            e.file_name()
                .to_string_lossy()
                .starts_with(".out.tutas-staging")
                && std::fs::metadata(e.path().join("unprocessed/murid.csv"))
                    .is_ok_and(|m| m.len() > 1 << 20)
        })
    };
    while !writing() && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(writing(), "the run is writing its first table");
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let result = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_eq!(all_files(&out), before, "the output folder is unchanged");
    let staging = std::fs::read_dir(dir.path()).unwrap().any(|e| {
        e.unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with(".out.tutas-staging")
    });
    assert!(!staging, "the staging folder is removed");
}

fn all_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    fn walk(root: &Path, d: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.push((
                    p.strip_prefix(root).unwrap().to_string_lossy().to_string(),
                    std::fs::read(&p).unwrap(),
                ));
            }
        }
    }
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn multi_chunk_tables_are_identical_for_any_thread_count() {
    // 200,000 students are 4 chunks; 1,000,000 interactions are 17 chunks over 4 strata.
    for (scenario, scale) in [
        ("bench/murid.yaml", "0.2"),
        ("bench/interactions.yaml", "0.1"),
    ] {
        let (a, out_a, _) = run_scenario(scenario, &["--scale", scale, "--threads", "1", "-q"]);
        let (b, out_b, _) = run_scenario(scenario, &["--scale", scale, "--threads", "4", "-q"]);
        let fa = files(&out_a);
        assert!(!fa.is_empty());
        assert!(
            fa == files(&out_b),
            "{scenario}: outputs differ between 1 and 4 threads"
        );
        drop((a, b));
    }
}

#[test]
fn parquet_output_is_typed_and_the_split_does_not_depend_on_the_format() {
    let (_a, csv_out, _) = run_scenario("scenarios/default.yaml", &["-q"]);
    let (_b, parquet_out, _) =
        run_scenario("scenarios/default.yaml", &["-q", "--format", "parquet"]);
    let file = std::fs::File::open(parquet_out.join("unprocessed/murid.parquet")).unwrap();
    let reader =
        parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let schema = reader.schema().clone();
    let rows: usize = reader.build().unwrap().map(|b| b.unwrap().num_rows()).sum();
    assert_eq!(rows, 1000);
    let types: Vec<String> = schema
        .fields()
        .iter()
        .map(|f| format!("{}: {}", f.name(), f.data_type()))
        .collect();
    insta::assert_snapshot!(types.join("\n"));
    for part in ["X_train.csv", "X_test.csv", "y_train.csv", "y_test.csv"] {
        let p = format!("processed_2/{part}");
        assert_eq!(
            std::fs::read(csv_out.join(&p)).unwrap(),
            std::fs::read(parquet_out.join(&p)).unwrap(),
            "{p}"
        );
    }
}

/// A sort larger than `--memory-limit` spills, and only inside the run's staging folder: with
/// TMPDIR pointing at a file, spilling to the system temp folder would fail the run. No spill
/// folder is left behind.
const SPILL: &str = r#"
name: spill
seed: 1
tables:
  t:
    rows: 1000000
    columns:
      id: { sequence: "R{}" }
      v: { uniform: [0, 1] }
features:
  sorted: SELECT id, v FROM t ORDER BY v DESC
"#;

#[test]
fn a_sort_beyond_the_memory_limit_spills_inside_the_output_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.yaml"), SPILL).unwrap();
    let tmp = dir.path().join("not-a-folder");
    std::fs::write(&tmp, "").unwrap();
    let o = Command::new(crate::common::binary())
        .args([
            "run",
            "s.yaml",
            "--out",
            "out",
            "-q",
            "--memory-limit",
            "16M",
        ])
        .current_dir(dir.path())
        .env("TMPDIR", &tmp)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut entries: Vec<String> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    assert_eq!(
        entries,
        [
            "manifest.json",
            "processed_1",
            "report.html",
            "report.json",
            "unprocessed"
        ]
    );
    let (h, rows) = read_csv(&dir.path().join("out/processed_1/sorted.csv"));
    assert_eq!(rows.len(), 1_000_000);
    let v: Vec<f64> = rows
        .iter()
        .map(|r| r[col(&h, "v")].parse().unwrap())
        .collect();
    assert!(v.windows(2).all(|w| w[0] >= w[1]), "not sorted");
}
