//! Overrides and variants applied at random to every shipped scenario: each gives a located
//! error or a plan, never a panic.

use std::panic::{AssertUnwindSafe, catch_unwind};

use proptest::prelude::*;
use tutas::run::{LoadOptions, load};

use crate::common::root;

/// Every key path of a YAML value, as error messages print them (`a.b`, `a.list[0]`), with
/// the value there as YAML text.
fn paths(value: &serde_yaml::Value, at: &str, out: &mut Vec<(String, String)>) {
    let text = |v: &serde_yaml::Value| {
        serde_yaml::to_string(v)
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    match value {
        serde_yaml::Value::Mapping(m) => {
            for (k, v) in m {
                let Some(k) = k.as_str() else { continue };
                let p = if at.is_empty() {
                    k.to_string()
                } else {
                    format!("{at}.{k}")
                };
                out.push((p.clone(), text(v).replace('\n', " ")));
                paths(v, &p, out);
            }
        }
        serde_yaml::Value::Sequence(items) => {
            for (i, v) in items.iter().enumerate() {
                let p = format!("{at}[{i}]");
                out.push((p.clone(), text(v).replace('\n', " ")));
                paths(v, &p, out);
            }
        }
        _ => {}
    }
}

/// The shipped scenarios with their key paths.
fn scenarios() -> Vec<(std::path::PathBuf, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    for path in files {
        let value: serde_yaml::Value =
            serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let mut keys = Vec::new();
        paths(&value, "", &mut keys);
        keys.retain(|(_, v)| !v.contains('|'));
        for top in ["variants", "tables", "split"] {
            keys.push((top.to_string(), "{}".to_string()));
        }
        out.push((path, keys));
    }
    out
}

/// Values an override may set: every YAML type, edge numbers, SQL, paths.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("0".to_string()),
        Just("-1".to_string()),
        Just("0.5".to_string()),
        Just("1e300".to_string()),
        Just("9223372036854775807".to_string()),
        Just("99999999999999999999".to_string()),
        Just("true".to_string()),
        Just("null".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        Just("[1, 2]".to_string()),
        Just("'x'".to_string()),
        Just("SELECT 1".to_string()),
        Just("{ uniform_int: [1, 3] }".to_string()),
        Just("{ variants: {}, tables.t.rows: 5 }".to_string()),
        Just("{ a: 1, a: 2 }".to_string()),
        Just("[unclosed".to_string()),
        "[a-z_.\\[\\]0-9 ]{0,12}",
    ]
}

/// An override: an existing path with its own value, a nearby number or any value; a path
/// with a new last key, an index out of range, or noise.
fn override_of(keys: Vec<(String, String)>) -> impl Strategy<Value = (String, String)> {
    let n = keys.len();
    let new_value = prop_oneof![
        3 => Just(None),
        2 => (-3i64..1000).prop_map(|x| Some(x.to_string())),
        3 => value().prop_map(Some),
    ];
    (0..n, 0..8usize, "[a-z]{1,6}", new_value).prop_map(move |(i, how, word, v)| {
        let (k, original) = &keys[i];
        let v = v.unwrap_or_else(|| original.clone());
        let k = match how {
            0..5 => k.clone(),
            5 => format!("{k}.{word}"),
            6 => format!("{k}[99]"),
            _ => format!("{k}..{word}["),
        };
        (k, v)
    })
}

/// A shipped scenario, 1 to 3 overrides of it, and whether they are written as a variant.
fn case() -> impl Strategy<Value = (std::path::PathBuf, Vec<(String, String)>, bool)> {
    let all = scenarios();
    (0..all.len()).prop_flat_map(move |which| {
        let (file, keys) = all[which].clone();
        (
            Just(file),
            proptest::collection::vec(override_of(keys), 1..4),
            any::<bool>(),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_overrides_and_variants_give_a_located_error_or_a_plan(
        (file, overrides, as_variant) in case(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        let (scenario, options) = if as_variant {
            // The overrides as a variant written into the file (a variant may touch
            // `variants`, `tables`, `split`), run with --variant.
            let entries: Vec<String> = overrides
                .iter()
                .map(|(p, v)| format!("    {:?}: {v}", p))
                .collect();
            let random = format!("\nvariants:\n  random:\n{}\n", entries.join("\n"));
            let text = match text.contains("\nvariants:\n") {
                true => text.replacen("\nvariants:\n", &random, 1),
                false => format!("{text}{random}"),
            };
            let copy = dir.path().join("s.yaml");
            std::fs::write(&copy, text).unwrap();
            let options = LoadOptions { variant: Some("random".into()), ..LoadOptions::default() };
            (copy, Ok(options))
        } else {
            let sets: Vec<String> = overrides.iter().map(|(p, v)| format!("{p}={v}")).collect();
            (file.clone(), LoadOptions::default().with_sets(&sets))
        };
        let loaded = catch_unwind(AssertUnwindSafe(|| {
            options.and_then(|o| load(&scenario, &LoadOptions { allow_outside: true, ..o }))
        }));
        prop_assert!(loaded.is_ok(), "{} {:?}: panicked", file.display(), overrides);
        if let Err(e) = loaded.unwrap() {
            prop_assert!(!e.diagnostics.is_empty());
            for d in &e.diagnostics {
                let located = d.location.is_some()
                    || d.path.is_some()
                    || d.message.starts_with("--set")
                    || d.message.contains("variant `random`");
                prop_assert!(located, "{} {:?}: unlocated: {}", file.display(), overrides, e.render());
            }
        }
    }
}
