use session_runtime::SessionData;

#[derive(SessionData)]
struct Visitor {
    #[session(rename = "_permanent")]
    permanent: bool,
}

fn main() {}
