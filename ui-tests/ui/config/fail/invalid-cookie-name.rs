use session_runtime::session_config;

#[session_config(session_cookie_name = "my session")]
struct Sessions;

fn main() {}
