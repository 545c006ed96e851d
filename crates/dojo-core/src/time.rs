//! Points in time. dojo-core never reads a clock: the caller passes `now` in.

use core::fmt;

/// A point in time: seconds and nanoseconds since the Unix epoch, UTC.
///
/// Parsed from the API's ISO 8601 / RFC 3339 date-times (`2026-02-27T10:15:30.1234567Z`;
/// ASP.NET writes up to seven fractional digits, and an offset such as `+01:00` is applied;
/// a date-time with no offset is taken as UTC) and written back as RFC 3339 in UTC.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp {
    secs: i64,
    nanos: u32,
}

/// Why a date-time string could not be parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidTimestamp;

impl fmt::Display for InvalidTimestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not an ISO 8601 date-time")
    }
}

const MIN_YEAR: u32 = 1;
const MAX_YEAR: u32 = 9999;

impl Timestamp {
    /// The longest date-time text holding escapes that decoding unescapes (into a stack
    /// buffer) before parsing; longer is an invalid value. Shared by `Deserialize` and
    /// the hand-written decoders (`crate::summary`), so that both reject the same texts.
    pub(crate) const MAX_ESCAPED_TEXT: usize = 48;

    /// The Unix epoch, 1970-01-01T00:00:00Z.
    pub const UNIX_EPOCH: Timestamp = Timestamp { secs: 0, nanos: 0 };

    /// A timestamp `secs` seconds after the Unix epoch.
    pub const fn from_unix(secs: i64) -> Self {
        Timestamp { secs, nanos: 0 }
    }

    /// A timestamp from seconds and nanoseconds since the Unix epoch; `nanos` above
    /// 999 999 999 carry into the seconds.
    pub const fn from_unix_nanos(secs: i64, nanos: u32) -> Self {
        Timestamp { secs: secs.saturating_add((nanos / 1_000_000_000) as i64), nanos: nanos % 1_000_000_000 }
    }

    /// Whole seconds since the Unix epoch.
    pub const fn unix_seconds(&self) -> i64 {
        self.secs
    }

    /// The sub-second part, in nanoseconds.
    pub const fn subsec_nanos(&self) -> u32 {
        self.nanos
    }

    /// This timestamp moved by `secs` seconds (saturating).
    pub const fn add_seconds(self, secs: i64) -> Self {
        Timestamp { secs: self.secs.saturating_add(secs), nanos: self.nanos }
    }

