//! Session ids: generation and the shape check every id passes before it reaches a store.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::RngCore as _;

/// Bytes of entropy a session id may carry (`session_id_length`).
pub(crate) use session_settings::ID_LENGTH_RANGE;

/// A session id: base64url without padding of `session_id_length` random bytes, or a 36-char
/// uuid4 string written by Flask-Session 0.5 and older.
///
/// The field is private: an id is either generated here or parsed from a cookie with its shape
/// checked, so it is always safe to put into a store key or a file name. `Debug` and `Display`
/// show only its first characters, so logs never hold a usable id.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SessionId(Box<str>);

impl SessionId {
    /// A new id of `bytes` CSPRNG bytes (clamped to 16..=64).
    pub fn generate(bytes: usize) -> Self {
        let n = bytes.clamp(*ID_LENGTH_RANGE.start(), *ID_LENGTH_RANGE.end());
        let mut buf = [0u8; 64];
        // ThreadRng is a CSPRNG (ChaCha12, reseeded from the OS).
        rand::rng().fill_bytes(&mut buf[..n]);
        SessionId(URL_SAFE_NO_PAD.encode(&buf[..n]).into_boxed_str())
    }

    /// Parses an id from untrusted input; `None` unless it has one of the two accepted shapes.
    pub fn parse(s: &str) -> Option<Self> {
        (is_token_shape(s) || is_uuid_shape(s)).then(|| SessionId(s.into()))
    }

    /// The full id, as it goes into the cookie and the store key.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first characters of the id, safe to log.
    pub fn redacted(&self) -> &str {
        &self.0[..6.min(self.0.len())]
    }
}

/// `token_urlsafe(n)` for n in 16..=64: 22 to 86 chars of the base64url alphabet.
fn is_token_shape(s: &str) -> bool {
    let min = (ID_LENGTH_RANGE.start() * 4).div_ceil(3);
    let max = (ID_LENGTH_RANGE.end() * 4).div_ceil(3);
    // A fold without a short cut, over a branch-free test, so the check vectorizes: it runs on
    // every request that carries a cookie.
    (min..=max).contains(&s.len()) && s.bytes().fold(true, |ok, b| ok & is_base64url(b))
}

/// `b` is in the base64url alphabet: `A-Z`, `a-z`, `0-9`, `-`, `_`.
fn is_base64url(b: u8) -> bool {
    let letter = (b | 0x20).wrapping_sub(b'a') < 26;
    let digit = b.wrapping_sub(b'0') < 10;
    letter | digit | (b == b'-') | (b == b'_')
}

/// `str(uuid4())`: 8-4-4-4-12 lowercase or uppercase hex digits.
fn is_uuid_shape(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({}…)", self.redacted())
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}…", self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_length_is_43_url_safe_chars() {
        let id = SessionId::generate(32);
        assert_eq!(id.as_str().len(), 43);
        assert!(SessionId::parse(id.as_str()).is_some());
        assert_ne!(id, SessionId::generate(32));
    }

    #[test]
    fn lengths_follow_token_urlsafe() {
        assert_eq!(SessionId::generate(16).as_str().len(), 22);
        assert_eq!(SessionId::generate(64).as_str().len(), 86);
        assert_eq!(SessionId::generate(1).as_str().len(), 22, "clamped to 16 bytes");
    }

    #[test]
    fn accepts_flask_shapes() {
        assert!(SessionId::parse("uE8VW5JpjcNUdBJq6_3IGjSR5921D4avEevMeqhgYP0").is_some());
        assert!(SessionId::parse("99eb3546-85ba-4891-8e05-249d9a474255").is_some());
    }

    #[test]
    fn the_alphabet_is_base64url() {
        for b in 0..=u8::MAX {
            assert_eq!(is_base64url(b), b.is_ascii_alphanumeric() || b == b'-' || b == b'_', "{b:#04x}");
        }
    }

    #[test]
    fn rejects_everything_else() {
        for bad in [
            "",
            "short",
            "../../etc/passwd/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "uE8VW5JpjcNUdBJq6_3IGjSR5921D4avEevMeqhgYP0.sig",
            "uE8VW5JpjcNUdBJq6_3IGjSR5921D4avEevMeqhgYP=",
            "99eb3546-85ba-4891-8e05-249d9a4742.5",
            &"a".repeat(87),
            "ümlaut-ümlaut-ümlaut-ümlaut-ümlaut-ümlaut",
        ] {
            assert!(SessionId::parse(bad).is_none(), "{bad:?} accepted");
        }
    }

    #[test]
    fn debug_never_shows_the_whole_id() {
        let id = SessionId::generate(32);
        let shown = format!("{id:?} {id}");
        assert!(!shown.contains(id.as_str()));
    }
}
