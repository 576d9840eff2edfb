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

/// The date of the last day formatted, so consecutive values of one day skip the calendar arithmetic.
#[derive(Debug, Clone, Default)]
pub struct DayCache {
    days: Option<i64>,
    date: (i64, u32, u32),
    prefix: Vec<u8>,
}

/// A compiled strftime-like format supporting `%Y %m %d %H %M %S %%` and literal text.
#[derive(Debug, Clone, PartialEq)]
pub struct DateTimeFormat {
    parts: Vec<FormatPart>,
    /// How many leading parts depend on the date only (their text is cached per day).
    date_parts: usize,
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
        Ok(DateTimeFormat { parts, date_parts })
    }

    /// Appends the formatted date-time to `out`.
    pub fn write(&self, secs: i64, out: &mut Vec<u8>) {
        self.write_cached(secs, &mut DayCache::default(), out)
    }

    /// Appends the formatted date-time, reusing the date text of the previous call when the day is the same.
    pub fn write_cached(&self, secs: i64, cache: &mut DayCache, out: &mut Vec<u8>) {
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400);
        if cache.days != Some(days) {
            cache.days = Some(days);
            cache.date = civil_from_days(days);
            cache.prefix.clear();
            for part in &self.parts[..self.date_parts] {
                self.write_part(part, cache.date, sod, &mut cache.prefix);
            }
        }
        out.extend_from_slice(&cache.prefix);
        for part in &self.parts[self.date_parts..] {
            self.write_part(part, cache.date, sod, out);
        }
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
            FormatPart::Year => {
                let mut b = itoa::Buffer::new();
                out.extend_from_slice(b.format(y).as_bytes())
            }
            FormatPart::Month => two_digits(m as i64, out),
            FormatPart::Day => two_digits(d as i64, out),
            FormatPart::Hour => two_digits(sod / 3600, out),
            FormatPart::Minute => two_digits(sod / 60 % 60, out),
            FormatPart::Second => two_digits(sod % 60, out),
        }
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
    }
}
