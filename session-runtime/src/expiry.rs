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
}
