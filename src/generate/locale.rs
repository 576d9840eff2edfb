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

use super::locale_id::IdId;
use super::rng::Rng;
use crate::plan::{FakeKind, Locale};

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
    let text: String = match kind {
        FakeKind::FirstName => return out.push_text(pick(rng, L::NAME_FIRST_NAME)),
        FakeKind::LastName => return out.push_text(pick(rng, L::NAME_LAST_NAME)),
        FakeKind::FullName | FakeKind::Name => {
            out.push_text(pick(rng, L::NAME_FIRST_NAME));
            out.push_text(" ");
            return out.push_text(pick(rng, L::NAME_LAST_NAME));
        }
        FakeKind::PhoneNumber => return numerify(pick(rng, L::PHONE_NUMBER_FORMATS), rng, out),
        FakeKind::CellNumber => {
            return numerify(pick(rng, L::PHONE_CELL_NUMBER_FORMATS), rng, out);
        }
        FakeKind::Email => internet::FreeEmail(l).fake_with_rng(rng),
        FakeKind::SafeEmail => internet::SafeEmail(l).fake_with_rng(rng),
        FakeKind::Username => internet::Username(l).fake_with_rng(rng),
        FakeKind::Ipv4 => internet::IPv4(l).fake_with_rng(rng),
        FakeKind::City => address::CityName(l).fake_with_rng(rng),
        FakeKind::Country => address::CountryName(l).fake_with_rng(rng),
        FakeKind::Street => address::StreetName(l).fake_with_rng(rng),
        FakeKind::ZipCode => address::ZipCode(l).fake_with_rng(rng),
        FakeKind::State => address::StateName(l).fake_with_rng(rng),
        FakeKind::Company => company::CompanyName(l).fake_with_rng(rng),
        FakeKind::Industry => company::Industry(l).fake_with_rng(rng),
        FakeKind::Profession => company::Profession(l).fake_with_rng(rng),
        FakeKind::JobTitle => job::Title(l).fake_with_rng(rng),
        FakeKind::Word => lorem::Word(l).fake_with_rng(rng),
    };
    out.push_text(&text);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_produces_text() {
        let mut rng = super::super::rng::stream(1, "t", "c", 0);
        for name in FakeKind::names() {
            for locale in [Locale::En, Locale::IdId] {
                let mut s = String::new();
                write_fake(name.parse().unwrap(), locale, &mut rng, &mut s);
                assert!(!s.is_empty(), "{name}");
            }
        }
    }

    #[test]
    fn indonesian_phones_follow_the_formats() {
        let mut rng = super::super::rng::stream(1, "t", "c", 0);
        let kind = FakeKind::PhoneNumber;
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
