//! Every setting of the Session Bundle, with its defaults, as one runtime value.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::codec::SerializationFormat;
use crate::id::ID_LENGTH_RANGE;

/// The store sessions live in (`session_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SessionType {
    /// No store: reads see an empty session, writes are errors (the seed's default).
    #[default]
    Null,
    /// Redis or Redis Cluster (feature `redis`).
    Redis,
    /// memcached (feature `memcached`).
    Memcached,
    /// Files in `session_file_dir`, in cachelib's layout.
    Filesystem,
    /// MongoDB (feature `mongodb`).
    Mongodb,
    /// SQL through diesel (features `postgres`, `sqlite`, `mysql`).
    Sqlalchemy,
}

impl SessionType {
    /// Parses the names the seed uses (`"sql"` is an alias of `"sqlalchemy"`).
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "null" => SessionType::Null,
            "redis" => SessionType::Redis,
            "memcached" => SessionType::Memcached,
            "filesystem" => SessionType::Filesystem,
            "mongodb" => SessionType::Mongodb,
            "sqlalchemy" | "sql" => SessionType::Sqlalchemy,
            _ => return None,
        })
    }

    /// The seed's name for this type.
    pub fn name(self) -> &'static str {
        match self {
            SessionType::Null => "null",
            SessionType::Redis => "redis",
            SessionType::Memcached => "memcached",
            SessionType::Filesystem => "filesystem",
            SessionType::Mongodb => "mongodb",
            SessionType::Sqlalchemy => "sqlalchemy",
        }
    }
}

/// The cookie's `SameSite` attribute (`session_cookie_samesite`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameSite {
    /// `SameSite=Lax` (recommended).
    Lax,
    /// `SameSite=Strict`.
    Strict,
    /// `SameSite=None`; browsers require `Secure` with it.
    None,
}

/// The hash that names session files (cachelib >= 0.16 uses sha256, older versions md5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FileNameHash {
    /// hex sha256 of the key (cachelib >= 0.16, the default).
    #[default]
    Sha256,
    /// hex md5 of the key (cachelib <= 0.15).
    Md5,
}

/// A secret key; its bytes never appear in `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(Vec<u8>);

