//! Lifecycle events, as [`SessionLayer::subscribe`](crate::SessionLayer::subscribe) delivers
//! them.

use super::SessionHandle;

/// Something that happened to a session. Events name a session by its [`SessionHandle`] and
/// its owner by the `session_user_key` value (`None` without that setting, or for an
/// anonymous session), never by its id.
///
/// Which a store can deliver: every store delivers all of them for what goes through this
/// layer's lifecycle, and `Expired` when a request or a listing reads an expired entry
/// (the entry is deleted then). The stores that sweep (SQL, filesystem, memory) also deliver an
/// `Expired` per session that a sweep deletes (`session_cleanup_n_requests`,
/// [`spawn_cleanup`](crate::SessionLayer::spawn_cleanup),
/// [`delete_expired`](crate::SessionLayer::delete_expired)), its owner read from the session's
/// data (which costs a decode of each swept session, and only while someone subscribes).
///
/// Not delivered: expiries on the server that nobody reads (Redis and memcached expire keys
/// silently, MongoDB's TTL monitor deletes documents itself); Redis keyspace notifications (not
/// subscribed to: they are per node, so a Cluster needs a subscriber on every primary, and they
/// carry the key, not the owner); the filesystem store's pruning past `session_file_threshold`
/// (an eviction, not an expiry); and whatever another process (a Flask app, another server of
/// this app) does.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionEvent {
    /// A new session was stored.
    Created {
        /// The new session.
        handle: SessionHandle,
        /// Its owner.
        user: Option<String>,
    },
    /// The session got a new id ([`Session::regenerate`](crate::Session::regenerate)); the
    /// old entry is gone.
    Regenerated {
        /// The session under its old id.
        previous: SessionHandle,
        /// The session under its new id.
        handle: SessionHandle,
        /// Its owner after the request.
        user: Option<String>,
    },
    /// The session's owner changed (a login, a logout that kept the session, another user).
    UserChanged {
        /// The session.
        handle: SessionHandle,
        /// The owner before.
        from: Option<String>,
        /// The owner now.
        to: Option<String>,
    },
    /// The session was deleted: destroyed, emptied, or revoked.
    Destroyed {
        /// The session.
        handle: SessionHandle,
        /// Its owner.
        user: Option<String>,
    },
    /// An expired session was found and deleted.
    Expired {
        /// The session.
        handle: SessionHandle,
        /// Its owner.
        user: Option<String>,
    },
}
