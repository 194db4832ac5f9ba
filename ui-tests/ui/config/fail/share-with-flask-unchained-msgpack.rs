use session_runtime::session_config;

// msgpack beside Flask Unchained: it reads an empty session and saves it over the stored one.
#[session_config(session_type = "redis", share_with = "flask-unchained", session_serialization_format = "msgpack")]
struct Sessions;

fn main() {}