impl SecretKey {
    /// The key's bytes (a `str` key is used as UTF-8, as Python does).
    pub fn new(key: impl Into<Vec<u8>>) -> Self {
        SecretKey(key.into())
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl From<String> for SecretKey {
    fn from(s: String) -> Self {
        SecretKey(s.into_bytes())
    }
}

impl From<&str> for SecretKey {
    fn from(s: &str) -> Self {
        SecretKey(s.as_bytes().to_vec())
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(REDACTED)")
    }
}

/// Every setting of the Session Bundle, lowercased, with the seed's defaults.
///
/// `#[session_config]` fills one in from checked literals and runtime fields. By hand, start
/// from a backend's constructor ([`filesystem`](Self::filesystem), [`redis`](Self::redis),
/// [`memcached`](Self::memcached), [`mongodb`](Self::mongodb), [`sqlalchemy`](Self::sqlalchemy))
/// or `Settings::default()`, and change the rest in [`with`](Self::with), all in one expression
/// (the struct is `#[non_exhaustive]`, so struct-update syntax is refused outside this crate).
/// [`Settings::validate`] checks what the macro checks at compile time, for values that only
/// exist at run time.
///
/// ```
/// use std::time::Duration;
/// use session_runtime::{SameSite, SessionType, Settings};
///
/// let settings = Settings::redis("redis://127.0.0.1:6379/0").with(|s| {
///     s.session_cookie_secure = true;
///     s.session_cookie_samesite = Some(SameSite::Lax);
///     s.permanent_session_lifetime = Duration::from_secs(7 * 86_400);
/// });
/// assert_eq!(settings.session_type, SessionType::Redis);
/// assert!(settings.validate().is_ok());
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Settings {
    /// Which store holds sessions. Default: `Null`.
    pub session_type: SessionType,
    /// Cookie name. Default: `"session"`.
    pub session_cookie_name: String,
    /// Cookie `Domain`. Default: none (host-only).
    pub session_cookie_domain: Option<String>,
    /// Cookie `Path`. Default: none, which means `"/"`.
    pub session_cookie_path: Option<String>,
    /// Cookie `HttpOnly`. Default: true.
    pub session_cookie_httponly: bool,
    /// Cookie `Secure`. Default: false.
    pub session_cookie_secure: bool,
    /// Cookie `SameSite`. Default: none.
    pub session_cookie_samesite: Option<SameSite>,
    /// Storage TTL of every session and cookie lifetime of permanent ones. Default: 31 days.
    pub permanent_session_lifetime: Duration,
    /// Refresh the TTL (and a permanent session's cookie) on every request. Default: true.
    pub session_refresh_each_request: bool,
    /// New sessions are permanent (`_permanent = true`). Default: true.
    pub session_permanent: bool,
    /// Sign the session id in the cookie, itsdangerous-style. Default: false.
    pub session_use_signer: bool,
    /// The key that signs the cookie. Default: none; required by `session_use_signer`.
    pub secret_key: Option<SecretKey>,
    /// Old keys that still verify cookies during a rotation, newest first. Default: none.
    pub secret_key_fallbacks: Vec<SecretKey>,
    /// Prefix of every store key. Default: `"session:"`.
    pub session_key_prefix: String,
    /// Random bytes in a session id, 16..=64. Default: 32 (43 characters).
    pub session_id_length: usize,
    /// How sessions are written: msgpack, JSON, or pickle (for Flask Unchained 0.9 and
    /// Flask-Session before 0.6). Default: msgpack (the filesystem store always pickles).
    pub session_serialization_format: SerializationFormat,
    /// Redis URL; several comma-separated node URLs for Redis Cluster;
    /// `redis+sentinel://host:port,host:port/<master name>` for Sentinel.
    /// Default: `redis://127.0.0.1:6379`.
    pub session_redis: String,
    /// memcached servers, comma-separated. Default: `memcache://127.0.0.1:11211`.
    pub session_memcached: String,
    /// Directory of session files. Default: `./flask_sessions`.
    pub session_file_dir: PathBuf,
    /// Files kept before pruning; 0 turns pruning off. Default: 500.
    pub session_file_threshold: usize,
    /// Mode of session files. Default: 0o600.
    pub session_file_mode: u32,
    /// Hash naming session files. Default: sha256 (cachelib >= 0.16).
    pub session_file_name_hash: FileNameHash,
    /// MongoDB URL. Default: `mongodb://127.0.0.1:27017`.
    pub session_mongodb: String,
    /// MongoDB database. Default: `"flask_session"`.
    pub session_mongodb_db: String,
    /// MongoDB collection. Default: `"sessions"`.
    pub session_mongodb_collect: String,
    /// Database URL of the SQL store. Default: none; required by `sqlalchemy`.
    pub session_sqlalchemy: Option<String>,
    /// Table of the default SQL model. Default: `"flask_sessions"`.
    pub session_sqlalchemy_table: String,
    /// Sweep expired sessions about once every N requests. Default: none.
    pub session_cleanup_n_requests: Option<u64>,
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
    pub session_merge_on_save: bool,
    /// How long one store operation may take before the request fails with a 500: a dead,
    /// stalled or overloaded server costs a request at most this long (SQL retries included).
    /// Default: 2 s, far above a healthy round trip. Not used by the null and filesystem stores.
    pub session_store_timeout: Duration,
    /// The most bytes a stored session may have, serialized. A handler's session over it fails
    /// that request with [`StoreError::TooLarge`](crate::StoreError::TooLarge) (a 500; the
    /// stored session stays as it was); a stored value over it, planted or written by another
    /// app, reads as unreadable (a fresh session and a warning), so it is never decoded.
    /// Default: 1 MiB (memcached's default item size; Flask sessions are far smaller).
    pub session_max_size: usize,
    /// When the layer sets a session cookie on a response that has no `Cache-Control`, add
    /// `Cache-Control: private`, so a shared cache (a CDN, a proxy) never stores one user's
    /// cookie and hands it to the next. A response whose handler chose its own `Cache-Control`
    /// keeps it. Default: true.
    pub session_cache_control_private: bool,
}

impl SerializationFormat {
    /// Parses the names `session_serialization_format` takes: `"msgpack"`, `"json"`, `"pickle"`.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "msgpack" => SerializationFormat::Msgpack,
            "json" => SerializationFormat::Json,
            "pickle" => SerializationFormat::Pickle,
            _ => return None,
        })
    }
}

/// The default `session_store_timeout`.
pub const DEFAULT_STORE_TIMEOUT: Duration = Duration::from_secs(2);

/// The default `session_max_size`: 1 MiB.
pub const DEFAULT_MAX_SESSION_SIZE: usize = 1 << 20;

/// The default `session_file_threshold` (cachelib's).
pub(crate) const DEFAULT_FILE_THRESHOLD: usize = 500;

