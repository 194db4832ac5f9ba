//! A setting's value as the rules see it, whoever holds it: the macro's literal or default, or
//! the runtime's `Settings` field.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use crate::duration::format_duration;
use crate::enums::{FileNameHash, SameSite, SerializationFormat, SessionType};

/// One setting's value, its variant named after the setting's [`Kind`](crate::Kind).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    Bool(bool),
    Text(&'a str),
    OptText(Option<&'a str>),
    Duration(Duration),
    OptDuration(Option<Duration>),
    SameSite(Option<SameSite>),
    SessionType(SessionType),
    Format(SerializationFormat),
    FileNameHash(FileNameHash),
    Path(&'a Path),
    Usize(u64),
    /// A file mode (shown in octal).
    FileMode(u64),
    OptU64(Option<u64>),
    /// A secret key, as its length: rules never see the bytes.
    SecretKey(Option<usize>),
    /// Fallback keys, as their lengths.
    SecretKeys(Vec<usize>),
}

/// Where rules read settings from. `None` means "not known here": at compile time, a setting
/// given by a field; a rule that needs it then says nothing, and `Settings::validate` decides
/// at run time.
pub trait Lookup {
    /// The value of the setting named `name`.
    fn value(&self, name: &str) -> Option<Value<'_>>;
}

macro_rules! accessors {
    ($($fn:ident: $variant:ident -> $ty:ty;)*) => {
        impl dyn Lookup + '_ {
            $(
                /// The setting's value if known and of this kind.
                pub fn $fn(&self, name: &str) -> Option<$ty> {
                    match self.value(name)? {
                        Value::$variant(v) => Some(v),
                        _ => None,
                    }
                }
            )*
        }
    };
}

accessors! {
    bool: Bool -> bool;
    text: Text -> &str;
    opt_text: OptText -> Option<&str>;
    duration: Duration -> Duration;
    opt_duration: OptDuration -> Option<Duration>;
    samesite: SameSite -> Option<SameSite>;
    session_type: SessionType -> SessionType;
    format: Format -> SerializationFormat;
    secret_key: SecretKey -> Option<usize>;
    secret_keys: SecretKeys -> Vec<usize>;
    usize: Usize -> u64;
    file_mode: FileMode -> u64;
    opt_u64: OptU64 -> Option<u64>;
}

impl fmt::Display for Value<'_> {
    /// As the README's settings table shows a default.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "`{b}`"),
            Value::Text(s) | Value::OptText(Some(s)) => write!(f, "`{s:?}`"),
            Value::Path(p) => write!(f, "`{}`", p.display()),
            Value::Duration(d) | Value::OptDuration(Some(d)) => write!(f, "`{:?}`", format_duration(*d)),
            Value::SameSite(Some(v)) => write!(f, "`{:?}`", v.name()),
            Value::SessionType(v) => write!(f, "`{:?}`", v.name()),
            Value::Format(v) => write!(f, "`{:?}`", v.name()),
            Value::FileNameHash(v) => write!(f, "`{:?}`", v.name()),
            Value::Usize(n) | Value::OptU64(Some(n)) => write!(f, "`{n}`"),
            Value::FileMode(n) => write!(f, "`{n:#o}`"),
            Value::SecretKey(Some(_)) => f.write_str("set"),
            Value::SecretKeys(keys) if !keys.is_empty() => write!(f, "{} keys", keys.len()),
            Value::OptText(None)
            | Value::OptDuration(None)
            | Value::SameSite(None)
            | Value::OptU64(None)
            | Value::SecretKey(None)
            | Value::SecretKeys(_) => f.write_str("none"),
        }
    }
}
