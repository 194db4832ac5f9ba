use session_runtime::session_config;

#[session_config(session_type = "sqlalchemy", session_sqlalchemy = "sessions.db", share_with = "flask-unchaind")]
struct Sessions;

fn main() {}
