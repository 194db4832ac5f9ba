use session_runtime::session_config;

#[session_config(session_type = "sqlalchemy", session_sqlalchemy = "sessions.db", session_serialization_format = "pikle")]
struct Sessions;

fn main() {}
