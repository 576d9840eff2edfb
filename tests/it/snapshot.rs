//! `tutas snapshot`: snapshots of a repository's scenarios written, checked, accepted,
//! reviewed; the project's own scenarios pinned; the data version kept honest.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::{binary, root, tutas};

/// A pair table under strata, a table with a split, and a scenario with a variant that gets a
/// snapshot of its own.
const A: &str = "name: a
seed: 5
tables:
  s:
    rows: 300
    columns:
      id: { sequence: \"S{:03}\" }
      score: { uniform_int: [0, 9] }
  c:
    rows: 20
    columns:
      kind: { choice: [x, y] }
  pairs:
    rows: 1000
    pairs: { s: s, c: c }
    columns:
      sid: s.id
      high: s.score > 4
      kind: c.kind
    strata:
      - { name: good, share: 0.8, where: high }
      - { name: poor, share: 0.2, where: NOT high }
";

const B: &str = "name: b
seed: 6
tables:
  t:
    rows: 500
    columns:
      at: { datetime: [2025-01-01, 2025-03-31] }
      amount: { log_normal: { mu: 3, sigma: 0.5 }, round: 2 }
      label: { bernoulli: 0.3 }
    nulls: { amount: 0.1 }
split: { from: t, target: label, drop: [at], test_size: 0.2, impute: { amount: median } }
";

const C: &str = "name: c
seed: 7
tables:
  t:
    rows: 200
    columns:
      n: { poisson: 3 }
variants:
  more: { tables.t.columns.n.poisson: 6 }
snapshot:
  variants: [more]
";

/// A repository-like folder: `scenarios/` with the three scenarios.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let scenarios = dir.path().join("scenarios");
    std::fs::create_dir(&scenarios).unwrap();
    for (name, text) in [("a.yaml", A), ("b.yaml", B), ("c.yaml", C)] {
        std::fs::write(scenarios.join(name), text).unwrap();
    }
    dir
}

fn snap(dir: &Path, name: &str) -> std::path::PathBuf {
    dir.join("scenarios/snapshots").join(name)
}

