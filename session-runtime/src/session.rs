//! The session handle: lazy loading, change tracking and the save rules of Flask-Session 0.8.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http::{HeaderValue, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::{Mutex, MutexGuard};

use crate::accounts::{self, Accounts};
use crate::cookie;
use crate::error::SessionError;
use crate::expiry::{self, is_expired, Deadline, Expiry};
use crate::id::SessionId;
use crate::map::{SessionMap, PERMANENT_KEY};
use crate::meta::{self, META_KEY};
use crate::settings::Settings;
use crate::signer::Signer;
use crate::store::{DynStore, StoreError, Touched};
use crate::Value;

/// How many fresh ids `create` may draw before a collision is reported as an error. With 128 or
/// more random bits, a second draw never happens in practice.
const CREATE_ATTEMPTS: usize = 3;

/// What every session of one layer shares.
pub(crate) struct Shared {
    pub(crate) store: Arc<dyn DynStore>,
    pub(crate) settings: Settings,
    pub(crate) signer: Option<Signer>,
    pub(crate) cookie: cookie::CookieWriter,
    pub(crate) accounts: Accounts,
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
pub(crate) struct State {
    /// When the session was first read, the moment this request's [`Deadline`] counts from;
    /// `None` until it is loaded (so a handler that never reads it costs nothing).
    loaded_at: Option<SystemTime>,
    /// When the loaded entry expires, as its store reported it (or, for a store that cannot,
    /// as the lifecycle recorded it with throttling on).
    stored_expiry: Option<SystemTime>,
    /// The store did not report the entry's expiry.
    expiry_unreported: bool,
    /// The id renewal took away, kept working for a grace (see `session_renew_interval`).
    retiring: Option<SessionId>,
    /// The owner (`session_user_key`) of the session as loaded, for the user index.
    owner: Option<String>,
    /// The id whose store entry holds this session; `None` until a new session is first saved.
    id: Option<SessionId>,
    pub(crate) data: SessionMap,
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
    pub(crate) fn replay_onto(&self, mut base: SessionMap) -> SessionMap {
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

    /// Removes every key but `_permanent`, as Flask's `session.clear()`, and the lifecycle's
    /// `_session_meta` (so clearing does not restart the absolute timeout). An emptied session is
    /// deleted from the store and its cookie expired.
    pub async fn clear(&self) -> Result<(), SessionError> {
        let mut st = self.writable_state().await?;
        st.data.clear();
        st.record(|| Op::Clear);
        Ok(())
    }

    /// Gives the session its own idle lifetime (e.g. a longer one on "remember me"), in place of
    /// `permanent_session_lifetime`, from this request on; the absolute timeout still caps it.
    /// Stored with the session (in `_session_meta`), in whole seconds, at least one.
    pub async fn set_lifetime(&self, lifetime: Duration) -> Result<(), SessionError> {
        let mut st = self.writable_state().await?;
        if meta::lifetime(&st.data) != Some(Duration::from_secs(lifetime.as_secs().max(1))) {
            meta::set_lifetime(&mut st.data, lifetime);
            st.record(|| Op::Set(META_KEY.into()));
        }
        Ok(())
    }

    /// When the stored session expires once this request is answered, if nothing else changes
    /// it: the idle lifetime from now (the session's own or `permanent_session_lifetime`),
    /// capped by the absolute timeout; with `session_refresh_interval`, an unmodified session
    /// whose refresh is not due keeps its stored expiry.
    pub async fn expires_at(&self) -> Result<SystemTime, SessionError> {
        let st = self.state().await?;
        let settings = &self.inner.shared.settings;
        let deadline = st.deadline(settings);
        match st.stored_expiry {
            Some(stored) if !st.modified && st.id.is_some() && !deadline.needs_refresh(settings, Some(stored)) => Ok(stored),
            _ => Ok(deadline.store().at()),
        }
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
        // Against fixation an id renewed away this request loses its grace as well.
        let old = st.id.take().into_iter().chain(st.retiring.take());
        st.stale.extend(old.collect::<Vec<_>>());
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

    /// The layer's shared state, for the user index's methods (`accounts/api.rs`).
    pub(crate) fn shared(&self) -> &Shared {
        &self.inner.shared
    }

    /// The current owner (`session_user_key`) and the stored entry's key, loading the session.
    pub(crate) async fn owner_and_key(&self) -> Result<(Option<String>, Option<String>), SessionError> {
        let st = self.state().await?;
        let shared = &self.inner.shared;
        Ok((shared.accounts.owner_of(&st.data), st.id.as_ref().map(|id| shared.key(id))))
    }

    async fn writable_state(&self) -> Result<MutexGuard<'_, State>, SessionError> {
        if !self.inner.shared.writable() {
            return Err(SessionError::Unavailable);
        }
        self.state().await
    }

    async fn state(&self) -> Result<MutexGuard<'_, State>, SessionError> {
        let mut st = self.inner.state.lock().await;
        if st.loaded_at.is_none() {
            self.load(&mut st).await?;
        }
        Ok(st)
    }

