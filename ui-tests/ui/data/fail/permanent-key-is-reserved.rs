use session_runtime::SessionData;

#[derive(SessionData)]
struct Visitor {
    #[session(rename = "_permanent")]
    remember_me: bool,
}

fn main() {}