#[test]
fn snapshots_are_written_checked_accepted_and_found_stale() {
    let repo = repository();
    let dir = repo.path();
    let o = tutas(dir, &["snapshot"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    for name in ["a.snap", "b.snap", "c.snap", "c.more.snap"] {
        assert!(snap(dir, name).exists(), "{name}: {}", o.stdout);
    }
    assert!(
        o.stdout.ends_with("4 snapshots made; 0 failed\n"),
        "{}",
        o.stdout
    );
    for threads in ["1", "3"] {
        let o = tutas(dir, &["snapshot", "--check", "--threads", threads]);
        assert_eq!(o.code, 0, "--threads {threads}: {}{}", o.stdout, o.stderr);
    }
    // One stratum's share edited: the check fails with a diff naming the stratum and the
    // columns that drifted, and leaves the new snapshot beside the old.
    let before = std::fs::read_to_string(snap(dir, "a.snap")).unwrap();
    let edited = A
        .replace("share: 0.8", "share: 0.4")
        .replace("share: 0.2", "share: 0.6");
    std::fs::write(dir.join("scenarios/a.yaml"), edited).unwrap();
    let o = tutas(dir, &["snapshot", "--check"]);
    assert_eq!(o.code, 1, "{}", o.stdout);
    assert!(
        o.stdout.contains("pairs.strata.good: 800 → 400 rows"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains("pairs.high: true 80.0% → 40.0%"),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("DRIFT"), "{}", o.stdout);
    assert!(
        o.stdout.contains("-      good: { rows: 800"),
        "{}",
        o.stdout
    );
    assert!(o.stderr.contains("1 snapshot failed"), "{}", o.stderr);
    assert!(snap(dir, "a.snap.new").exists());
    assert_eq!(
        std::fs::read_to_string(snap(dir, "a.snap")).unwrap(),
        before,
        "not overwritten"
    );
    // Accepted, the check passes.
    let o = tutas(dir, &["snapshot", "--accept"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.contains("accepted scenarios/snapshots/a.snap"),
        "{}",
        o.stdout
    );
    assert!(!snap(dir, "a.snap.new").exists());
    assert_eq!(tutas(dir, &["snapshot", "--check"]).code, 0);
    // A scenario gone: its snapshot is stale, reported, failed or deleted as asked.
    std::fs::remove_file(dir.join("scenarios/b.yaml")).unwrap();
    let o = tutas(dir, &["snapshot", "--check"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.contains("scenarios/snapshots/b.snap: stale"),
        "{}",
        o.stdout
    );
    let o = tutas(dir, &["snapshot", "--check", "--unreferenced", "reject"]);
    assert_eq!(o.code, 1, "{}", o.stdout);
    // --check changes no file: deleting is a run of its own.
    let o = tutas(dir, &["snapshot", "--check", "--unreferenced", "delete"]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(snap(dir, "b.snap").exists());
    let o = tutas(dir, &["snapshot", "--unreferenced", "delete"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(!snap(dir, "b.snap").exists());
}

#[test]
fn the_check_reports_in_plain_text_and_as_github_annotations() {
    let repo = repository();
    let dir = repo.path();
    assert_eq!(tutas(dir, &["snapshot"]).code, 0);
    let edited = A
        .replace("share: 0.8", "share: 0.5")
        .replace("share: 0.2", "share: 0.5");
    std::fs::write(dir.join("scenarios/a.yaml"), edited).unwrap();
    let plain = tutas(dir, &["snapshot", "--check", "scenarios/a.yaml"]);
    assert_eq!(plain.code, 1);
    insta::assert_snapshot!("check_plain", plain.stdout);
    let summary = dir.join("summary.md");
    let github = Command::new(binary())
        .args([
            "snapshot",
            "--check",
            "--format",
            "github",
            "scenarios/a.yaml",
        ])
        .current_dir(dir)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(github.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&github.stdout);
    assert!(
        stdout.contains("::error file=scenarios/a.yaml,line=1,title=tutas snapshot::"),
        "{stdout}"
    );
    insta::assert_snapshot!("check_github", stdout);
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.contains("1 snapshot checked; 1 failed")
            && md.contains("`scenarios/a.yaml`")
            && md.contains("pairs.strata.good: 800 → 500 rows"),
        "{md}"
    );
}

#[test]
fn a_snapshot_file_reads_as_it_is_meant_to() {
    let repo = repository();
    let dir = repo.path();
    assert_eq!(tutas(dir, &["snapshot", "scenarios/b.yaml"]).code, 0);
    insta::assert_snapshot!(
        "b_snap",
        std::fs::read_to_string(snap(dir, "b.snap")).unwrap()
    );
}

#[test]
fn new_bytes_with_the_same_statistics_are_said_in_one_line() {
    let repo = repository();
    let dir = repo.path();
    assert_eq!(tutas(dir, &["snapshot", "scenarios/c.yaml"]).code, 0);
    // The same rows in another order: other bytes, the same statistics.
    let shuffled = C.replace("    rows: 200\n", "    rows: 200\n    shuffle: true\n");
    std::fs::write(dir.join("scenarios/c.yaml"), shuffled).unwrap();
    let o = tutas(dir, &["snapshot", "--check", "scenarios/c.yaml"]);
    assert_eq!(o.code, 1, "{}", o.stdout);
    let bytes_only = "same statistics and settings, different bytes: the generated values changed";
    assert!(o.stdout.contains(bytes_only), "{}", o.stdout);
    // Another date-time format is a setting the snapshot shows.
    assert_eq!(tutas(dir, &["snapshot", "scenarios/b.yaml"]).code, 0);
    let reformatted = format!("{B}output: {{ datetime_format: \"%d/%m/%Y %H:%M:%S\" }}\n");
    std::fs::write(dir.join("scenarios/b.yaml"), reformatted).unwrap();
    let o = tutas(dir, &["snapshot", "--check", "scenarios/b.yaml"]);
    assert_eq!(o.code, 1, "{}", o.stdout);
    assert!(
        o.stdout
            .contains("+  datetime_format: \"%d/%m/%Y %H:%M:%S\""),
        "{}",
        o.stdout
    );
    assert!(!o.stdout.contains(bytes_only), "{}", o.stdout);
}

#[test]
fn review_accepts_rejects_and_skips_one_by_one() {
    let repo = repository();
    let dir = repo.path();
    assert_eq!(tutas(dir, &["snapshot"]).code, 0);
    for (name, text) in [("a.yaml", A), ("b.yaml", B), ("c.yaml", C)] {
        let text = text.replace("seed: ", "seed: 1");
        std::fs::write(dir.join("scenarios").join(name), text).unwrap();
    }
    assert_eq!(tutas(dir, &["snapshot", "--check"]).code, 1);
    let mut review = Command::new(binary())
        .args(["snapshot", "--review"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    // a.snap: accept; b.snap: reject; c.more.snap: skip; c.snap: accept.
    review
        .stdin
        .take()
        .unwrap()
        .write_all(b"a\nr\ns\na\n")
        .unwrap();
    let out = review.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("accepted scenarios/snapshots/a.snap"),
        "{stdout}"
    );
    assert!(
        stdout.contains("rejected scenarios/snapshots/b.snap.new"),
        "{stdout}"
    );
    assert!(
        stdout.contains("skipped scenarios/snapshots/c.more.snap.new"),
        "{stdout}"
    );
    assert!(!snap(dir, "a.snap.new").exists() && !snap(dir, "b.snap.new").exists());
    assert!(snap(dir, "c.more.snap.new").exists());
}

#[test]
fn the_shipped_scenarios_snapshots_are_up_to_date_and_bytes_move_with_the_data_version() {
    let o = tutas(&root(), &["snapshot", "--check", "scenarios"]);
    if o.code == 0 {
        return;
    }
    // What changed: a change of bytes must come with a new data version.
    let folder = root().join("scenarios/snapshots");
    for entry in std::fs::read_dir(&folder).unwrap() {
        let new = entry.unwrap().path();
        if !new.to_string_lossy().ends_with(".snap.new") {
            continue;
        }
        let old = new.with_extension("");
        let (Ok(a), Ok(b)) = (std::fs::read_to_string(&old), std::fs::read_to_string(&new)) else {
            continue;
        };
        let (a, b) = (
            tutas::report::snapshot::Snapshot::parse(&a).unwrap(),
            tutas::report::snapshot::Snapshot::parse(&b).unwrap(),
        );
        assert!(
            a.files == b.files || a.data_version != b.data_version,
            "{}: the same scenario and seed give other bytes, but tutas::DATA_VERSION is still {}: \
             bump it (src/lib.rs), then `tutas snapshot --accept` and commit",
            old.display(),
            b.data_version
        );
    }
    panic!(
        "the shipped scenarios' snapshots are out of date: review `scenarios/snapshots/*.snap.new` \
         (`cargo run -- snapshot --review`) and commit them\n{}",
        o.stdout
    );
}

#[test]
fn the_workflow_in_the_docs_runs_a_command_tutas_has() {
    let text = std::fs::read_to_string(root().join("docs/snapshot-workflow.yml")).unwrap();
    let workflow: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let steps = workflow["jobs"]["snapshots"]["steps"]
        .as_sequence()
        .unwrap();
    let check = steps
        .iter()
        .filter_map(|s| s["run"].as_str())
        .find(|r| r.starts_with("tutas "))
        .expect("a step runs tutas");
    let args: Vec<&str> = check.split_whitespace().collect();
    use clap::Parser;
    let parsed = tutas::cli::Cli::try_parse_from(&args);
    assert!(parsed.is_ok(), "`{check}`: {:?}", parsed.err());
    assert!(check.contains("snapshot --check"));
}

#[test]
fn a_broken_scenario_is_reported_and_the_others_are_checked() {
    let repo = repository();
    let dir = repo.path();
    assert_eq!(tutas(dir, &["snapshot"]).code, 0);
    let broken = B.replace("bernoulli", "bernouli");
    std::fs::write(dir.join("scenarios/b.yaml"), broken).unwrap();
    let o = tutas(dir, &["snapshot", "--check", "--format", "github"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(
        o.stdout.contains("scenarios/b.yaml: cannot be snapshotted"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains("unknown field `bernouli`"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains("::error file=scenarios/b.yaml,line=9,"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains("scenarios/c.yaml: matches"),
        "the others go on: {}",
        o.stdout
    );
    // The snapshot does not depend on the folder it is run from or how its path is written.
    let o = tutas(
        &dir.join("scenarios"),
        &["snapshot", "--check", "./a.yaml", "c.yaml"],
    );
    assert_eq!(o.code, 0, "{}", o.stdout);
    // --accept takes only the pending snapshots of the scenarios it is given.
    for (name, text) in [("a.yaml", A), ("c.yaml", C)] {
        std::fs::write(
            dir.join("scenarios").join(name),
            text.replace("seed: ", "seed: 9"),
        )
        .unwrap();
    }
    assert_eq!(
        tutas(
            dir,
            &[
                "snapshot",
                "--check",
                "scenarios/a.yaml",
                "scenarios/c.yaml"
            ]
        )
        .code,
        1
    );
    let o = tutas(dir, &["snapshot", "--accept", "scenarios/a.yaml"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(!snap(dir, "a.snap.new").exists());
    assert!(snap(dir, "c.snap.new").exists(), "{}", o.stdout);
    // Two scenario files that would write one snapshot are refused.
    std::fs::write(dir.join("scenarios/a.yml"), A).unwrap();
    let o = tutas(dir, &["snapshot", "--check"]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("would both write"), "{}", o.stderr);
}
