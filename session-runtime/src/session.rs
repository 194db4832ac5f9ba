//! The session handle: lazy loading, change tracking and the save rules of Flask-Session 0.8.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use http::{HeaderValue, StatusCode};
use rand::Rng as _;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::{Mutex, MutexGuard};

use crate::cookie;
use crate::error::SessionError;
use crate::expiry::{is_expired, Deadline, Expiry};
use crate::id::SessionId;
use crate::map::{SessionMap, PERMANENT_KEY};
use crate::settings::Settings;
use crate::signer::Signer;
use crate::store::{DynStore, StoreError, Touched};
use crate::Value;

/// How many fresh ids `create` may draw before a collision is reported as an error. With 128 or
/// more random bits, a second draw never happens in practice.
const CREATE_ATTEMPTS: usize = 3;

/// How many read-merge-write rounds `session_merge_on_save` tries before giving up with
/// [`StoreError::Conflict`]. A round fails only when another save of the session landed inside
/// it, and each such save fails at most one round, so a burst of up to this many requests
/// saving one session at once always gets through; only a steadier stream of saves exhausts it.
const MERGE_ATTEMPTS: u32 = 8;

/// The longest pause between two merge rounds (the pauses spread the retries of requests that
/// collided, so that fewer rounds are wasted; correctness never depends on them).
const MERGE_PAUSE_CAP: Duration = Duration::from_millis(20);

/// What every session of one layer shares.
pub(crate) struct Shared {
    pub(crate) store: Arc<dyn DynStore>,
    pub(crate) settings: Settings,
    pub(crate) signer: Option<Signer>,
    pub(crate) cookie: cookie::CookieWriter,
}

impl Shared {
    fn key(&self, id: &SessionId) -> String {
        let prefix = &self.settings.session_key_prefix;
        let mut key = String::with_capacity(prefix.len() + id.as_str().len());
        key.push_str(prefix);
        key.push_str(id.as_str());
        key
    }

    /// The store's answer, not `session_type`'s: a layer over any store but `NullStore` writes.
    fn writable(&self) -> bool {
        self.store.accepts_writes()
    }

    fn fresh_data(&self) -> SessionMap {
        let mut data = SessionMap::new();
        if self.settings.session_permanent {
            data.insert(PERMANENT_KEY, Value::Boolean(true));
        }
        data
    }
}

/// The session of one request: a cheap, `Send + Sync` handle, loaded on first use.
///
/// A handler that never touches it costs no store round trip. Keys a handler does not write
/// (for example ones a Flask app wrote) are kept as they were read.
///
/// It reaches a handler as a request extension that [`SessionLayer`](crate::SessionLayer) puts
/// in before calling the service it wraps: axum handlers take it as an extractor, any other
/// tower or hyper service with `req.extensions().get::<Session>()` (see `examples/hyper.rs`).
/// The layer must therefore wrap every service that reads the session; a service outside it
/// finds none (axum then answers 500 with [`MissingSessionLayer`](crate::MissingSessionLayer)).
///
/// ```
/// # async fn handler(session: session_runtime::Session) -> Result<String, session_runtime::SessionError> {
/// let visits: u64 = session.get("visits").await?.unwrap_or(0) + 1;
/// session.insert("visits", &visits).await?;
/// # Ok(visits.to_string()) }
/// ```
#[derive(Clone)]
pub struct Session {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Arc<Shared>,
    cookie_id: Option<SessionId>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// This request's expiry, decided when the session is first read; `None` until it is
    /// loaded (so a handler that never reads it costs nothing).
    deadline: Option<Deadline>,
    /// The id whose store entry holds this session; `None` until a new session is first saved.
    id: Option<SessionId>,
    data: SessionMap,
    modified: bool,
    /// This request's changes in order, replayed onto the stored session when
    /// `session_merge_on_save` is on; empty otherwise.
    ops: Vec<Op>,
    /// `session_merge_on_save`: whether `ops` is kept.
    merging: bool,
    /// The store already moved the TTL while loading.
    refreshed: bool,
    /// Entries to delete when the response goes out (after `regenerate` or `destroy`).
    stale: Vec<SessionId>,
}

