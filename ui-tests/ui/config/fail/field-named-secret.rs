// A name from another framework: the hint names the setting it means.
use session_runtime::session_config;

#[session_config(session_type = "filesystem", session_use_signer = true)]
struct Sessions {
    secret: String,
}

fn main() {}
