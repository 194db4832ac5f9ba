//! "Where am I logged in?": each user's sessions listed and revoked, and the lifecycle events.
//!
//! With `session_user_key` set (Flask-Login's `"_user_id"`), the lifecycle tells the store's
//! user index ([`store::index`](crate::store::index)) about every save, refresh, creation, id
//! rotation and deletion of a session that key names an owner in. The index is never the
//! source of truth: a listing loads every session it names and drops (from the index) the ones
//! that are gone, expired or now another user's. A session is shown by a [`SessionHandle`]
//! derived one-way from its id, which can neither be turned back into the id nor used as a
//! cookie.
//!
//! A session a Flask app wrote with `_user_id` is indexed the first time a request carrying
//! its cookie passes through the Rust layer. Until then, the filesystem and memory stores list
//! it anyway (they read every session); Redis, MongoDB and SQL do not (their index entry, field
//! or column is written by this crate only), so a revocation of all of a user's sessions does
//! not reach a session only Flask has used since it logged in. See the table in
//! [`store::index`](crate::store::index).

mod api;
mod events;
mod handle;
mod lifecycle;
mod manage;

use std::time::{Duration, SystemTime};

use tokio::sync::broadcast;

use crate::map::SessionMap;
use crate::settings::Settings;

pub use events::SessionEvent;
pub use handle::SessionHandle;
pub(crate) use lifecycle::{Now, Transition};

/// One of a user's sessions, as [`Session::user_sessions`](crate::Session::user_sessions) and
/// [`SessionLayer::user_sessions`](crate::SessionLayer::user_sessions) list them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserSession {
    /// Names the session for [`revoke_session`](crate::Session::revoke_session); not its id.
    pub handle: SessionHandle,
    /// True for the session of the request that asked.
    pub current: bool,
    /// When it was created, where the session records it (`_session_meta`); `None` for a
    /// session written before that, or by Flask.
    pub created: Option<SystemTime>,
    /// When it was last used: its expiry minus `permanent_session_lifetime`, which every
    /// request moves with the default `session_refresh_each_request` (without it, the last
    /// write).
    pub last_seen: Option<SystemTime>,
    /// When it expires.
    pub expires: Option<SystemTime>,
}

/// The user index's and the events' share of the layer.
pub(crate) struct Accounts {
    user_key: Option<String>,
    prefix: String,
    lifetime: Duration,
    handle_key: handle::HandleKey,
    events: broadcast::Sender<SessionEvent>,
}

/// How many events a slow subscriber may fall behind before it misses some (it is told how many).
const EVENT_BUFFER: usize = 1024;

impl Accounts {
    pub(crate) fn new(settings: &Settings) -> Self {
        Accounts {
            user_key: settings.session_user_key.clone(),
            prefix: settings.session_key_prefix.clone(),
            lifetime: settings.permanent_session_lifetime,
            handle_key: handle::HandleKey::new(settings.secret_key.as_ref().map(|k| k.bytes())),
            events: broadcast::channel(EVENT_BUFFER).0,
        }
    }

    /// Whether a user index is kept (`session_user_key` is set).
    pub(crate) fn indexing(&self) -> bool {
        self.user_key.is_some()
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<SessionEvent> {
        self.events.subscribe()
    }

    /// The owner `data` names (see `store::index::owner_value`); none without a user key.
    pub(crate) fn owner_of(&self, data: &SessionMap) -> Option<String> {
        crate::store::index::owner_in(data, self.user_key.as_deref()?)
    }

    fn index_key(&self, user: &str) -> String {
        let mut key = String::with_capacity(self.prefix.len() + 5 + user.len());
        key.push_str(&self.prefix);
        key.push_str("user:");
        key.push_str(user);
        key
    }

    /// Whether anyone subscribes to the events.
    fn listened(&self) -> bool {
        self.events.receiver_count() > 0
    }

    /// Sends the event `make` builds, only when someone listens (a handle costs a hash).
    fn emit(&self, make: impl FnOnce() -> SessionEvent) {
        if self.listened() {
            let _ = self.events.send(make());
        }
    }
}

/// The error of a listing or revocation when no user index is kept.
pub(crate) const NO_USER_KEY: &str =
    "listing or revoking a user's sessions needs `session_user_key` (e.g. \"_user_id\"), which is not set";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Value;

    #[test]
    fn owners_are_strings_or_integers() {
        let settings = Settings { session_user_key: Some("_user_id".into()), ..Settings::default() };
        let accounts = Accounts::new(&settings);
        let mut m = SessionMap::new();
        assert_eq!(accounts.owner_of(&m), None);
        m.insert("_user_id", Value::from("42"));
        assert_eq!(accounts.owner_of(&m).as_deref(), Some("42"));
        m.insert("_user_id", Value::from(42));
        assert_eq!(accounts.owner_of(&m).as_deref(), Some("42"));
        m.insert("_user_id", Value::from(""));
        assert_eq!(accounts.owner_of(&m), None);
        m.insert("_user_id", Value::Nil);
        assert_eq!(accounts.owner_of(&m), None);
        assert_eq!(accounts.index_key("ann"), "session:user:ann");
        let off = Accounts::new(&Settings::default());
        m.insert("_user_id", Value::from("42"));
        assert_eq!(off.owner_of(&m), None, "no user key, no owner");
    }
}
