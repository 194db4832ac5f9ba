use session_runtime::session_config;

#[session_config(session_type = "redis", session_file_dir = "/var/sessions")]
struct Sessions;

fn main() {}
