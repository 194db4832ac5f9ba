//! The session handle: lazy loading, change tracking and the save rules of Flask-Session 0.8.
//! The handle's API is here; what happens when a session is opened and saved, in `lifecycle`.

mod lifecycle;

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http::HeaderValue;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::{Mutex, MutexGuard};

use crate::accounts::Accounts;
use crate::cookie;
use crate::error::SessionError;
use crate::id::SessionId;
use crate::map::{SessionMap, PERMANENT_KEY};
use crate::meta::{self, META_KEY};
use crate::settings::Settings;
use crate::signer::Signer;
use crate::store::DynStore;
use crate::Value;

/// What every session of one layer shares.
pub(crate) struct Shared {
    pub(crate) store: Arc<dyn DynStore>,
    pub(crate) settings: Settings,
    pub(crate) signer: Option<Signer>,
    pub(crate) cookie: cookie::CookieWriter,
    pub(crate) accounts: Arc<Accounts>,
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
    /// Set before the first lock that may load: a request whose handler never opened the
    /// session ends without taking the lock.
    opened: AtomicBool,
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
        Session { inner: Arc::new(Inner { shared, cookie_id, opened: AtomicBool::new(false), state: Mutex::new(state) }) }
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
        if meta::set_lifetime(&mut st.data, lifetime) {
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
        self.inner.opened.store(true, Ordering::Release);
        let mut st = self.inner.lock_state().await;
        if st.loaded_at.is_none() {
            self.load(&mut st).await?;
        }
        Ok(st)
    }
}

impl Inner {
    /// The state's lock, taken without the `Acquire` future when nobody holds it (every lock
    /// but a handler's concurrent ones): this runs twice on every request that reads.
    async fn lock_state(&self) -> MutexGuard<'_, State> {
        match self.state.try_lock() {
            Ok(st) => st,
            Err(_) => self.state.lock().await,
        }
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session").field("cookie_id", &self.inner.cookie_id).finish_non_exhaustive()
    }
}
