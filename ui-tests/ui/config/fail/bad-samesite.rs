use session_runtime::session_config;

#[session_config(session_cookie_samesite = "lax")]
struct Sessions;

fn main() {}
