//! When a stored session expires: decided here once per request ([`Deadline`]), translated by
//! each store.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::settings::Settings;

/// The moment a stored session expires, as the lifecycle hands it to a store.
///
/// Stores translate this one value: Redis `EX`, memcached's relative-or-absolute expiry, the
/// filesystem header, MongoDB's `expiration`, the SQL `expiry` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry {
    at: SystemTime,
    ttl: Duration,
}

impl Expiry {
    /// `lifetime` from now.
    pub fn after(lifetime: Duration) -> Self {
        Self::from(SystemTime::now(), lifetime)
    }

    fn from(now: SystemTime, lifetime: Duration) -> Self {
        Expiry { at: now + lifetime, ttl: lifetime }
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

/// When this request's session expires, decided once, when the request first reads its session:
/// every store write and refresh of the request sends [`store`](Self::store), and the cookie's
/// `Expires` is [`cookie`](Self::cookie), so the two never disagree.
///
/// The one place expiry policy lives; timeouts that depend on the stored session (idle,
/// absolute) extend [`for_request`](Self::for_request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Deadline {
    store: Expiry,
}

impl Deadline {
    /// `permanent_session_lifetime` from `now`, for every session: Flask-Session gives permanent
    /// and browser sessions the same storage TTL, only their cookies differ.
    pub(crate) fn for_request(settings: &Settings, now: SystemTime) -> Self {
        Deadline { store: Expiry::from(now, settings.permanent_session_lifetime) }
    }

    /// The expiry every store operation of this request sends.
    pub(crate) fn store(&self) -> &Expiry {
        &self.store
    }

    /// The cookie's `Expires`: the stored session's expiry for a permanent session, none (a
    /// browser-session cookie) otherwise, as Flask sets it.
    pub(crate) fn cookie(&self, permanent: bool) -> Option<SystemTime> {
        permanent.then_some(self.store.at)
    }
}

/// Whole seconds since the Unix epoch (0 for times before it).
pub(crate) fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The one definition of "expired": the lifecycle checks every loaded session with it (a past
/// moment is a miss), and stores only inside a conditional write, which must not bring an
/// expired entry back.
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

    #[test]
    fn one_deadline_for_store_and_cookie() {
        let settings = Settings { permanent_session_lifetime: Duration::from_secs(90), ..Settings::default() };
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let d = Deadline::for_request(&settings, now);
        assert_eq!(d.store().at(), now + Duration::from_secs(90));
        assert_eq!(d.store().ttl_secs(), 90);
        assert_eq!(d.cookie(true), Some(d.store().at()), "a permanent cookie expires with its entry");
        assert_eq!(d.cookie(false), None, "a browser session's cookie has no Expires");
    }
}
