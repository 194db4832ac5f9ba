use session_runtime::session_config;

#[session_config(session_type = "filesystem", session_cooke_name = "sid")]
struct Sessions;

fn main() {}
