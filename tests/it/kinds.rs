//! Every locale and kind: names and addresses in each locale's script and forms, the same
//! bytes with any number of threads; identifiers that pass their checks; patterns; a locale
//! per row.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::common::{col, files, folder, read_csv, tutas};
use tutas::generate::locale::provides;
use tutas::plan::{FakeKind, Locale};

/// The address kinds each locale's table has, where the locale provides them.
const ADDRESS: [FakeKind; 4] = [
    FakeKind::City,
    FakeKind::Street,
    FakeKind::Postcode,
    FakeKind::ZipCode,
];

/// A scenario with a table of 1,000 rows per locale: full names, first names and the address
/// kinds the locale provides.
fn locale_scenario() -> String {
    let mut yaml = String::from("name: locales\nseed: 11\ntables:\n");
    for locale in Locale::all() {
        yaml += &format!(
            "  t_{}:\n    rows: 1000\n    locale: {}\n    columns:\n      full_name: {{ fake: full_name }}\n      first_name: {{ fake: first_name }}\n",
            locale.name().to_lowercase(),
            locale.name()
        );
        for kind in ADDRESS.into_iter().filter(|k| provides(*k, locale)) {
            yaml += &format!("      {0}: {{ fake: {0} }}\n", kind.name());
        }
    }
    yaml
}

/// The locale tables, made with 1 and with 3 threads; the two runs' files must be identical.
fn locale_tables() -> &'static Path {
    static RUN: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, out) = RUN.get_or_init(|| {
        let dir = folder(&[("locales.yaml", &locale_scenario())]);
        for threads in ["1", "3"] {
            let o = tutas(
                dir.path(),
                &[
                    "run",
                    "locales.yaml",
                    "--out",
                    &format!("out{threads}"),
                    "-q",
                ],
            );
            assert_eq!(o.code, 0, "{}", o.stderr);
        }
        let one = files(&dir.path().join("out1"));
        assert_eq!(
            one,
            files(&dir.path().join("out3")),
            "threads change the bytes"
        );
        let out = dir.path().join("out1");
        (dir, out)
    });
    out
}

/// One locale's table: column name → its 1,000 values.
fn table(locale: &str) -> BTreeMap<String, Vec<String>> {
    let path = locale_tables().join(format!("unprocessed/t_{}.csv", locale.to_lowercase()));
    let (header, rows) = read_csv(&path);
    assert_eq!(rows.len(), 1000, "{locale}");
    header
        .iter()
        .map(|h| {
            (
                h.clone(),
                rows.iter().map(|r| r[col(&header, h)].clone()).collect(),
            )
        })
        .collect()
}

fn han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || c == '々'
}

fn kana(c: char) -> bool {
    ('\u{3040}'..='\u{30ff}').contains(&c)
}

fn arabic(c: char) -> bool {
    ('\u{0600}'..='\u{06ff}').contains(&c) || c == '\u{200c}'
}

/// Latin letters (with the accents of Latin-1, Latin Extended A/B and Vietnamese).
fn latin(c: char) -> bool {
    c.is_alphabetic() && (c < '\u{0250}' || ('\u{1e00}'..='\u{1eff}').contains(&c))
}

/// A given and a family name in Latin script: two or more words.
fn latin_name(name: &str) -> bool {
    name.split(' ').count() >= 2 && name.chars().all(|c| latin(c) || " -'.".contains(c))
}

/// Text in Latin script (a place: letters, spaces, `-'.()`, digits).
fn latin_text(text: &str) -> bool {
    text.chars().any(latin)
        && text
            .chars()
            .all(|c| latin(c) || c.is_ascii_digit() || " -'.()".contains(c))
}

/// Persian or Arabic: Arabic script and spaces only.
fn arabic_text(text: &str) -> bool {
    text.chars().any(arabic) && text.chars().all(|c| arabic(c) || c == ' ')
}

/// Chinese: Han characters only, no space, no ASCII.
fn chinese_text(text: &str) -> bool {
    !text.is_empty() && text.chars().all(han)
}

/// Japanese: a family name in kanji, a space, a given name in kana or kanji.
fn japanese_name(name: &str) -> bool {
    let Some((family, given)) = name.split_once(' ') else {
        return false;
    };
    !family.is_empty()
        && family.chars().all(han)
        && !given.is_empty()
        && given.chars().all(|c| han(c) || kana(c))
}

