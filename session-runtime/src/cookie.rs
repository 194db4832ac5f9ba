//! The session cookie: reading it from a request, and the `Set-Cookie` values we send.

use std::time::SystemTime;

use http::HeaderValue;

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

/// Finds the session cookie among the request's `Cookie` header values (raw bytes, so every
/// framework's header type can hand them over). A cookie that is too long, badly signed or
/// badly shaped is logged and treated as absent: never an error, never adopted.
pub(crate) fn read<'h>(
    mut cookie_headers: impl Iterator<Item = &'h [u8]>,
    settings: &Settings,
    signer: Option<&Signer>,
) -> RequestCookie {
    let name = settings.session_cookie_name.as_str();
    let Some(raw) = cookie_headers.find_map(|h| find_value(h, name)) else {
        return RequestCookie { id: None };
    };
    let id = if raw.len() > MAX_VALUE_LEN {
        tracing::warn!(len = raw.len(), "possibly suspicious activity: oversized session cookie");
        None
    } else if let Ok(raw) = std::str::from_utf8(raw) {
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
    } else {
        tracing::warn!("possibly suspicious activity: session cookie is not UTF-8");
        None
    };
    RequestCookie { id }
}

/// The value of the first `name=value` pair named `name` in one `Cookie` header, split and
/// trimmed exactly as `cookie::Cookie::split_parse` does on a UTF-8 header (pairs without `=`
/// or with an empty name are skipped, the value is not percent-decoded), without building a
/// `Cookie` for every pair: this runs on every request, and the crate's parser cost about 0.7 µs
/// a header (bench/HISTORY.md). It scans bytes, so one other cookie's non-UTF-8 bytes (a header
/// may carry obs-text) do not hide the session cookie; werkzeug, reading headers as latin-1,
/// finds it too.
fn find_value<'h>(header: &'h [u8], name: &str) -> Option<&'h [u8]> {
    header.split(|&b| b == b';').find_map(|pair| {
        let eq = pair.iter().position(|&b| b == b'=')?;
        let n = trim(&pair[..eq]);
        (!n.is_empty() && n == name.as_bytes()).then(|| trim(&pair[eq + 1..]))
    })
}

/// `str::trim` on bytes: ASCII whitespace by byte, and `str::trim` itself when a non-ASCII byte
/// is left at either end (Unicode whitespace such as U+00A0 is trimmed too).
fn trim(s: &[u8]) -> &[u8] {
    // char::is_whitespace's ASCII members (u8::is_ascii_whitespace lacks U+000B).
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r');
    let start = s.iter().position(|b| !ws(b)).unwrap_or(s.len());
    let end = s.iter().rposition(|b| !ws(b)).map_or(start, |i| i + 1);
    let s = &s[start..end];
    match (s.first(), s.last()) {
        (Some(first), Some(last)) if !first.is_ascii() || !last.is_ascii() => {
            std::str::from_utf8(s).map_or(s, |text| text.trim().as_bytes())
        }
        _ => s,
    }
}

/// The `Set-Cookie` values of one layer. Everything but the id and the `Expires` date is
/// rendered once, when the layer is built: this runs on every request that reads a permanent
/// session (as in Flask), and building a `cookie::Cookie` each time was most of its cost
/// (callgrind, bench/HISTORY.md). The bytes are the cookie crate's own: the attributes are cut
/// from its rendering of the same cookie with an empty value.
#[derive(Debug, Clone)]
pub(crate) struct CookieWriter {
    /// The cookie as configured, with an empty value: the source of the attributes, and the
    /// fallback for a date the cache cannot write.
    template: cookie::Cookie<'static>,
    /// `; HttpOnly; Path=/` and the rest, as the crate writes them after `name=value`.
    attributes: String,
    removal: HeaderValue,
}

impl CookieWriter {
    pub(crate) fn new(settings: &Settings) -> Self {
        let template = base(settings);
        let rendered = template.to_string();
        // `name=` then the attributes: the crate writes the value raw, so with an empty value
        // the attributes start right after the name's `=`.
        let attributes = rendered[settings.session_cookie_name.len() + 1..].to_owned();
        let mut removal = template.clone();
        removal.set_expires(time::OffsetDateTime::UNIX_EPOCH);
        removal.set_max_age(time::Duration::ZERO);
        CookieWriter {
            removal: header(&removal),
            attributes,
            template,
        }
    }

