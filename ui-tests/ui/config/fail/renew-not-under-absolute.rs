// A renewal at or past the absolute timeout never happens.
use session_runtime::session_config;

#[session_config(session_absolute_lifetime = "31d", session_renew_interval = "40d")]
struct Sessions;

fn main() {}
