use session_runtime::session_config;

struct Visitor {
    visits: u32,
}

#[session_config(session_type = "filesystem", session_data = Visitor)]
struct Sessions;

fn main() {}
