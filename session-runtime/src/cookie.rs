//! The session cookie: reading it from a request, and the `Set-Cookie` values we send.

use http::header::COOKIE;
use http::{HeaderMap, HeaderValue};

use crate::id::SessionId;
use crate::settings::{SameSite, Settings};
use crate::signer::Signer;

/// Cookie values longer than this are refused unread: an id is at most 86 characters, signed
/// 114. Browsers cap a cookie at 4096 bytes anyway.
const MAX_VALUE_LEN: usize = 4096;

/// What the request's session cookie held.
#[derive(Debug)]
pub(crate) struct RequestCookie {
    /// The id, if the cookie was there, verified (when signing) and well-formed.
    pub(crate) id: Option<SessionId>,
}

/// Finds the session cookie among the request's `Cookie` headers. A cookie that is too long,
/// badly signed or badly shaped is logged and treated as absent: never an error, never adopted.
pub(crate) fn read(headers: &HeaderMap, settings: &Settings, signer: Option<&Signer>) -> RequestCookie {
    let name = settings.session_cookie_name.as_str();
    let value = headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name);
    let Some(c) = value else {
        return RequestCookie { id: None };
    };
    let raw = c.value();
    let id = if raw.len() > MAX_VALUE_LEN {
        tracing::warn!(len = raw.len(), "possibly suspicious activity: oversized session cookie");
        None
    } else {
        let sid = match signer {
            Some(signer) => signer.unsign(raw).or_else(|| {
                tracing::warn!("possibly suspicious activity: session cookie signature is invalid");
                None
            }),
            None => Some(raw),
        };
        sid.and_then(|sid| {
            SessionId::parse(sid).or_else(|| {
                tracing::warn!("possibly suspicious activity: malformed session id in cookie");
                None
            })
        })
    };
    RequestCookie { id }
}

/// `Set-Cookie` for a session: `Expires` = now + lifetime when permanent, none otherwise.
pub(crate) fn session(settings: &Settings, signer: Option<&Signer>, id: &SessionId, permanent: bool) -> HeaderValue {
    let value = match signer {
        Some(s) => s.sign(id.as_str()),
        None => id.as_str().to_owned(),
    };
    let mut c = base(settings, value);
    if permanent {
        let lifetime = time::Duration::try_from(settings.permanent_session_lifetime).unwrap_or(time::Duration::MAX);
        c.set_expires(time::OffsetDateTime::now_utc().saturating_add(lifetime));
    }
    header(&c)
}

/// The removal cookie. It repeats domain, path, secure, samesite and httponly: browsers only
/// replace a cookie with matching attributes, and `__Host-`/`__Secure-` cookies need `Secure`.
pub(crate) fn removal(settings: &Settings) -> HeaderValue {
    let mut c = base(settings, String::new());
    c.set_expires(time::OffsetDateTime::UNIX_EPOCH);
    c.set_max_age(time::Duration::ZERO);
    header(&c)
}

fn base(settings: &Settings, value: String) -> cookie::Cookie<'static> {
    let mut c = cookie::Cookie::new(settings.session_cookie_name.clone(), value);
    c.set_path(settings.cookie_path().to_owned());
    c.set_http_only(settings.session_cookie_httponly);
    c.set_secure(settings.session_cookie_secure);
    if let Some(domain) = &settings.session_cookie_domain {
        c.set_domain(domain.clone());
    }
    c.set_same_site(settings.session_cookie_samesite.map(|s| match s {
        SameSite::Lax => cookie::SameSite::Lax,
        SameSite::Strict => cookie::SameSite::Strict,
        SameSite::None => cookie::SameSite::None,
    }));
    c
}

fn header(c: &cookie::Cookie<'_>) -> HeaderValue {
    // Names, ids, paths and domains are validated tokens, so this cannot fail.
    HeaderValue::try_from(c.to_string()).expect("session cookie is a valid header value")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(cookie: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(COOKIE, HeaderValue::from_str(cookie).unwrap());
        h
    }

    const SID: &str = "uE8VW5JpjcNUdBJq6_3IGjSR5921D4avEevMeqhgYP0";

    #[test]
    fn reads_plain_and_signed_ids() {
        let s = Settings::default();
        let got = read(&headers(&format!("a=b; session={SID}; c=d")), &s, None);
        assert_eq!(got.id.unwrap().as_str(), SID);

        let signer = Signer::new("dev-secret-key");
        let signed = format!("session={}", signer.sign(SID));
        assert_eq!(read(&headers(&signed), &s, Some(&signer)).id.unwrap().as_str(), SID);
        assert!(read(&headers(&format!("session={SID}")), &s, Some(&signer)).id.is_none());
        assert!(read(&headers(&signed), &s, Some(&Signer::new("other"))).id.is_none());
    }

    #[test]
    fn bad_cookies_are_absent() {
        let s = Settings::default();
        for bad in ["session=../../etc/passwd", "session=", "other=x", &format!("session={}", "a".repeat(5000))] {
            assert!(read(&headers(bad), &s, None).id.is_none(), "{bad}");
        }
        let mut h = HeaderMap::new();
        h.insert(COOKIE, HeaderValue::from_bytes(b"session=\xff\xfe").unwrap());
        assert!(read(&h, &s, None).id.is_none());
    }

    #[test]
    fn default_attributes_match_flask() {
        let s = Settings::default();
        let id = SessionId::parse(SID).unwrap();
        let v = session(&s, None, &id, true).to_str().unwrap().to_owned();
        assert!(v.starts_with(&format!("session={SID}")), "{v}");
        assert!(v.contains("HttpOnly") && v.contains("Path=/") && v.contains("Expires="), "{v}");
        assert!(!v.contains("Secure") && !v.contains("SameSite") && !v.contains("Domain"), "{v}");
        let v = session(&s, None, &id, false).to_str().unwrap().to_owned();
        assert!(!v.contains("Expires"), "non-permanent sessions get browser-session cookies: {v}");
    }

    #[test]
    fn removal_repeats_attributes() {
        let mut s = Settings::default();
        s.session_cookie_name = "__Host-sid".into();
        s.session_cookie_secure = true;
        s.session_cookie_samesite = Some(SameSite::Strict);
        let v = removal(&s).to_str().unwrap().to_owned();
        for part in ["__Host-sid=", "Secure", "HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=0", "Expires=Thu, 01 Jan 1970 00:00:00 GMT"] {
            assert!(v.contains(part), "{part} missing from {v}");
        }
        s.session_cookie_domain = Some("example.com".into());
        assert!(removal(&s).to_str().unwrap().contains("Domain=example.com"));
    }
}
