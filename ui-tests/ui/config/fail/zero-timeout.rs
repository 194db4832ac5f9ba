// Zero is refused as for the lifetime; leave the setting out to turn a timeout off.
use session_runtime::session_config;

#[session_config(session_renew_interval = "0s")]
struct Sessions;

fn main() {}
