//! Every setting of the Session Bundle, with its defaults, as one runtime value.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use session_settings::{Lookup, Value};

use crate::codec::SerializationFormat;

pub use session_settings::{FileNameHash, SameSite, SessionType, DEFAULT_MAX_SESSION_SIZE, DEFAULT_STORE_TIMEOUT};

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

/// The runtime type of each [`Kind`](session_settings::Kind) of setting.
macro_rules! field_type {
    (Bool) => { bool };
    (Text) => { String };
    (OptText) => { Option<String> };
    (Duration) => { Duration };
    (OptDuration) => { Option<Duration> };
    (SameSite) => { Option<SameSite> };
    (SessionType) => { SessionType };
    (Format) => { SerializationFormat };
    (FileNameHash) => { FileNameHash };
    (Path) => { PathBuf };
    (Usize) => { usize };
    (FileMode) => { u32 };
    (OptU64) => { Option<u64> };
    (SecretKey) => { Option<SecretKey> };
    (SecretKeys) => { Vec<SecretKey> };
}

/// The table's default expression as the field's type.
macro_rules! field_default {
    (Text, $d:expr) => { String::from($d) };
    (OptText, $d:expr) => { { let d: Option<&'static str> = $d; d.map(String::from) } };
    (Path, $d:expr) => { PathBuf::from($d) };
    ($kind:ident, $d:expr) => { $d };
}

/// A field as the rules see it.
macro_rules! field_value {
    (Text, $f:expr) => { Value::Text($f) };
    (OptText, $f:expr) => { Value::OptText($f.as_deref()) };
    (Path, $f:expr) => { Value::Path($f) };
    (Usize, $f:expr) => { Value::Usize(*$f as u64) };
    (FileMode, $f:expr) => { Value::FileMode(u64::from(*$f)) };
    (SecretKey, $f:expr) => { Value::SecretKey($f.as_ref().map(|k| k.bytes().len())) };
    (SecretKeys, $f:expr) => { Value::SecretKeys($f.iter().map(|k| k.bytes().len()).collect()) };
    ($kind:ident, $f:expr) => { Value::$kind(*$f) };
}

macro_rules! settings_struct {
    ($($(#[doc = $doc:literal])* $name:ident: $kind:ident = $default:expr, applies = $applies:expr, values = $values:literal, check = $check:ident;)*) => {
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
            $($(#[doc = $doc])* pub $name: field_type!($kind),)*
        }

        impl Default for Settings {
            fn default() -> Self {
                Settings { $($name: field_default!($kind, $default),)* }
            }
        }

        impl Lookup for Settings {
            fn value(&self, name: &str) -> Option<Value<'_>> {
                match name {
                    $(stringify!($name) => Some(field_value!($kind, &self.$name)),)*
                    _ => None,
                }
            }
        }
    };
}

session_settings::for_each_setting!(settings_struct);

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

    /// Checks the rules `#[session_config]` enforces at compile time, on run-time values (one
    /// set of rules, in session-settings, read by both): the first refusal, naming its setting.
    pub fn validate(&self) -> Result<(), SettingsError> {
        match session_settings::validate(self).into_iter().next() {
            Some(refusal) => Err(SettingsError { setting: refusal.setting, message: refusal.message }),
            None => Ok(()),
        }
    }

    /// The settings that only one backend's store reads, changed from their defaults, each with
    /// that backend: what a layer given a store of another backend refuses.
    pub(crate) fn changed_backend_settings(&self) -> Vec<(&'static str, SessionType)> {
        session_settings::SETTINGS
            .iter()
            .filter_map(|s| match s.applies {
                session_settings::Applies::Only([backend]) => Some((s, *backend)),
                _ => None,
            })
            .filter(|(s, _)| self.value(s.name) != Some((s.default)()))
            .map(|(s, backend)| (s.name, backend))
            .collect()
    }

    /// The cookie path: `session_cookie_path` or `"/"`.
    pub fn cookie_path(&self) -> &str {
        self.session_cookie_path.as_deref().unwrap_or("/")
    }
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
