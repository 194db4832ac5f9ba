use session_runtime::session_config;

#[session_config(session_cookie_samesite = "nnone")]
struct Sessions;

fn main() {}
