//! The user index: which sessions belong to a user, so that they can be listed and revoked.
//!
//! A store translates; the lifecycle (`crate::accounts`) decides when the index changes: after
//! every save, refresh, creation, id rotation and deletion of a session whose owner
//! (`session_user_key`) is known. The index is never the source of truth: the lifecycle loads
//! every entry it lists and drops the ones whose session is gone, expired or now another user's.
//!
//! What each bundled store keeps:
//!
//! | store | index | cost per save of an owned session |
//! |---|---|---|
//! | Redis (single node, Cluster, Sentinel) | a sorted set per user, `prefix + "user:" + user`, scored by each session's expiry; trimmed of expired members on every write and expiring with its last member | one extra command and round trip, after each save or refresh (one script on the set's own key, so Cluster runs it whatever slot the sessions are in); measured: `/incr` 1.18× the CPU of an anonymous session, 1.35× the instructions (bench/README.md) |
//! | MongoDB | the user in a field of the session's document (`session_user_key`'s name), with an index | none: written by the same `update_one` |
//! | SQL | an indexed `user_id` column (default model; created with the table) or a `#[session_model]`'s column filled from the user key | none: written by the same `UPDATE` |
//! | filesystem | none: a listing reads every session file (up to `session_file_threshold`, 500 by default) | none |
//! | memory | none: a listing decodes every entry | none |
//! | memcached | cannot be kept: memcached can neither enumerate nor index keys (`session_user_key` is refused) | — |

use std::time::SystemTime;

use crate::map::SessionMap;
use crate::Value;

/// Whose sessions an index operation is about.
#[derive(Debug, Clone, Copy)]
pub struct Owner<'a> {
    /// The session key that names the owner (`session_user_key`, e.g. `"_user_id"`).
    pub user_key: &'a str,
    /// The owner, as that key's value reads (a string, or an integer in decimal).
    pub user: &'a str,
    /// Where a store that keeps one index entry per user keeps this user's:
    /// `session_key_prefix + "user:" + user` (a session id has no `:`, so it never collides).
    pub index_key: &'a str,
}

/// One session a user's index names; maybe stale (the lifecycle checks it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    /// What [`load_entry`](crate::SessionStore::load_entry) and
    /// [`delete_entry`](crate::SessionStore::delete_entry) take: the session's key, or the
    /// store's own name for it ([`entry_of`](crate::SessionStore::entry_of)).
    pub entry: String,
    /// When the session expires, as the index recorded it (the loaded entry's own expiry wins
    /// when the store reports one).
    pub expires_at: Option<SystemTime>,
}

/// One expired session a sweep deleted
/// ([`delete_expired_entries`](crate::SessionStore::delete_expired_entries)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweptEntry {
    /// The session, as [`entry_of`](crate::SessionStore::entry_of) names it.
    pub entry: String,
    /// Its owner, where the store could tell (see [`Owner::user`]).
    pub user: Option<String>,
}

/// The error of a store that keeps no user index.
pub(crate) const NO_INDEX: &str =
    "this session store keeps no index of users' sessions (`session_user_key`): it cannot list or revoke them";

impl Owner<'_> {
    /// Whether `data` names this owner (for the stores that find a user's sessions by reading them).
    pub(crate) fn owns(&self, data: &SessionMap) -> bool {
        owner_in(data, self.user_key).as_deref() == Some(self.user)
    }
}

/// The owner `data` names under `user_key`, as [`owner_value`] reads it.
pub(crate) fn owner_in(data: &SessionMap, user_key: &str) -> Option<String> {
    owner_value(data.get(user_key)?)
}

/// An owner as the index files it: a string as it is, an integer in decimal (Flask-Login writes
/// a string; a Rust handler may write a number); anything else is no owner.
pub(crate) fn owner_value(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => s.as_str().filter(|s| !s.is_empty()).map(str::to_owned),
        Value::Integer(i) => Some(i.to_string()),
        _ => None,
    }
}
