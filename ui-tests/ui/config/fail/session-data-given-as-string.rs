use session_runtime::session_config;

#[session_config(session_type = "filesystem", session_data = "Visitor")]
struct Sessions;

fn main() {}
