//! The settings that take one of a few names, each enum defined once with its spellings.

/// An enum whose values are spelled as the seed spells them; `from_name` also takes aliases.
macro_rules! named_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident {
        $($(#[$vmeta:meta])* $variant:ident = $spelling:literal $(| $alias:literal)*,)*
    } case_insensitive = $ci:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            /// Every value's name as the seed writes it (aliases not included).
            pub const NAMES: &'static [&'static str] = &[$($spelling),*];

            /// Every value, in the order of [`NAMES`](Self::NAMES).
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// Parses a name as the seed writes it (and its aliases).
            pub fn from_name(name: &str) -> Option<Self> {
                let eq = |a: &str, b: &str| if $ci { a.eq_ignore_ascii_case(b) } else { a == b };
                $(if eq(name, $spelling) $(|| eq(name, $alias))* { return Some($name::$variant); })*
                None
            }

            /// The seed's name for this value.
            pub fn name(self) -> &'static str {
                match self { $($name::$variant => $spelling,)* }
            }

            /// The Rust name of this variant, for generated code.
            #[doc(hidden)]
            pub fn variant(self) -> &'static str {
                match self { $($name::$variant => stringify!($variant),)* }
            }
        }
    };
}

named_enum! {
    /// The store sessions live in (`session_type`).
    pub enum SessionType {
        /// No store: reads see an empty session, writes are errors (the seed's default).
        Null = "null",
        /// Redis, Redis Cluster or Sentinel (feature `redis`).
        Redis = "redis",
        /// memcached (feature `memcached`).
        Memcached = "memcached",
        /// Files in `session_file_dir`, in cachelib's layout.
        Filesystem = "filesystem",
        /// MongoDB (feature `mongodb`).
        Mongodb = "mongodb",
        /// SQL through diesel (features `postgres`, `sqlite`, `mysql`).
        Sqlalchemy = "sqlalchemy" | "sql",
    }
    case_insensitive = false
}

named_enum! {
    /// The cookie's `SameSite` attribute (`session_cookie_samesite`), named in any case as
    /// Werkzeug takes it.
    pub enum SameSite {
        /// `SameSite=Lax` (recommended).
        Lax = "Lax",
        /// `SameSite=Strict`.
        Strict = "Strict",
        /// `SameSite=None`; browsers require `Secure` with it.
        None = "None",
    }
    case_insensitive = true
}

named_enum! {
    /// How sessions are serialized in the store (`session_serialization_format`).
    pub enum SerializationFormat {
        /// msgpack, byte for byte as msgspec writes it (the default).
        Msgpack = "msgpack",
        /// Compact JSON, as `msgspec.json` writes it (bytes as base64 strings).
        Json = "json",
        /// Pickle protocol 4 of plain values only, as `dill.dumps` writes a session: what Flask
        /// Unchained 0.9 (Flask-Session 0.3.2) and Flask-Session before 0.6 read.
        Pickle = "pickle",
    }
    case_insensitive = false
}

named_enum! {
    /// The hash that names session files (cachelib >= 0.16 uses sha256, older versions md5).
    pub enum FileNameHash {
        /// hex sha256 of the key (cachelib >= 0.16, the default).
        Sha256 = "sha256",
        /// hex md5 of the key (cachelib <= 0.15).
        Md5 = "md5",
    }
    case_insensitive = false
}

impl Default for SessionType {
    fn default() -> Self {
        SessionType::Null
    }
}

impl Default for SerializationFormat {
    fn default() -> Self {
        SerializationFormat::Msgpack
    }
}

impl Default for FileNameHash {
    fn default() -> Self {
        FileNameHash::Sha256
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_aliases_parse() {
        for t in SessionType::ALL {
            assert_eq!(SessionType::from_name(t.name()), Some(*t));
        }
        assert_eq!(SessionType::from_name("sql"), Some(SessionType::Sqlalchemy));
        assert_eq!(SessionType::from_name("Redis"), None);
        assert_eq!(SameSite::from_name("lax"), Some(SameSite::Lax));
        assert_eq!(SameSite::from_name("STRICT"), Some(SameSite::Strict));
        assert_eq!(SerializationFormat::from_name("Pickle"), None);
        assert_eq!(FileNameHash::Md5.variant(), "Md5");
    }
}
