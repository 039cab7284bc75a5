//! Timestamps as the logs spell them, to milliseconds since 1970 (UTC) and back. Hand-written because it
//! runs once per record: ISO 8601 with up to seven fractional digits (`2024-04-02T08:20:49.2681600Z`), an
//! offset or none (UTC), a space instead of `T`, a bare date (for `--since`), and the portal's US CSV
//! form (`4/2/2024, 8:20:49.268 AM`).

/// Milliseconds since 1970-01-01T00:00:00Z.
pub type Millis = i64;

/// Parses a timestamp; `None` when it is not one of the accepted forms.
pub fn parse(text: &str) -> Option<Millis> {
    let t = text.trim();
    let b = t.as_bytes();
    if b.len() >= 10 && b.get(4) == Some(&b'-') && b.get(7) == Some(&b'-') {
        iso(b)
    } else {
        us_portal(t)
    }
}

fn digits(b: &[u8]) -> Option<i64> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')))
}

fn iso(b: &[u8]) -> Option<Millis> {
    let year = digits(b.get(0..4)?)?;
    let month = digits(b.get(5..7)?)?;
    let day = digits(b.get(8..10)?)?;
    let mut ms = 0;
    let mut rest = &b[10..];
    if let Some((&sep, tail)) = rest.split_first()
        && (sep == b'T' || sep == b' ')
    {
        let (h, m, s) = (
            digits(tail.get(0..2)?)?,
            digits(tail.get(3..5)?)?,
            digits(tail.get(6..8)?)?,
        );
        if tail.get(2) != Some(&b':') || tail.get(5) != Some(&b':') || h > 23 || m > 59 || s > 60 {
            return None;
        }
        ms = ((h * 60 + m) * 60 + s) * 1000;
        rest = &tail[8..];
        if let Some(frac) = rest.strip_prefix(b".") {
            let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
            let mut f = digits(frac.get(..n.min(3))?)?;
            for _ in n.min(3)..3 {
                f *= 10;
            }
            ms += f;
            rest = &frac[n..];
        }
    }
    let offset = match rest {
        [] | b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let minutes = digits(&[*h1, *h2])? * 60 + digits(&[*m1, *m2])?;
            if *sign == b'+' { minutes } else { -minutes }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day)?;
    Some(days * 86_400_000 + ms - offset * 60_000)
}

/// `M/D/YYYY, h:mm:ss[.fff] AM|PM` (the portal's CSV in the en-US locale), taken as UTC.
fn us_portal(t: &str) -> Option<Millis> {
    let (date, time) = t.split_once(',')?;
    let mut d = date.trim().split('/');
    let (month, day, year) = (
        digits(d.next()?.as_bytes())?,
        digits(d.next()?.as_bytes())?,
        digits(d.next()?.as_bytes())?,
    );
    let (clock, half) = time.trim().split_once(' ')?;
    let mut c = clock.split(':');
    let h = digits(c.next()?.as_bytes())?;
    let m = digits(c.next()?.as_bytes())?;
    let (s, frac) = c
        .next()?
        .split_once('.')
        .unwrap_or((clock.rsplit(':').next()?, ""));
    let s = digits(s.as_bytes())?;
    let f = if frac.is_empty() {
        0
    } else {
        let f3: String = frac.chars().chain("000".chars()).take(3).collect();
        digits(f3.as_bytes())?
    };
    let h = match (half.trim().to_ascii_uppercase().as_str(), h) {
        ("AM", 12) => 0,
        ("AM", h) if h < 12 => h,
        ("PM", 12) => 12,
        ("PM", h) if h < 12 => h + 12,
        _ => return None,
    };
    if m > 59 || s > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day)?;
    Some(days * 86_400_000 + ((h * 60 + m) * 60 + s) * 1000 + f)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> Option<i64> {
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// `2024-04-02T08:20:49.268Z`.
pub fn format(ms: Millis) -> String {
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let (h, rest) = (in_day / 3_600_000, in_day % 3_600_000);
    let (min, rest) = (rest / 60_000, rest % 60_000);
    let (s, milli) = (rest / 1000, rest % 1000);
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}.{milli:03}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forms_logs_use() {
        let t = parse("2024-04-02T08:20:49.2681600Z").unwrap();
        assert_eq!(format(t), "2024-04-02T08:20:49.268Z");
        assert_eq!(parse("2024-04-02T08:20:49.268Z"), Some(t));
        assert_eq!(parse("2024-04-02 08:20:49.268"), Some(t));
        assert_eq!(parse("2024-04-02T10:20:49.268+02:00"), Some(t));
        assert_eq!(parse("4/2/2024, 8:20:49.268 AM"), Some(t));
        assert_eq!(
            parse("4/2/2024, 8:20:49 PM"),
            Some(t - 268 + 12 * 3_600_000)
        );
        assert_eq!(
            format(parse("2026-11-01").unwrap()),
            "2026-11-01T00:00:00.000Z"
        );
        assert_eq!(parse("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            format(parse("2000-02-29T23:59:59.999Z").unwrap()),
            "2000-02-29T23:59:59.999Z"
        );
        for bad in [
            "",
            "yesterday",
            "2024-13-01",
            "2024-04-02T25:00:00Z",
            "2024-04-02Tx",
            "13/1/2024, 1:00:00 XM",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
