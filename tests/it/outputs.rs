//! The output folder: a run replaces only what tutas wrote, and writes nowhere else.

use crate::common::*;

const SMALL: &str = r#"
name: small
seed: 1
tables:
  t:
    rows: 10
    columns:
      id: { sequence: "T{}" }
"#;

fn run_small(dir: &std::path::Path, extra: &[&str]) -> Output {
    std::fs::write(dir.join("s.yaml"), SMALL).unwrap();
    let mut args = vec!["run", "s.yaml", "--out", "out", "-q"];
    args.extend_from_slice(extra);
    tutas(dir, &args)
}

#[test]
fn a_folder_with_files_tutas_did_not_write_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(run_small(dir.path(), &[]).code, 0);
    let out = dir.path().join("out");
    std::fs::write(out.join("unprocessed/other.csv"), "a,b\n1,2\n").unwrap();
    std::fs::create_dir(out.join("notes")).unwrap();
    std::fs::write(out.join("notes/readme.txt"), "mine").unwrap();
    let before = files(&out);
    let o = run_small(dir.path(), &[]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("unprocessed/other.csv"), "{}", o.stderr);
    assert!(o.stderr.contains("  notes/\n"), "{}", o.stderr);
    assert!(o.stderr.contains("--force"), "{}", o.stderr);
    assert_eq!(files(&out), before, "nothing was touched");
}

/// A folder of the user's is listed as one entry, not walked, and links are never followed:
/// `--out` naming a large folder by mistake is refused at once, and a link back up cannot loop.
#[cfg(unix)]
#[test]
fn folders_and_links_tutas_did_not_write_are_listed_whole_and_carried_over_whole() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(run_small(dir.path(), &[]).code, 0);
    let out = dir.path().join("out");
    std::fs::create_dir_all(out.join("photos/2026/empty")).unwrap();
    std::fs::write(out.join("photos/2026/a.jpg"), "jpeg").unwrap();
    std::os::unix::fs::symlink("..", out.join("unprocessed/up")).unwrap();
    std::os::unix::fs::symlink("photos/2026/a.jpg", out.join("latest.jpg")).unwrap();
    let before = files(&out);
    let o = run_small(dir.path(), &[]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    insta::assert_snapshot!(
        o.stderr.replace(&out.display().to_string(), "[OUT]"),
        @r"
    error: the output folder `[OUT]` holds 3 files or folders that no tutas run wrote; a run replaces the folder, so nothing was written
      =   latest.jpg
          photos/
          unprocessed/up
      = help: choose another folder with --out, or pass --force to write anyway (those files are kept)
    "
    );
    assert_eq!(files(&out), before, "nothing was touched");

    let o = run_small(dir.path(), &["--force", "--seed", "2"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let after = files(&out);
    for kept in ["photos/2026/a.jpg", "unprocessed/up", "latest.jpg"] {
        assert_eq!(after[kept], before[kept], "{kept}");
    }
    assert!(
        out.join("photos/2026/empty").is_dir(),
        "empty folders are kept"
    );
    let manifest = String::from_utf8(after["manifest.json"].clone()).unwrap();
    assert!(manifest.contains("unprocessed/t.csv"), "{manifest}");
    assert!(
        !manifest.contains("photos") && !manifest.contains("up\""),
        "{manifest}"
    );
}

#[test]
fn force_writes_the_run_and_keeps_the_other_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(out.join("unprocessed")).unwrap();
    std::fs::write(out.join("unprocessed/other.csv"), "a,b\n1,2\n").unwrap();
    let o = run_small(dir.path(), &["--force"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(
        std::fs::read_to_string(out.join("unprocessed/other.csv")).unwrap(),
        "a,b\n1,2\n"
    );
    assert!(out.join("unprocessed/t.csv").exists());
    // The run's own files are replaced by the next run without --force... but the other file
    // is still there, so the next run is refused again.
    assert_eq!(run_small(dir.path(), &[]).code, 2);
}

#[test]
fn a_run_replaces_what_an_earlier_run_wrote_and_leaves_nothing_beside_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(run_small(dir.path(), &[]).code, 0);
    let first = files(&dir.path().join("out"));
    assert!(first.contains_key("manifest.json"));
    let o = run_small(dir.path(), &["--seed", "2"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let mut entries: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    assert_eq!(entries, ["out", "s.yaml"], "no staging folder is left");
}

#[test]
fn an_output_folder_under_a_file_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.yaml"), SMALL).unwrap();
    let o = tutas(
        dir.path(),
        &["run", "s.yaml", "--out", "s.yaml/a/out", "-q"],
    );
    assert_eq!(o.code, 2, "{}", o.stderr);
    let file = dir.path().join("s.yaml");
    let said = format!("`{}` is a file", file.display());
    assert!(o.stderr.contains(&said), "{}", o.stderr);
    assert_eq!(std::fs::read_to_string(file).unwrap(), SMALL);
}
