// Every duration setting takes the same forms (whole seconds as an integer or a string, or
// units d, h, m, s, ms), and SameSite in any case, as Werkzeug.
use std::time::Duration;

use session_runtime::{session_config, SameSite};

#[session_config(session_type = "sqlalchemy", session_sqlalchemy = "sqlite://s.db", permanent_session_lifetime = 3600, session_store_timeout = 2)]
struct Seconds;

#[session_config(session_type = "sqlalchemy", session_sqlalchemy = "sqlite://s.db", permanent_session_lifetime = "1d 1s500ms", session_store_timeout = "1m")]
struct Units;

#[session_config(session_cookie_samesite = "lax")]
struct LowerLax;

#[session_config(session_cookie_samesite = "none", session_cookie_secure = true)]
struct LowerNone;

#[session_config(session_cookie_samesite = "STRICT")]
struct UpperStrict;

#[session_config(session_type = "sqlalchemy", session_sqlalchemy = "sqlite://s.db")]
struct Fields {
    permanent_session_lifetime: u64,
    session_store_timeout: u64,
}

fn main() {
    let s = Seconds.settings();
    assert_eq!((s.permanent_session_lifetime, s.session_store_timeout), (Duration::from_secs(3600), Duration::from_secs(2)));
    let s = Units.settings();
    assert_eq!(s.permanent_session_lifetime, Duration::from_millis(86_401_500));
    assert_eq!(s.session_store_timeout, Duration::from_secs(60));
    assert_eq!(LowerLax.settings().session_cookie_samesite, Some(SameSite::Lax));
    assert_eq!(LowerNone.settings().session_cookie_samesite, Some(SameSite::None));
    assert_eq!(UpperStrict.settings().session_cookie_samesite, Some(SameSite::Strict));
    let s = Fields { permanent_session_lifetime: 60, session_store_timeout: 3 }.settings();
    assert_eq!((s.permanent_session_lifetime, s.session_store_timeout), (Duration::from_secs(60), Duration::from_secs(3)));
}
