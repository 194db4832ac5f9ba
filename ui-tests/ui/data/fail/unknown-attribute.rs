use session_runtime::SessionData;

#[derive(SessionData)]
struct Visitor {
    #[session(renam = "_user_id")]
    user_id: Option<String>,
}

fn main() {}