/// Whether `value` has one of the shapes (`#` a digit, `?` a capital letter).
fn shaped(value: &str, shapes: &[&str]) -> bool {
    shapes.iter().any(|shape| {
        value.len() == shape.len()
            && value.bytes().zip(shape.bytes()).all(|(v, s)| match s {
                b'#' => v.is_ascii_digit(),
                b'?' => v.is_ascii_uppercase(),
                _ => v == s,
            })
    })
}

/// What a locale's values must look like.
struct Expect {
    names: fn(&str) -> bool,
    places: fn(&str) -> bool,
    postcodes: &'static [&'static str],
}

const LATIN: Expect = Expect {
    names: latin_name,
    places: latin_text,
    postcodes: &[],
};

/// Checks locale `name`'s table: every full name, first name and place in the locale's
/// script, every postcode in one of its shapes, the address kinds it lacks refused by name,
/// and (for Latin-script locales) names of its own, mostly not English ones.
fn check_locale(name: &str, expect: Expect) {
    let locale = Locale::parse(name).unwrap();
    let t = table(name);
    for value in &t["full_name"] {
        assert!((expect.names)(value), "{name}: full name {value:?}");
    }
    for value in &t["first_name"] {
        let word = !value.is_empty() && !value.contains(' ');
        let letters = value.chars().all(|c| c.is_alphabetic() || "-'".contains(c));
        assert!(word && letters, "{name}: first name {value:?}");
    }
    for kind in ADDRESS {
        let Some(values) = t.get(kind.name()) else {
            assert!(!provides(kind, locale));
            continue;
        };
        for value in values {
            match kind {
                FakeKind::Postcode | FakeKind::ZipCode => assert!(
                    shaped(value, expect.postcodes),
                    "{name}: postcode {value:?} is not one of {:?}",
                    expect.postcodes
                ),
                _ => assert!((expect.places)(value), "{name}: {} {value:?}", kind.name()),
            }
        }
        let distinct: HashSet<&String> = values.iter().collect();
        assert!(
            distinct.len() > 20,
            "{name}: {} has {} values",
            kind.name(),
            distinct.len()
        );
    }
    if name != "en" && t["first_name"].iter().all(|n| n.chars().all(latin)) {
        let en = table("en");
        let english: HashSet<&String> = en["first_name"].iter().collect();
        let own: HashSet<&String> = t["first_name"].iter().collect();
        let shared = own.iter().filter(|n| english.contains(*n)).count();
        assert!(
            shared * 2 < own.len(),
            "{name}: {shared} of its {} first names are English ones",
            own.len()
        );
    }
}

macro_rules! locale_tests {
    ($($test:ident: $locale:literal => $expect:expr;)*) => {
        $(
            #[test]
            fn $test() {
                check_locale($locale, $expect);
            }
        )*

        #[test]
        fn every_locale_has_a_test() {
            let tested: Vec<&str> = vec![$($locale),*];
            let all: Vec<&str> = Locale::all().map(Locale::name).collect();
            assert_eq!(tested, all);
        }
    };
}

locale_tests! {
    en: "en" => Expect { postcodes: &["#####", "#####-####"], ..LATIN };
    id_id: "id_ID" => Expect { postcodes: &["#####"], ..LATIN };
    ar_sa: "ar_SA" => Expect { names: arabic_text, places: arabic_text, postcodes: &[] };
    cy_gb: "cy_GB" => LATIN;
    de_de: "de_DE" => Expect { postcodes: &["#####"], ..LATIN };
    fa_ir: "fa_IR" => Expect { names: arabic_text, places: arabic_text, postcodes: &["#####-#####"] };
    fr_fr: "fr_FR" => Expect { postcodes: &["#####"], ..LATIN };
    it_it: "it_IT" => Expect { postcodes: &["#####"], ..LATIN };
    ja_jp: "ja_JP" => Expect { names: japanese_name, places: chinese_text, postcodes: &[] };
    nl_nl: "nl_NL" => Expect { postcodes: &["#### ??"], ..LATIN };
    pt_br: "pt_BR" => Expect { postcodes: &["#####-###"], ..LATIN };
    pt_pt: "pt_PT" => Expect { postcodes: &["####-###"], ..LATIN };
    tr_tr: "tr_TR" => Expect { postcodes: &["#####"], ..LATIN };
    zh_cn: "zh_CN" => Expect { names: chinese_text, places: chinese_text, postcodes: &["######"] };
    zh_tw: "zh_TW" => Expect { names: chinese_text, places: chinese_text, postcodes: &[] };
}

