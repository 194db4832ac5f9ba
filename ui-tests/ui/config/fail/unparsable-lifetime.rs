use session_runtime::session_config;

#[session_config(permanent_session_lifetime = "7 days")]
struct Sessions;

fn main() {}