/// One change a handler made, kept to replay it onto a newer copy of the session.
#[derive(Debug, Clone)]
enum Op {
    Set(String),
    Remove(String),
    Clear,
    ClearAll,
}

impl State {
    /// Marks the session modified, and logs the change only when a merge will replay it: the
    /// log and its key are two allocations per write, for nothing when merging is off.
    fn record(&mut self, op: impl FnOnce() -> Op) {
        self.modified = true;
        if self.merging {
            self.ops.push(op());
        }
    }

    /// This request's changes applied to `base`, the session as another request left it.
    fn replay_onto(&self, mut base: SessionMap) -> SessionMap {
        for op in &self.ops {
            match op {
                Op::Set(key) => match self.data.get(key) {
                    Some(v) => {
                        base.insert(key.clone(), v.clone());
                    }
                    None => {
                        base.remove(key);
                    }
                },
                Op::Remove(key) => {
                    base.remove(key);
                }
                Op::Clear => base.clear(),
                Op::ClearAll => base.clear_all(),
            }
        }
        base
    }
}

/// What the layer adds to the response.
#[derive(Debug, Default)]
pub(crate) struct Finished {
    pub(crate) vary_cookie: bool,
    pub(crate) set_cookie: Option<HeaderValue>,
}

impl Session {
    pub(crate) fn new(shared: Arc<Shared>, cookie_id: Option<SessionId>) -> Self {
        let state = State { merging: shared.settings.session_merge_on_save, ..State::default() };
        Session { inner: Arc::new(Inner { shared, cookie_id, state: Mutex::new(state) }) }
    }

    /// The value under `key` as a `T`; `None` when the key is absent.
    pub async fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, SessionError> {
        let st = self.state().await?;
        st.data.get_as(key).map_err(|source| SessionError::Value { key: key.into(), source })
    }

    /// The raw value under `key`.
    pub async fn get_value(&self, key: &str) -> Result<Option<Value>, SessionError> {
        Ok(self.state().await?.data.get(key).cloned())
    }

    /// True when `key` is in the session.
    pub async fn contains_key(&self, key: &str) -> Result<bool, SessionError> {
        Ok(self.state().await?.data.get(key).is_some())
    }

    /// Sets `key` to `value`. Structs are written as maps, as a Python reader expects.
    /// Writing the value already stored changes nothing.
    pub async fn insert<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<(), SessionError> {
        let mut st = self.writable_state().await?;
        let changed = st
            .data
            .insert_as(key, value)
            .map_err(|source| SessionError::Encode { key: key.into(), source })?;
        if changed {
            st.record(|| Op::Set(key.into()));
        }
        Ok(())
    }

    /// Sets `key` to a raw value.
    pub async fn insert_value(&self, key: &str, value: Value) -> Result<(), SessionError> {
        let mut st = self.writable_state().await?;
        if st.data.get(key) != Some(&value) {
            st.data.insert(key, value);
            st.record(|| Op::Set(key.into()));
        }
        Ok(())
    }

    /// Removes `key` and returns its value as a `T`.
    pub async fn remove<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, SessionError> {
        let value = self.remove_value(key).await?;
        value
            .map(|v| crate::codec::from_value(v))
            .transpose()
            .map_err(|source| SessionError::Value { key: key.into(), source })
    }

    /// Removes `key` and returns its raw value.
    pub async fn remove_value(&self, key: &str) -> Result<Option<Value>, SessionError> {
        let mut st = self.writable_state().await?;
        let old = st.data.remove(key);
        if old.is_some() {
            st.record(|| Op::Remove(key.into()));
        }
        Ok(old)
    }

    /// Removes every key but `_permanent`, as Flask's `session.clear()`. An emptied session is
    /// deleted from the store and its cookie expired.
    pub async fn clear(&self) -> Result<(), SessionError> {
        let mut st = self.writable_state().await?;
        st.data.clear();
        st.record(|| Op::Clear);
        Ok(())
    }

