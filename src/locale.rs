//! Fake values from the `fake` crate in the scenario's locale.
//!
//! Names and phone numbers, the hot columns of most scenarios, are written
//! straight into the column buffer from the locale's data (no allocation per
//! row); every other kind goes through `fake`'s own generators.

use fake::Fake;
use fake::faker::address::raw as address;
use fake::faker::company::raw as company;
use fake::faker::impls::address::CityNameGenFn;
use fake::faker::internet::raw as internet;
use fake::faker::job::raw as job;
use fake::faker::lorem::raw as lorem;
use fake::locales::EN;
use rand::RngExt;

use crate::locale_id::IdId;
use crate::rng::Rng;

/// A supported locale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    /// English (`en`).
    En,
    /// Indonesian (`id_ID`).
    IdId,
}

/// Locale names accepted in a scenario.
pub const LOCALES: &[&str] = &["en", "id_ID"];

impl Locale {
    /// The locale for a scenario's `locale` value.
    pub fn parse(s: &str) -> Option<Locale> {
        match s {
            "en" | "en_US" => Some(Locale::En),
            "id_ID" => Some(Locale::IdId),
            _ => None,
        }
    }
}

/// Kinds of fake values, by the name used in `fake:`.
pub const FAKE_KINDS: &[&str] = &[
    "first_name",
    "last_name",
    "full_name",
    "name",
    "phone_number",
    "cell_number",
    "email",
    "safe_email",
    "username",
    "city",
    "country",
    "street",
    "zip_code",
    "state",
    "company",
    "industry",
    "profession",
    "job_title",
    "word",
    "ipv4",
];

/// One kind of fake value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FakeKind(usize);

impl FakeKind {
    /// The kind named `s`, if supported.
    pub fn parse(s: &str) -> Option<FakeKind> {
        FAKE_KINDS.iter().position(|k| *k == s).map(FakeKind)
    }

    /// The kind's name.
    pub fn name(self) -> &'static str {
        FAKE_KINDS[self.0]
    }
}

/// Somewhere text is appended: a `String`, or an Arrow string builder's current value.
pub trait TextSink {
    /// Appends text.
    fn push_text(&mut self, s: &str);
}

impl<W: std::fmt::Write> TextSink for W {
    fn push_text(&mut self, s: &str) {
        // Writing to a String or a StringBuilder cannot fail.
        let _ = self.write_str(s);
    }
}

/// Appends one fake value of `kind` in `locale` to `out`.
pub fn write_fake(kind: FakeKind, locale: Locale, rng: &mut Rng, out: &mut impl TextSink) {
    match locale {
        Locale::En => write_with(kind, EN, rng, out),
        Locale::IdId => write_with(kind, IdId, rng, out),
    }
}

fn pick<'a>(rng: &mut Rng, list: &[&'a str]) -> &'a str {
    list[rng.random_range(0..list.len())]
}

/// Replaces `#` with a digit and `^` with a non-zero digit, as `fake` does. The `#` digits of a
/// format come from one uniform draw below 10^k (k ≤ 18), which makes each digit uniform and
/// independent at one draw per value instead of one per digit.
fn numerify(format: &str, rng: &mut Rng, out: &mut impl TextSink) {
    let hashes = format.bytes().filter(|&b| b == b'#').count() as u32;
    let mut digits = if hashes <= 18 {
        rng.random_range(0..10u64.pow(hashes))
    } else {
        0
    };
    let mut buf = [0u8; 64];
    let mut len = 0;
    for c in format.bytes() {
        let b = match c {
            b'#' if hashes <= 18 => {
                let d = (digits % 10) as u8;
                digits /= 10;
                b'0' + d
            }
            b'#' => b'0' + rng.random_range(0..10u8),
            b'^' => b'1' + rng.random_range(0..9u8),
            c => c,
        };
        if len == buf.len() {
            out.push_text(std::str::from_utf8(&buf[..len]).unwrap_or_default());
            len = 0;
        }
        buf[len] = b;
        len += 1;
    }
    out.push_text(std::str::from_utf8(&buf[..len]).unwrap_or_default());
}

fn write_with<L: CityNameGenFn>(kind: FakeKind, l: L, rng: &mut Rng, out: &mut impl TextSink) {
    match kind.name() {
        "first_name" => out.push_text(pick(rng, L::NAME_FIRST_NAME)),
        "last_name" => out.push_text(pick(rng, L::NAME_LAST_NAME)),
        "full_name" | "name" => {
            out.push_text(pick(rng, L::NAME_FIRST_NAME));
            out.push_text(" ");
            out.push_text(pick(rng, L::NAME_LAST_NAME));
        }
        "phone_number" => numerify(pick(rng, L::PHONE_NUMBER_FORMATS), rng, out),
        "cell_number" => numerify(pick(rng, L::PHONE_CELL_NUMBER_FORMATS), rng, out),
        other => out.push_text(&fake_string(other, l, rng)),
    }
}

fn fake_string<L: CityNameGenFn>(kind: &str, l: L, rng: &mut Rng) -> String {
    match kind {
        "email" => internet::FreeEmail(l).fake_with_rng(rng),
        "safe_email" => internet::SafeEmail(l).fake_with_rng(rng),
        "username" => internet::Username(l).fake_with_rng(rng),
        "ipv4" => internet::IPv4(l).fake_with_rng(rng),
        "city" => address::CityName(l).fake_with_rng(rng),
        "country" => address::CountryName(l).fake_with_rng(rng),
        "street" => address::StreetName(l).fake_with_rng(rng),
        "zip_code" => address::ZipCode(l).fake_with_rng(rng),
        "state" => address::StateName(l).fake_with_rng(rng),
        "company" => company::CompanyName(l).fake_with_rng(rng),
        "industry" => company::Industry(l).fake_with_rng(rng),
        "profession" => company::Profession(l).fake_with_rng(rng),
        "job_title" => job::Title(l).fake_with_rng(rng),
        _ => lorem::Word(l).fake_with_rng(rng),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_produces_text() {
        let mut rng = crate::rng::stream(1, "t", "c", 0);
        for name in FAKE_KINDS {
            for locale in [Locale::En, Locale::IdId] {
                let mut s = String::new();
                write_fake(FakeKind::parse(name).unwrap(), locale, &mut rng, &mut s);
                assert!(!s.is_empty(), "{name}");
            }
        }
    }

    #[test]
    fn indonesian_phones_follow_the_formats() {
        let mut rng = crate::rng::stream(1, "t", "c", 0);
        let kind = FakeKind::parse("phone_number").unwrap();
        for _ in 0..200 {
            let mut s = String::new();
            write_fake(kind, Locale::IdId, &mut rng, &mut s);
            assert!(
                s.starts_with("+62") || s.starts_with('(') || s.starts_with("08"),
                "{s}"
            );
        }
    }
}
