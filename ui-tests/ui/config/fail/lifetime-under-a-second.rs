// Every duration setting takes "ms", but a lifetime must be at least a second.
use session_runtime::session_config;

#[session_config(permanent_session_lifetime = "500ms")]
struct Sessions;

fn main() {}
