use session_runtime::session_config;

#[session_config(session_cookie_name = "__Secure-sid", session_cookie_secure = false)]
struct Sessions;

fn main() {}