    /// Parses an ISO 8601 / RFC 3339 date-time as the API writes it.
    pub fn parse(s: &str) -> Result<Self, InvalidTimestamp> {
        let b = s.as_bytes();
        // `YYYY-MM-DDTHH:MM:SS` has fixed positions: read it from one 19-byte array
        // (one bounds check), then match the optional fraction and offset as slices. (A
        // loop over a pattern was 94 B smaller on riscv32imc but made a full payment
        // intent's decode about 8% slower on x86_64.)
        let head: &[u8; 19] = b.get(..19).and_then(|h| h.try_into().ok()).ok_or(InvalidTimestamp)?;
        let [y0, y1, y2, y3, dash1, mo0, mo1, dash2, d0, d1, t, h0, h1, colon1, mi0, mi1, colon2, s0, s1] = *head;
        if dash1 != b'-' || dash2 != b'-' || !matches!(t, b'T' | b't' | b' ') || colon1 != b':' || colon2 != b':' {
            return Err(InvalidTimestamp);
        }
        // A non-digit reads as a value out of every field's range: the range checks
        // below refuse it (no error path per pair).
        let fields = [
            two_digits(y0, y1) * 100 + two_digits(y2, y3),
            two_digits(mo0, mo1),
            two_digits(d0, d1),
            two_digits(h0, h1),
            two_digits(mi0, mi1),
            two_digits(s0, s1),
        ];
        let [year, month, day, hour, minute, second] = fields;
        let mut rest = b.get(head.len()..).unwrap_or(&[]);
        let mut nanos: u32 = 0;
        if let [b'.' | b',', fraction @ ..] = rest {
            let n = fraction.iter().take_while(|d| d.is_ascii_digit()).count();
            let (digits, after) = fraction.split_at_checked(n).ok_or(InvalidTimestamp)?;
            if n == 0 {
                return Err(InvalidTimestamp);
            }
            // Nanosecond precision: digits past the ninth are read and dropped, missing
            // ones are zeros.
            for i in 0..9 {
                nanos = nanos * 10 + digits.get(i).map_or(0, |d| u32::from(d - b'0'));
            }
            rest = after;
        }
        // Seconds to subtract: the offset, as a two's complement `u32` (at most a day).
        let offset_secs: u32 = match *rest {
            [] | [b'Z' | b'z'] => 0,
            [sign @ (b'+' | b'-'), h0, h1, b':', m0, m1] => {
                let oh = two_digits(h0, h1);
                let om = two_digits(m0, m1);
                if oh > 23 || om > 59 {
                    return Err(InvalidTimestamp);
                }
                let o = oh * 3600 + om * 60;
                if sign == b'+' { o } else { o.wrapping_neg() }
            }
            _ => return Err(InvalidTimestamp),
        };
        // Range checks as one unsigned comparison each (`RangeInclusive::contains` was
        // an out-of-line call on riscv32imc).
        if year.wrapping_sub(MIN_YEAR) > MAX_YEAR - MIN_YEAR
            || month.wrapping_sub(1) > 11
            || day < 1
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            // Leap seconds (60) are folded into the next second.
            || second > 60
        {
            return Err(InvalidTimestamp);
        }
        // 32-bit arithmetic up to here (no 64-bit division on a 32-bit MCU); one widening.
        let in_day = (hour * 3600 + minute * 60 + second).wrapping_sub(offset_secs) as i32;
        let days = i64::from(days_from_civil(year, month, day)) - DAYS_TO_EPOCH;
        let secs = days * 86_400 + i64::from(in_day);
        Ok(Timestamp { secs, nanos })
    }

    /// The calendar fields in UTC: (year, month, day, hour, minute, second).
    pub fn to_utc_fields(&self) -> (i64, u32, u32, u32, u32, u32) {
        // 86 400 = 128 * 675: a shift (an arithmetic shift floors), then a small divisor.
        let (days, _) = div_floor(self.secs >> 7, 675);
        // In 0..86_400.
        let rem = self.secs.wrapping_sub(days.wrapping_mul(86_400)) as u32;
        let (y, m, d) = civil_from_days(days);
        (y, m, d, rem / 3600, rem / 60 % 60, rem % 60)
    }
}

/// Two ASCII digits as a number, or [`NOT_DIGITS`] (out of every field's range, even
/// as a year's first pair times 100) when either is not a digit.
fn two_digits(tens: u8, ones: u8) -> u32 {
    let (t, o) = (tens.wrapping_sub(b'0'), ones.wrapping_sub(b'0'));
    if t > 9 || o > 9 {
        return NOT_DIGITS;
    }
    u32::from(t) * 10 + u32::from(o)
}

/// What [`two_digits`] reads from a pair that is not two digits.
const NOT_DIGITS: u32 = 10_000;

