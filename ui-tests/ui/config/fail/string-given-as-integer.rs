use session_runtime::session_config;

#[session_config(session_cookie_name = 5)]
struct Sessions;

fn main() {}
