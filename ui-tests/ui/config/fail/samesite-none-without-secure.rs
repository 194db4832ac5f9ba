use session_runtime::session_config;

#[session_config(session_cookie_samesite = "None")]
struct Sessions;

fn main() {}
