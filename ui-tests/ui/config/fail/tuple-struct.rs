use session_runtime::session_config;

#[session_config(session_type = "filesystem")]
struct Sessions(String);

fn main() {}
