use session_runtime::session_config;

#[session_config(session_type = "filesystem")]
struct Sessions {
    session_cookie_secure: String,
}

fn main() {}
