//! Sessions in SQLite (a file path), in Flask Unchained's `flask_sessions` table (created at startup when
//! missing; a Flask app on the same table shares the sessions).
//!
//! `DATABASE_URL=sessions.db PORT=3000 cargo run -p session-runtime --example sqlite --features sqlite`,
//! then `curl -c jar -b jar http://127.0.0.1:3000/` a few times: the visit count goes up.
//! `GET /reset` clears the session. See `examples/migrations/sqlite/` for the same table as a
//! diesel migration.

mod visits;

use session_runtime::{SessionType, Settings};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut settings = Settings::default();
    settings.session_type = SessionType::Sqlalchemy;
    settings.session_sqlalchemy = Some(std::env::var("DATABASE_URL").unwrap_or_else(|_| "sessions.db".into()));
    let sessions = settings.into_layer().await?;

    visits::serve("sqlite", sessions).await
}
