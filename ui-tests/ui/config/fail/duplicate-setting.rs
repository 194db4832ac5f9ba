use session_runtime::session_config;

#[session_config(session_cookie_secure = true, session_cookie_secure = false)]
struct Sessions;

fn main() {}