    /// Gives the session a new id and deletes the old entry; call it on login, against fixation.
    ///
    /// Everything is kept: every key (this request's changes and keys another app wrote),
    /// `_permanent`, and the lifetime, which starts again from now. Only the id changes: the new
    /// entry is written and the old one deleted when the response goes out, with a cookie for
    /// the new id. (tower-sessions calls this `cycle_id`, actix-session `renew`.) To drop the
    /// data as well, use [`destroy`](Self::destroy) (logout) or [`clear`](Self::clear).
    pub async fn regenerate(&self) -> Result<(), SessionError> {
        let mut st = self.writable_state().await?;
        if let Some(old) = st.id.take() {
            st.stale.push(old);
        }
        st.modified = true;
        Ok(())
    }

    /// Deletes the session: its entry goes, and its cookie is expired (logout). tower-sessions
    /// calls this `flush`, actix-session `purge`.
    pub async fn destroy(&self) -> Result<(), SessionError> {
        let mut st = self.writable_state().await?;
        st.data.clear_all();
        st.record(|| Op::ClearAll);
        Ok(())
    }

    /// Makes the session permanent (cookie with `Expires`) or a browser session (`_permanent`).
    pub async fn set_permanent(&self, permanent: bool) -> Result<(), SessionError> {
        self.insert_value(PERMANENT_KEY, Value::Boolean(permanent)).await
    }

    /// True when the session is permanent.
    pub async fn is_permanent(&self) -> Result<bool, SessionError> {
        Ok(self.state().await?.data.is_permanent())
    }

    /// True when the session holds nothing but `_permanent` (such a session is never stored).
    pub async fn is_empty(&self) -> Result<bool, SessionError> {
        Ok(self.state().await?.data.is_empty_session())
    }

    /// A copy of the whole session map.
    pub async fn data(&self) -> Result<SessionMap, SessionError> {
        Ok(self.state().await?.data.clone())
    }

    /// The id of the stored session; `None` for a session not saved yet.
    pub async fn id(&self) -> Result<Option<SessionId>, SessionError> {
        Ok(self.state().await?.id.clone())
    }

    /// True when this request changed the session.
    pub async fn is_modified(&self) -> bool {
        self.inner.state.lock().await.modified
    }