/// The default `session_file_mode` (cachelib's).
pub(crate) const DEFAULT_FILE_MODE: u32 = 0o600;

/// The smallest `session_max_size` (`#[session_config]` has the same bound).
const MIN_MAX_SESSION_SIZE: usize = 1024;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            session_type: SessionType::Null,
            session_cookie_name: "session".into(),
            session_cookie_domain: None,
            session_cookie_path: None,
            session_cookie_httponly: true,
            session_cookie_secure: false,
            session_cookie_samesite: None,
            permanent_session_lifetime: Duration::from_secs(31 * 86_400),
            session_refresh_each_request: true,
            session_permanent: true,
            session_use_signer: false,
            secret_key: None,
            secret_key_fallbacks: Vec::new(),
            session_key_prefix: "session:".into(),
            session_id_length: 32,
            session_serialization_format: SerializationFormat::Msgpack,
            session_redis: "redis://127.0.0.1:6379".into(),
            session_memcached: "memcache://127.0.0.1:11211".into(),
            session_file_dir: PathBuf::from("flask_sessions"),
            session_file_threshold: DEFAULT_FILE_THRESHOLD,
            session_file_mode: DEFAULT_FILE_MODE,
            session_file_name_hash: FileNameHash::Sha256,
            session_mongodb: "mongodb://127.0.0.1:27017".into(),
            session_mongodb_db: "flask_session".into(),
            session_mongodb_collect: "sessions".into(),
            session_sqlalchemy: None,
            session_sqlalchemy_table: "flask_sessions".into(),
            session_cleanup_n_requests: None,
            session_merge_on_save: false,
            session_store_timeout: DEFAULT_STORE_TIMEOUT,
            session_max_size: DEFAULT_MAX_SESSION_SIZE,
            session_cache_control_private: true,
        }
    }
}

/// A setting whose value cannot work, found at run time (the macro finds literal ones at
/// compile time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    /// The setting at fault.
    pub setting: &'static str,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.setting, self.message)
    }
}

impl std::error::Error for SettingsError {}

impl Settings {
    /// The seed's defaults with what sharing a store with a Flask Unchained 0.9 app needs, the
    /// run-time twin of `#[session_config(share_with = "flask-unchained")]`: sessions written
    /// as pickle, the only format it reads (a session it cannot read it saves back empty,
    /// losing every key). Its key prefix, table (`flask_sessions`, with `created_at` and
    /// `updated_at`), cookie and signer are the defaults already; its uuid4 ids are accepted.
    pub fn flask_unchained() -> Self {
        Settings { session_serialization_format: SerializationFormat::Pickle, ..Settings::default() }
    }

    /// The filesystem store in `dir`, every other setting at its default.
    pub fn filesystem(dir: impl Into<PathBuf>) -> Self {
        Settings { session_type: SessionType::Filesystem, session_file_dir: dir.into(), ..Settings::default() }
    }

    /// The Redis store at `url` (several comma-separated URLs: Redis Cluster; a
    /// `redis+sentinel://` URL: Sentinel), every other setting at its default.
    pub fn redis(url: impl Into<String>) -> Self {
        Settings { session_type: SessionType::Redis, session_redis: url.into(), ..Settings::default() }
    }

    /// The memcached store on `servers` (comma-separated URLs), every other setting at its default.
    pub fn memcached(servers: impl Into<String>) -> Self {
        Settings { session_type: SessionType::Memcached, session_memcached: servers.into(), ..Settings::default() }
    }

    /// The MongoDB store at `url`, every other setting at its default.
    pub fn mongodb(url: impl Into<String>) -> Self {
        Settings { session_type: SessionType::Mongodb, session_mongodb: url.into(), ..Settings::default() }
    }

    /// The SQL store on the database at `url` (`postgres://…`, `mysql://…`, `sqlite:///file.db`
    /// or a SQLite file path), every other setting at its default.
    pub fn sqlalchemy(url: impl Into<String>) -> Self {
        Settings { session_type: SessionType::Sqlalchemy, session_sqlalchemy: Some(url.into()), ..Settings::default() }
    }

    /// These settings after `change`: `Settings::redis(url).with(|s| s.session_cookie_secure = true)`.
    #[must_use]
    pub fn with(mut self, change: impl FnOnce(&mut Settings)) -> Self {
        change(&mut self);
        self
    }

