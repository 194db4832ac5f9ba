use session_runtime::session_config;

#[session_config(session_type = "filesystem", session_file_mode = 0o400)]
struct Sessions;

fn main() {}
