use session_runtime::session_config;

#[session_config(session_cookie_name = "__Host-sid")]
struct Sessions;

fn main() {}