    /// Checks the rules `#[session_config]` enforces at compile time, on run-time values.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let err = |setting, message: &str| Err(SettingsError { setting, message: message.into() });
        let name = &self.session_cookie_name;
        if name.is_empty() || !name.bytes().all(is_cookie_name_byte) {
            return err("session_cookie_name", "a cookie name is a non-empty token: letters, digits and !#$%&'*+-.^_`|~");
        }
        if let Some(path) = &self.session_cookie_path {
            if !path.starts_with('/') || path.bytes().any(|b| b == b';' || b.is_ascii_control()) {
                return err("session_cookie_path", "a cookie path starts with \"/\" and holds no `;`");
            }
        }
        if let Some(domain) = &self.session_cookie_domain {
            if domain.is_empty() || domain.bytes().any(|b| b == b';' || b.is_ascii_whitespace() || b.is_ascii_control()) {
                return err("session_cookie_domain", "a cookie domain is a host name such as \"example.com\"");
            }
        }
        if self.session_cookie_samesite == Some(SameSite::None) && !self.session_cookie_secure {
            return err("session_cookie_samesite", "browsers drop `SameSite=None` cookies that are not `Secure`; set session_cookie_secure = true");
        }
        // Browsers match the prefixes without regard to case.
        if starts_with_ignore_case(name, "__Host-")
            && (!self.session_cookie_secure
                || self.session_cookie_domain.is_some()
                || self.session_cookie_path.as_deref().is_some_and(|p| p != "/"))
        {
            return err("session_cookie_name", "a `__Host-` cookie needs session_cookie_secure = true, no domain and path \"/\"");
        }
        if starts_with_ignore_case(name, "__Secure-") && !self.session_cookie_secure {
            return err("session_cookie_name", "a `__Secure-` cookie needs session_cookie_secure = true");
        }
        if self.permanent_session_lifetime.as_secs() == 0 {
            return err("permanent_session_lifetime", "a lifetime under one second would expire every session at once");
        }
        if self.session_use_signer && self.secret_key.as_ref().is_none_or(|k| k.bytes().is_empty()) {
            return err("secret_key", "session_use_signer = true needs a non-empty secret_key");
        }
        if self.secret_key_fallbacks.iter().any(|k| k.bytes().is_empty()) {
            return err("secret_key_fallbacks", "an empty key signs cookies anyone can forge; remove it from the fallbacks");
        }
        if self.session_max_size < MIN_MAX_SESSION_SIZE {
            return err("session_max_size", "give at least 1024 bytes, e.g. 1048576 (1 MiB, the default); below that almost every session is refused");
        }
        if !ID_LENGTH_RANGE.contains(&self.session_id_length) {
            return err("session_id_length", "give between 16 and 64 bytes of entropy (32 is Flask's default)");
        }
        if self.session_file_mode > 0o777 || self.session_file_mode & 0o600 != 0o600 {
            return err("session_file_mode", "the owner must read and write the files, and the mode is at most 0o777 (e.g. 0o600)");
        }
        if self.session_store_timeout.is_zero() {
            return err("session_store_timeout", "a zero timeout would fail every store operation; give e.g. 2 s");
        }
        if self.session_cleanup_n_requests == Some(0) {
            return err("session_cleanup_n_requests", "give a positive number of requests, or leave it unset");
        }
        Ok(())
    }

    /// The settings that only one backend's store reads, changed from their defaults, each with
    /// that backend: what a layer given a store of another backend refuses.
    pub(crate) fn changed_backend_settings(&self) -> Vec<(&'static str, SessionType)> {
        let d = Settings::default();
        let owned = [
            ("session_redis", SessionType::Redis, self.session_redis != d.session_redis),
            ("session_memcached", SessionType::Memcached, self.session_memcached != d.session_memcached),
            ("session_file_dir", SessionType::Filesystem, self.session_file_dir != d.session_file_dir),
            ("session_file_threshold", SessionType::Filesystem, self.session_file_threshold != d.session_file_threshold),
            ("session_file_mode", SessionType::Filesystem, self.session_file_mode != d.session_file_mode),
            ("session_file_name_hash", SessionType::Filesystem, self.session_file_name_hash != d.session_file_name_hash),
            ("session_mongodb", SessionType::Mongodb, self.session_mongodb != d.session_mongodb),
            ("session_mongodb_db", SessionType::Mongodb, self.session_mongodb_db != d.session_mongodb_db),
            ("session_mongodb_collect", SessionType::Mongodb, self.session_mongodb_collect != d.session_mongodb_collect),
            ("session_sqlalchemy", SessionType::Sqlalchemy, self.session_sqlalchemy != d.session_sqlalchemy),
            ("session_sqlalchemy_table", SessionType::Sqlalchemy, self.session_sqlalchemy_table != d.session_sqlalchemy_table),
        ];
        owned.into_iter().filter(|&(_, _, changed)| changed).map(|(name, backend, _)| (name, backend)).collect()
    }

    /// The cookie path: `session_cookie_path` or `"/"`.
    pub fn cookie_path(&self) -> &str {
        self.session_cookie_path.as_deref().unwrap_or("/")
    }
}

