use session_runtime::session_config;

#[session_config(session_key_prefix = "app:")]
struct Sessions;

fn main() {}
