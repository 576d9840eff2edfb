//! Entity tables: distributions, determinism, committed dataset.

use crate::common::*;

#[test]
fn two_runs_give_identical_bytes_and_threads_do_not_matter() {
    let (a, _) = run_default(&["--threads", "1"]);
    let (b, _) = run_default(&["--threads", "4"]);
    let fa = files(&a.path().join("out"));
    assert!(fa.len() >= 9, "{:?}", fa.keys());
    assert_eq!(fa, files(&b.path().join("out")));
}

#[test]
fn zero_threads_is_refused_not_taken_for_one() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    let args = ["run", "scenarios/default.yaml", "--threads", "0", "--out"];
    let o = tutas(&root(), &[&args[..], &[out.to_str().unwrap()]].concat());
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("0 is not in 1.."), "{}", o.stderr);
    assert!(!out.exists());
}

#[test]
fn committed_dataset_matches_a_fresh_run() {
    let (a, _) = run_default(&[]);
    let fresh = files(&a.path().join("out"));
    let committed = files(&root().join("dataset"));
    assert_eq!(
        fresh.keys().collect::<Vec<_>>(),
        committed.keys().collect::<Vec<_>>()
    );
    for (k, v) in &fresh {
        assert!(
            committed[k] == *v,
            "dataset/{k} differs from a fresh run: run `cargo run -- run scenarios/default.yaml` and commit"
        );
    }
}

#[test]
fn another_seed_changes_the_data() {
    let (a, _) = run_default(&[]);
    let (b, _) = run_default(&["--seed", "7"]);
    assert_ne!(
        std::fs::read(a.path().join("out/unprocessed/murid.csv")).unwrap(),
        std::fs::read(b.path().join("out/unprocessed/murid.csv")).unwrap()
    );
}

#[test]
fn first_rows_of_the_default_tables() {
    let dataset = root().join("dataset/unprocessed");
    for table in ["murid", "tutor", "interaksi"] {
        let text = std::fs::read_to_string(dataset.join(format!("{table}.csv"))).unwrap();
        let head: Vec<&str> = text.lines().take(6).collect();
        insta::assert_snapshot!(format!("head_{table}"), head.join("\n"));
    }
}

#[test]
fn entity_distributions_match_the_original() {
    let (dir, _) = run_default(&["--scale", "20"]);
    let out = dir.path().join("out/unprocessed");
    let (mh, murid) = read_csv(&out.join("murid.csv"));
    let (th, tutor) = read_csv(&out.join("tutor.csv"));
    assert_eq!(murid.len(), 20_000);
    assert_eq!(tutor.len(), 20_000);
    // Uniform categories: every count within 4.5 standard deviations of its expectation
    // (binomial; about one failure in 150,000 per category if the draws are right).
    for (rows, h, column, k) in [
        (&murid, &mh, "gaya_belajar", 3usize),
        (&murid, &mh, "metode_belajar", 2),
        (&murid, &mh, "preferensi_topik", 15),
        (&tutor, &th, "keahlian_topik", 15),
    ] {
        let c = col(h, column);
        let mut counts = std::collections::HashMap::new();
        for r in rows.iter() {
            *counts.entry(r[c].clone()).or_insert(0usize) += 1;
        }
        assert_eq!(counts.len(), k, "{column}");
        let expected = rows.len() as f64 / k as f64;
        let sd = (expected * (1.0 - 1.0 / k as f64)).sqrt();
        for (v, n) in counts {
            assert!(
                (n as f64 - expected).abs() < 4.5 * sd,
                "{column}={v}: {n} vs {expected} ± {sd}"
            );
        }
    }
    for (rows, h) in [(&murid, &mh), (&tutor, &th)] {
        let flexible = rows
            .iter()
            .filter(|r| r[col(h, "is_flexible")] == "true")
            .count() as f64
            / rows.len() as f64;
        assert!(
            (flexible - 0.3).abs() < 0.015,
            "flexibility rate {flexible}"
        );
        for r in rows.iter() {
            let span = secs(&r[col(h, "available_end")]) - secs(&r[col(h, "available_start")]);
            assert!([3600, 7200, 10800].contains(&span), "span {span}");
            let start = secs(&r[col(h, "available_start")]);
            assert!(
                start >= secs("2025-07-01") - 3 * 3600 && start <= secs("2025-12-31") + 3 * 3600
            );
        }
    }
    let (mut lo, mut hi) = (f64::MAX, f64::MIN);
    for r in &tutor {
        let rating: f64 = r[col(&th, "rating")].parse().unwrap();
        assert!((3.0..=5.0).contains(&rating));
        assert!(
            ((rating * 100.0).round() - rating * 100.0).abs() < 1e-6,
            "2 decimals: {rating}"
        );
        let hours: i64 = r[col(&th, "total_jam_ngajar")].parse().unwrap();
        assert!((10..=400).contains(&hours));
        lo = lo.min(hours as f64);
        hi = hi.max(hours as f64);
    }
    assert_eq!((lo, hi), (10.0, 400.0));
}

#[test]
fn seventy_percent_of_tutor_starts_are_anchored_to_a_student() {
    // An anchored start lies within 3 hours of *its* student's start; a uniform one only by chance.
    // With 1,000 students over 183 days, a uniform start is within 3 hours of some student start with
    // probability about 1 - exp(-1000/4392 * 6) ≈ 0.745, so the expected share is 0.7 + 0.3 · 0.745 ≈ 0.92.
    // The original's published tables give the same figure, which this test also checks.
    fn share(murid: &std::path::Path, tutor: &std::path::Path, fmt_ok: bool) -> f64 {
        let (mh, m) = read_csv(murid);
        let (th, t) = read_csv(tutor);
        let mut starts: Vec<i64> = m
            .iter()
            .map(|r| secs(&r[col(&mh, "available_start")]))
            .collect();
        starts.sort();
        let near = t
            .iter()
            .filter(|r| {
                let s = secs(&r[col(&th, "available_start")]);
                let i = starts.partition_point(|&x| x < s - 3 * 3600 - if fmt_ok { 0 } else { 60 });
                i < starts.len() && starts[i] <= s + 3 * 3600 + if fmt_ok { 0 } else { 60 }
            })
            .count();
        near as f64 / t.len() as f64
    }
    let data = root().join("tests/data");
    let reference = share(&data.join("murid.csv"), &data.join("tutor.csv"), false);
    let ours = share(
        &root().join("dataset/unprocessed/murid.csv"),
        &root().join("dataset/unprocessed/tutor.csv"),
        true,
    );
    assert!((0.88..=0.96).contains(&ours), "ours {ours}");
    assert!(
        (ours - reference).abs() < 0.04,
        "ours {ours}, original {reference}"
    );
}
