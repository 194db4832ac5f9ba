use session_runtime::session_config;

#[session_config(session_cookie_path = "app")]
struct Sessions;

fn main() {}
