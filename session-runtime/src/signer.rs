//! itsdangerous-compatible signing of the session id (`session_use_signer`).
//!
//! Flask-Session builds `Signer(secret_key, salt="flask-session", key_derivation="hmac")`:
//! `derived = HMAC-SHA1(secret, salt)`, `sig = HMAC-SHA1(derived, sid)`, and the cookie is
//! `sid + "." + base64url_nopad(sig)`.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;

type HmacSha1 = Hmac<Sha1>;

const SALT: &[u8] = b"flask-session";

/// Signs session ids and verifies signed ones, with old keys accepted for rotation.
///
/// `Debug` never shows a key.
#[derive(Clone)]
pub struct Signer {
    /// Derived keys: the current one first, then the fallbacks, newest first.
    derived: Vec<[u8; 20]>,
}

impl Signer {
    /// A signer for `secret_key` (a `str` key is used as its UTF-8 bytes, as Python does).
    pub fn new(secret_key: impl AsRef<[u8]>) -> Self {
        Signer { derived: vec![derive(secret_key.as_ref())] }
    }

    /// Adds an old key that still verifies but never signs. Call it newest first.
    #[must_use]
    pub fn with_fallback(mut self, old_key: impl AsRef<[u8]>) -> Self {
        self.derived.push(derive(old_key.as_ref()));
        self
    }

    /// `sid.signature`, with the current key.
    pub fn sign(&self, sid: &str) -> String {
        let mac = mac(&self.derived[0], sid.as_bytes()).finalize().into_bytes();
        let mut out = String::with_capacity(sid.len() + 28);
        out.push_str(sid);
        out.push('.');
        URL_SAFE_NO_PAD.encode_string(mac, &mut out);
        out
    }

    /// The sid of a signed value, if some key's signature matches (compared in constant time).
    ///
    /// Stricter than itsdangerous in one way only: the signature must be canonical base64url
    /// without padding, which is all Flask ever emits.
    pub fn unsign<'v>(&self, value: &'v str) -> Option<&'v str> {
        let (sid, sig) = value.rsplit_once('.')?;
        let mut raw = [0u8; 20];
        match URL_SAFE_NO_PAD.decode_slice(sig, &mut raw) {
            Ok(20) => {}
            _ => return None,
        }
        self.derived
            .iter()
            .any(|key| mac(key, sid.as_bytes()).verify_slice(&raw).is_ok())
            .then_some(sid)
    }
}

fn derive(secret: &[u8]) -> [u8; 20] {
    let mut m = HmacSha1::new_from_slice(secret).expect("HMAC takes keys of any length");
    m.update(SALT);
    m.finalize().into_bytes().into()
}

fn mac(key: &[u8; 20], msg: &[u8]) -> HmacSha1 {
    let mut m = HmacSha1::new_from_slice(key).expect("HMAC takes keys of any length");
    m.update(msg);
    m
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("keys", &format_args!("[REDACTED; {}]", self.derived.len()))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::hex::hex;

    #[test]
    fn design_vector() {
        let s = Signer::new("dev-secret-key");
        assert_eq!(hex(&s.derived[0]), "17b84c8b7dd52e85a6be726a1ed54ab4638c525e");
        let signed = "uE8VW5JpjcNUdBJq6_3IGjSR5921D4avEevMeqhgYP0.QcYWC1xOaOxNGXcg6cwdQ3-Qwfk";
        assert_eq!(s.sign("uE8VW5JpjcNUdBJq6_3IGjSR5921D4avEevMeqhgYP0"), signed);
        assert_eq!(s.unsign(signed), Some("uE8VW5JpjcNUdBJq6_3IGjSR5921D4avEevMeqhgYP0"));
    }

    #[test]
    fn flask_format_vectors() {
        let s = Signer::new("test-secret");
        assert_eq!(hex(&s.derived[0]), "804dbff3c81a70204d52934dfc92280d53bd2bfb");
        assert_eq!(s.sign("abc"), "abc.HzTxAjYtqObm5NCjCajFIHZBnc8");
        assert_eq!(
            s.sign("yjhT6T4mpnPyKHa-l8y-JwzyzzosHdDNHoL4QxKT8vA"),
            "yjhT6T4mpnPyKHa-l8y-JwzyzzosHdDNHoL4QxKT8vA.I7T1-TvqJBFcJS40zIANWoPOIW8"
        );
        let u = Signer::new("ünicode-këy");
        assert_eq!(hex(&u.derived[0]), "d95384a942b50ac9bf66e59935da78ec0ff46d75");
        let sid = "A".repeat(43);
        assert_eq!(u.sign(&sid), format!("{sid}.8Es_zuco9Q5ImxXkF85QjObTlB8"));
    }

    #[test]
    fn refuses_tampering() {
        let s = Signer::new("test-secret");
        let good = s.sign("abc");
        assert_eq!(s.unsign(&good), Some("abc"));
        for bad in [
            "abc",
            "abc.",
            "abd.HzTxAjYtqObm5NCjCajFIHZBnc8",
            "abc.HzTxAjYtqObm5NCjCajFIHZBnc9",
            "abc.HzTxAjYtqObm5NCjCajFIHZBnc",
            "abc.HzTxAjYtqObm5NCjCajFIHZBnc8=",
            "abc.!!!!!!!!!!!!!!!!!!!!!!!!!!!",
        ] {
            assert_eq!(s.unsign(bad), None, "{bad:?}");
        }
        assert_eq!(Signer::new("other").unsign(&good), None);
    }

    #[test]
    fn old_keys_verify_but_never_sign() {
        let old = Signer::new("old-key");
        let rotated = Signer::new("new-key").with_fallback("old-key");
        let legacy = old.sign("abc");
        assert_eq!(rotated.unsign(&legacy), Some("abc"));
        assert_ne!(rotated.sign("abc"), legacy);
        assert_eq!(rotated.sign("abc"), Signer::new("new-key").sign("abc"));
    }

    #[test]
    fn debug_redacts_keys() {
        let shown = format!("{:?}", Signer::new("dev-secret-key"));
        assert!(!shown.contains("dev-secret-key") && !shown.contains("17b84c8b"));
    }
}
