use session_runtime::session_config;

#[session_config(session_cookie_secure = "true")]
struct Sessions;

fn main() {}
