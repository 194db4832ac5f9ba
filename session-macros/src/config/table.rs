//! The settings vocabulary: every setting of the seed, which backends it applies to, and the
//! runtime type a field must convert into.

/// A value of `session_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    Null,
    Redis,
    Memcached,
    Filesystem,
    Mongodb,
    Sqlalchemy,
}

pub(crate) const BACKEND_NAMES: &[&str] =
    &["null", "redis", "memcached", "filesystem", "mongodb", "sqlalchemy", "sql"];

impl Backend {
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "null" => Backend::Null,
            "redis" => Backend::Redis,
            "memcached" => Backend::Memcached,
            "filesystem" => Backend::Filesystem,
            "mongodb" => Backend::Mongodb,
            "sqlalchemy" | "sql" => Backend::Sqlalchemy,
            _ => return None,
        })
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Backend::Null => "null",
            Backend::Redis => "redis",
            Backend::Memcached => "memcached",
            Backend::Filesystem => "filesystem",
            Backend::Mongodb => "mongodb",
            Backend::Sqlalchemy => "sqlalchemy",
        }
    }
}

/// Which backends a setting means something to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Applies {
    All,
    AllBut(Backend),
    Only(&'static [Backend]),
}

impl Applies {
    pub(crate) fn to(self, backend: Backend) -> bool {
        match self {
            Applies::All => true,
            Applies::AllBut(b) => b != backend,
            Applies::Only(list) => list.contains(&backend),
        }
    }

    /// "`session_type = \"redis\"`" or a list of them, for messages.
    pub(crate) fn describe(self) -> String {
        let quoted = |b: &Backend| format!("\"{}\"", b.name());
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
}

/// The runtime type of a setting, which decides the `__private::*Field` trait its field needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
    Bool,
    Text,
    OptText,
    Duration,
    SameSite,
    SessionType,
    Format,
    FileNameHash,
    PathBuf,
    Usize,
    U32,
    OptU64,
    SecretKey,
    SecretKeys,
    /// `session_sqlalchemy_model`: a type, never a field.
    Model,
}

#[derive(Debug)]
pub(crate) struct Setting {
    pub(crate) name: &'static str,
    pub(crate) applies: Applies,
    pub(crate) ty: Ty,
}

const fn s(name: &'static str, applies: Applies, ty: Ty) -> Setting {
    Setting { name, applies, ty }
}

use Applies::{All, AllBut, Only};
use Backend::{Filesystem, Memcached, Mongodb, Null, Redis, Sqlalchemy};

pub(crate) const SETTINGS: &[Setting] = &[
    s("session_type", All, Ty::SessionType),
    s("session_cookie_name", All, Ty::Text),
    s("session_cookie_domain", All, Ty::OptText),
    s("session_cookie_path", All, Ty::OptText),
    s("session_cookie_httponly", All, Ty::Bool),
    s("session_cookie_secure", All, Ty::Bool),
    s("session_cookie_samesite", All, Ty::SameSite),
    s("permanent_session_lifetime", All, Ty::Duration),
    s("session_refresh_each_request", All, Ty::Bool),
    s("session_permanent", All, Ty::Bool),
    s("session_use_signer", All, Ty::Bool),
    s("secret_key", All, Ty::SecretKey),
    s("secret_key_fallbacks", All, Ty::SecretKeys),
    s("session_key_prefix", AllBut(Null), Ty::Text),
    s("session_id_length", All, Ty::Usize),
    s("session_serialization_format", AllBut(Filesystem), Ty::Format),
    s("session_redis", Only(&[Redis]), Ty::Text),
    s("session_memcached", Only(&[Memcached]), Ty::Text),
    s("session_file_dir", Only(&[Filesystem]), Ty::PathBuf),
    s("session_file_threshold", Only(&[Filesystem]), Ty::Usize),
    s("session_file_mode", Only(&[Filesystem]), Ty::U32),
    s("session_file_name_hash", Only(&[Filesystem]), Ty::FileNameHash),
    s("session_mongodb", Only(&[Mongodb]), Ty::Text),
    s("session_mongodb_db", Only(&[Mongodb]), Ty::Text),
    s("session_mongodb_collect", Only(&[Mongodb]), Ty::Text),
    s("session_sqlalchemy", Only(&[Sqlalchemy]), Ty::OptText),
    s("session_sqlalchemy_table", Only(&[Sqlalchemy]), Ty::Text),
    s("session_sqlalchemy_model", Only(&[Sqlalchemy]), Ty::Model),
    s("session_cleanup_n_requests", Only(&[Sqlalchemy, Mongodb, Filesystem]), Ty::OptU64),
    s("session_merge_on_save", AllBut(Null), Ty::Bool),
    s("session_store_timeout", Only(&[Redis, Memcached, Mongodb, Sqlalchemy]), Ty::Duration),
    s("session_max_size", AllBut(Null), Ty::Usize),
    s("session_cache_control_private", All, Ty::Bool),
];

/// Keys of the attribute that are not settings.
pub(crate) const SESSION_DATA: &str = "session_data";
pub(crate) const CRATE: &str = "crate";

pub(crate) fn setting(name: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.name == name)
}

pub(crate) fn setting_names() -> impl Iterator<Item = &'static str> {
    SETTINGS.iter().map(|s| s.name)
}
