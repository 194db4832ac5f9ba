use session_runtime::session_config;

#[session_config(session_type = "filesystem", session_max_size = 512)]
struct Sessions;

fn main() {}
