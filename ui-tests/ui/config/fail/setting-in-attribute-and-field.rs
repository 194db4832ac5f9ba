use session_runtime::session_config;

#[session_config(session_type = "filesystem", session_file_dir = "/var/sessions")]
struct Sessions {
    session_file_dir: String,
}

fn main() {}
