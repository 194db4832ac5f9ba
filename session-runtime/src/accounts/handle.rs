//! The opaque handle of a session: derived one-way from its id.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Bytes of the keyed hash a handle keeps: 128 bits, so two sessions never share one.
const HANDLE_BYTES: usize = 16;

/// The key handles are hashed with when `secret_key` is not set; with it, they are keyed by it
/// (an outsider holding a session id cannot even compute its handle then).
const UNKEYED: &[u8] = b"session-runtime session handle";

/// A session's name in a listing: the first 128 bits of HMAC-SHA256 over the session's store
/// entry (which the id determines), URL-safe base64 (22 characters). Neither the id nor a
/// cookie can be made from it; the same session has the same handle in every process of the
/// app, as long as they share `secret_key`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SessionHandle(String);

impl SessionHandle {
    /// The handle as text, as it goes into a page or a URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SessionHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SessionHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionHandle({})", self.0)
    }
}

impl PartialEq<str> for SessionHandle {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl serde::Serialize for SessionHandle {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

pub(crate) struct HandleKey(Hmac<Sha256>);

impl HandleKey {
    pub(crate) fn new(secret: Option<&[u8]>) -> Self {
        HandleKey(Hmac::new_from_slice(secret.unwrap_or(UNKEYED)).expect("HMAC takes keys of any length"))
    }

    /// The handle of the store entry `entry` (a key, or the filesystem's file name).
    pub(crate) fn of(&self, entry: &str) -> SessionHandle {
        let mut mac = self.0.clone();
        mac.update(entry.as_bytes());
        let digest = mac.finalize().into_bytes();
        SessionHandle(URL_SAFE_NO_PAD.encode(&digest[..HANDLE_BYTES]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_keyed_stable_and_not_the_id() {
        let key = HandleKey::new(None);
        let a = key.of("session:abc");
        assert_eq!(a, key.of("session:abc"));
        assert_ne!(a, key.of("session:abd"));
        assert_eq!(a.as_str().len(), 22);
        assert!(!a.as_str().contains("abc"));
        assert_ne!(a, HandleKey::new(Some(b"secret")).of("session:abc"), "the secret key keys it");
    }
}
