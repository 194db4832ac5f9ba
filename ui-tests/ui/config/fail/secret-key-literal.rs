use session_runtime::session_config;

#[session_config(session_use_signer = true, secret_key = "dev-secret-key")]
struct Sessions;

fn main() {}
