//! When a stored session expires: decided here once per request ([`Deadline`]), translated by
//! each store.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::map::SessionMap;
use crate::meta;
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

    /// The TTL in whole seconds (at least 1), as Redis `EX` and memcached take it; a fraction
    /// (a deadline capped by the absolute timeout) rounds up, as the lifecycle itself ends the
    /// session on time and a store must not end it early.
    pub fn ttl_secs(&self) -> u64 {
        let whole = self.ttl.as_secs();
        (if self.ttl.subsec_nanos() > 0 { whole + 1 } else { whole }).max(1)
    }

    /// The moment of expiry in Unix seconds.
    pub fn unix_secs(&self) -> u64 {
        unix_secs(self.at)
    }
}

/// When this request's session expires, decided once, when the request first reads its session
/// (again only if a handler changes its lifetime): every store write and refresh of the request
/// sends [`store`](Self::store), and the cookie's `Expires` is [`cookie`](Self::cookie), so the
/// two never disagree.
///
/// The one place expiry policy lives: the idle timeout (the session's own lifetime, else
/// `permanent_session_lifetime`) from now, capped by the absolute timeout (created +
/// `session_absolute_lifetime`) and by a renewed-away entry's grace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Deadline {
    store: Expiry,
}

impl Deadline {
    /// The deadline of the session holding `data` (its `_session_meta`), read at `now`.
    /// Flask-Session gives permanent and browser sessions the same storage TTL, only their
    /// cookies differ.
    pub(crate) fn for_request(settings: &Settings, data: &SessionMap, now: SystemTime) -> Self {
        let idle = meta::lifetime(data).unwrap_or(settings.permanent_session_lifetime);
        let idle_end = now + idle;
        // Uncapped, the TTL is the idle lifetime itself: no clock arithmetic on every request.
        let store = match hard_end(settings, data) {
            Some(end) if end < idle_end => Expiry { at: end, ttl: end.duration_since(now).unwrap_or(Duration::ZERO) },
            _ => Expiry { at: idle_end, ttl: idle },
        };
        Deadline { store }
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

    /// With `session_refresh_interval`, whether an unmodified session whose entry expires at
    /// `stored` needs its expiry moved: only once it lags more than one interval behind (half
    /// the session's lifetime if that is shorter: a handler's short `set_lifetime` is not
    /// checked against the interval). An unknown stored expiry is always refreshed.
    pub(crate) fn needs_refresh(&self, settings: &Settings, stored: Option<SystemTime>) -> bool {
        match (settings.session_refresh_interval, stored) {
            (Some(interval), Some(stored)) => self.store.at > stored + interval.min(self.store.ttl / 2),
            _ => true,
        }
    }
}

/// The moment past which the session is over whatever its activity: created +
/// `session_absolute_lifetime`, or the end of an old id's grace after a renewal.
fn hard_end(settings: &Settings, data: &SessionMap) -> Option<SystemTime> {
    let absolute = settings.session_absolute_lifetime.and_then(|abs| Some(meta::created_at(data)? + abs));
    match (absolute, meta::retired_at(data)) {
        (Some(a), Some(r)) => Some(a.min(r)),
        (a, r) => a.or(r),
    }
}

/// A loaded session past its absolute timeout (or its grace): the lifecycle treats it as expired.
pub(crate) fn is_over(settings: &Settings, data: &SessionMap, now: SystemTime) -> bool {
    is_expired(hard_end(settings, data), now)
}

/// With throttling, the expiry the lifecycle recorded for a store that does not report it.
pub(crate) fn recorded_expiry(settings: &Settings, data: &SessionMap) -> Option<SystemTime> {
    settings.session_refresh_interval?;
    let idle = meta::lifetime(data).unwrap_or(settings.permanent_session_lifetime);
    let at = meta::refreshed_at(data)? + idle;
    Some(hard_end(settings, data).map_or(at, |end| at.min(end)))
}

/// Whether the absolute timeout or renewal is on, so sessions must record their creation time.
pub(crate) fn records_creation(settings: &Settings) -> bool {
    settings.session_absolute_lifetime.is_some() || settings.session_renew_interval.is_some()
}

/// The grace of an id after renewal: long enough for a page's requests already under way (its
/// images, scripts and API calls, sent within a few seconds of the page) to be answered with the
/// session, short enough that a stolen old cookie is of little use; never more than half the
/// interval, so at most two ids of a session work at once.
pub(crate) fn renew_grace(interval: Duration) -> Duration {
    RENEW_GRACE.min(interval / 2)
}

/// The longest grace: see [`renew_grace`].
pub(crate) const RENEW_GRACE: Duration = Duration::from_secs(10);

/// Whether the session (not itself an old id in its grace) is due for a new id.
pub(crate) fn renewal_due(settings: &Settings, data: &SessionMap, now: SystemTime) -> bool {
    let Some(interval) = settings.session_renew_interval else { return false };
    if meta::retired_at(data).is_some() {
        return false;
    }
    meta::renewed_at(data).is_some_and(|last| is_expired(Some(last + interval), now))
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
        let d = Deadline::for_request(&settings, &SessionMap::new(), now);
        assert_eq!(d.store().at(), now + Duration::from_secs(90));
        assert_eq!(d.store().ttl_secs(), 90);
        assert_eq!(d.cookie(true), Some(d.store().at()), "a permanent cookie expires with its entry");
        assert_eq!(d.cookie(false), None, "a browser session's cookie has no Expires");
    }

