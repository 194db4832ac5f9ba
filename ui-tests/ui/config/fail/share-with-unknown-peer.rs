use session_runtime::session_config;

#[session_config(session_type = "redis", share_with = "flask-unchaind")]
struct Sessions;

fn main() {}