    async fn writable_state(&self) -> Result<MutexGuard<'_, State>, SessionError> {
        if !self.inner.shared.writable() {
            return Err(SessionError::Unavailable);
        }
        self.state().await
    }

    async fn state(&self) -> Result<MutexGuard<'_, State>, SessionError> {
        let mut st = self.inner.state.lock().await;
        if st.deadline.is_none() {
            self.load(&mut st).await?;
        }
        Ok(st)
    }

    /// Opens the session: the cookie's entry if the store has it and it has not expired;
    /// otherwise a fresh session that will get a NEW id (a client's id is never adopted).
    /// Decides the request's [`Deadline`]. Whatever a store returns, an entry past its
    /// `expires_at` is decided here to be gone, once for every store.
    async fn load(&self, st: &mut State) -> Result<(), StoreError> {
        let shared = &self.inner.shared;
        let now = SystemTime::now();
        let deadline = Deadline::for_request(&shared.settings, now);
        if let Some(id) = &self.inner.cookie_id {
            let key = shared.key(id);
            let refresh = shared.settings.session_refresh_each_request.then(|| deadline.store());
            match shared.store.load(&key, refresh).await {
                Ok(Some(found)) if !is_expired(found.expires_at, now) => {
                    st.data = found.data;
                    st.id = Some(id.clone());
                    st.refreshed = found.refreshed;
                    st.deadline = Some(deadline);
                    return Ok(());
                }
                Ok(Some(_)) => {
                    tracing::debug!(session = %id, "session expired; starting a new one");
                    shared.store.delete(&key).await?;
                }
                Ok(None) => tracing::debug!(session = %id, "session not in the store; starting a new one"),
                Err(StoreError::Decode(e)) => {
                    tracing::warn!(session = %id, error = %e, "stored session unreadable; starting a new one");
                }
                Err(e) => return Err(e),
            }
        }
        // Built only when no stored session was found: it is two allocations.
        st.data = shared.fresh_data();
        st.deadline = Some(deadline);
        Ok(())
    }

    /// Saves the session as Flask-Session 0.8 does, after the handler answered with `status`.
    pub(crate) async fn finish(&self, status: StatusCode) -> Result<Finished, StoreError> {
        let mut st = self.inner.state.lock().await;
        let Some(deadline) = st.deadline else {
            return Ok(Finished::default());
        };
        let mut out = Finished { vary_cookie: true, set_cookie: None };
        if status.is_server_error() {
            return Ok(out);
        }
        let shared = &*self.inner.shared;
        let settings = &shared.settings;
        for old in std::mem::take(&mut st.stale) {
            shared.store.delete(&shared.key(&old)).await?;
        }
        if st.data.is_empty_session() {
            if st.modified {
                if let Some(id) = st.id.take() {
                    shared.store.delete(&shared.key(&id)).await?;
                }
                out.set_cookie = Some(shared.cookie.removal());
            }
            return Ok(out);
        }
        let expiry = deadline.store();
        let permanent = st.data.is_permanent();
        let st = &mut *st;
        // A loaded session is only ever rewritten in place: when its entry is gone, destroyed
        // by a concurrent request (a logout) or expired, it stays gone and no cookie goes out.
        let still_there = match (&st.id, st.modified) {
            (Some(id), true) if settings.session_merge_on_save && !st.ops.is_empty() => {
                merge_save(shared, &shared.key(id), st, expiry).await?
            }
            (Some(id), true) => shared.store.save(&shared.key(id), &st.data, expiry).await?,
            (None, _) => {
                st.id = Some(create(shared, &st.data, expiry).await?);
                true
            }
            (Some(id), false) if settings.session_refresh_each_request => {
                st.refreshed || {
                    let key = shared.key(id);
                    match shared.store.touch(&key, expiry).await? {
                        Touched::Refreshed => true,
                        Touched::Missing => false,
                        Touched::Unsupported => shared.store.save(&key, &st.data, expiry).await?,
                    }
                }
            }
            (Some(_), false) => return Ok(out),
        };
        if !still_there {
            tracing::debug!("the session was deleted while this request ran; it stays deleted");
            st.id = None;
            return Ok(out);
        }
        if st.modified || permanent {
            let id = st.id.as_ref().expect("an id was assigned above");
            out.set_cookie = Some(shared.cookie.session(shared.signer.as_ref(), id, deadline.cookie(permanent)));
        }
        st.modified = false;
        st.ops.clear();
        Ok(out)
    }
}

/// `session_merge_on_save`: replays this request's changes onto the stored session and writes
/// the result only if nobody saved in between (compare-and-set), reading again on a conflict.
/// `Ok(false)` when the session is gone or expired: a concurrent logout stands.
///
/// A read that gave [`Revision::unsupported`](crate::store::Revision::unsupported) (a store
/// without compare-and-set, such as a third-party store keeping the trait's defaults) is written
/// back with a plain [`save`](crate::SessionStore::save), decided here for every store: a save
/// landing between the read and the write is lost there.
async fn merge_save(shared: &Shared, key: &str, st: &mut State, expiry: &Expiry) -> Result<bool, StoreError> {
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

/// Stores a new session under a fresh id, drawing again on the (astronomically rare) collision.
async fn create(shared: &Shared, data: &SessionMap, expiry: &Expiry) -> Result<SessionId, StoreError> {
    for _ in 0..CREATE_ATTEMPTS {
        let id = SessionId::generate(shared.settings.session_id_length);
        if shared.store.create(&shared.key(&id), data, expiry).await? {
            return Ok(id);
        }
        tracing::warn!("session id collision; drawing another id");
    }
    Err(StoreError::backend("session", "could not draw an unused session id"))
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session").field("cookie_id", &self.inner.cookie_id).finish_non_exhaustive()
    }
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