    /// Opens the session: the cookie's entry if the store has it and it has not expired (nor
    /// outlived its absolute timeout); otherwise a fresh session that will get a NEW id (a
    /// client's id is never adopted). Whatever a store returns, an entry past its `expires_at`
    /// is decided here to be gone, once for every store. Then the timeouts that act on a loaded
    /// session: its creation time is recorded, and its id renewed when due.
    async fn load(&self, st: &mut State) -> Result<(), StoreError> {
        let shared = &self.inner.shared;
        let settings = &shared.settings;
        let now = SystemTime::now();
        // The load refreshes in the same round trip with the default deadline (a session without
        // meta's: an empty map allocates nothing); not with throttling (a read must stay a pure
        // read) nor with the absolute timeout (the deadline depends on the stored session).
        let default_deadline = Deadline::for_request(settings, &SessionMap::new(), now);
        let refresh = (settings.session_refresh_each_request
            && settings.session_refresh_interval.is_none()
            && settings.session_absolute_lifetime.is_none())
        .then(|| default_deadline.store());
        if let Some(id) = &self.inner.cookie_id {
            let key = shared.key(id);
            match shared.store.load(&key, refresh).await {
                Ok(Some(found)) if !is_expired(found.expires_at, now) && !expiry::is_over(settings, &found.data, now) => {
                    st.id = Some(id.clone());
                    st.owner = shared.accounts.owner_of(&found.data);
                    st.expiry_unreported = found.expires_at.is_none();
                    st.stored_expiry = found.expires_at.or_else(|| expiry::recorded_expiry(settings, &found.data));
                    st.data = found.data;
                    // A session with its own lifetime was refreshed to the wrong moment: again.
                    st.refreshed = found.refreshed && Deadline::for_request(settings, &st.data, now) == default_deadline;
                }
                Ok(Some(expired)) => {
                    tracing::debug!(session = %id, "session expired; starting a new one");
                    shared.store.delete(&key).await?;
                    shared.accounts.expired(&*shared.store, &key, &expired.data).await?;
                }
                Ok(None) => tracing::debug!(session = %id, "session not in the store; starting a new one"),
                Err(StoreError::Decode(e)) => {
                    tracing::warn!(session = %id, error = %e, "stored session unreadable; starting a new one");
                }
                Err(e) => return Err(e),
            }
        }
        if st.id.is_none() {
            // Built only when no stored session was found: it is two allocations.
            st.data = shared.fresh_data();
        }
        st.loaded_at = Some(now);
        if st.id.is_some() && expiry::records_creation(settings) && meta::stamp_created(&mut st.data, now) {
            // Written by Flask, or before the timeouts were on: its clock starts now.
            st.record(|| Op::Set(META_KEY.into()));
        }
        if st.id.is_some() && expiry::renewal_due(settings, &st.data, now) {
            st.retiring = st.id.take();
            meta::set_renewed(&mut st.data, now);
            st.record(|| Op::Set(META_KEY.into()));
        }
        Ok(())
    }

