use session_runtime::session_config;

#[session_config(session_type = "sqlalchemy")]
struct Sessions;

fn main() {}
