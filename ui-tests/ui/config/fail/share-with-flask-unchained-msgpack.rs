use session_runtime::session_config;

// msgpack beside Flask Unchained: it reads an empty session and saves it over the stored one.
#[session_config(session_type = "sqlalchemy", session_sqlalchemy = "sessions.db", share_with = "flask-unchained", session_serialization_format = "msgpack")]
struct Sessions;

fn main() {}
