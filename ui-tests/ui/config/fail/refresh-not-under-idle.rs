// Refreshing less often than the idle timeout would let an active session expire.
use session_runtime::session_config;

#[session_config(permanent_session_lifetime = "1h", session_refresh_interval = "2h")]
struct Sessions;

fn main() {}
