use session_runtime::SessionData;

#[derive(SessionData)]
#[session(rename = "visitor")]
struct Visitor {
    visits: u32,
}

fn main() {}
