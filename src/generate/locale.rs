//! Fake values from the `fake` crate in the scenario's locales.
//!
//! Names and phone numbers, the hot columns of most scenarios, are written
//! straight into the column buffer from the locale's data (no allocation per
//! row); every other kind goes through `fake`'s own generators, or tutas's own
//! where `fake` has none or gets it wrong (UUIDs, IBANs, EAN-13, card numbers,
//! domains). A locale that lacks a kind's data is refused at analysis
//! ([`provides`]), never answered in English.

use std::sync::OnceLock;

use fake::Fake;
use fake::faker::address::raw as address;
use fake::faker::automotive::raw as automotive;
use fake::faker::company::raw as company;
use fake::faker::currency::raw as currency;
use fake::faker::finance::raw as finance;
use fake::faker::impls::address::CityNameGenFn;
use fake::faker::internet::raw as internet;
use fake::faker::job::raw as job;
use fake::faker::lorem::raw as lorem;
use fake::locales::{
    AR_SA, CY_GB, DE_DE, Data, EN, FA_IR, FR_FR, IT_IT, JA_JP, NL_NL, PT_BR, PT_PT, TR_TR, ZH_CN,
    ZH_TW,
};
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

/// Runs `$body` with `$l` the `fake` data of `$locale`.
macro_rules! with_data {
    ($locale:expr, $l:ident => $body:expr) => {
        match $locale {
            Locale::En => {
                let $l = EN;
                $body
            }
            Locale::IdId => {
                let $l = IdId;
                $body
            }
            Locale::ArSa => {
                let $l = AR_SA;
                $body
            }
            Locale::CyGb => {
                let $l = CY_GB;
                $body
            }
            Locale::DeDe => {
                let $l = DE_DE;
                $body
            }
            Locale::FaIr => {
                let $l = FA_IR;
                $body
            }
            Locale::FrFr => {
                let $l = FR_FR;
                $body
            }
            Locale::ItIt => {
                let $l = IT_IT;
                $body
            }
            Locale::JaJp => {
                let $l = JA_JP;
                $body
            }
            Locale::NlNl => {
                let $l = NL_NL;
                $body
            }
            Locale::PtBr => {
                let $l = PT_BR;
                $body
            }
            Locale::PtPt => {
                let $l = PT_PT;
                $body
            }
            Locale::TrTr => {
                let $l = TR_TR;
                $body
            }
            Locale::ZhCn => {
                let $l = ZH_CN;
                $body
            }
            Locale::ZhTw => {
                let $l = ZH_TW;
                $body
            }
        }
    };
}

/// Appends one fake value of `kind` in `locale` to `out`; `range` is a sentence's words or a
/// paragraph's sentences.
pub fn write_fake(
    kind: FakeKind,
    locale: Locale,
    range: (usize, usize),
    rng: &mut Rng,
    out: &mut impl TextSink,
) {
    let numbers = &NUMBERS[locale as usize];
    if DEFECTS.iter().any(|(l, _, _)| *l == locale) {
        let mut text = String::new();
        write_kind(kind, locale, range, numbers, rng, &mut text);
        for (_, defect, correction) in DEFECTS.iter().filter(|(l, _, _)| *l == locale) {
            if text.contains(defect) {
                text = text.replace(defect, correction);
            }
        }
        return out.push_text(&text);
    }
    write_kind(kind, locale, range, numbers, rng, out)
}

/// Entries of `fake` 5.1's name lists that are not names (a tab, a stray comma or accent,
/// a quote for an apostrophe), with what tutas writes instead, as written and in lower case
/// (e-mail addresses and user names are made from lower-cased names).
const DEFECTS: &[(Locale, &str, &str)] = &[
    (Locale::DeDe, "Özm\u{302}en", "Özmen"),
    (Locale::DeDe, "özm\u{302}en", "özmen"),
    (Locale::ItIt, "Ricci\t", "Ricci"),
    (Locale::ItIt, "ricci\t", "ricci"),
    (Locale::NlNl, "Floris,", "Floris"),
    (Locale::NlNl, "floris,", "floris"),
    (Locale::PtBr, "D\"ávila", "D'Ávila"),
    (Locale::PtBr, "d\"ávila", "dávila"),
];

