//! The settings table: one entry per setting, from which the spec's [`SETTINGS`] and the
//! runtime's `Settings` struct (its fields, docs, defaults and lookup) are both generated.

use std::path::Path;
use std::time::Duration;

use crate::enums::{FileNameHash, SerializationFormat, SessionType};
use crate::rules;

/// The default `session_store_timeout`.
pub const DEFAULT_STORE_TIMEOUT: Duration = Duration::from_secs(2);

/// The default `session_max_size`: 1 MiB.
pub const DEFAULT_MAX_SESSION_SIZE: usize = 1 << 20;
use crate::value::Value;

/// What values a setting takes: decides how a literal is parsed, how a field converts, and the
/// runtime field's type (`session-runtime/src/settings.rs` maps each kind to one type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bool,
    Text,
    OptText,
    Duration,
    OptDuration,
    SameSite,
    SessionType,
    Format,
    FileNameHash,
    Path,
    Usize,
    FileMode,
    OptU64,
    /// Never a literal: filled at run time.
    SecretKey,
    /// Never a literal: filled at run time.
    SecretKeys,
}

impl Kind {
    /// The `session_runtime::__private` trait a `#[session_config]` field of this kind must
    /// implement: `<Kind>Field` (`BoolField`, `OptDurationField`, ...), one per kind.
    pub fn field_trait(self) -> String {
        format!("{self:?}Field")
    }
}

/// Which backends a setting means something to.
#[derive(Debug, Clone, Copy)]
pub enum Applies {
    All,
    AllBut(SessionType),
    Only(&'static [SessionType]),
}

impl Applies {
    /// Whether the setting means something to `backend`.
    pub fn to(self, backend: SessionType) -> bool {
        match self {
            Applies::All => true,
            Applies::AllBut(b) => b != backend,
            Applies::Only(list) => list.contains(&backend),
        }
    }

    /// "every session_type", "session_type = \"redis\"", ... for messages.
    pub fn describe(self) -> String {
        let quoted = |b: &SessionType| format!("\"{}\"", b.name());
        match self {
            Applies::All => "every session_type".into(),
            Applies::AllBut(b) => format!("every session_type but {}", quoted(&b)),
            Applies::Only([one]) => format!("session_type = {}", quoted(one)),
            Applies::Only(list) => {
                let mut names: Vec<_> = list.iter().map(quoted).collect();
                let last = names.pop().unwrap_or_default();
                format!("session_type {} or {last}", names.join(", "))
            }
        }
    }

