//! Idle, absolute and renewal timeouts and refresh throttling, configured by environment.
//!
//! `cargo run --example timeouts --features redis`, with, each optional:
//! - `SESSION_TYPE`: `filesystem` (the default) or `redis`;
//! - `SESSION_FILE_DIR` (default `./flask_sessions`), `REDIS_URL` (default `redis://127.0.0.1:6379`);
//! - `PORT` (default 3000);
//! - in whole seconds, unset = off: `IDLE_TIMEOUT` (`permanent_session_lifetime`, default 31
//!   days), `ABSOLUTE_TIMEOUT` (`session_absolute_lifetime`), `RENEW_INTERVAL`
//!   (`session_renew_interval`), `REFRESH_INTERVAL` (`session_refresh_interval`).
//!
//! Routes: `GET /` counts visits in the session and answers the number; `GET /reset` clears the
//! session; `GET /peek` answers the count (0 when none) without modifying the session.
//!
//! `IDLE_TIMEOUT=60 ABSOLUTE_TIMEOUT=300 cargo run --example timeouts --features redis`, then
//! `curl -c jar -b jar http://127.0.0.1:3000/` a few times.

use std::time::Duration;

use axum::routing::get;
use axum::Router;
use session_runtime::{Session, SessionError, Settings};

/// The settings the environment asks for; `var` reads one variable (`std::env::var` in `main`).
/// A malformed value is an error naming the variable, never a silent default.
pub fn settings_from(var: impl Fn(&str) -> Option<String>) -> Result<Settings, String> {
    let seconds = |name: &str| -> Result<Option<Duration>, String> {
        match var(name) {
            None => Ok(None),
            Some(v) => v.trim().parse().map(|s| Some(Duration::from_secs(s))).map_err(|_| format!("{name}={v:?}: give whole seconds, e.g. 3600")),
        }
    };
    let mut settings = match var("SESSION_TYPE").as_deref().unwrap_or("filesystem") {
        "filesystem" => Settings::filesystem(var("SESSION_FILE_DIR").unwrap_or_else(|| "flask_sessions".into())),
        "redis" => Settings::redis(var("REDIS_URL").unwrap_or_else(|| "redis://127.0.0.1:6379".into())),
        other => return Err(format!("SESSION_TYPE={other:?}: give \"filesystem\" or \"redis\"")),
    };
    if let Some(idle) = seconds("IDLE_TIMEOUT")? {
        settings.permanent_session_lifetime = idle;
    }
    settings.session_absolute_lifetime = seconds("ABSOLUTE_TIMEOUT")?;
    settings.session_renew_interval = seconds("RENEW_INTERVAL")?;
    settings.session_refresh_interval = seconds("REFRESH_INTERVAL")?;
    settings.validate().map_err(|e| e.to_string())?;
    Ok(settings)
}

async fn visit(session: Session) -> Result<String, SessionError> {
    let visits = session.get::<u64>("visits").await?.unwrap_or(0) + 1;
    session.insert("visits", &visits).await?;
    Ok(visits.to_string())
}

async fn peek(session: Session) -> Result<String, SessionError> {
    Ok(session.get::<u64>("visits").await?.unwrap_or(0).to_string())
}

async fn reset(session: Session) -> Result<&'static str, SessionError> {
    session.clear().await?;
    Ok("cleared")
}

/// The three routes, without the session layer.
pub fn router() -> Router {
    Router::new().route("/", get(visit)).route("/peek", get(peek)).route("/reset", get(reset))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_writer(std::io::stderr).init();
    // A variable set to nothing (`ABSOLUTE_TIMEOUT=`) counts as unset.
    let settings = settings_from(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))?;
    let app = router().layer(settings.into_layer().await?);
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3000);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("timeouts: serving on http://{}/", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
