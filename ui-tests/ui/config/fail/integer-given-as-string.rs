use session_runtime::session_config;

#[session_config(session_id_length = "32")]
struct Sessions;

fn main() {}
