// Every mistake of one attribute is reported in one compile.
use session_runtime::session_config;

#[session_config(
    session_type = "filesystem",
    session_cookie_nmae = "sid",
    session_cookie_httponly = 1,
    permanent_session_lifetime = "forever",
)]
struct Sessions;

fn main() {}