fn write_kind(
    kind: FakeKind,
    locale: Locale,
    range: (usize, usize),
    numbers: &'static NumberFormats,
    rng: &mut Rng,
    out: &mut impl TextSink,
) {
    match kind {
        FakeKind::LicencePlate => licence_plate(locale, rng, out),
        FakeKind::Iban => iban(locale, rng, out),
        _ => with_data!(locale, l => write_with(kind, l, range, numbers, rng, out)),
    }
}

/// Whether `locale` has its own data for `kind` (a kind that needs none, such as a UUID, is
/// provided by every locale). `fake` falls back to English data silently; tutas refuses.
pub fn provides(kind: FakeKind, locale: Locale) -> bool {
    match kind {
        FakeKind::LicencePlate => matches!(locale, Locale::FrFr | Locale::ItIt | Locale::NlNl),
        FakeKind::Iban => iban_country(locale).is_some(),
        // fa_IR's city templates are Italian ("San ... del Lago") around Persian names.
        FakeKind::City if locale == Locale::FaIr => false,
        _ if locale == Locale::En => true,
        _ => with_data!(locale, l => own_data(kind, l)),
    }
}

/// Whether locale data `L` overrides English's for what `kind` reads.
fn own_data<L: Data>(kind: FakeKind, _: L) -> bool {
    let own = |a: &[&str], b: &[&str]| !a.is_empty() && a != b;
    match kind {
        FakeKind::FirstName => own(L::NAME_FIRST_NAME, EN::NAME_FIRST_NAME),
        FakeKind::LastName => own(L::NAME_LAST_NAME, EN::NAME_LAST_NAME),
        FakeKind::FullName | FakeKind::Name => {
            own(L::NAME_FIRST_NAME, EN::NAME_FIRST_NAME)
                && own(L::NAME_LAST_NAME, EN::NAME_LAST_NAME)
        }
        // Made of the names: only where they are in Latin script (`fake` writes Arabic-script
        // user names, and zh_CN e-mail addresses with a space in them).
        FakeKind::Email | FakeKind::SafeEmail | FakeKind::Username => {
            own(L::NAME_FIRST_NAME, EN::NAME_FIRST_NAME)
                && latin_script(L::NAME_FIRST_NAME)
                && latin_script(L::NAME_LAST_NAME)
        }
        FakeKind::PhoneNumber => own(L::PHONE_NUMBER_FORMATS, EN::PHONE_NUMBER_FORMATS),
        FakeKind::CellNumber => own(L::PHONE_CELL_NUMBER_FORMATS, EN::PHONE_CELL_NUMBER_FORMATS),
        FakeKind::City => {
            own(L::ADDRESS_CITY_SUFFIX, EN::ADDRESS_CITY_SUFFIX)
                || L::ADDRESS_CITY_TPL != EN::ADDRESS_CITY_TPL
        }
        FakeKind::Country => own(L::ADDRESS_COUNTRY, EN::ADDRESS_COUNTRY),
        FakeKind::Street => {
            own(L::ADDRESS_STREET_SUFFIX, EN::ADDRESS_STREET_SUFFIX)
                || L::ADDRESS_STREET_TPL != EN::ADDRESS_STREET_TPL
        }
        FakeKind::ZipCode | FakeKind::Postcode => {
            own(L::ADDRESS_ZIP_FORMATS, EN::ADDRESS_ZIP_FORMATS)
                || own(L::ADDRESS_POSTCODE_FORMATS, EN::ADDRESS_POSTCODE_FORMATS)
        }
        FakeKind::State => own(L::ADDRESS_STATE, EN::ADDRESS_STATE),
        FakeKind::Company => {
            own(L::COMPANY_SUFFIX, EN::COMPANY_SUFFIX)
                || own(L::COMPANY_NAME_TPLS, EN::COMPANY_NAME_TPLS)
        }
        FakeKind::Industry => own(L::COMPANY_INDUSTRY, EN::COMPANY_INDUSTRY),
        FakeKind::Profession => own(L::COMPANY_PROFESSION, EN::COMPANY_PROFESSION),
        FakeKind::JobTitle => own(L::JOB_FIELD, EN::JOB_FIELD),
        // Lorem ipsum is Latin in every locale but zh_CN, which has its own words.
        FakeKind::Word | FakeKind::Sentence | FakeKind::Paragraph => true,
        // No locale data: the same in every locale.
        FakeKind::Ipv4
        | FakeKind::Uuid
        | FakeKind::CreditCard
        | FakeKind::Bic
        | FakeKind::CurrencyCode
        | FakeKind::Color
        | FakeKind::Url
        | FakeKind::Domain
        | FakeKind::UserAgent
        | FakeKind::Ean13 => true,
        FakeKind::LicencePlate | FakeKind::Iban => false,
    }
}

