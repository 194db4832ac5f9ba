// `#[session(crate = path)]` for crates that re-export session-runtime under another name.
mod reexport {
    pub use session_runtime as sessions;
}

#[derive(session_runtime::SessionData)]
#[session(crate = reexport::sessions)]
struct Visitor {
    #[session(default)]
    visits: u32,
}

#[allow(dead_code)]
async fn count(visitor: VisitorSession) -> u32 {
    visitor.visits().await.unwrap_or(0)
}

fn main() {
    assert_eq!(<Visitor as reexport::sessions::SessionData>::KEYS, ["visits"]);
}
