use session_runtime::SessionData;

#[derive(SessionData)]
struct Visitor {
    user_id: Option<String>,
    #[session(rename = "user_id")]
    login: Option<String>,
}

fn main() {}
