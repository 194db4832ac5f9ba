// The absolute timeout cannot end a session before its idle timeout would.
use session_runtime::session_config;

#[session_config(permanent_session_lifetime = "1h", session_absolute_lifetime = "30m")]
struct Sessions;

fn main() {}
