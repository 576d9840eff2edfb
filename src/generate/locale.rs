//! Fake values from the `fake` crate in the scenario's locale.
//!
//! Names and phone numbers, the hot columns of most scenarios, are written
//! straight into the column buffer from the locale's data (no allocation per
//! row); every other kind goes through `fake`'s own generators.

use std::sync::OnceLock;

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

    /// Appends ASCII text (the caller has made sure of it).
    fn push_ascii(&mut self, s: &[u8]) {
        self.push_text(std::str::from_utf8(s).unwrap_or_default());
    }
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
        Locale::En => write_with(kind, EN, &EN_NUMBERS, rng, out),
        Locale::IdId => write_with(kind, IdId, &ID_NUMBERS, rng, out),
    }
}

fn pick<'a>(rng: &mut Rng, list: &[&'a str]) -> &'a str {
    list[rng.random_range(0..list.len())]
}

/// A phone format prepared once: its text, and where its `#` and `^` are. Writing it
/// replaces `#` with a digit and `^` with a non-zero digit, as `fake` does. The `#` digits
/// come from one uniform draw below 10^k (k ≤ 18), which makes each digit uniform and
/// independent at one draw per value instead of one per digit.
struct NumberFormat {
    text: [u8; 32],
    len: usize,
    /// Where the `#` are, in order (the k-th takes the draw's k-th least significant digit).
    hashes: Vec<u8>,
    /// 10^(number of `#`): the `#` digits are one draw below it.
    bound: u64,
    /// Where the `^` are, in order (a draw each, after the `#` draw).
    carets: Vec<u8>,
    /// The format, when it is not prepared (longer than 32 bytes, more than 18 `#`, not
    /// ASCII): written byte by byte.
    unprepared: Option<&'static str>,
}

impl NumberFormat {
    fn new(format: &'static str) -> NumberFormat {
        let positions = |byte: u8| -> Vec<u8> {
            (0..format.len() as u8)
                .filter(|&i| format.as_bytes()[i as usize] == byte)
                .collect()
        };
        let hashes = positions(b'#');
        let mut text = [0u8; 32];
        let prepared = format.len() <= text.len() && hashes.len() <= 18 && format.is_ascii();
        if prepared {
            text[..format.len()].copy_from_slice(format.as_bytes());
        }
        NumberFormat {
            text,
            len: format.len(),
            bound: if prepared {
                10u64.pow(hashes.len() as u32)
            } else {
                0
            },
            hashes,
            carets: positions(b'^'),
            unprepared: (!prepared).then_some(format),
        }
    }

    fn write(&self, rng: &mut Rng, out: &mut impl TextSink) {
        if let Some(format) = self.unprepared {
            return numerify(format, rng, out);
        }
        let mut drawn = rng.random_range(0..self.bound);
        let mut text = self.text;
        // The k-th `#` takes the draw's k-th least significant digit, two digits at a time.
        let mut pairs = self.hashes.chunks_exact(2);
        for pair in &mut pairs {
            let two = (drawn % 100) as usize * 2;
            text[pair[0] as usize % 32] = DIGIT_PAIRS[two + 1];
            text[pair[1] as usize % 32] = DIGIT_PAIRS[two];
            drawn /= 100;
        }
        if let [last] = pairs.remainder() {
            text[*last as usize % 32] = b'0' + (drawn % 10) as u8;
        }
        for &at in &self.carets {
            text[at as usize % 32] = b'1' + rng.random_range(0..9u8);
        }
        // ASCII with ASCII digits put in.
        out.push_ascii(&text[..self.len]);
    }
}

/// "00", "01", …, "99": the two digits of each number below 100.
const DIGIT_PAIRS: [u8; 200] = {
    let mut pairs = [0u8; 200];
    let mut n = 0;
    while n < 100 {
        pairs[2 * n] = b'0' + (n / 10) as u8;
        pairs[2 * n + 1] = b'0' + (n % 10) as u8;
        n += 1;
    }
    pairs
};

/// A locale's phone and cell formats, prepared on first use.
struct NumberFormats {
    phone: OnceLock<Vec<NumberFormat>>,
    cell: OnceLock<Vec<NumberFormat>>,
}

