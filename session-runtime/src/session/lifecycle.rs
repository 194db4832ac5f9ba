//! The session's lifecycle: opening it (load, expiry, renewal) and saving it by Flask-Session
//! 0.8's rules (create, save, refresh, delete), with the user index told of each change.

use std::sync::atomic::Ordering;
use std::time::SystemTime;

use http::StatusCode;

use super::{Finished, Op, Session, Shared, State};
use crate::accounts;
use crate::expiry::{self, is_expired, Deadline, Expiry};
use crate::id::SessionId;
use crate::map::SessionMap;
use crate::meta::{self, META_KEY};
use crate::settings::Settings;
use crate::store::{StoreError, Touched};

/// How many fresh ids `create` may draw before a collision is reported as an error. With 128 or
/// more random bits, a second draw never happens in practice.
const CREATE_ATTEMPTS: usize = 3;

impl Session {
    /// Opens the session: the cookie's entry if the store has it and it has not expired (nor
    /// outlived its absolute timeout); otherwise a fresh session that will get a NEW id (a
    /// client's id is never adopted). Whatever a store returns, an entry past its `expires_at`
    /// is decided here to be gone, once for every store. Then the timeouts that act on a loaded
    /// session: its creation time is recorded, and its id renewed when due.
    pub(super) async fn load(&self, st: &mut State) -> Result<(), StoreError> {
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
        if !self.inner.opened.load(Ordering::Acquire) {
            return Ok(Finished::default());
        }
        let mut st = self.inner.lock_state().await;
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
        // The store key is built once, in the arm that writes: the last arm writes nothing.
        let (still_there, key) = match (&st.id, st.modified) {
            (Some(id), true) if settings.session_merge_on_save && !st.ops.is_empty() => {
                let key = shared.key(id);
                (crate::merge::merge_save(shared, &key, st, expiry).await?, key)
            }
            (Some(id), true) => {
                let key = shared.key(id);
                (shared.store.save(&key, &st.data, expiry).await?, key)
            }
            (None, _) => {
                let (id, key) = create(shared, &st.data, expiry).await?;
                st.id = Some(id);
                created = true;
                (true, key)
            }
            (Some(id), false)
                if settings.session_refresh_each_request && !retired && deadline.needs_refresh(settings, st.stored_expiry) =>
            {
                let key = shared.key(id);
                let there = st.refreshed || {
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
                };
                (there, key)
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
    pub(super) fn deadline(&self, settings: &Settings) -> Deadline {
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
/// Returns the id and its store key.
async fn create(shared: &Shared, data: &SessionMap, expiry: &Expiry) -> Result<(SessionId, String), StoreError> {
    for _ in 0..CREATE_ATTEMPTS {
        let id = SessionId::generate(shared.settings.session_id_length);
        let key = shared.key(&id);
        if shared.store.create(&key, data, expiry).await? {
            return Ok((id, key));
        }
        tracing::warn!("session id collision; drawing another id");
    }
    Err(StoreError::backend("session", "could not draw an unused session id"))
}
