//! `session_merge_on_save`: a modified session's changes replayed onto the stored one and written
//! with a compare-and-set.

use std::time::{Duration, Instant, SystemTime};

use rand::Rng as _;

use crate::expiry::{is_expired, Expiry};
use crate::session::{Shared, State};
use crate::store::StoreError;

/// How many read-merge-write rounds `session_merge_on_save` tries before giving up with
/// [`StoreError::Conflict`]. A round fails only when another save of the session landed inside
/// it, and each such save fails at most one round, so a burst of up to this many requests
/// saving one session at once always gets through; only a steadier stream of saves exhausts it.
const MERGE_ATTEMPTS: u32 = 8;

/// The longest pause between two merge rounds (the pauses spread the retries of requests that
/// collided, so that fewer rounds are wasted; correctness never depends on them).
const MERGE_PAUSE_CAP: Duration = Duration::from_millis(20);

/// `session_merge_on_save`: replays this request's changes onto the stored session and writes
/// the result only if nobody saved in between (compare-and-set), reading again on a conflict.
/// `Ok(false)` when the session is gone or expired: a concurrent logout stands.
///
/// A read that gave [`Revision::unsupported`](crate::store::Revision::unsupported) (a store
/// without compare-and-set, such as a third-party store keeping the trait's defaults) is written
/// back with a plain [`save`](crate::SessionStore::save), decided here for every store: a save
/// landing between the read and the write is lost there.
pub(crate) async fn merge_save(shared: &Shared, key: &str, st: &mut State, expiry: &Expiry) -> Result<bool, StoreError> {
    for attempt in 1..=MERGE_ATTEMPTS {
        let started = Instant::now();
        let (current, revision) = match shared.store.load_for_update(key).await {
            Ok(Some((current, revision))) if !is_expired(current.expires_at, SystemTime::now()) => (current, revision),
            Ok(_) => return Ok(false),
            // Nothing readable to merge onto: overwrite it, as a save without merging would.
            Err(StoreError::Decode(_)) => return shared.store.save(key, &st.data, expiry).await,
            Err(e) => return Err(e),
        };
        let merged = st.replay_onto(current.data);
        let wrote = if revision.is_unsupported() {
            shared.store.save(key, &merged, expiry).await?
        } else {
            shared.store.save_if_unchanged(key, &revision, &merged, expiry).await?
        };
        if wrote {
            st.data = merged;
            return Ok(true);
        }
        tracing::debug!(attempt, "the session changed while merging; merging again");
        if attempt < MERGE_ATTEMPTS {
            tokio::time::sleep(merge_pause(started.elapsed(), attempt)).await;
        }
    }
    Err(StoreError::Conflict { attempts: MERGE_ATTEMPTS })
}

/// A random pause of up to `2^attempt` times the failed round's duration (at most
/// [`MERGE_PAUSE_CAP`]), so requests that collided do not collide again in lockstep.
fn merge_pause(round: Duration, attempt: u32) -> Duration {
    let ceiling = round.saturating_mul(1 << attempt.min(16)).min(MERGE_PAUSE_CAP);
    let micros = u64::try_from(ceiling.as_micros()).unwrap_or(u64::MAX);
    Duration::from_micros(rand::rng().random_range(0..=micros))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_pauses_stay_under_their_ceiling() {
        for attempt in 1..MERGE_ATTEMPTS {
            let ceiling = Duration::from_millis(1 << attempt).min(MERGE_PAUSE_CAP);
            for _ in 0..100 {
                assert!(merge_pause(Duration::from_millis(1), attempt) <= ceiling);
            }
        }
        assert!(merge_pause(Duration::from_secs(3600), 1) <= MERGE_PAUSE_CAP);
        assert!(merge_pause(Duration::MAX, u32::MAX) <= MERGE_PAUSE_CAP);
        assert_eq!(merge_pause(Duration::ZERO, 3), Duration::ZERO);
    }
}