    #[test]
    fn the_session_lifetime_and_the_absolute_timeout_shape_the_deadline() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let mut settings = Settings { permanent_session_lifetime: Duration::from_secs(90), ..Settings::default() };
        let mut data = SessionMap::new();
        meta::set_lifetime(&mut data, Duration::from_secs(600));
        assert_eq!(Deadline::for_request(&settings, &data, now).store().ttl_secs(), 600, "the session's own lifetime");
        meta::stamp_created(&mut data, now - Duration::from_secs(50));
        assert_eq!(Deadline::for_request(&settings, &data, now).store().ttl_secs(), 600, "no absolute timeout set");
        settings.session_absolute_lifetime = Some(Duration::from_secs(120));
        let d = Deadline::for_request(&settings, &data, now);
        assert_eq!(d.store().at(), now + Duration::from_secs(70), "capped at created + absolute");
        assert_eq!(d.cookie(true), Some(d.store().at()));
        assert!(!is_over(&settings, &data, now));
        assert!(is_over(&settings, &data, now + Duration::from_secs(70)));
    }

    #[test]
    fn refresh_throttling_and_renewal() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let mut settings = Settings { permanent_session_lifetime: Duration::from_secs(100), ..Settings::default() };
        let d = Deadline::for_request(&settings, &SessionMap::new(), now);
        assert!(d.needs_refresh(&settings, Some(now)), "off: always");
        settings.session_refresh_interval = Some(Duration::from_secs(10));
        assert!(!d.needs_refresh(&settings, Some(now + Duration::from_secs(90))));
        assert!(d.needs_refresh(&settings, Some(now + Duration::from_secs(89))));
        assert!(d.needs_refresh(&settings, None), "an unknown stored expiry is refreshed");

        let mut data = SessionMap::new();
        meta::stamp_created(&mut data, now);
        assert!(!renewal_due(&settings, &data, now + Duration::from_secs(1000)), "off");
        settings.session_renew_interval = Some(Duration::from_secs(30));
        assert!(!renewal_due(&settings, &data, now + Duration::from_secs(29)));
        assert!(renewal_due(&settings, &data, now + Duration::from_secs(30)));
        meta::set_retired(&mut data, now + Duration::from_secs(40));
        assert!(!renewal_due(&settings, &data, now + Duration::from_secs(35)), "an old id is never renewed");
        assert!(is_over(&settings, &data, now + Duration::from_secs(40)), "its grace ends");
        assert_eq!(renew_grace(Duration::from_secs(2)), Duration::from_secs(1));
        assert_eq!(renew_grace(Duration::from_secs(3600)), RENEW_GRACE);
    }
}
