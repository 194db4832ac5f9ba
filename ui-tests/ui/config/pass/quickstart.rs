// The quickstart's shape on the macros: same keys and HTTP behaviour as the untyped version.
use axum::routing::get;
use axum::Router;
use session_runtime::{session_config, SessionData, SessionError};

#[derive(SessionData)]
struct Visitor {
    #[session(default)]
    visits: u64,
}

#[session_config(session_type = "filesystem", session_data = Visitor)]
struct Sessions;

async fn visit(visitor: VisitorSession) -> Result<String, SessionError> {
    let visits = visitor.visits().await? + 1;
    visitor.set_visits(visits).await?;
    Ok(visits.to_string())
}

async fn reset(visitor: VisitorSession) -> Result<&'static str, SessionError> {
    visitor.clear().await?;
    Ok("cleared")
}

#[allow(dead_code)]
async fn app() -> Result<Router, session_runtime::Error> {
    let sessions = Sessions.into_layer().await?;
    Ok(Router::new().route("/", get(visit)).route("/reset", get(reset)).layer(sessions))
}

fn main() {}
