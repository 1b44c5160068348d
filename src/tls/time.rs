//! Calendar time in UTC (RFC 5280 §4.1.2.5 certificate times, and the trace's timestamps):
//! converted to and from seconds since 1970, and read from the digits of a UTCTime or
//! GeneralizedTime (`x509::der::DerWriter::time` writes them). Depends on nothing above it.

use super::error::Error;

fn malformed(what: &str) -> Error {
    Error::BadCertificate(format!("the certificate does not parse: {what}"))
}

/// A calendar time in UTC, to the second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateTime {
    pub year: u32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl DateTime {
    /// Days since 1970-01-01 to a civil date (H. Hinnant's `civil_from_days`), for years 1970–9999;
    /// `None` past the end of 9999, the last year a certificate can name. Every step is checked
    /// arithmetic, so a clock anywhere in the range of `u64` is an answer, not a panic.
    pub fn from_unix(secs: u64) -> Option<DateTime> {
        let days = secs / 86400;
        let rem = secs % 86400;
        let z = days.checked_add(719_468)?;
        let era = z / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = era.checked_mul(400)?.checked_add(yoe)?.checked_add(u64::from(month <= 2))?;
        if year > 9999 {
            return None;
        }
        let small = |v: u64| u32::try_from(v).ok();
        Some(DateTime {
            year: small(year)?,
            month: small(month)?,
            day: small(day)?,
            hour: small(rem / 3600)?,
            minute: small(rem / 60 % 60)?,
            second: small(rem % 60)?,
        })
    }

    /// Seconds since 1970 (`days_from_civil`, the inverse of [`DateTime::from_unix`]). A date
    /// before 1970 (which no parsed certificate time is) gives 0, and one past the range of `u64`
    /// its largest value: checked arithmetic throughout, never an overflow.
    pub fn unix(&self) -> u64 {
        self.checked_unix().unwrap_or(if self.year < 1970 { 0 } else { u64::MAX })
    }

    fn checked_unix(&self) -> Option<u64> {
        let m = u64::from(self.month);
        let y = u64::from(self.year).checked_sub(u64::from(m <= 2))?;
        let era = y / 400;
        let yoe = y - era * 400;
        let month_index = if m > 2 { m - 3 } else { m.checked_add(9)? };
        let doy = (153u64.checked_mul(month_index)?.checked_add(2)? / 5).checked_add(u64::from(self.day))?.checked_sub(1)?;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era.checked_mul(146_097)?.checked_add(doe)?.checked_sub(719_468)?;
        let time = u64::from(self.hour) * 3600 + u64::from(self.minute) * 60 + u64::from(self.second);
        days.checked_mul(86400)?.checked_add(time)
    }

    /// RFC 5280 §4.1.2.5.1 and §4.1.2.5.2: `YYMMDDHHMMSSZ` (years 1950–2049) or
    /// `YYYYMMDDHHMMSSZ`, in UTC, with seconds and no fraction.
    pub(crate) fn parse(utc_time: bool, c: &[u8]) -> Result<DateTime, Error> {
        let digits = if utc_time { 12 } else { 14 };
        if c.len() != digits + 1 || c[digits] != b'Z' || !c[..digits].iter().all(u8::is_ascii_digit) {
            return Err(malformed("a time not in the form RFC 5280 requires"));
        }
        let n = |i: usize| u32::from(c[i] - b'0') * 10 + u32::from(c[i + 1] - b'0');
        let (year, at) = if utc_time {
            let yy = n(0);
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, 2)
        } else {
            (n(0) * 100 + n(2), 4)
        };
        let t = DateTime { year, month: n(at), day: n(at + 2), hour: n(at + 4), minute: n(at + 6), second: n(at + 8) };
        let valid = year >= 1970
            && (1..=12).contains(&t.month)
            && t.day >= 1
            && t.day <= days_in_month(year, t.month)
            && t.hour < 24
            && t.minute < 60
            && t.second < 60;
        if !valid {
            return Err(malformed("a time that is not a real date"));
        }
        Ok(t)
    }
}

impl core::fmt::Display for DateTime {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", self.year, self.month, self.day, self.hour, self.minute, self.second)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::x509::der::{DerWriter, GENERALIZED_TIME};

    #[test]
    fn times_convert_both_ways() {
        // 2000-02-29 (a leap day in a century year) and the UTCTime/GeneralizedTime switch.
        let t = DateTime::parse(true, b"000229123456Z").unwrap();
        assert_eq!(t.unix(), 951_827_696);
        assert_eq!(DateTime::from_unix(951_827_696), Some(t));
        assert_eq!(t.to_string(), "2000-02-29T12:34:56Z");
        assert_eq!(DateTime::parse(true, b"491231235959Z").unwrap().year, 2049);
        assert_eq!(DateTime::parse(true, b"500101000000Z").map(|t| t.year).ok(), None, "1950 is before 1970");
        assert_eq!(DateTime::parse(false, b"20500101000000Z").unwrap().unix(), 2_524_608_000);
        assert!(DateTime::parse(true, b"010229000000Z").is_err(), "2001 has no 29 February");
        assert!(DateTime::parse(true, b"0102280000Z").is_err(), "no seconds");
        let mut w = DerWriter::new();
        w.time(DateTime::from_unix(2_524_608_000).unwrap());
        assert_eq!(w.buf[0], GENERALIZED_TIME);
    }

    #[test]
    fn clocks_at_the_ends_of_u64_and_dates_out_of_range_do_not_overflow() {
        assert_eq!(DateTime::from_unix(u64::MAX), None, "past 9999");
        assert_eq!(DateTime::from_unix(0).map(|t| t.unix()), Some(0));
        let last = DateTime { year: 9999, month: 12, day: 31, hour: 23, minute: 59, second: 59 };
        assert_eq!(DateTime::from_unix(last.unix()), Some(last));
        assert_eq!(DateTime::from_unix(last.unix() + 1), None);
        // Dates no parse produces: before the epoch, and fields at their largest.
        assert_eq!(DateTime { year: 0, month: 1, day: 0, hour: 0, minute: 0, second: 0 }.unix(), 0);
        let huge = DateTime { year: u32::MAX, month: u32::MAX, day: u32::MAX, hour: u32::MAX, minute: u32::MAX, second: u32::MAX };
        assert!(huge.unix() > last.unix());
    }
}
