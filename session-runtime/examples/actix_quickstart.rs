//! The quickstart on actix-web: the filesystem store, every other setting at the seed's default,
//! the same routes and answers as `examples/quickstart.rs`.
//!
//! `cargo run --example actix_quickstart --features actix`, then `curl -c jar -b jar
//! http://127.0.0.1:3000/` a few times: the visit count goes up. `GET /reset` clears the session.
//! `PORT` changes the port.

use actix_web::{web, App, HttpServer};
use session_runtime::{session_config, SessionData, SessionError};

/// What this app keeps in a session: one key, `visits`.
#[derive(SessionData)]
struct Visitor {
    #[session(default)]
    visits: u64,
}

/// Checked at compile time; `Sessions.into_actix()` connects the store.
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

// actix-web's own runtime (`#[actix_web::main]` without its macros feature).
fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The layer's warnings (a forged cookie, an unreadable stored session) go to stderr.
    tracing_subscriber::fmt().with_writer(std::io::stderr).init();
    actix_web::rt::System::new().block_on(serve())
}

async fn serve() -> Result<(), Box<dyn std::error::Error>> {
    let sessions = Sessions.into_actix().await?;
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3000);
    let server = HttpServer::new(move || {
        App::new()
            .wrap(sessions.clone())
            .route("/", web::get().to(visit))
            .route("/reset", web::get().to(reset))
    })
    .bind(("127.0.0.1", port))?;
    println!("actix_quickstart: serving on http://{}/", server.addrs()[0]);
    server.run().await?;
    Ok(())
}
