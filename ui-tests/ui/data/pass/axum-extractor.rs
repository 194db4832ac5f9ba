// The generated handle is an axum extractor.
use axum::routing::get;
use axum::Router;
use session_runtime::{SessionData, SessionError};

#[derive(SessionData)]
pub struct Visitor {
    #[session(default)]
    visits: u32,
}

async fn count(visitor: VisitorSession) -> Result<String, SessionError> {
    let visits = visitor.visits().await? + 1;
    visitor.set_visits(visits).await?;
    Ok(visits.to_string())
}

fn main() {
    let _app: Router = Router::new().route("/", get(count));
}
