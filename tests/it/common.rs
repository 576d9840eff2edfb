//! Helpers: run the real binary, read CSV outputs.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The binary under test: this build's, or the one `TUTAS_BIN` names (to run the suite
/// against another build, e.g. an older one, and see which tests catch what it did).
pub fn binary() -> PathBuf {
    std::env::var_os("TUTAS_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_tutas")))
}

/// Runs `tutas` with `args` in `cwd`.
pub fn tutas(cwd: &Path, args: &[&str]) -> Output {
    let out = Command::new(binary())
        .args(args)
        .current_dir(cwd)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("tutas runs");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `scenario` (a path in the project) into a fresh temp folder's `out`; the run must succeed.
pub fn run_scenario(scenario: &str, extra: &[&str]) -> (tempfile::TempDir, PathBuf, Output) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut args = vec!["run", scenario, "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = tutas(&root(), &args);
    assert_eq!(o.code, 0, "{}", o.stderr);
    (dir, out, o)
}

/// Runs the default scenario quietly (optionally with extra args) into a fresh temp folder.
pub fn run_default(extra: &[&str]) -> (tempfile::TempDir, Output) {
    let (dir, _, o) = run_scenario("scenarios/default.yaml", &[&["-q"], extra].concat());
    (dir, o)
}

/// Seconds of a date-time written by tutas.
pub fn secs(s: &str) -> i64 {
    tutas::time::parse_datetime(s).unwrap_or_else(|| panic!("bad date-time {s}"))
}

/// A CSV file as header + rows of strings.
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// Index of a column in a header.
pub fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

/// Every file under a folder, relative path → bytes (staging and report excluded).
pub fn files(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    fn walk(root: &Path, d: &Path, out: &mut std::collections::BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(d).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            let kind = e.file_type().unwrap();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().to_string();
            if kind.is_dir() {
                walk(root, &p, out);
            } else if kind.is_symlink() {
                let target = std::fs::read_link(&p).unwrap();
                out.insert(rel, format!("-> {}", target.display()).into_bytes());
            } else if rel != "report.json" && rel != "report.html" {
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    walk(dir, dir, &mut out);
    out
}

/// A fresh folder holding `files` (name, text).
pub fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// The number of `error:` lines in a message.
pub fn errors(stderr: &str) -> usize {
    stderr.lines().filter(|l| l.starts_with("error:")).count()
}