    /// `Set-Cookie` for a session, with `Expires` when given one (the lifecycle's
    /// [`Deadline`](crate::expiry::Deadline) decides it), a browser-session cookie otherwise.
    pub(crate) fn session(&self, signer: Option<&Signer>, id: &SessionId, expires: Option<SystemTime>) -> HeaderValue {
        let signed;
        let value = match signer {
            Some(s) => {
                signed = s.sign(id.as_str());
                signed.as_str()
            }
            None => id.as_str(),
        };
        let name = self.template.name();
        let mut out = String::with_capacity(name.len() + 1 + value.len() + self.attributes.len() + 40);
        out.push_str(name);
        out.push('=');
        out.push_str(value);
        out.push_str(&self.attributes);
        if let Some(expires) = expires {
            let expires = cookie_date(expires);
            // The cookie crate writes `Expires` last, so appending it yields the same bytes.
            let appended = expires_text(expires, |text| {
                out.push_str("; Expires=");
                out.push_str(text);
            });
            if appended.is_none() {
                let mut c = self.template.clone();
                c.set_value(value.to_owned());
                c.set_expires(expires);
                return header(&c);
            }
        }
        // Names, ids, paths and domains are validated tokens, so this cannot fail.
        HeaderValue::try_from(out).expect("session cookie is a valid header value")
    }

    /// The removal cookie. It repeats domain, path, secure, samesite and httponly: browsers
    /// only replace a cookie with matching attributes, and `__Host-`/`__Secure-` cookies need
    /// `Secure`.
    pub(crate) fn removal(&self) -> HeaderValue {
        self.removal.clone()
    }
}

/// Calls `f` with `at` as the cookie crate writes `Expires` (`Thu, 01 Jan 1970 00:00:00 GMT`),
/// formatted at most once per second per thread; `None` if the crate cannot write that date.
fn expires_text(at: time::OffsetDateTime, f: impl FnOnce(&str)) -> Option<()> {
    use std::cell::RefCell;
    thread_local! {
        static CACHE: RefCell<(i64, String)> = const { RefCell::new((i64::MIN, String::new())) };
    }
    let secs = at.unix_timestamp();
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.0 != secs || cache.1.is_empty() {
            // The crate's own rendering, so the bytes cannot drift from what it would write.
            let mut probe = cookie::Cookie::new("x", "");
            probe.set_expires(at);
            let full = probe.to_string();
            let text = full.split_once("; Expires=")?.1;
            cache.1.clear();
            cache.1.push_str(text);
            cache.0 = secs;
        }
        f(&cache.1);
        Some(())
    })
}

/// `at` as the cookie's date, in whole seconds (as `Expires` writes it); a moment past the year
/// 9999 becomes the latest date the cookie crate can write.
fn cookie_date(at: SystemTime) -> time::OffsetDateTime {
    let secs = i64::try_from(crate::expiry::unix_secs(at)).unwrap_or(i64::MAX);
    time::OffsetDateTime::from_unix_timestamp(secs)
        .unwrap_or(time::PrimitiveDateTime::MAX.assume_utc())
}

