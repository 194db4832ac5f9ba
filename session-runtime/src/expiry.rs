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

#[cfg(test)]
mod tests {
    use super::*;

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
