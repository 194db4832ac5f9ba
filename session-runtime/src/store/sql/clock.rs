//! The `expiry` column's clock: naive UTC, whole microseconds.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, NaiveDateTime, Timelike, Utc};

/// A moment as the `expiry` column holds it: naive UTC, whole microseconds (Python's
/// datetime resolution, and MySQL's `DATETIME(6)`).
pub(crate) fn naive(t: SystemTime) -> NaiveDateTime {
    let n = DateTime::<Utc>::from(t).naive_utc();
    n.with_nanosecond(n.nanosecond() / 1_000 * 1_000).unwrap_or(n)
}

/// The inverse of [`naive`]; moments before 1970 become the epoch (long expired either way).
pub(crate) fn system_time(t: NaiveDateTime) -> SystemTime {
    let utc = t.and_utc();
    u64::try_from(utc.timestamp())
        .map(|secs| UNIX_EPOCH + Duration::new(secs, utc.timestamp_subsec_nanos().min(999_999_999)))
        .unwrap_or(UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naive_utc_round_trip() {
        let t = UNIX_EPOCH + Duration::new(1_798_304_416, 614_721_123);
        let n = naive(t);
        assert_eq!(n.to_string(), "2026-12-26 17:00:16.614721");
        assert_eq!(system_time(n), UNIX_EPOCH + Duration::new(1_798_304_416, 614_721_000));
        assert_eq!(system_time(NaiveDateTime::MIN), UNIX_EPOCH);
    }
}
