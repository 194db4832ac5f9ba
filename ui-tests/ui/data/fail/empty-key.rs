use session_runtime::SessionData;

#[derive(SessionData)]
struct Visitor {
    #[session(rename = "")]
    visits: u32,
}

fn main() {}