/// The session cookie as configured, with an empty value.
fn base(settings: &Settings) -> cookie::Cookie<'static> {
    let mut c = cookie::Cookie::new(settings.session_cookie_name.clone(), "");
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

    fn headers(cookie: &str) -> std::iter::Once<&[u8]> {
        std::iter::once(cookie.as_bytes())
    }

    const SID: &str = "uE8VW5JpjcNUdBJq6_3IGjSR5921D4avEevMeqhgYP0";

    #[test]
    fn reads_plain_and_signed_ids() {
        let s = Settings::default();
        let got = read(headers(&format!("a=b; session={SID}; c=d")), &s, None);
        assert_eq!(got.id.unwrap().as_str(), SID);

        let signer = Signer::new("dev-secret-key");
        let signed = format!("session={}", signer.sign(SID));
        assert_eq!(read(headers(&signed), &s, Some(&signer)).id.unwrap().as_str(), SID);
        assert!(read(headers(&format!("session={SID}")), &s, Some(&signer)).id.is_none());
        assert!(read(headers(&signed), &s, Some(&Signer::new("other"))).id.is_none());
    }

    #[test]
    fn finds_the_value_as_the_cookie_crate_does() {
        let headers = [
            "session=abc",
            " a=b ;  session = abc ; c=d",
            "a=b; ; noequals; =x; session=; session=second",
            "session=\"quoted\"; x=y",
            "x=1;session=a=b=c",
            "  ;  ;",
            "sessionx=1; xsession=2",
            "a=b;\tsession=\tspaced\t",
            "a=b;\x0Bsession=vt\x0C",
            "\u{a0}session=\u{2003}nbsp\u{a0}; session=later",
            "session\u{a0}=x\u{e9}; s\u{e9}ssion=y",
            "a=\u{e9}t\u{e9}; session=after",
        ];
        for h in headers {
            let by_crate = cookie::Cookie::split_parse(h)
                .filter_map(Result::ok)
                .find(|c| c.name() == "session")
                .map(|c| c.value().to_owned());
            let ours = find_value(h.as_bytes(), "session").map(|v| std::str::from_utf8(v).unwrap().to_owned());
            assert_eq!(ours, by_crate, "{h:?}");
        }
    }

    #[test]
    fn other_cookies_bytes_do_not_hide_the_session() {
        let s = Settings::default();
        let header = [&b"lang=\xe9t\xe9; session="[..], SID.as_bytes()].concat();
        assert_eq!(read(std::iter::once(&header[..]), &s, None).id.unwrap().as_str(), SID);
    }

    #[test]
    fn bad_cookies_are_absent() {
        let s = Settings::default();
        for bad in ["session=../../etc/passwd", "session=", "other=x", &format!("session={}", "a".repeat(5000))] {
            assert!(read(headers(bad), &s, None).id.is_none(), "{bad}");
        }
        assert!(read(std::iter::once(&b"session=\xff\xfe"[..]), &s, None).id.is_none());
    }

    #[test]
    fn default_attributes_match_flask() {
        let s = Settings::default();
        let id = SessionId::parse(SID).unwrap();
        let v = CookieWriter::new(&s).session(None, &id, Some(SystemTime::now())).to_str().unwrap().to_owned();
        assert!(v.starts_with(&format!("session={SID}")), "{v}");
        assert!(v.contains("HttpOnly") && v.contains("Path=/") && v.contains("Expires="), "{v}");
        assert!(!v.contains("Secure") && !v.contains("SameSite") && !v.contains("Domain"), "{v}");
        let v = CookieWriter::new(&s).session(None, &id, None).to_str().unwrap().to_owned();
        assert!(!v.contains("Expires"), "non-permanent sessions get browser-session cookies: {v}");
    }

    #[test]
    fn cached_expires_matches_the_cookie_crate() {
        let crate_text = |at: time::OffsetDateTime| {
            let mut c = cookie::Cookie::new("x", "");
            c.set_expires(at);
            c.to_string().split_once("; Expires=").unwrap().1.to_owned()
        };
        // Twice each (a miss, then a hit), then a new second, then back.
        for secs in [1_764_000_000, 1_764_000_000, 1_764_000_001, 1_764_000_001, 0, 1_764_000_000] {
            let at = time::OffsetDateTime::from_unix_timestamp(secs).unwrap();
            let mut got = String::new();
            expires_text(at, |t| got.push_str(t)).unwrap();
            assert_eq!(got, crate_text(at));
        }
        let v = CookieWriter::new(&Settings::default()).session(None, &SessionId::parse(SID).unwrap(), Some(SystemTime::now()));
        let v = v.to_str().unwrap();
        assert!(v.starts_with(&format!("session={SID}; HttpOnly; Path=/; Expires=")) && v.ends_with(" GMT"), "{v}");
    }

    #[test]
    fn removal_repeats_attributes() {
        let s = Settings {
            session_cookie_name: "__Host-sid".into(),
            session_cookie_secure: true,
            session_cookie_samesite: Some(SameSite::Strict),
            ..Settings::default()
        };
        let v = CookieWriter::new(&s).removal().to_str().unwrap().to_owned();
        for part in ["__Host-sid=", "Secure", "HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=0", "Expires=Thu, 01 Jan 1970 00:00:00 GMT"] {
            assert!(v.contains(part), "{part} missing from {v}");
        }
        let s = Settings { session_cookie_domain: Some("example.com".into()), ..s };
        assert!(CookieWriter::new(&s).removal().to_str().unwrap().contains("Domain=example.com"));
    }

    /// The pre-rendered attributes give, byte for byte, what the cookie crate writes for the
    /// same cookie, for every combination of attributes, signed or not.
    #[test]
    fn prerendered_cookie_matches_the_cookie_crate() {
        let id = SessionId::parse(SID).unwrap();
        let signer = Signer::new("dev-secret-key");
        for (secure, httponly, samesite, domain, path) in [
            (false, true, None, None, None),
            (true, false, Some(SameSite::None), Some("example.com"), Some("/app")),
            (true, true, Some(SameSite::Lax), None, Some("/")),
            (false, false, Some(SameSite::Strict), Some("a.example.org"), None),
        ] {
            let s = Settings {
                session_cookie_secure: secure,
                session_cookie_httponly: httponly,
                session_cookie_samesite: samesite,
                session_cookie_domain: domain.map(str::to_owned),
                session_cookie_path: path.map(str::to_owned),
                ..Settings::default()
            };
            let writer = CookieWriter::new(&s);
            for signer in [None, Some(&signer)] {
                let value = signer.map_or_else(|| SID.to_owned(), |g| g.sign(SID));
                let mut by_crate = base(&s);
                by_crate.set_value(value);
                assert_eq!(writer.session(signer, &id, None).to_str().unwrap(), by_crate.to_string());
                let permanent = writer.session(signer, &id, Some(SystemTime::now())).to_str().unwrap().to_owned();
                let (head, expires) = permanent.split_once("; Expires=").unwrap();
                assert_eq!(head, by_crate.to_string());
                assert!(expires.len() == "Thu, 01 Jan 1970 00:00:00 GMT".len() && expires.ends_with(" GMT"), "{expires}");
            }
        }
    }
}