fn is_leap(y: u32) -> bool {
    (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400)
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Days from 0000-03-01 (day 0 of [`days_from_civil`]) to the Unix epoch.
const DAYS_TO_EPOCH: i64 = 719_468;
/// Days in a 400-year era of the Gregorian calendar.
const DAYS_PER_ERA: i64 = 146_097;

// Howard Hinnant's days_from_civil / civil_from_days, in 32-bit arithmetic where the
// values allow it: a 64-bit division is a library call on a 32-bit MCU.

/// Days since 0000-03-01 of a date of years 1 to 9999 (validated by the caller):
/// unsigned, under 4 million.
fn days_from_civil(y: u32, m: u32, d: u32) -> u32 {
    // Years start in March: January and February count in the year before.
    let (y, mp) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let (era, yoe) = (y / 400, y % 400);
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * DAYS_PER_ERA as u32 + doe
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    // `z` is seconds / 86 400: far from overflowing.
    let z = z + DAYS_TO_EPOCH;
    // 146 097 = 27 * 5 411: two small divisors, each floored.
    let (era, _) = div_floor(div_floor(z, 27).0, 5_411);
    // In 0..146_097: the rest fits 32 bits.
    let doe = z.wrapping_sub(era.wrapping_mul(DAYS_PER_ERA)) as u32;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (i64::from(yoe) + i64::from(m <= 2) + era * 400, m, d)
}

/// `v / d` and `v % d` for a divisor under 2¹⁶ without a 64-bit division (a library
/// call of about 500 bytes on a 32-bit MCU, which the kiosk needs nowhere else): long
/// division by 16-bit limbs, each step one 32-bit division. Native on 64-bit targets.
#[inline(never)]
fn div_small(v: u64, d: u32) -> (u64, u32) {
    if cfg!(target_pointer_width = "64") {
        return (v / u64::from(d), (v % u64::from(d)) as u32);
    }
    div_limbs(v, d)
}

/// [`div_small`]'s long division (`d` under 2¹⁶, nonzero), tested on every target: the
/// high word by itself, then the low word's two 16-bit halves, each carrying the
/// remainder (under `d`, so each step fits 32 bits and its quotient 16).
fn div_limbs(v: u64, d: u32) -> (u64, u32) {
    let (hi, lo) = ((v >> 32) as u32, v as u32);
    let r = hi % d;
    let mid = (r << 16) | (lo >> 16);
    let low = ((mid % d) << 16) | (lo & 0xFFFF);
    let q = (u64::from(hi / d) << 32) | u64::from(((mid / d) << 16) | (low / d));
    (q, low % d)
}

/// `n.div_euclid(d)` and `n.rem_euclid(d)` for a divisor from 2 to 2¹⁶ - 1 (see
/// [`div_small`]).
fn div_floor(n: i64, d: u32) -> (i64, u32) {
    let (q, r) = div_small(n.unsigned_abs(), d);
    // `q <= 2⁶³ / 2`: no overflow either way.
    let q = q as i64;
    if n >= 0 {
        (q, r)
    } else if r == 0 {
        (-q, 0)
    } else {
        (-q - 1, d - r)
    }
}

/// The seconds in a .NET `TimeSpan` as the API writes `autoExpireIn`: `[d.]hh:mm:ss`
/// (two digits each, hours ≤ 23, minutes and seconds ≤ 59), e.g. `00:00:55` or
/// `1.02:00:00`. `None` for anything else.
pub fn timespan_seconds(s: &str) -> Option<u64> {
    let (days, hms) = match s.split_once('.') {
        Some((d, rest)) if rest.contains(':') => (d.parse::<u64>().ok()?, rest),
        _ => (0, s),
    };
    let mut parts = hms.split(':');
    let mut next = |max: u64| -> Option<u64> {
        let p = parts.next()?;
        if p.len() != 2 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        p.parse::<u64>().ok().filter(|v| *v <= max)
    };
    let (h, m, sec) = (next(23)?, next(59)?, next(59)?);
    if parts.next().is_some() {
        return None;
    }
    days.checked_mul(86_400)?.checked_add(h * 3600 + m * 60 + sec)
}

impl Timestamp {
    /// The longest text [`Timestamp::encode`] writes: a sign, 12 year digits (an `i64` of
    /// seconds is under 3·10¹¹ years), `-MM-DDTHH:MM:SS` (15), a fraction (10) and `Z`.
    pub(crate) const MAX_RFC3339: usize = 40;

    /// RFC 3339 in UTC, with the fraction only when there is one, written into `out`
    /// without `core::fmt` (whose machinery costs a few KiB of `.text` on a
    /// microcontroller): what `Display` and `Serialize` write.
    pub(crate) fn encode<'b>(&self, out: &'b mut [u8; Self::MAX_RFC3339]) -> &'b str {
        // Only ASCII is written.
        core::str::from_utf8(self.encode_ascii(out)).unwrap_or_default()
    }

    /// [`encode`](Self::encode)'s text as bytes (ASCII), for writers that copy bytes
    /// (no UTF-8 check to pay for).
    pub(crate) fn encode_ascii<'b>(&self, out: &'b mut [u8; Self::MAX_RFC3339]) -> &'b [u8] {
        let (y, mo, d, h, mi, s) = self.to_utc_fields();
        let mut w = Digits { out, len: 0 };
        // As `{y:04}`: at least four characters, the sign counted.
        if y < 0 {
            w.push(b'-');
        }
        w.number(y.unsigned_abs(), if y < 0 { 3 } else { 4 });
        for (&sep, v) in b"--T::".iter().zip([mo, d, h, mi, s]) {
            w.push(sep);
            // Two digits: `v` is under 100.
            w.push(b'0' + (v / 10) as u8);
            w.push(b'0' + (v % 10) as u8);
        }
        if self.nanos != 0 {
            let mut n = self.nanos;
            let mut width = 9;
            while n.is_multiple_of(10) {
                n /= 10;
                width -= 1;
            }
            w.push(b'.');
            w.number(u64::from(n), width);
        }
        w.push(b'Z');
        let len = w.len;
        out.get(..len).unwrap_or_default()
    }
}

