use session_runtime::session_config;

#[session_config(session_type = "filesystem", session_cleanup_n_requests = 0)]
struct Sessions;

fn main() {}
