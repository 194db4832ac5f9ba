use session_runtime::session_config;

#[session_config(session_type = "redis", session_serialization_format = "pikle")]
struct Sessions;

fn main() {}
