use session_runtime::SessionData;

#[derive(SessionData)]
enum Visitor {
    Anonymous,
}

fn main() {}
