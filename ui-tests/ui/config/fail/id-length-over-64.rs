use session_runtime::session_config;

#[session_config(session_id_length = 128)]
struct Sessions;

fn main() {}
