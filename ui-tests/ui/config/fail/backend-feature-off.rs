// The ui-tests build session-runtime without its `redis` feature.
use session_runtime::session_config;

#[session_config(session_type = "redis")]
struct Sessions {
    session_redis: String,
}

fn main() {}
