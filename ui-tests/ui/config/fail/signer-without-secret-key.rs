use session_runtime::session_config;

#[session_config(session_type = "filesystem", session_use_signer = true)]
struct Sessions;

fn main() {}
