//! The quickstart routes on the MongoDB store.
//!
//! `MONGODB_URL=mongodb://127.0.0.1:27017 PORT=3000 cargo run --example mongodb --features mongodb`, then
//! `curl -c jar -b jar http://127.0.0.1:3000/` a few times: the visit count goes up.
//! `GET /reset` clears the session. `MONGODB_URL` defaults to the seed's address, `mongodb://127.0.0.1:27017`.

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
    settings.session_type = SessionType::Mongodb;
    if let Ok(url) = std::env::var("MONGODB_URL") {
        settings.session_mongodb = url;
    }
    // Connects now: a server that is not there stops the app here, with the reason.
    let sessions = settings.into_layer().await?;

    let app = Router::new().route("/", get(visit)).route("/reset", get(reset)).layer(sessions);
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3000);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("mongodb: serving on http://{}/", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
