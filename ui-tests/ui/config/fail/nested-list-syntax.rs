use session_runtime::session_config;

#[session_config(session_cookie(secure = true))]
struct Sessions;

fn main() {}
