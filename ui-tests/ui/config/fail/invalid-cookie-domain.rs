use session_runtime::session_config;

#[session_config(session_cookie_domain = "example.com; path=/")]
struct Sessions;

fn main() {}
