use session_runtime::session_config;

#[session_config(permanent_session_lifetime = "0s")]
struct Sessions;

fn main() {}