/// Whether every name of a list is written in Latin script (letters up to Latin Extended-B,
/// combining accents, punctuation).
fn latin_script(names: &[&str]) -> bool {
    let latin = |c: char| c < '\u{0250}' || ('\u{0300}'..='\u{036f}').contains(&c);
    names.iter().all(|n| n.chars().all(latin))
}

/// The locales that provide `kind`, by name.
pub fn locales_providing(kind: FakeKind) -> Vec<&'static str> {
    Locale::all()
        .filter(|l| provides(kind, *l))
        .map(Locale::name)
        .collect()
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

/// Each locale's prepared phone formats, by `Locale as usize`.
static NUMBERS: [NumberFormats; 15] = [const { NumberFormats::new() }; 15];

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
    (from, to): (usize, usize),
    numbers: &'static NumberFormats,
    rng: &mut Rng,
    out: &mut impl TextSink,
) {
    let text: String = match kind {
        FakeKind::FirstName => return out.push_text(pick(rng, L::NAME_FIRST_NAME)),
        FakeKind::LastName => return out.push_text(pick(rng, L::NAME_LAST_NAME)),
        FakeKind::FullName | FakeKind::Name => {
            let (first, last) = (pick(rng, L::NAME_FIRST_NAME), pick(rng, L::NAME_LAST_NAME));
            return match name_order::<L>() {
                NameOrder::GivenFirst => {
                    out.push_text(first);
                    out.push_text(" ");
                    out.push_text(last)
                }
                NameOrder::FamilyFirst(separator) => {
                    out.push_text(last);
                    out.push_text(separator);
                    out.push_text(first)
                }
            };
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
        FakeKind::City => {
            let city: String = address::CityName(l).fake_with_rng(rng);
            // nl_NL's river template leaves `{River}` in the text (`fake` 5.1).
            match city.strip_suffix(" {River}") {
                Some(city) => format!("{city} {}", pick(rng, DUTCH_RIVERS)),
                None => city,
            }
        }
        FakeKind::Country => address::CountryName(l).fake_with_rng(rng),
        FakeKind::Street => address::StreetName(l).fake_with_rng(rng),
        // One kind under two names: the locale's postcode formats, or its zip code formats
        // where it has only those (`fake`'s English zip codes have 3 to 5 digits).
        FakeKind::ZipCode | FakeKind::Postcode if only_zip_codes::<L>() => {
            address::ZipCode(l).fake_with_rng(rng)
        }
        FakeKind::ZipCode | FakeKind::Postcode => address::PostCode(l).fake_with_rng(rng),
        FakeKind::State => address::StateName(l).fake_with_rng(rng),
        FakeKind::Company => company::CompanyName(l).fake_with_rng(rng),
        FakeKind::Industry => company::Industry(l).fake_with_rng(rng),
        FakeKind::Profession => company::Profession(l).fake_with_rng(rng),
        FakeKind::JobTitle => job::Title(l).fake_with_rng(rng),
        FakeKind::Word => lorem::Word(l).fake_with_rng(rng),
        FakeKind::Sentence => {
            let sentence: String = lorem::Sentence(l, from..to + 1).fake_with_rng(rng);
            return push_capitalized(&sentence, out);
        }
        // Sentences joined by a space (`fake` joins them by a line break, awkward in CSV).
        FakeKind::Paragraph => {
            for i in 0..rng.random_range(from..=to) {
                if i > 0 {
                    out.push_text(" ");
                }
                push_capitalized(
                    &lorem::Sentence(l, 4..11).fake_with_rng::<String, _>(rng),
                    out,
                );
            }
            return;
        }
        FakeKind::Uuid => return uuid(rng, out),
        FakeKind::CreditCard => return credit_card(rng, out),
        FakeKind::Bic => finance::Bic(l).fake_with_rng(rng),
        FakeKind::CurrencyCode => currency::CurrencyCode(l).fake_with_rng(rng),
        FakeKind::Color => {
            let text = format!("#{:06x}", rng.random_range(0..0x100_0000u32));
            return out.push_ascii(text.as_bytes());
        }
        FakeKind::Domain => return domain::<L>(rng, out),
        FakeKind::Url => {
            out.push_text("https://www.");
            domain::<L>(rng, out);
            out.push_text("/");
            return out.push_text(pick(rng, EN::LOREM_WORD));
        }
        FakeKind::UserAgent => internet::UserAgent(l).fake_with_rng(rng),
        FakeKind::Ean13 => return ean13(rng, out),
        // Drawn by `write_fake` (locale-specific types of `fake`, or tutas's tables).
        FakeKind::LicencePlate | FakeKind::Iban => String::new(),
    };
    out.push_text(&text);
}

/// Appends `text` with its first letter in upper case, as a sentence starts.
fn push_capitalized(text: &str, out: &mut impl TextSink) {
    let mut chars = text.chars();
    if let Some(first) = chars.next() {
        for upper in first.to_uppercase() {
            out.push_text(upper.encode_utf8(&mut [0; 4]));
        }
    }
    out.push_text(chars.as_str());
}

/// What follows a Dutch city's name when `fake` draws one on a river.
const DUTCH_RIVERS: &[&str] = &[
    "aan den Rijn",
    "aan de Maas",
    "aan de IJssel",
    "aan de Vecht",
    "aan de Waal",
];

/// Whether locale `L` has zip code formats of its own but no postcode formats.
fn only_zip_codes<L: Data>() -> bool {
    L::ADDRESS_POSTCODE_FORMATS == EN::ADDRESS_POSTCODE_FORMATS
        && L::ADDRESS_ZIP_FORMATS != EN::ADDRESS_ZIP_FORMATS
}

/// How a full name is written.
enum NameOrder {
    /// `given family`, as in English.
    GivenFirst,
    /// The family name first, then the separator: `王秀英` (Chinese), `佐藤 あかり` (Japanese,
    /// as Python Faker writes it).
    FamilyFirst(&'static str),
}

/// The name order of locale `L`: family first where family names are in CJK script, with a
/// space where given names are in kana (Japanese).
fn name_order<L: Data>() -> NameOrder {
    let script = |names: &[&str], range: std::ops::RangeInclusive<char>| {
        names
            .first()
            .and_then(|n| n.chars().next())
            .is_some_and(|c| range.contains(&c))
    };
    match (
        script(L::NAME_LAST_NAME, '\u{3040}'..='\u{9fff}'),
        script(L::NAME_FIRST_NAME, '\u{3040}'..='\u{30ff}'),
    ) {
        (false, _) => NameOrder::GivenFirst,
        (true, true) => NameOrder::FamilyFirst(" "),
        (true, false) => NameOrder::FamilyFirst(""),
    }
}

/// A version 4 UUID from 128 random bits: `xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx`, `V` one of
/// 8, 9, a, b.
fn uuid(rng: &mut Rng, out: &mut impl TextSink) {
    let (hi, lo) = (rng.random::<u64>(), rng.random::<u64>());
    let hi = (hi & !0xf000) | 0x4000;
    let lo = (lo & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    let text = format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    );
    out.push_ascii(text.as_bytes());
}

/// The Luhn check digit of `digits` (each 0-9), to append.
fn luhn_digit(digits: &[u8]) -> u8 {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            match i % 2 {
                0 => (d * 2) / 10 + (d * 2) % 10,
                _ => d,
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// A card number: Visa (4, 16 digits), MasterCard (51-55, 16) or American Express (34/37, 15),
/// with a valid Luhn check digit.
fn credit_card(rng: &mut Rng, out: &mut impl TextSink) {
    let (mut digits, length): (Vec<u8>, usize) = match rng.random_range(0..3) {
        0 => (vec![4], 16),
        1 => (vec![5, rng.random_range(1..=5)], 16),
        _ => (vec![3, if rng.random_bool(0.5) { 4 } else { 7 }], 15),
    };
    while digits.len() < length - 1 {
        digits.push(rng.random_range(0..10));
    }
    digits.push(luhn_digit(&digits));
    let text: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
    out.push_ascii(text.as_bytes());
}

/// An EAN-13 number: 12 digits and their check digit (weights 1 and 3).
fn ean13(rng: &mut Rng, out: &mut impl TextSink) {
    let digits: Vec<u8> = (0..12).map(|_| rng.random_range(0..10)).collect();
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, &d)| u32::from(d) * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    let check = ((10 - sum % 10) % 10) as u8;
    let text: String = digits
        .iter()
        .chain([&check])
        .map(|d| char::from(b'0' + d))
        .collect();
    out.push_ascii(text.as_bytes());
}

/// A domain: a lower-case Latin word and one of the locale's domain suffixes.
fn domain<L: Data>(rng: &mut Rng, out: &mut impl TextSink) {
    let word = pick(rng, EN::LOREM_WORD);
    out.push_text(word);
    out.push_text(".");
    out.push_text(pick(rng, L::INTERNET_DOMAIN_SUFFIX));
}

/// A licence plate in the formats `fake` has for France, Italy and the Netherlands.
fn licence_plate(locale: Locale, rng: &mut Rng, out: &mut impl TextSink) {
    let text: String = match locale {
        Locale::FrFr => automotive::LicencePlate(FR_FR).fake_with_rng(rng),
        Locale::ItIt => automotive::LicencePlate(IT_IT).fake_with_rng(rng),
        Locale::NlNl => automotive::LicencePlate(NL_NL).fake_with_rng(rng),
        // Refused at analysis: no other locale has licence plates.
        _ => String::new(),
    };
    out.push_text(&text);
}

/// The country code and the national account number's length of a locale's IBANs (ISO 13616).
fn iban_country(locale: Locale) -> Option<(&'static str, usize)> {
    Some(match locale {
        Locale::En | Locale::CyGb => ("GB", 18),
        Locale::DeDe => ("DE", 18),
        Locale::FrFr => ("FR", 23),
        Locale::ItIt => ("IT", 23),
        Locale::NlNl => ("NL", 14),
        Locale::PtPt => ("PT", 21),
        Locale::PtBr => ("BR", 25),
        Locale::TrTr => ("TR", 22),
        Locale::ArSa => ("SA", 20),
        Locale::FaIr => ("IR", 22),
        Locale::IdId | Locale::JaJp | Locale::ZhCn | Locale::ZhTw => return None,
    })
}

/// An IBAN of the locale's country: its code, two check digits (ISO 7064 mod 97-10) and a
/// national number of digits. (Countries whose format has letters, GB's bank code and IT's
/// check letter, are written with digits there: valid check digits, a simplified format.)
fn iban(locale: Locale, rng: &mut Rng, out: &mut impl TextSink) {
    let Some((country, length)) = iban_country(locale) else {
        return;
    };
    let bban: String = (0..length)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect();
    let check = 98 - iban_remainder(&format!("{bban}{country}00"));
    out.push_ascii(format!("{country}{check:02}{bban}").as_bytes());
}

/// The remainder mod 97 of an IBAN's text with letters as numbers (A = 10, …, Z = 35).
pub fn iban_remainder(text: &str) -> u32 {
    text.chars().fold(0u32, |r, c| {
        let v = c.to_digit(36).unwrap_or(0);
        match v >= 10 {
            true => (r * 100 + v) % 97,
            false => (r * 10 + v) % 97,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_produces_text() {
        let mut rng = super::super::rng::stream(1, "t", "c", 0);
        for name in FakeKind::names() {
            for locale in Locale::all() {
                let kind: FakeKind = name.parse().unwrap();
                if !provides(kind, locale) {
                    continue;
                }
                let mut s = String::new();
                write_fake(kind, locale, (4, 10), &mut rng, &mut s);
                assert!(!s.is_empty(), "{name} in {}", locale.name());
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
            write_fake(kind, Locale::IdId, (1, 1), &mut rng, &mut s);
            assert!(
                s.starts_with("+62") || s.starts_with('(') || s.starts_with("08"),
                "{s}"
            );
        }
    }
}
