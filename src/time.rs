//! Date-times as seconds since 1970-01-01 00:00:00 (no time zone): parsing and formatting.

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date (year, month, day) of a day number since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Parses `YYYY-MM-DD`, `YYYY-MM-DD HH:MM` or `YYYY-MM-DD HH:MM:SS` (a `T` may separate date and time).
pub fn parse_datetime(s: &str) -> Option<i64> {
    let s = s.trim();
    let (date, time) = match s.find([' ', 'T']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut dp = date.split('-');
    let y: i64 = dp.next()?.parse().ok()?;
    let m: u32 = dp.next()?.parse().ok()?;
    let d: u32 = dp.next()?.parse().ok()?;
    if dp.next().is_some() || !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    let mut secs = 0;
    if let Some(t) = time {
        let parts: Vec<&str> = t.split(':').collect();
        if !(2..=3).contains(&parts.len()) {
            return None;
        }
        let h: i64 = parts[0].parse().ok()?;
        let mi: i64 = parts[1].parse().ok()?;
        let se: i64 = parts.get(2).map_or(Some(0), |p| p.parse().ok())?;
        if !(0..24).contains(&h) || !(0..60).contains(&mi) || !(0..60).contains(&se) {
            return None;
        }
        secs = h * 3600 + mi * 60 + se;
    }
    Some(days_from_civil(y, m, d) * 86_400 + secs)
}

/// Parses the end of a date-time range: a date alone means the whole day, up to its last second
/// (`2025-01-03` ends at `2025-01-03 23:59:59`); a date-time is itself.
pub fn parse_datetime_end(s: &str) -> Option<i64> {
    let t = parse_datetime(s)?;
    let date_only = !s.trim().contains([' ', 'T']);
    Some(if date_only { t + 86_399 } else { t })
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Slots of [`DayCache`]: a power of two; six months of days fit without collisions.
const DAY_SLOTS: usize = 256;
/// Longest date text a [`DayCache`] slot keeps.
const DAY_TEXT: usize = 24;

/// Texts formatted before, so that date-times cost a copy instead of the calendar arithmetic:
/// the date part of recent days (direct-mapped by day number), and, when the format's time
/// part has no seconds, the text of every minute of the day.
#[derive(Debug, Clone)]
pub struct DayCache {
    days: Vec<i64>,
    lens: Vec<u8>,
    texts: Vec<[u8; DAY_TEXT]>,
    /// The time part of each minute of the day, `minute_width` bytes each (when cached).
    minutes: Vec<u8>,
    minute_width: usize,
}

impl Default for DayCache {
    fn default() -> Self {
        DayCache {
            days: vec![i64::MIN; DAY_SLOTS],
            lens: vec![0; DAY_SLOTS],
            texts: vec![[0; DAY_TEXT]; DAY_SLOTS],
            minutes: Vec::new(),
            minute_width: 0,
        }
    }
}

/// A compiled strftime-like format supporting `%Y %m %d %H %M %S %%` and literal text.
#[derive(Debug, Clone, PartialEq)]
pub struct DateTimeFormat {
    parts: Vec<FormatPart>,
    /// How many leading parts depend on the date only (their text is cached per day).
    date_parts: usize,
    /// Whether the parts after those need only the hour and minute (their text is cached
    /// per minute of the day).
    minute_only: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum FormatPart {
    Literal(String),
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
}

impl Default for DateTimeFormat {
    /// `%Y-%m-%d %H:%M:%S`.
    fn default() -> Self {
        DateTimeFormat::parse("%Y-%m-%d %H:%M:%S").expect("a valid format")
    }
}

impl DateTimeFormat {
    /// Compiles a format, or says which specifier is not supported.
    pub fn parse(format: &str) -> Result<Self, String> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = format.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                literal.push(c);
                continue;
            }
            let part = match chars.next() {
                Some('Y') => FormatPart::Year,
                Some('m') => FormatPart::Month,
                Some('d') => FormatPart::Day,
                Some('H') => FormatPart::Hour,
                Some('M') => FormatPart::Minute,
                Some('S') => FormatPart::Second,
                Some('%') => {
                    literal.push('%');
                    continue;
                }
                Some(other) => {
                    return Err(format!(
                        "`%{other}` is not supported (use %Y %m %d %H %M %S)"
                    ));
                }
                None => return Err("the format ends with a lone `%`".to_string()),
            };
            if !literal.is_empty() {
                parts.push(FormatPart::Literal(std::mem::take(&mut literal)));
            }
            parts.push(part);
        }
        if !literal.is_empty() {
            parts.push(FormatPart::Literal(literal));
        }
        let date_parts = parts
            .iter()
            .take_while(|p| {
                matches!(
                    p,
                    FormatPart::Literal(_) | FormatPart::Year | FormatPart::Month | FormatPart::Day
                )
            })
            .count();
        let minute_only = parts[date_parts..].iter().all(|p| {
            !matches!(
                p,
                FormatPart::Second | FormatPart::Year | FormatPart::Month | FormatPart::Day
            )
        });
        Ok(DateTimeFormat {
            parts,
            date_parts,
            minute_only,
        })
    }

    /// Appends the formatted date-time to `out`.
    pub fn write(&self, secs: i64, out: &mut Vec<u8>) {
        let date = civil_from_days(secs.div_euclid(86_400));
        for part in &self.parts {
            self.write_part(part, date, secs.rem_euclid(86_400), out);
        }
    }

    /// Appends the formatted date-time, copying texts `cache` kept from earlier calls.
    #[inline]
    pub fn write_cached(&self, secs: i64, cache: &mut DayCache, out: &mut Vec<u8>) {
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400);
        let slot = days as usize & (DAY_SLOTS - 1);
        let width = cache.minute_width;
        if cache.days[slot] == days && width > 0 {
            // Both texts cached.
            let at = (sod / 60) as usize * width;
            out.extend_from_slice(&cache.texts[slot][..usize::from(cache.lens[slot])]);
            return out.extend_from_slice(&cache.minutes[at..at + width]);
        }
        self.write_caching(days, sod, cache, out);
    }

    /// [`DateTimeFormat::write_cached`] when a text is not cached yet.
    fn write_caching(&self, days: i64, sod: i64, cache: &mut DayCache, out: &mut Vec<u8>) {
        let slot = days as usize & (DAY_SLOTS - 1);
        if cache.days[slot] != days {
            let mut text = Vec::with_capacity(DAY_TEXT);
            for part in &self.parts[..self.date_parts] {
                self.write_part(part, civil_from_days(days), sod, &mut text);
            }
            if text.len() > DAY_TEXT {
                out.extend_from_slice(&text);
                return self.write_time(days, sod, cache, out);
            }
            cache.days[slot] = days;
            cache.lens[slot] = text.len() as u8;
            cache.texts[slot][..text.len()].copy_from_slice(&text);
        }
        out.extend_from_slice(&cache.texts[slot][..cache.lens[slot] as usize]);
        self.write_time(days, sod, cache, out);
    }

    /// Appends the parts after the date: from the minute table when they need no seconds.
    fn write_time(&self, days: i64, sod: i64, cache: &mut DayCache, out: &mut Vec<u8>) {
        let time = &self.parts[self.date_parts..];
        if time.is_empty() {
            return;
        }
        if !self.minute_only {
            let date = civil_from_days(days);
            for part in time {
                self.write_part(part, date, sod, out);
            }
            return;
        }
        // Hours, minutes and text: the date is not read.
        let date = (1970, 1, 1);
        if cache.minutes.is_empty() {
            let mut first = Vec::new();
            for part in time {
                self.write_part(part, date, 0, &mut first);
            }
            cache.minute_width = first.len();
            for minute in 0..1440 {
                let start = cache.minutes.len();
                for part in time {
                    self.write_part(part, date, minute * 60, &mut cache.minutes);
                }
                if cache.minutes.len() - start != cache.minute_width {
                    // Texts of unequal width (no padding): formatted each time instead.
                    cache.minute_width = 0;
                    break;
                }
            }
        }
        if cache.minute_width == 0 {
            for part in time {
                self.write_part(part, date, sod, out);
            }
            return;
        }
        let at = (sod / 60) as usize * cache.minute_width;
        out.extend_from_slice(&cache.minutes[at..at + cache.minute_width]);
    }

    fn write_part(
        &self,
        part: &FormatPart,
        (y, m, d): (i64, u32, u32),
        sod: i64,
        out: &mut Vec<u8>,
    ) {
        match part {
            FormatPart::Literal(s) => out.extend_from_slice(s.as_bytes()),
            // At least four digits, as ISO 8601 and chrono write them (`0999`, `-0044`).
            FormatPart::Year => {
                let mut b = itoa::Buffer::new();
                let digits = b.format(y.unsigned_abs());
                if y < 0 {
                    out.push(b'-');
                }
                out.extend(std::iter::repeat_n(
                    b'0',
                    4usize.saturating_sub(digits.len()),
                ));
                out.extend_from_slice(digits.as_bytes())
            }
            FormatPart::Month => two_digits(m as i64, out),
            FormatPart::Day => two_digits(d as i64, out),
            FormatPart::Hour => two_digits(sod / 3600, out),
            FormatPart::Minute => two_digits(sod / 60 % 60, out),
            FormatPart::Second => two_digits(sod % 60, out),
        }
    }

    /// The format as a scenario writes it (`%Y-%m-%d %H:%M:%S`), `%` in text doubled.
    pub fn pattern(&self) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                FormatPart::Literal(s) => s.replace('%', "%%"),
                FormatPart::Year => "%Y".into(),
                FormatPart::Month => "%m".into(),
                FormatPart::Day => "%d".into(),
                FormatPart::Hour => "%H".into(),
                FormatPart::Minute => "%M".into(),
                FormatPart::Second => "%S".into(),
            })
            .collect()
    }

    /// The formatted date-time as a string.
    pub fn format(&self, secs: i64) -> String {
        let mut out = Vec::new();
        self.write(secs, &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

fn two_digits(v: i64, out: &mut Vec<u8>) {
    out.push(b'0' + (v / 10) as u8);
    out.push(b'0' + (v % 10) as u8);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_dates() {
        for days in [-800_000, -1, 0, 1, 59, 60, 20_270, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(parse_datetime("1970-01-02"), Some(86_400));
        assert_eq!(parse_datetime("2025-07-01 01:02:03"), Some(1_751_331_723));
        assert_eq!(parse_datetime("2025-02-29"), None);
        assert_eq!(parse_datetime_end("1970-01-02"), Some(2 * 86_400 - 1));
        assert_eq!(
            parse_datetime_end("1970-01-02 06:00"),
            Some(86_400 + 6 * 3600)
        );
        let f = DateTimeFormat::parse("%Y-%m-%d %H:%M").unwrap();
        assert_eq!(f.format(1_751_331_723), "2025-07-01 01:02");
        for pattern in ["%Y-%m-%d %H:%M", "%d/%m/%Y at 100%% %S", "%Y%m%d"] {
            assert_eq!(DateTimeFormat::parse(pattern).unwrap().pattern(), pattern);
        }
    }

    #[test]
    fn cached_texts_are_the_formatted_texts() {
        let formats = [
            "%Y-%m-%d %H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%d/%m/%Y",
            "%H:%M %d.%m.%Y",
            "at %H h",
            "%Y%m%d",
            "%d.%m.%Y, %H hours and %M minutes",
        ];
        for format in formats {
            let f = DateTimeFormat::parse(format).unwrap();
            let mut cache = DayCache::default();
            for i in 0..20_000i64 {
                // Days far apart share cache slots; seconds cover every minute.
                let secs = (i * 7_919_993) % 4_000_000_000 - 1_000_000_000 + i % 61;
                let mut cached = Vec::new();
                f.write_cached(secs, &mut cache, &mut cached);
                assert_eq!(
                    String::from_utf8(cached).unwrap(),
                    f.format(secs),
                    "{format} at {secs}"
                );
            }
        }
    }

    mod properties {
        use super::*;
        use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
        use proptest::prelude::*;

        /// Seconds from year -9999 to 9999, where chrono and the format's four-digit years
        /// agree.
        fn seconds() -> impl Strategy<Value = i64> {
            -377_705_116_800i64..253_402_300_799
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2_000))]

            /// Days and dates are chrono's, both ways.
            #[test]
            fn days_are_chronos(days in -3_000_000i64..3_000_000) {
                let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
                let date = epoch + chrono::Duration::days(days);
                let (y, m, d) = civil_from_days(days);
                prop_assert_eq!((y, m, d), (date.year() as i64, date.month(), date.day()));
                prop_assert_eq!(days_from_civil(y, m, d), days);
            }

            /// Formatting with `%Y-%m-%d %H:%M:%S` is chrono's, and parsing it gives the
            /// seconds back.
            #[test]
            fn formats_and_parses_as_chrono(secs in 0i64..253_402_300_799) {
                let chrono = chrono::DateTime::from_timestamp(secs, 0).unwrap().naive_utc();
                let text = DateTimeFormat::default().format(secs);
                prop_assert_eq!(&text, &chrono.format("%Y-%m-%d %H:%M:%S").to_string());
                prop_assert_eq!(parse_datetime(&text), Some(secs));
                let t = text.replacen(' ', "T", 1);
                prop_assert_eq!(parse_datetime(&t), Some(secs));
                prop_assert_eq!(chrono.second() as i64, secs.rem_euclid(60));
            }

            /// Every other format's text is chrono's, cached or not.
            #[test]
            fn other_formats_are_chronos(secs in seconds(), which in 0usize..4) {
                let format = ["%d/%m/%Y %H:%M", "%Y%m%d", "%H:%M:%S", "%m-%d %%Y"][which];
                let chrono = chrono::DateTime::from_timestamp(secs, 0).unwrap().naive_utc();
                let ours = DateTimeFormat::parse(format).unwrap();
                let expected = chrono.format(format).to_string();
                prop_assert_eq!(ours.format(secs), expected);
                let mut cached = Vec::new();
                ours.write_cached(secs, &mut DayCache::default(), &mut cached);
                prop_assert_eq!(String::from_utf8(cached).unwrap(), ours.format(secs));
            }

            /// A text chrono rejects as a date is rejected here too, and one it accepts is read
            /// as it reads it.
            #[test]
            fn parses_what_chrono_parses(y in 1i64..9999, m in 0u32..14, d in 0u32..33, h in 0u32..26) {
                let text = format!("{y:04}-{m:02}-{d:02} {h:02}:30");
                let chrono = NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M").ok();
                let ours = parse_datetime(&text);
                prop_assert_eq!(ours, chrono.map(|c| c.and_utc().timestamp()));
            }
        }
    }
}
