use session_runtime::session_config;

#[session_config(session_type = "filesystem")]
enum Sessions {
    A,
}

fn main() {}
