use session_runtime::session_config;

#[session_config(session_type = "filesytem")]
struct Sessions;

fn main() {}