/// Runs `yaml` (named `s.yaml`) in a fresh folder with `args`; returns the folder and the
/// CSV of table `table` as column → values.
fn run_table(
    yaml: &str,
    table: &str,
    args: &[&str],
) -> (tempfile::TempDir, BTreeMap<String, Vec<String>>) {
    let dir = folder(&[("s.yaml", yaml)]);
    let mut all = vec!["run", "s.yaml", "--out", "out", "-q"];
    all.extend_from_slice(args);
    let o = tutas(dir.path(), &all);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (header, rows) = read_csv(&dir.path().join(format!("out/unprocessed/{table}.csv")));
    let columns = header
        .iter()
        .map(|h| {
            (
                h.clone(),
                rows.iter().map(|r| r[col(&header, h)].clone()).collect(),
            )
        })
        .collect();
    (dir, columns)
}

/// A version 4 UUID in its canonical text form.
fn uuid_v4(u: &str) -> bool {
    let b = u.as_bytes();
    u.len() == 36
        && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-')
        && b.iter()
            .enumerate()
            .all(|(i, c)| [8, 13, 18, 23].contains(&i) || matches!(c, b'0'..=b'9' | b'a'..=b'f'))
        && b[14] == b'4'
        && matches!(b[19], b'8' | b'9' | b'a' | b'b')
}

#[test]
fn a_million_uuids_are_valid_v4_distinct_and_reproducible() {
    let yaml = "name: ids\nseed: 5\ntables:\n  t:\n    rows: 1000000\n    columns:\n      id: { fake: uuid }\n";
    let (dir, t) = run_table(yaml, "t", &["--threads", "2"]);
    let ids = &t["id"];
    assert_eq!(ids.len(), 1_000_000);
    assert!(
        ids.iter().all(|u| uuid_v4(u)),
        "{:?}",
        ids.iter().find(|u| !uuid_v4(u))
    );
    let distinct: HashSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), 1_000_000);
    let again = tutas(
        dir.path(),
        &["run", "s.yaml", "--out", "again", "-q", "--threads", "1"],
    );
    assert_eq!(again.code, 0);
    let file = |out: &str| std::fs::read(dir.path().join(out).join("unprocessed/t.csv")).unwrap();
    assert_eq!(file("out"), file("again"), "the same seed, the same UUIDs");
    let other = tutas(
        dir.path(),
        &["run", "s.yaml", "--out", "other", "-q", "--seed", "6"],
    );
    assert_eq!(other.code, 0);
    assert_ne!(file("out"), file("other"), "another seed, other UUIDs");
}

/// The Luhn check of a card number.
fn luhn(number: &str) -> bool {
    let sum: u32 = number
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = (b - b'0') as u32;
            match i % 2 {
                1 if d * 2 > 9 => d * 2 - 9,
                1 => d * 2,
                _ => d,
            }
        })
        .sum();
    number.bytes().all(|b| b.is_ascii_digit()) && sum.is_multiple_of(10)
}

/// The ISO 13616 check of an IBAN: moved and lettered, it is 1 modulo 97.
fn iban_ok(iban: &str) -> bool {
    let moved = format!("{}{}", &iban[4..], &iban[..4]);
    let mut remainder = 0u64;
    for c in moved.chars() {
        let value = match c {
            '0'..='9' => c as u64 - '0' as u64,
            'A'..='Z' => c as u64 - 'A' as u64 + 10,
            _ => return false,
        };
        remainder = match value < 10 {
            true => (remainder * 10 + value) % 97,
            false => (remainder * 100 + value) % 97,
        };
    }
    remainder == 1
}

