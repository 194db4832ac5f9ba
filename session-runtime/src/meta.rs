//! The lifecycle's own record in a session: one reserved key, [`META_KEY`], holding a map of
//! plain integers, so that pickle, msgpack and JSON all carry it and a Flask app sharing the
//! store loads it, ignores it and writes it back unchanged.
//!
//! - `"created"`: Unix seconds when the session was first stored; kept across `regenerate` and
//!   renewal (the absolute timeout counts from it).
//! - `"renewed"`: Unix seconds of the last automatic id rotation.
//! - `"lifetime"`: seconds, a per-session idle lifetime a handler set
//!   ([`Session::set_lifetime`](crate::Session::set_lifetime)).
//! - `"retired"`: Unix seconds when this entry stops working: set only on the old entry of a
//!   renewal, for its grace.
//! - `"refreshed"`: Unix seconds of the last expiry refresh, kept only with
//!   `session_refresh_interval` on a store that cannot report an entry's expiry (memcached).
//!
//! It is written only when a feature that needs it is configured or used, so a default setup
//! stores exactly what Flask-Session would. A malformed record (another writer's) reads as
//! absent fields, never as an error.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rmpv::Value;

use crate::expiry::unix_secs;
use crate::map::SessionMap;

/// The reserved key. Like `_permanent`, handlers can see it, `clear` keeps it, and a session
/// holding nothing else is empty (never stored).
pub const META_KEY: &str = "_session_meta";

const CREATED: &str = "created";
const RENEWED: &str = "renewed";
const LIFETIME: &str = "lifetime";
const RETIRED: &str = "retired";
const REFRESHED: &str = "refreshed";

fn field(data: &SessionMap, name: &str) -> Option<u64> {
    let Some(Value::Map(entries)) = data.get(META_KEY) else { return None };
    entries.iter().find(|(k, _)| k.as_str() == Some(name)).and_then(|(_, v)| v.as_u64())
}

fn moment(data: &SessionMap, name: &str) -> Option<SystemTime> {
    field(data, name).and_then(|secs| UNIX_EPOCH.checked_add(Duration::from_secs(secs)))
}

/// Sets one field, keeping the record's other entries (also ones another writer added).
fn set_field(data: &mut SessionMap, name: &str, value: u64) {
    let mut entries = match data.remove(META_KEY) {
        Some(Value::Map(entries)) => entries,
        _ => Vec::new(),
    };
    entries.retain(|(k, _)| k.as_str() != Some(name));
    entries.push((Value::from(name), Value::from(value)));
    data.insert(META_KEY, Value::Map(entries));
}

/// When the session was first stored, if it was recorded.
pub(crate) fn created_at(data: &SessionMap) -> Option<SystemTime> {
    moment(data, CREATED)
}

/// Records `now` as the creation time, unless one is recorded; true when it wrote.
pub(crate) fn stamp_created(data: &mut SessionMap, now: SystemTime) -> bool {
    if created_at(data).is_some() {
        return false;
    }
    set_field(data, CREATED, unix_secs(now));
    true
}

/// When the id was last rotated automatically, or else created.
pub(crate) fn renewed_at(data: &SessionMap) -> Option<SystemTime> {
    moment(data, RENEWED).or_else(|| created_at(data))
}

pub(crate) fn set_renewed(data: &mut SessionMap, now: SystemTime) {
    set_field(data, RENEWED, unix_secs(now));
}

/// The idle lifetime a handler gave this session.
pub(crate) fn lifetime(data: &SessionMap) -> Option<Duration> {
    field(data, LIFETIME).filter(|&secs| secs > 0).map(Duration::from_secs)
}

/// Records the session's own lifetime, in whole seconds, at least one; `false` when it already
/// was that (nothing written).
pub(crate) fn set_lifetime(data: &mut SessionMap, lifetime: Duration) -> bool {
    let secs = lifetime.as_secs().max(1);
    if field(data, LIFETIME) == Some(secs) {
        return false;
    }
    set_field(data, LIFETIME, secs);
    true
}

/// When this (old, renewed) entry stops working.
pub(crate) fn retired_at(data: &SessionMap) -> Option<SystemTime> {
    moment(data, RETIRED)
}

/// Rounded up to the second, so the grace is never shorter than asked.
pub(crate) fn set_retired(data: &mut SessionMap, at: SystemTime) {
    set_field(data, RETIRED, unix_secs(at + Duration::from_millis(999)));
}

/// When the lifecycle last moved the expiry of a session whose store does not report it.
pub(crate) fn refreshed_at(data: &SessionMap) -> Option<SystemTime> {
    moment(data, REFRESHED)
}

pub(crate) fn set_refreshed(data: &mut SessionMap, now: SystemTime) {
    set_field(data, REFRESHED, unix_secs(now));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip_and_keep_the_rest() {
        let mut m = SessionMap::new();
        assert_eq!(created_at(&m), None);
        let t = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert!(stamp_created(&mut m, t));
        assert!(!stamp_created(&mut m, t + Duration::from_secs(5)), "the first creation time stays");
        set_lifetime(&mut m, Duration::from_secs(600));
        set_renewed(&mut m, t + Duration::from_secs(60));
        assert_eq!(created_at(&m), Some(t));
        assert_eq!(lifetime(&m), Some(Duration::from_secs(600)));
        assert_eq!(renewed_at(&m), Some(t + Duration::from_secs(60)));
        assert_eq!(retired_at(&m), None);
        let Some(Value::Map(entries)) = m.get(META_KEY) else { panic!("a map") };
        assert_eq!(entries.len(), 3);
    }

    #[test]
    fn a_malformed_record_reads_as_absent() {
        for bad in [Value::from("x"), Value::Map(vec![(Value::from("created"), Value::from(-5))]), Value::Nil] {
            let mut m = SessionMap::new();
            m.insert(META_KEY, bad);
            assert_eq!(created_at(&m), None);
            assert_eq!(lifetime(&m), None);
            assert!(stamp_created(&mut m, UNIX_EPOCH));
            assert_eq!(created_at(&m), Some(UNIX_EPOCH));
        }
    }
}
