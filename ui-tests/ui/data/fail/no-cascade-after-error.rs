// After a mistake in an attribute, code using the handle reports nothing more.
use session_runtime::SessionData;

#[derive(SessionData)]
struct Visitor {
    #[session(defualt)]
    visits: u32,
}

async fn handler(visitor: VisitorSession) {
    let _ = visitor.visits().await;
    let _ = visitor.set_visits(1).await;
}

fn main() {
    let _ = handler;
}
