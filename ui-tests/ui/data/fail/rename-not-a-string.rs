use session_runtime::SessionData;

#[derive(SessionData)]
struct Visitor {
    #[session(rename = user_id)]
    user: Option<String>,
}

fn main() {}
