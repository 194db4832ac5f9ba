use session_runtime::session_config;

#[session_config(session_type = "filesystem", session_file_name_hash = "sha1")]
struct Sessions;

fn main() {}
