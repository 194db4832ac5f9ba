//! The one grammar of every duration setting, in source and at run time.

use std::time::Duration;

const UNITS: [(&str, u64); 5] = [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)];

/// Parses a duration: whole seconds (`"3600"`) or units `d`, `h`, `m`, `s`, `ms`, largest
/// first, spaces allowed (`"31d"`, `"12h30m"`, `"1d 2h"`, `"500ms"`, `"1s500ms"`). Zero parses;
/// the settings that cannot be zero say so in their own rule.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || {
        format!("\"{}\" is not a duration; give whole seconds or units d, h, m, s, ms largest first, e.g. 3600, \"31d\", \"12h30m\" or \"500ms\"", text.escape_debug())
    };
    let t = text.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        let secs: u64 = t.parse().map_err(|_| bad())?;
        return secs.checked_mul(1_000).map(Duration::from_millis).ok_or_else(bad);
    }
    let compact: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    let (mut total, mut rest, mut next_unit) = (0u64, compact.as_str(), 0usize);
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let (number, after) = rest.split_at(digits);
        let letters = after.len() - after.trim_start_matches(|c: char| c.is_ascii_alphabetic()).len();
        let (unit, after) = after.split_at(letters);
        let pos = UNITS.iter().position(|(name, _)| *name == unit).ok_or_else(bad)?;
        if number.is_empty() || pos < next_unit {
            return Err(bad());
        }
        let n: u64 = number.parse().map_err(|_| bad())?;
        total = n.checked_mul(UNITS[pos].1).and_then(|ms| ms.checked_add(total)).ok_or_else(bad)?;
        (rest, next_unit) = (after, pos + 1);
    }
    if next_unit == 0 {
        return Err(bad());
    }
    Ok(Duration::from_millis(total))
}

/// Writes a duration in the grammar [`parse_duration`] reads, largest unit first (`"31d"`,
/// `"1h30m"`, `"500ms"`; sub-millisecond parts are dropped).
pub fn format_duration(d: Duration) -> String {
    let mut ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    if ms == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, size) in UNITS {
        if ms >= size {
            out.push_str(&format!("{}{unit}", ms / size));
            ms %= size;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_grammar_for_every_duration() {
        let ms = |t: &str| parse_duration(t).map(|d| d.as_millis() as u64);
        assert_eq!(ms("31d"), Ok(2_678_400_000));
        assert_eq!(ms("12h30m"), Ok(45_000_000));
        assert_eq!(ms("1d 2h 3m 4s"), Ok(93_784_000));
        assert_eq!(ms("3600"), Ok(3_600_000));
        assert_eq!(ms("500ms"), Ok(500));
        assert_eq!(ms(" 1s 500ms "), Ok(1_500));
        assert_eq!(ms("2m"), Ok(120_000));
        assert_eq!(ms("0s"), Ok(0));
        for bad in ["", "5x", "h", "ms", "30m1h", "1h1h", "1d2", "1.5s", "-1s", "2 secs", "99999999999999999999s", "99999999999999999999"] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn formatting_round_trips() {
        for text in ["31d", "1h30m", "500ms", "1d2h3m4s5ms", "0s", "7s"] {
            assert_eq!(format_duration(parse_duration(text).unwrap()), text);
        }
    }
}
