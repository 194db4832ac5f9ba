//! Sessions in SQLite (a file path), in Flask Unchained's `flask_sessions` table (created at startup when
//! missing; a Flask app on the same table shares the sessions).
//!
//! `DATABASE_URL=sessions.db PORT=3000 cargo run -p session-runtime --example sqlite --features sqlite`,
//! then `curl -c jar -b jar http://127.0.0.1:3000/` a few times: the visit count goes up.
//! `GET /reset` clears the session. See `examples/migrations/sqlite/` for the same table as a
//! diesel migration.

use axum::routing::get;
use axum::Router;
use session_runtime::{Session, SessionError, SessionType, Settings};

async fn visit(session: Session) -> Result<String, SessionError> {
    let visits = session.get::<u64>("visits").await?.unwrap_or(0) + 1;
    session.insert("visits", &visits).await?;
    Ok(visits.to_string())
}

async fn reset(session: Session) -> Result<&'static str, SessionError> {
    session.clear().await?;
    Ok("cleared")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut settings = Settings::default();
    settings.session_type = SessionType::Sqlalchemy;
    settings.session_sqlalchemy = Some(std::env::var("DATABASE_URL").unwrap_or_else(|_| "sessions.db".into()));
    let sessions = settings.into_layer().await?;

    let app = Router::new().route("/", get(visit)).route("/reset", get(reset)).layer(sessions);
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3000);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("sqlite: serving on http://{}/", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
