use session_runtime::session_config;

#[session_config(session_type = "filesystem", session_serialization_format = "json")]
struct Sessions;

fn main() {}
