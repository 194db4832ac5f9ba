//! The quickstart's routes and server, shared by the per-backend examples so that each of them
//! shows only what differs: its settings.

use axum::routing::get;
use axum::Router;
use session_runtime::{Session, SessionError, SessionLayer};

async fn visit(session: Session) -> Result<String, SessionError> {
    let visits = session.get::<u64>("visits").await?.unwrap_or(0) + 1;
    session.insert("visits", &visits).await?;
    Ok(visits.to_string())
}

async fn reset(session: Session) -> Result<&'static str, SessionError> {
    session.clear().await?;
    Ok("cleared")
}

/// Serves `GET /` (count visits, answer the number) and `GET /reset` behind `sessions` on
/// 127.0.0.1:$PORT (default 3000).
pub(crate) async fn serve(name: &str, sessions: SessionLayer) -> Result<(), Box<dyn std::error::Error>> {
    let app = Router::new().route("/", get(visit)).route("/reset", get(reset)).layer(sessions);
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3000);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("{name}: serving on http://{}/", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
