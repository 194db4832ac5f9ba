//! Sessions on the filesystem store, every other setting at the seed's default.
//!
//! `cargo run --example quickstart`, then `curl -c jar -b jar http://127.0.0.1:3000/` a few
//! times: the visit count goes up. `GET /reset` clears the session.

use axum::routing::get;
use axum::Router;
use session_runtime::{session_config, SessionData, SessionError};

/// What this app keeps in a session: one key, `visits`.
#[derive(SessionData)]
struct Visitor {
    #[session(default)]
    visits: u64,
}

/// Checked at compile time; `Sessions.into_layer()` connects the store.
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

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The layer's warnings (a forged cookie, an unreadable stored session) go to stderr.
    tracing_subscriber::fmt().with_writer(std::io::stderr).init();
    let sessions = Sessions.into_layer().await?;
    let app = Router::new().route("/", get(visit)).route("/reset", get(reset)).layer(sessions);
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3000);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("quickstart: serving on http://{}/", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
