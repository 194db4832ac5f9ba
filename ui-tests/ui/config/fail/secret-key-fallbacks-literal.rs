use session_runtime::session_config;

#[session_config(session_type = "filesystem", secret_key_fallbacks = "old-key")]
struct Sessions {
    secret_key: String,
}

fn main() {}
