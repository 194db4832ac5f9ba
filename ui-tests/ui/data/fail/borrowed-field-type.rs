use session_runtime::SessionData;

#[derive(SessionData)]
struct Visitor {
    name: &'static str,
}

fn main() {}
