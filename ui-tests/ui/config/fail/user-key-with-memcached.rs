use session_runtime::session_config;

// memcached cannot enumerate keys: a user's sessions could never be listed.
#[session_config(session_type = "memcached", session_user_key = "_user_id")]
struct Sessions;

fn main() {}