/// `v` in decimal, written into `out` (20 digits hold any `u64`): the timestamp
/// encoder's digit loop, also the lean writer's integer writer.
pub(crate) fn decimal(v: u64, out: &mut [u8; 20]) -> &[u8] {
    let mut w = Digits { out, len: 0 };
    w.number(v, 1);
    let len = w.len;
    out.get(..len).unwrap_or_default()
}

/// A writer of ASCII into a fixed buffer; bytes past its end are dropped (never the case for
/// [`Timestamp::encode`]'s sizes).
struct Digits<'b> {
    out: &'b mut [u8],
    len: usize,
}

impl Digits<'_> {
    fn push(&mut self, b: u8) {
        if let Some(slot) = self.out.get_mut(self.len) {
            *slot = b;
            self.len += 1;
        }
    }

    /// `v` in decimal, zero-padded to `width` digits.
    fn number(&mut self, mut v: u64, width: usize) {
        let mut digits = [0u8; 20];
        let mut n = 0;
        while v != 0 || n < width {
            let (q, digit) = div_small(v, 10);
            if let Some(slot) = digits.get_mut(n) {
                *slot = b'0' + digit as u8;
            }
            v = q;
            n += 1;
            if n == digits.len() {
                break;
            }
        }
        for &b in digits.iter().take(n).rev() {
            self.push(b);
        }
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC, with the fraction only when there is one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.encode(&mut [0; Self::MAX_RFC3339]))
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.encode(&mut [0; Self::MAX_RFC3339]))
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = crate::json::Text::deserialize(d)?;
        if let Some(plain) = text.as_str() {
            return Timestamp::parse(plain).map_err(|_| {
                serde::de::Error::invalid_value(serde::de::Unexpected::Str(plain), &"an ISO 8601 date-time")
            });
        }
        let mut buf = [0u8; Timestamp::MAX_ESCAPED_TEXT];
        let s = text.copy_to(&mut buf).map_err(|_| {
            serde::de::Error::invalid_value(serde::de::Unexpected::Other("long string"), &"an ISO 8601 date-time")
        })?;
        Timestamp::parse(s)
            .map_err(|_| serde::de::Error::invalid_value(serde::de::Unexpected::Str(s), &"an ISO 8601 date-time"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timespans_in_the_dotnet_form() {
        assert_eq!(timespan_seconds("00:00:55"), Some(55));
        assert_eq!(timespan_seconds("1.02:00:00"), Some(86_400 + 7200));
        assert_eq!(timespan_seconds("23:59:59"), Some(86_399));
        for bad in ["", "55", "0:00:55", "00:60:00", "24:00:00", "00:00:55:00", "x.00:00:01", "00:00:5x", "-1.00:00:00"]
        {
            assert_eq!(timespan_seconds(bad), None, "{bad}");
        }
        assert_eq!(timespan_seconds("999999999999999999.00:00:00"), None, "overflow");
    }

    #[test]
    fn parses_api_forms() {
        let t = Timestamp::parse("2026-02-27T10:15:30Z").unwrap();
        assert_eq!(t.unix_seconds(), 1_772_187_330);
        let t7 = Timestamp::parse("2026-02-27T10:15:30.1234567Z").unwrap();
        assert_eq!(t7.subsec_nanos(), 123_456_700);
        let off = Timestamp::parse("2026-02-27T11:15:30+01:00").unwrap();
        assert_eq!(off.unix_seconds(), t.unix_seconds());
        let naive = Timestamp::parse("2026-02-27T10:15:30").unwrap();
        assert_eq!(naive, t);
        assert_eq!(Timestamp::parse("2026-02-27t10:15:30z").unwrap(), t);
        assert_eq!(Timestamp::parse("2026-02-27 10:15:30Z").unwrap(), t);
        assert_eq!(Timestamp::parse("0001-01-01T00:00:00Z").unwrap().unix_seconds(), -62_135_596_800);
        assert_eq!(Timestamp::parse("9999-12-31T23:59:60Z").unwrap().unix_seconds(), 253_402_300_800);
    }

    #[test]
    fn rejects_garbage() {
        for s in [
            "",
            "2026",
            "2026-02-30T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-02-27T24:00:00Z",
            "2026-02-27T10:15:30.Z",
            "2026-02-27T10:15:30Zjunk",
            "2026-02-27T10:15:30+25:00",
            "2026-02-27T10:15:3",
            "2026/02/27T10:15:30Z",
            "2026-02-27X10:15:30Z",
            "2026-02-27T10-15:30Z",
            "2026-02-27T10:15-30Z",
            "+026-02-27T10:15:30Z",
            "2026-0a-27T10:15:30Z",
            "2026-02-27T10:15:3aZ",
            "2026-02-27T10:15:30.",
        ] {
            assert_eq!(Timestamp::parse(s), Err(InvalidTimestamp), "{s}");
        }
    }

    #[test]
    fn displays_rfc3339_and_round_trips() {
        let t = Timestamp::from_unix_nanos(1_772_187_330, 120_000_000);
        assert_eq!(format!("{t}"), "2026-02-27T10:15:30.12Z");
        assert_eq!(Timestamp::parse(&format!("{t}")).unwrap(), t);
        assert_eq!(format!("{}", Timestamp::UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(format!("{}", Timestamp::parse("2000-02-29T23:59:59Z").unwrap()), "2000-02-29T23:59:59Z");
    }

    #[test]
    fn encoder_writes_what_core_fmt_wrote() {
        // The encoder replaced `write!(f, "{y:04}-{mo:02}-…")`: the same text for any instant,
        // far years and negative ones included.
        let fmt = |t: Timestamp| {
            let (y, mo, d, h, mi, s) = t.to_utc_fields();
            let mut out = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}");
            if t.subsec_nanos() != 0 {
                let frac = format!("{:09}", t.subsec_nanos());
                out.push('.');
                out.push_str(frac.trim_end_matches('0'));
            }
            out + "Z"
        };
        for secs in [
            i64::MIN,
            i64::MIN / 2,
            -62_135_596_801,
            -62_135_596_800,
            -1,
            0,
            1,
            1_772_187_330,
            253_402_300_799,
            253_402_300_800,
            i64::MAX / 2,
            i64::MAX,
        ] {
            for nanos in [0, 1, 10, 120_000_000, 999_999_999] {
                let t = Timestamp::from_unix_nanos(secs, nanos);
                assert_eq!(format!("{t}"), fmt(t), "{secs} {nanos}");
            }
        }
    }

    /// The 64-bit forms the 32-bit calendar arithmetic replaced.
    fn days_from_civil_i64(y: i64, m: u32, d: u32) -> i64 {
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(m);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    fn civil_from_days_i64(z: i64) -> (i64, u32, u32) {
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

    #[test]
    fn calendar_arithmetic_matches_the_64_bit_forms() {
        for y in MIN_YEAR..=MAX_YEAR {
            for m in 1..=12 {
                for d in [1, 15, days_in_month(y, m)] {
                    let days = i64::from(days_from_civil(y, m, d)) - DAYS_TO_EPOCH;
                    assert_eq!(days, days_from_civil_i64(i64::from(y), m, d), "{y}-{m}-{d}");
                    assert_eq!(civil_from_days(days), (i64::from(y), m, d), "{y}-{m}-{d}");
                }
            }
        }
        let far = i64::MAX / 86_400 + 1;
        let mut z = -far;
        while z <= far {
            assert_eq!(civil_from_days(z), civil_from_days_i64(z), "{z}");
            z += 7_777_777_777;
        }
        for z in [-far, -far + 1, far - 1, far, -1, 0, 1, -719_468, -719_469, 2_932_896, 2_932_897] {
            assert_eq!(civil_from_days(z), civil_from_days_i64(z), "{z}");
        }
    }

    #[test]
    fn a_non_digit_anywhere_is_refused() {
        let good = "2026-02-27T10:15:30+01:00";
        assert!(Timestamp::parse(good).is_ok());
        for (i, c) in good.bytes().enumerate() {
            if !c.is_ascii_digit() {
                continue;
            }
            for bad in [b'a', b'/', b':', b' ', b'\0', 0xff - 0x80] {
                let mut s = good.as_bytes().to_vec();
                s[i] = bad;
                let s = String::from_utf8(s).unwrap();
                assert_eq!(Timestamp::parse(&s), Err(InvalidTimestamp), "{s}");
            }
        }
    }

    #[test]
    fn small_divisions_match_the_64_bit_ones() {
        let mut values = vec![0u64, 1, 9, 10, 11, 65_535, 65_536, u64::from(u32::MAX), 1 << 32, u64::MAX, u64::MAX - 1];
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..20_000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            values.push(x);
            values.push(x >> (x % 64));
        }
        for &v in &values {
            for d in [2u32, 10, 27, 675, 5_411, 65_535] {
                assert_eq!(div_limbs(v, d), (v / u64::from(d), (v % u64::from(d)) as u32), "{v} / {d}");
                assert_eq!(div_small(v, d), div_limbs(v, d));
                for n in [v as i64, (v as i64).wrapping_neg(), i64::MIN, i64::MAX, -1, 0] {
                    let want = (n.div_euclid(i64::from(d)), n.rem_euclid(i64::from(d)) as u32);
                    assert_eq!(div_floor(n, d), want, "{n} / {d}");
                }
            }
        }
        // The day split: a shift, then 675.
        for &v in &values {
            for n in [v as i64, (v as i64).wrapping_neg()] {
                assert_eq!(div_floor(n >> 7, 675).0, n.div_euclid(86_400), "{n}");
                assert_eq!(div_floor(div_floor(n, 27).0, 5_411).0, n.div_euclid(146_097), "{n}");
            }
        }
    }

    #[test]
    fn offsets_apply_either_way_across_midnight() {
        let t = Timestamp::parse("2026-01-01T00:30:00+01:00").unwrap();
        assert_eq!(t, Timestamp::parse("2025-12-31T23:30:00Z").unwrap());
        let t = Timestamp::parse("2025-12-31T23:30:00-23:59").unwrap();
        assert_eq!(t, Timestamp::parse("2026-01-01T23:29:00Z").unwrap());
        let t = Timestamp::parse("0001-01-01T00:00:00+23:59").unwrap();
        assert_eq!(t.unix_seconds(), -62_135_596_800 - 86_340);
    }

    #[test]
    fn round_trips_every_day_over_years() {
        let mut t = Timestamp::parse("1999-12-25T00:00:00Z").unwrap();
        for _ in 0..(366 * 6) {
            let s = format!("{t}");
            assert_eq!(Timestamp::parse(&s).unwrap(), t, "{s}");
            t = t.add_seconds(86_400);
        }
    }
}