/// The EAN-13 check digit: weights 1 and 3 alternately make a multiple of 10.
fn ean13_ok(code: &str) -> bool {
    let sum: u32 = code
        .bytes()
        .enumerate()
        .map(|(i, b)| (b - b'0') as u32 * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    code.len() == 13 && code.bytes().all(|b| b.is_ascii_digit()) && sum.is_multiple_of(10)
}

const IDENTIFIERS: &str = r#"name: identifiers
seed: 9
tables:
  t:
    rows: 20000
    columns:
      card: { fake: credit_card }
      iban_de: { fake: iban, locale: de_DE }
      iban_br: { fake: iban, locale: pt_BR }
      iban_gb: { fake: iban }
      ean: { fake: ean13 }
      lat: { fake: latitude, within: [-6.4, -6.1] }
      lon: { fake: longitude, within: [106.7, 107.0] }
      anywhere: { fake: latitude }
      colour: { fake: color }
      bic: { fake: bic }
      currency: { fake: currency_code }
      domain: { fake: domain }
      url: { fake: url }
      agent: { fake: user_agent }
      plate: { fake: licence_plate, locale: fr_FR }
      sentence: { fake: sentence, words: [3, 5] }
      paragraph: { fake: paragraph, sentences: 2 }
"#;

#[test]
fn identifiers_pass_their_checks_and_coordinates_stay_in_their_box() {
    let (_dir, t) = run_table(IDENTIFIERS, "t", &[]);
    for card in &t["card"] {
        assert!(luhn(card) && (15..=16).contains(&card.len()), "card {card}");
    }
    for (column, country, length) in [
        ("iban_de", "DE", 22),
        ("iban_br", "BR", 29),
        ("iban_gb", "GB", 22),
    ] {
        for iban in &t[column] {
            assert!(
                iban.starts_with(country) && iban.len() == length && iban_ok(iban),
                "{column}: {iban}"
            );
        }
    }
    assert!(
        t["ean"].iter().all(|e| ean13_ok(e)),
        "{:?}",
        t["ean"].iter().find(|e| !ean13_ok(e))
    );
    let numbers = |c: &str| -> Vec<f64> { t[c].iter().map(|v| v.parse().unwrap()).collect() };
    let inside = |c: &str, lo: f64, hi: f64| {
        let values = numbers(c);
        assert!(
            values.iter().all(|v| (lo..=hi).contains(v)),
            "{c} outside [{lo}, {hi}]"
        );
        let spread = values.iter().cloned().fold(f64::MIN, f64::max)
            - values.iter().cloned().fold(f64::MAX, f64::min);
        assert!(spread > (hi - lo) * 0.99, "{c} fills its range");
    };
    inside("lat", -6.4, -6.1);
    inside("lon", 106.7, 107.0);
    inside("anywhere", -90.0, 90.0);
    for colour in &t["colour"] {
        assert!(
            shaped(&colour.to_uppercase(), &["#??????"])
                || colour.len() == 7
                    && colour.starts_with('#')
                    && colour[1..].bytes().all(|b| b.is_ascii_hexdigit()),
            "{colour}"
        );
    }
    for bic in &t["bic"] {
        assert!(
            matches!(bic.len(), 8 | 11) && bic[..6].bytes().all(|b| b.is_ascii_uppercase()),
            "{bic}"
        );
    }
    assert!(
        t["currency"]
            .iter()
            .all(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()))
    );
    assert!(
        t["domain"]
            .iter()
            .all(|d| d.contains('.') && !d.contains(' '))
    );
    assert!(
        t["url"]
            .iter()
            .all(|u| u.starts_with("https://") && !u.contains(' '))
    );
    assert!(
        t["agent"]
            .iter()
            .all(|a| a.starts_with("Mozilla/") || a.starts_with("Opera/")),
        "{:?}",
        t["agent"].iter().find(|a| !a.starts_with("Mozilla/"))
    );
    assert!(
        t["plate"].iter().all(|p| shaped(p, &["??-###-??"])),
        "{:?}",
        &t["plate"][..3]
    );
    for s in &t["sentence"] {
        let words = s.split(' ').count();
        assert!(
            (3..=5).contains(&words)
                && s.ends_with('.')
                && s.starts_with(|c: char| c.is_uppercase()),
            "{s}"
        );
    }
    for p in &t["paragraph"] {
        assert_eq!(p.matches(". ").count() + 1, 2, "{p}");
    }
}

