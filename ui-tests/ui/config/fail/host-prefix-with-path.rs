use session_runtime::session_config;

#[session_config(
    session_cookie_name = "__Host-sid",
    session_cookie_secure = true,
    session_cookie_path = "/app",
)]
struct Sessions;

fn main() {}