    /// Saves the session as Flask-Session 0.8 does, after the handler answered with `status`.
    pub(crate) async fn finish(&self, status: StatusCode) -> Result<Finished, StoreError> {
        let mut st = self.inner.state.lock().await;
        let Some(now) = st.loaded_at else {
            return Ok(Finished::default());
        };
        let mut out = Finished { vary_cookie: true, set_cookie: None };
        if status.is_server_error() {
            return Ok(out);
        }
        let shared = &*self.inner.shared;
        let settings = &shared.settings;
        if st.data.is_empty_session() {
            let renewed_away = st.retiring.take();
            st.stale.extend(renewed_away);
        }
        let rotated: Vec<String> = std::mem::take(&mut st.stale).iter().map(|old| shared.key(old)).collect();
        for old in &rotated {
            shared.store.delete(old).await?;
        }
        let owner_before = st.owner.take();
        if st.data.is_empty_session() {
            if st.modified {
                let gone = st.id.take().map(|id| shared.key(&id));
                if let Some(key) = &gone {
                    shared.store.delete(key).await?;
                }
                let now = accounts::Now::Gone { key: gone.as_deref() };
                let transition =
                    accounts::Transition { owner_before: owner_before.as_deref(), retired: &rotated, renewed_from: None, now };
                shared.accounts.settled(&*shared.store, transition).await?;
                out.set_cookie = Some(shared.cookie.removal());
            }
            return Ok(out);
        }
        if st.id.is_none() && expiry::records_creation(settings) {
            meta::stamp_created(&mut st.data, now);
        }
        if st.modified && st.expiry_unreported && settings.session_refresh_interval.is_some() {
            // This write moves the expiry too: recorded for a store that cannot tell it.
            meta::set_refreshed(&mut st.data, now);
        }
        let deadline = st.deadline(settings);
        let expiry = deadline.store();
        let permanent = st.data.is_permanent();
        // An old id in its renewal grace is never refreshed nor sent back: the browser keeps the
        // new id another response gave it.
        let retired = meta::retired_at(&st.data).is_some();
        let st = &mut *st;
        // A loaded session is only ever rewritten in place: when its entry is gone, destroyed
        // by a concurrent request (a logout) or expired, it stays gone and no cookie goes out.
        let mut created = false;
        let still_there = match (&st.id, st.modified) {
            (Some(id), true) if settings.session_merge_on_save && !st.ops.is_empty() => {
                crate::merge::merge_save(shared, &shared.key(id), st, expiry).await?
            }
            (Some(id), true) => shared.store.save(&shared.key(id), &st.data, expiry).await?,
            (None, _) => {
                st.id = Some(create(shared, &st.data, expiry).await?);
                created = true;
                true
            }
            (Some(id), false)
                if settings.session_refresh_each_request && !retired && deadline.needs_refresh(settings, st.stored_expiry) =>
            {
                st.refreshed || {
                    let key = shared.key(id);
                    if settings.session_refresh_interval.is_some() && st.expiry_unreported {
                        // Throttled on a store that cannot tell the expiry: record it in the session.
                        meta::set_refreshed(&mut st.data, now);
                        shared.store.save(&key, &st.data, expiry).await?
                    } else {
                        match shared.store.touch(&key, expiry).await? {
                            Touched::Refreshed => true,
                            Touched::Missing => false,
                            Touched::Unsupported => shared.store.save(&key, &st.data, expiry).await?,
                        }
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
        let renewed_from = st.retiring.take();
        if let Some(old) = &renewed_from {
            retire(shared, old, &st.data, now).await?;
        }
        let key = shared.key(st.id.as_ref().expect("an id was assigned above"));
        let renewed_from = renewed_from.map(|old| shared.key(&old));
        let stored = accounts::Now::Stored { key: &key, data: &st.data, expiry, created };
        let transition = accounts::Transition {
            owner_before: owner_before.as_deref(),
            retired: &rotated,
            renewed_from: renewed_from.as_deref(),
            now: stored,
        };
        shared.accounts.settled(&*shared.store, transition).await?;
        if (st.modified || permanent) && !retired {
            let id = st.id.as_ref().expect("an id was assigned above");
            out.set_cookie = Some(shared.cookie.session(shared.signer.as_ref(), id, deadline.cookie(permanent)));
        }
        st.modified = false;
        st.ops.clear();
        Ok(out)
    }
}

impl State {
    /// This request's deadline, from the session as it is now.
    fn deadline(&self, settings: &Settings) -> Deadline {
        Deadline::for_request(settings, &self.data, self.loaded_at.unwrap_or_else(SystemTime::now))
    }
}

/// After a renewal, the old id keeps the session for its grace, marked retired (never renewed,
/// refreshed or sent back in a cookie), and stops working after it. Its entry is rewritten only
/// if still there: a concurrent logout stands.
async fn retire(shared: &Shared, old: &SessionId, data: &SessionMap, now: SystemTime) -> Result<(), StoreError> {
    let interval = shared.settings.session_renew_interval.unwrap_or(expiry::RENEW_GRACE);
    let until = now + expiry::renew_grace(interval);
    let mut kept = data.clone();
    meta::set_retired(&mut kept, until);
    let expiry = Deadline::for_request(&shared.settings, &kept, now);
    shared.store.save(&shared.key(old), &kept, expiry.store()).await?;
    Ok(())
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
