// Browsers match cookie prefixes without regard to case: `__host-` is a `__Host-` cookie.
use session_runtime::session_config;

#[session_config(session_cookie_name = "__host-sid")]
struct Sessions;

fn main() {}