    /// As the README's settings table shows it: "all", "all but null", "redis, memcached".
    pub fn short(self) -> String {
        match self {
            Applies::All => "all".into(),
            Applies::AllBut(b) => format!("all but {}", b.name()),
            Applies::Only(list) => list.iter().map(|b| b.name()).collect::<Vec<_>>().join(", "),
        }
    }
}

/// One setting.
#[derive(Debug)]
pub struct Setting {
    pub name: &'static str,
    pub kind: Kind,
    pub applies: Applies,
    /// The runtime field's documentation.
    pub doc: &'static str,
    /// The values it takes, in a few words (the README's table).
    pub values: &'static str,
    /// Its default, as a value.
    pub default: fn() -> Value<'static>,
    /// Its own check, on one value of its kind (rules between settings are in `rules.rs`).
    pub check: fn(&Value<'_>) -> Result<(), String>,
}

/// A key of `#[session_config]` that is not a runtime setting, for the README's table.
#[derive(Debug)]
pub struct AttributeKey {
    pub name: &'static str,
    pub applies: Applies,
    pub default: &'static str,
    pub values: &'static str,
}

/// The setting named `name`.
pub fn setting(name: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.name == name)
}

/// Calls `$callback! { <entries> }` with every setting, so that a crate can generate code from
/// the one table. Each entry is
/// `/// docs` `name: Kind = default, applies = .., values = "..", check = rules::fn;`
/// where `default` is an expression that means the same in the spec (as a [`Value`]) and in
/// the runtime (as the field's type): a literal, `None`, `Vec::new()`, `Duration::..`, an
/// enum variant or one of this crate's `DEFAULT_*` constants.
#[macro_export]
macro_rules! for_each_setting {
    ($callback:ident) => {
        $callback! {
            /// Which store holds sessions. Default: `Null`.
            session_type: SessionType = SessionType::Null, applies = All, values = "`\"null\"`, `\"redis\"`, `\"memcached\"`, `\"filesystem\"`, `\"mongodb\"`, `\"sqlalchemy\"` (alias `\"sql\"`)", check = any;
            /// Cookie name. Default: `"session"`.
            session_cookie_name: Text = "session", applies = All, values = "cookie-name token", check = cookie_name;
            /// Cookie `Domain`. Default: none (host-only).
            session_cookie_domain: OptText = None, applies = All, values = "host name", check = cookie_domain;
            /// Cookie `Path`. Default: none, which means `"/"`.
            session_cookie_path: OptText = None, applies = All, values = "starts with `\"/\"` (none means `\"/\"`)", check = cookie_path;
            /// Cookie `HttpOnly`. Default: true.
            session_cookie_httponly: Bool = true, applies = All, values = "bool", check = any;
            /// Cookie `Secure`. Default: false.
            session_cookie_secure: Bool = false, applies = All, values = "bool", check = any;
            /// Cookie `SameSite`. Default: none.
            session_cookie_samesite: SameSite = None, applies = All, values = "`\"Lax\"`, `\"Strict\"`, `\"None\"` (needs secure), in any case as Werkzeug", check = any;
            /// Storage TTL of every session and cookie lifetime of permanent ones. Default: 31 days.
            permanent_session_lifetime: Duration = Duration::from_secs(31 * 86_400), applies = All, values = "a duration (below), at least 1 s", check = lifetime;
            /// Absolute timeout: a session dies this long after it was first stored, however active,
            /// and its id with it (the data is not carried to a new one). The creation time is kept
            /// in the session under `_session_meta`, which a Flask app sharing the store loads and
            /// writes back unchanged; a session without it (written by Flask, or before this was
            /// set) starts its clock when first read. Default: none (off).
            session_absolute_lifetime: OptDuration = None, applies = All, values = "absolute timeout: the session dies this long after it was created, however active; a duration, at least `permanent_session_lifetime` (our addition)", check = opt_lifetime;
            /// Renewal timeout: the session id is rotated at this interval, data kept, so a stolen
            /// cookie stops working. The old id keeps working for a short grace (10 s, at most half
            /// the interval) so that a page's requests already under way are not logged out.
            /// Default: none (off).
            session_renew_interval: OptDuration = None, applies = All, values = "rotate the id at this interval, data kept, the old id valid for a 10 s grace (at most half the interval); under `session_absolute_lifetime` (our addition)", check = opt_lifetime;
            /// Refresh throttling: an unmodified session's stored expiry (and a permanent session's
            /// cookie) is moved only once it has fallen more than this far behind, so requests in
            /// between are pure reads. Default: none, every request moves it, as Flask-Session does
            /// (a Flask app sharing the store sees exactly its own behaviour); a few minutes is nearly
            /// free and recommended when reads dominate.
            session_refresh_interval: OptDuration = None, applies = All, values = "move an unmodified session's expiry at most once per interval, so reads in between write nothing; under `permanent_session_lifetime`; none = every request, as Flask (our addition)", check = opt_lifetime;
            /// Refresh the TTL (and a permanent session's cookie) on every request. Default: true.
            session_refresh_each_request: Bool = true, applies = All, values = "bool", check = any;
            /// New sessions are permanent (`_permanent = true`). Default: true.
            session_permanent: Bool = true, applies = All, values = "bool", check = any;
            /// Sign the session id in the cookie, itsdangerous-style. Default: false.
            session_use_signer: Bool = false, applies = All, values = "bool; needs `secret_key`", check = any;
            /// The key that signs the cookie. Default: none; required by `session_use_signer`.
            secret_key: SecretKey = None, applies = All, values = "run-time value only, never a literal in source", check = any;
            /// Old keys that still verify cookies during a rotation, newest first. Default: none.
            secret_key_fallbacks: SecretKeys = Vec::new(), applies = All, values = "old keys still accepted during a rotation, none empty (our addition)", check = fallback_keys;
            /// Prefix of every store key. Default: `"session:"`.
            session_key_prefix: Text = "session:", applies = AllBut(SessionType::Null), values = "string", check = any;
            /// Random bytes in a session id, 16..=64. Default: 32 (43 characters).
            session_id_length: Usize = 32, applies = All, values = "bytes of entropy, 16..=64 (32 → 43 characters)", check = id_length;
            /// How sessions are written: msgpack, JSON, or pickle (for Flask Unchained 0.9 and
            /// Flask-Session before 0.6). Default: msgpack (the filesystem store always pickles).
            session_serialization_format: Format = SerializationFormat::Msgpack, applies = AllBut(SessionType::Filesystem), values = "`\"msgpack\"`, `\"json\"`, `\"pickle\"` (protocol 4 of plain values, what Flask Unchained 0.9 reads)", check = any;
            /// Redis URL; several comma-separated node URLs for Redis Cluster;
            /// `redis+sentinel://host:port,host:port/<master name>` for Sentinel.
            /// Default: `redis://127.0.0.1:6379`.
            session_redis: Text = "redis://127.0.0.1:6379", applies = Only(&[SessionType::Redis]), values = "URL; several comma-separated URLs select Redis Cluster, `redis+sentinel://` Sentinel", check = any;
            /// memcached servers, comma-separated. Default: `memcache://127.0.0.1:11211`.
            session_memcached: Text = "memcache://127.0.0.1:11211", applies = Only(&[SessionType::Memcached]), values = "URL(s), comma-separated", check = any;
            /// Directory of session files. Default: `./flask_sessions`.
            session_file_dir: Path = "flask_sessions", applies = Only(&[SessionType::Filesystem]), values = "path", check = any;
            /// Files kept before pruning; 0 turns pruning off. Default: 500.
            session_file_threshold: Usize = 500, applies = Only(&[SessionType::Filesystem]), values = "files kept before pruning; 0 = no pruning", check = any;
            /// Mode of session files. Default: 0o600.
            session_file_mode: FileMode = 0o600, applies = Only(&[SessionType::Filesystem]), values = "owner must read and write, at most `0o777`", check = file_mode;
            /// Hash naming session files. Default: sha256 (cachelib >= 0.16).
            session_file_name_hash: FileNameHash = FileNameHash::Sha256, applies = Only(&[SessionType::Filesystem]), values = "`\"sha256\"`, or `\"md5\"` for cachelib <= 0.15 files (our addition)", check = any;
            /// MongoDB URL. Default: `mongodb://127.0.0.1:27017`.
            session_mongodb: Text = "mongodb://127.0.0.1:27017", applies = Only(&[SessionType::Mongodb]), values = "URL", check = any;
            /// MongoDB database. Default: `"flask_session"`.
            session_mongodb_db: Text = "flask_session", applies = Only(&[SessionType::Mongodb]), values = "string", check = any;
            /// MongoDB collection. Default: `"sessions"`.
            session_mongodb_collect: Text = "sessions", applies = Only(&[SessionType::Mongodb]), values = "string", check = any;
            /// Database URL of the SQL store. Default: none; required by `sqlalchemy`.
            session_sqlalchemy: OptText = None, applies = Only(&[SessionType::Sqlalchemy]), values = "database URL", check = any;
            /// Table of the default SQL model. Default: `"flask_sessions"`.
            session_sqlalchemy_table: Text = "flask_sessions", applies = Only(&[SessionType::Sqlalchemy]), values = "table of the default model", check = any;
            /// Sweep expired sessions about once every N requests. Default: none.
            session_cleanup_n_requests: OptU64 = None, applies = Only(&[SessionType::Sqlalchemy, SessionType::Mongodb, SessionType::Filesystem]), values = "sweep expired sessions every N requests, N > 0", check = positive_count;
            /// Before saving a modified session, reload it and replay only this request's changes onto
            /// it, so concurrent requests that change different keys all keep their change. The write
            /// is a compare-and-set ([`SessionStore::save_if_unchanged`](crate::SessionStore::save_if_unchanged)):
            /// if another save landed since the reload, the session is reloaded and merged again, up to
            /// 8 rounds, after which the request fails with [`StoreError::Conflict`](crate::StoreError::Conflict)
            /// (a 500) and this request's changes are not saved. A session deleted meanwhile (a logout)
            /// stays deleted. Costs one extra store read per modified request. Every bundled store
            /// compares on the server; the filesystem store only within one process (see
            /// [`store::filesystem`](crate::store::filesystem)). Default: false (last write wins, as
            /// in Flask).
            session_merge_on_save: Bool = false, applies = AllBut(SessionType::Null), values = "reload before saving, replay only this request's changes and write with an atomic compare-and-set, so concurrent requests changing different keys all keep their change (our addition; one extra read per write; see [Concurrent requests](#concurrent-requests))", check = any;
            /// How long one store operation may take before the request fails with a 500: a dead,
            /// stalled or overloaded server costs a request at most this long (SQL retries included).
            /// Default: 2 s, far above a healthy round trip. Not used by the null and filesystem stores.
            session_store_timeout: Duration = DEFAULT_STORE_TIMEOUT, applies = Only(&[SessionType::Redis, SessionType::Memcached, SessionType::Mongodb, SessionType::Sqlalchemy]), values = "how long one store operation may take, SQL retries included, before the request fails with a 500: a duration (below), not zero (our addition)", check = store_timeout;
            /// The most bytes a stored session may have, serialized. A handler's session over it fails
            /// that request with [`StoreError::TooLarge`](crate::StoreError::TooLarge) (a 500; the
            /// stored session stays as it was); a stored value over it, planted or written by another
            /// app, reads as unreadable (a fresh session and a warning), so it is never decoded.
            /// Default: 1 MiB (memcached's default item size; Flask sessions are far smaller).
            session_max_size: Usize = DEFAULT_MAX_SESSION_SIZE, applies = AllBut(SessionType::Null), values = "the most bytes a stored session may have, serialized: a bigger one is refused when written (a 500; the stored one stays) and not decoded when read (a fresh session and a warning); at least 1024 (our addition)", check = max_size;
            /// When the layer sets a session cookie on a response that has no `Cache-Control`, add
            /// `Cache-Control: private`, so a shared cache (a CDN, a proxy) never stores one user's
            /// cookie and hands it to the next. A response whose handler chose its own `Cache-Control`
            /// keeps it. Default: true.
            session_cache_control_private: Bool = true, applies = All, values = "a response that sets the session cookie and has no `Cache-Control` gets `Cache-Control: private`, so shared caches never store it (our addition)", check = any;
        }
    };
}

/// This crate's reading of an entry's default, as a [`Value`].
macro_rules! spec_value {
    (Path, $d:expr) => { Value::Path(Path::new($d)) };
    (Usize, $d:expr) => { Value::Usize($d as u64) };
    ($kind:ident, $d:expr) => { Value::$kind($d) };
}

macro_rules! spec_table {
    ($($(#[doc = $doc:literal])* $name:ident: $kind:ident = $default:expr, applies = $applies:expr, values = $values:literal, check = $check:ident;)*) => {
        /// Every runtime setting, in the order of the runtime's `Settings` fields.
        pub const SETTINGS: &[Setting] = &[$(
            Setting {
                name: stringify!($name),
                kind: Kind::$kind,
                applies: { use Applies::*; $applies },
                doc: concat!($($doc, "\n"),*),
                values: $values,
                default: || spec_value!($kind, $default),
                check: rules::$check,
            },
        )*];
    };
}

for_each_setting!(spec_table);

/// `#[session_config]` keys that are not runtime settings.
pub const ATTRIBUTE_ONLY: &[AttributeKey] = &[
    AttributeKey {
        name: "session_sqlalchemy_model",
        applies: Applies::Only(&[SessionType::Sqlalchemy]),
        default: "default model",
        values: "a type with `#[session_model]`",
    },
    AttributeKey {
        name: "share_with",
        applies: Applies::All,
        default: "none",
        values: "`\"flask-unchained\"`: pickle, and a compile error for any other format; at run time `Settings::flask_unchained()` (our addition)",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_has_its_kind_and_passes_its_check() {
        for s in SETTINGS {
            let v = (s.default)();
            let kind_of_value = match v {
                Value::Bool(_) => Kind::Bool,
                Value::Text(_) => Kind::Text,
                Value::OptText(_) => Kind::OptText,
                Value::Duration(_) => Kind::Duration,
                Value::OptDuration(_) => Kind::OptDuration,
                Value::SameSite(_) => Kind::SameSite,
                Value::SessionType(_) => Kind::SessionType,
                Value::Format(_) => Kind::Format,
                Value::FileNameHash(_) => Kind::FileNameHash,
                Value::Path(_) => Kind::Path,
                Value::Usize(_) => Kind::Usize,
                Value::FileMode(_) => Kind::FileMode,
                Value::OptU64(_) => Kind::OptU64,
                Value::SecretKey(_) => Kind::SecretKey,
                Value::SecretKeys(_) => Kind::SecretKeys,
            };
            assert_eq!(kind_of_value, s.kind, "{}", s.name);
            assert_eq!((s.check)(&v), Ok(()), "{}", s.name);
            assert!(!s.doc.is_empty() && !s.values.is_empty(), "{}", s.name);
        }
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = SETTINGS.iter().map(|s| s.name).chain(ATTRIBUTE_ONLY.iter().map(|k| k.name)).collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n);
    }
}