#[test]
fn pattern_values_match_it_and_a_unique_pattern_fills_its_values_exactly() {
    // 26 × 26 × 10 × 10 = 67,600 values for 67,600 rows: each value once.
    let yaml = r#"name: codes
seed: 3
tables:
  t:
    rows: 67600
    columns:
      code: { pattern: "??-##", unique: true }
      invoice: { pattern: 'INV-####-?? \#\?\\' }
"#;
    let (_dir, t) = run_table(yaml, "t", &["--threads", "2"]);
    assert!(t["code"].iter().all(|c| shaped(c, &["??-##"])));
    let distinct: HashSet<&String> = t["code"].iter().collect();
    assert_eq!(distinct.len(), 67_600);
    let invoice =
        |c: &String| c.len() == 15 && shaped(&c[..11], &["INV-####-??"]) && c.ends_with(" #?\\");
    assert!(t["invoice"].iter().all(invoice), "{}", t["invoice"][0]);
    let (dir, one) = run_table(yaml, "t", &["--threads", "1"]);
    assert_eq!(t, one, "the same values with 1 and 2 threads");
    let scaled = tutas(dir.path(), &["check", "s.yaml", "--scale", "1.01"]);
    assert_eq!(scaled.code, 2, "{}", scaled.stderr);
    assert!(
        scaled
            .stderr
            .contains("makes 67600 distinct values, fewer than the table's 68276 rows"),
        "{}",
        scaled.stderr
    );
}

#[test]
fn the_mixed_country_scenario_writes_each_customer_in_their_own_locale() {
    let (_dir, out, _) =
        crate::common::run_scenario("scenarios/customers.yaml", &["-q", "--threads", "1"]);
    let (_dir2, out2, _) =
        crate::common::run_scenario("scenarios/customers.yaml", &["-q", "--threads", "2"]);
    assert_eq!(files(&out), files(&out2), "threads change the bytes");
    let (header, rows) = read_csv(&out.join("unprocessed/customer.csv"));
    let (country, name, postcode) = (
        col(&header, "country"),
        col(&header, "name"),
        col(&header, "postcode"),
    );
    let mut seen = BTreeMap::new();
    for row in &rows {
        let ok = match row[country].as_str() {
            "CN" => chinese_text(&row[name]) && shaped(&row[postcode], &["######"]),
            "DE" | "FR" => latin_name(&row[name]) && shaped(&row[postcode], &["#####"]),
            other => panic!("country {other}"),
        };
        assert!(ok, "{row:?}");
        *seen.entry(row[country].clone()).or_insert(0) += 1;
    }
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(
        !header.contains(&"locale".to_string()),
        "the locale column is hidden"
    );
}

#[test]
fn a_row_whose_locale_lacks_the_kind_is_refused_with_its_row() {
    let yaml = r#"name: mixed
tables:
  t:
    rows: 10
    columns:
      n: { uniform_int: [1, 10] }
      l: "CASE WHEN n <= 5 THEN 'de_DE' ELSE 'fr_FR' END"
      company: { fake: company, locale_from: l }
"#;
    let dir = folder(&[("s.yaml", yaml)]);
    let o = tutas(dir.path(), &["run", "s.yaml", "--out", "out"]);
    assert_ne!(o.code, 0);
    assert!(
        o.stderr.contains(
            "`l` is fr_FR, which has no `company`; the locales that have it: en, cy_GB, de_DE"
        ),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("s.yaml:8:33"), "{}", o.stderr);
    assert!(!dir.path().join("out").exists());
    let unknown = yaml.replace("'fr_FR'", "'xx'");
    std::fs::write(dir.path().join("s.yaml"), unknown).unwrap();
    let o = tutas(dir.path(), &["check", "s.yaml"]);
    assert_ne!(o.code, 0);
    assert!(
        o.stderr.contains("`l` is `xx`, not a locale"),
        "{}",
        o.stderr
    );
}

#[test]
fn the_reference_lists_what_each_locale_lacks_as_tutas_checks_it() {
    let reference = std::fs::read_to_string(crate::common::root().join("SCENARIO.md")).unwrap();
    for locale in Locale::all() {
        let row = format!("| `{}` | ", locale.name());
        let line = reference
            .lines()
            .find(|l| l.starts_with(&row))
            .unwrap_or_else(|| panic!("SCENARIO.md has no row for {}", locale.name()));
        let documented: std::collections::BTreeSet<&str> = line[row.len()..]
            .trim_end_matches(" |")
            .split(", ")
            .collect();
        let lacking: std::collections::BTreeSet<&str> = FakeKind::names()
            .iter()
            .copied()
            .filter(|name| *name != "name")
            .filter(|name| !provides(name.parse().unwrap(), locale))
            .collect();
        assert_eq!(documented, lacking, "{}", locale.name());
    }
}
