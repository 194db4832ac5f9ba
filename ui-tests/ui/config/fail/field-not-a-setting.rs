use session_runtime::session_config;

#[session_config(session_type = "filesystem", session_use_signer = true)]
struct Sessions {
    secret_kye: String,
}

fn main() {}
