//! When a stored session expires: computed here once, translated by each store.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The moment a stored session expires: `now + permanent_session_lifetime` at save time.
///
/// Flask-Session gives permanent and non-permanent sessions the same storage TTL; only the cookie
/// differs. Stores translate this one value: Redis `EX`, memcached's relative-or-absolute
/// expiry, the filesystem header, MongoDB's `expiration`, the SQL `expiry` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry {
    at: SystemTime,
    ttl: Duration,
}

impl Expiry {
    /// `lifetime` from now.
    pub fn after(lifetime: Duration) -> Self {
        Expiry { at: SystemTime::now() + lifetime, ttl: lifetime }
    }

    /// The moment of expiry.
    pub fn at(&self) -> SystemTime {
        self.at
    }

    /// The TTL in whole seconds (at least 1), as Redis `EX` and memcached take it.
    pub fn ttl_secs(&self) -> u64 {
        self.ttl.as_secs().max(1)
    }

    /// The moment of expiry in Unix seconds.
    pub fn unix_secs(&self) -> u64 {
        unix_secs(self.at)
    }
}

/// Whole seconds since the Unix epoch (0 for times before it).
pub(crate) fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The one definition of "expired" every store's answer is checked against.
pub(crate) fn is_expired(expires_at: Option<SystemTime>, now: SystemTime) -> bool {
    expires_at.is_some_and(|at| at <= now)
}

/// Parses `permanent_session_lifetime`: whole seconds (`"3600"`) or units `d`, `h`, `m`, `s` in
/// that order (`"31d"`, `"12h30m"`, `"1d 2h"`). Zero is refused: a session must live.
pub fn parse_lifetime(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        let secs: u64 = t.parse().map_err(|_| format!("`{t}` is too large"))?;
        return positive(secs, t);
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    let mut last_unit = 0usize;
    for c in t.chars().filter(|c| !c.is_whitespace()) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let Some(pos) = ['d', 'h', 'm', 's'].iter().position(|u| *u == c) else {
            return Err(format!("unknown unit `{c}` in `{t}`; use d, h, m and s, e.g. \"31d\" or \"12h30m\""));
        };
        if digits.is_empty() || pos < last_unit {
            return Err(format!("`{t}` is not a lifetime; write units largest first, e.g. \"1d12h\""));
        }
        let n: u64 = digits.parse().map_err(|_| format!("`{t}` is too large"))?;
        let unit = [86_400u64, 3_600, 60, 1][pos];
        total = n.checked_mul(unit).and_then(|s| s.checked_add(total)).ok_or(format!("`{t}` is too large"))?;
        digits.clear();
        last_unit = pos + 1;
    }
    if !digits.is_empty() || last_unit == 0 {
        return Err(format!("`{t}` is not a lifetime; give seconds or units, e.g. 2678400 or \"31d\""));
    }
    positive(total, t)
}

fn positive(secs: u64, t: &str) -> Result<Duration, String> {
    if secs == 0 {
        return Err(format!("a lifetime of `{t}` would expire every session at once; give at least 1 second"));
    }
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes() {
        assert_eq!(parse_lifetime("31d").unwrap().as_secs(), 2_678_400);
        assert_eq!(parse_lifetime("12h30m").unwrap().as_secs(), 45_000);
        assert_eq!(parse_lifetime("1d 2h 3m 4s").unwrap().as_secs(), 93_784);
        assert_eq!(parse_lifetime("3600").unwrap().as_secs(), 3600);
        for bad in ["", "0", "0s", "5x", "h", "30m1h", "1h1h", "1d2"] {
            assert!(parse_lifetime(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn expiry_and_ttl() {
        let e = Expiry::after(Duration::from_secs(2_678_400));
        assert_eq!(e.ttl_secs(), 2_678_400);
        assert!(!is_expired(Some(e.at()), SystemTime::now()));
        assert!(is_expired(Some(UNIX_EPOCH), SystemTime::now()));
        assert!(!is_expired(None, SystemTime::now()));
    }
}
