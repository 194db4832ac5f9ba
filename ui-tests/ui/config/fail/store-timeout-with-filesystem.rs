use session_runtime::session_config;

// The filesystem store has no server to wait for.
#[session_config(session_type = "filesystem", session_store_timeout = "2s")]
struct Sessions;

fn main() {}
