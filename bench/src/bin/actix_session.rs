//! actix-session 0.11 with its Redis store: the session crate actix-web users compare us with.
//!
//! Configured for the same semantics as session-runtime's defaults: a persistent 31-day
//! session whose TTL moves on every request (`TtlExtensionPolicy::OnEveryRequest`), cookie
//! `session`, not `Secure`. actix-session always signs or encrypts its cookie: the default,
//! private (encrypted) cookie is used. `REDIS_URL`, `PORT`; one worker.

use actix_session::config::{PersistentSession, TtlExtensionPolicy};
use actix_session::storage::RedisSessionStore;
use actix_session::{Session, SessionMiddleware};
use actix_web::cookie::{time, Key};
use actix_web::{web, App, HttpServer};

async fn incr(session: Session) -> actix_web::Result<String> {
    let n = session.get::<u64>("n")?.unwrap_or(0) + 1;
    session.insert("n", n)?;
    Ok(n.to_string())
}

async fn read(session: Session) -> actix_web::Result<String> {
    Ok(session.get::<u64>("n")?.unwrap_or(0).to_string())
}

async fn none() -> &'static str {
    "ok"
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    actix_web::rt::System::new().block_on(async {
        let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        let store = RedisSessionStore::new(url).await?;
        let key = Key::from(&[7u8; 64]);
        let lifetime = time::Duration::seconds(session_bench::LIFETIME.as_secs() as i64);
        let server = HttpServer::new(move || {
            let sessions = SessionMiddleware::builder(store.clone(), key.clone())
                .cookie_name("session".into())
                .cookie_secure(false)
                .session_lifecycle(
                    PersistentSession::default()
                        .session_ttl(lifetime)
                        .session_ttl_extension_policy(TtlExtensionPolicy::OnEveryRequest),
                )
                .build();
            App::new()
                .wrap(sessions)
                .route("/incr", web::get().to(incr))
                .route("/read", web::get().to(read))
                .route("/none", web::get().to(none))
        })
        .workers(1)
        .bind(("127.0.0.1", session_bench::port()))?;
        eprintln!("actix_session listening on http://127.0.0.1:{}", session_bench::port());
        server.run().await?;
        Ok(())
    })
}
