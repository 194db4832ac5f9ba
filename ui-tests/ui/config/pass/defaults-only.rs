use session_runtime::{session_config, SessionType};

#[session_config]
struct Sessions;

fn main() {
    let settings = Sessions.settings();
    assert_eq!(settings.session_type, SessionType::Null);
    assert_eq!(settings.session_cookie_name, "session");
    assert_eq!(settings.permanent_session_lifetime.as_secs(), 31 * 86_400);
}