impl NumberFormats {
    const fn new() -> NumberFormats {
        NumberFormats {
            phone: OnceLock::new(),
            cell: OnceLock::new(),
        }
    }
}

static EN_NUMBERS: NumberFormats = NumberFormats::new();
static ID_NUMBERS: NumberFormats = NumberFormats::new();

/// A number in one of `formats`, drawn as `pick` draws it.
fn write_number(
    formats: &'static [&'static str],
    prepared: &'static OnceLock<Vec<NumberFormat>>,
    rng: &mut Rng,
    out: &mut impl TextSink,
) {
    let prepared = prepared.get_or_init(|| formats.iter().map(|f| NumberFormat::new(f)).collect());
    prepared[rng.random_range(0..formats.len())].write(rng, out);
}

/// Replaces `#` with a digit and `^` with a non-zero digit in any format, one byte at a time
/// (the draws and text of [`NumberFormat`], which is faster).
fn numerify(format: &str, rng: &mut Rng, out: &mut impl TextSink) {
    let hashes = format.bytes().filter(|&b| b == b'#').count() as u32;
    let mut digits = if hashes <= 18 {
        rng.random_range(0..10u64.pow(hashes))
    } else {
        0
    };
    let text: String = format
        .chars()
        .map(|c| match c {
            '#' if hashes <= 18 => {
                let d = (digits % 10) as u8;
                digits /= 10;
                char::from(b'0' + d)
            }
            '#' => char::from(b'0' + rng.random_range(0..10u8)),
            '^' => char::from(b'1' + rng.random_range(0..9u8)),
            c => c,
        })
        .collect();
    out.push_text(&text);
}

fn write_with<L: CityNameGenFn>(
    kind: FakeKind,
    l: L,
    numbers: &'static NumberFormats,
    rng: &mut Rng,
    out: &mut impl TextSink,
) {
    let text: String = match kind {
        FakeKind::FirstName => return out.push_text(pick(rng, L::NAME_FIRST_NAME)),
        FakeKind::LastName => return out.push_text(pick(rng, L::NAME_LAST_NAME)),
        FakeKind::FullName | FakeKind::Name => {
            out.push_text(pick(rng, L::NAME_FIRST_NAME));
            out.push_text(" ");
            return out.push_text(pick(rng, L::NAME_LAST_NAME));
        }
        FakeKind::PhoneNumber => {
            return write_number(L::PHONE_NUMBER_FORMATS, &numbers.phone, rng, out);
        }
        FakeKind::CellNumber => {
            return write_number(L::PHONE_CELL_NUMBER_FORMATS, &numbers.cell, rng, out);
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
    fn prepared_formats_make_the_text_and_draws_of_the_byte_by_byte_way() {
        use fake::locales::Data;
        let mut formats: Vec<&str> = [
            EN::PHONE_NUMBER_FORMATS,
            EN::PHONE_CELL_NUMBER_FORMATS,
            IdId::PHONE_NUMBER_FORMATS,
            IdId::PHONE_CELL_NUMBER_FORMATS,
        ]
        .concat();
        let long: &'static str = "#".repeat(19).leak();
        let wide: &'static str = format!("{}-^", "#".repeat(17)).leak();
        let longer: &'static str = format!("{}-^", "#".repeat(30)).leak();
        formats.extend([
            "",
            "plain",
            "#",
            "^#^",
            "##########!##########",
            long,
            wide,
            longer,
        ]);
        formats.push("éé ### ^ ##");
        for (i, format) in formats.into_iter().enumerate() {
            let (mut a, mut b) = (
                super::super::rng::stream(7, "t", "c", i as u64),
                super::super::rng::stream(7, "t", "c", i as u64),
            );
            for _ in 0..50 {
                let (mut fast, mut slow) = (String::new(), String::new());
                NumberFormat::new(format).write(&mut a, &mut fast);
                numerify(format, &mut b, &mut slow);
                assert_eq!(fast, slow, "{format}");
            }
            assert_eq!(a.random::<u64>(), b.random::<u64>(), "same draws: {format}");
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
