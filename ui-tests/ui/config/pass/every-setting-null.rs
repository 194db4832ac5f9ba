// The settings that apply to every store, on the null store, with a domain and samesite.
use session_runtime::{session_config, SameSite, SerializationFormat};

#[session_config(
    session_type = "null",
    session_cookie_name = "sid",
    session_cookie_domain = "example.com",
    session_cookie_path = "/app",
    session_cookie_samesite = "Strict",
    permanent_session_lifetime = 3600,
    session_id_length = 16,
    session_serialization_format = "json",
)]
struct Sessions;

fn main() {
    let s = Sessions.settings();
    assert_eq!(s.session_cookie_domain.as_deref(), Some("example.com"));
    assert_eq!(s.cookie_path(), "/app");
    assert_eq!(s.session_cookie_samesite, Some(SameSite::Strict));
    assert_eq!(s.permanent_session_lifetime.as_secs(), 3600);
    assert_eq!(s.session_id_length, 16);
    assert_eq!(s.session_serialization_format, SerializationFormat::Json);
}
