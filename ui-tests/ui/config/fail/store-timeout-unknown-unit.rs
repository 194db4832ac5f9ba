use session_runtime::session_config;

#[session_config(session_type = "sqlalchemy", session_sqlalchemy = "sqlite://s.db", session_store_timeout = "2 secs")]
struct Sessions;

fn main() {}