fn starts_with_ignore_case(name: &str, prefix: &str) -> bool {
    name.get(..prefix.len()).is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// RFC 6265 token characters.
fn is_cookie_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_defaults() {
        let s = Settings::default();
        assert_eq!(s.session_type, SessionType::Null);
        assert_eq!(s.session_cookie_name, "session");
        assert_eq!(s.cookie_path(), "/");
        assert!(s.session_cookie_httponly && !s.session_cookie_secure);
        assert_eq!(s.permanent_session_lifetime.as_secs(), 2_678_400);
        assert!(s.session_refresh_each_request && s.session_permanent && !s.session_use_signer);
        assert_eq!(s.session_key_prefix, "session:");
        assert_eq!(s.session_id_length, 32);
        assert_eq!(s.session_file_threshold, 500);
        assert_eq!(s.session_file_mode, 0o600);
        assert_eq!(s.session_sqlalchemy_table, "flask_sessions");
        assert_eq!(s.session_store_timeout, Duration::from_secs(2));
        assert_eq!(s.session_max_size, 1 << 20);
        assert!(s.session_cache_control_private);
        assert_eq!((s.session_mongodb_db.as_str(), s.session_mongodb_collect.as_str()), ("flask_session", "sessions"));
        assert!(s.validate().is_ok());
    }

    #[test]
    fn validation_names_the_setting() {
        let check = |f: fn(&mut Settings), setting: &str| {
            let mut s = Settings::default();
            f(&mut s);
            assert_eq!(s.validate().unwrap_err().setting, setting);
        };
        check(|s| s.session_cookie_name = "bad name".into(), "session_cookie_name");
        check(|s| s.session_cookie_path = Some("app".into()), "session_cookie_path");
        check(|s| s.session_cookie_samesite = Some(SameSite::None), "session_cookie_samesite");
        check(|s| s.session_cookie_name = "__Host-id".into(), "session_cookie_name");
        check(|s| s.session_cookie_name = "__Secure-id".into(), "session_cookie_name");
        check(|s| s.session_use_signer = true, "secret_key");
        check(|s| s.session_id_length = 8, "session_id_length");
        check(|s| s.session_file_mode = 0o400, "session_file_mode");
        check(|s| s.session_file_mode = 0o1600, "session_file_mode");
        check(|s| s.permanent_session_lifetime = Duration::ZERO, "permanent_session_lifetime");
        check(|s| s.session_store_timeout = Duration::ZERO, "session_store_timeout");
        check(|s| s.session_cookie_name = "__host-id".into(), "session_cookie_name");
        check(|s| s.session_cookie_name = "__SECURE-id".into(), "session_cookie_name");
        check(|s| s.secret_key_fallbacks = vec![SecretKey::from("old"), SecretKey::from("")], "secret_key_fallbacks");
        check(|s| s.session_max_size = 1023, "session_max_size");
    }

    #[test]
    fn backend_constructors_set_the_type_and_its_address() {
        let s = Settings::filesystem("/srv/s").with(|s| s.session_file_threshold = 9);
        assert_eq!((s.session_type, s.session_file_dir.as_path(), s.session_file_threshold),
                   (SessionType::Filesystem, std::path::Path::new("/srv/s"), 9));
        assert_eq!(Settings::redis("redis://h").session_redis, "redis://h");
        assert_eq!(Settings::memcached("memcache://h").session_type, SessionType::Memcached);
        assert_eq!(Settings::mongodb("mongodb://h").session_mongodb, "mongodb://h");
        assert_eq!(Settings::sqlalchemy("sqlite://x").session_sqlalchemy.as_deref(), Some("sqlite://x"));
        assert_eq!(Settings::redis("redis://h").changed_backend_settings(), vec![("session_redis", SessionType::Redis)]);
    }

    #[test]
    fn secret_key_is_redacted() {
        assert_eq!(format!("{:?}", SecretKey::from("hunter2")), "SecretKey(REDACTED)");
    }
}
