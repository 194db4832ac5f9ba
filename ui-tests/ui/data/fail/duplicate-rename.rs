use session_runtime::SessionData;

#[derive(SessionData)]
struct Visitor {
    #[session(rename = "_user_id", rename = "uid")]
    user_id: Option<String>,
}

fn main() {}
