//! The quickstart routes on the Redis store.
//!
//! `REDIS_URL=redis://127.0.0.1:6379 PORT=3000 cargo run --example redis --features redis`, then
//! `curl -c jar -b jar http://127.0.0.1:3000/` a few times: the visit count goes up.
//! `GET /reset` clears the session. `REDIS_URL` defaults to the seed's address, `redis://127.0.0.1:6379`.

mod visits;

use session_runtime::{SessionType, Settings};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut settings = Settings::default();
    settings.session_type = SessionType::Redis;
    if let Ok(url) = std::env::var("REDIS_URL") {
        settings.session_redis = url;
    }
    // Connects now: a server that is not there stops the app here, with the reason.
    let sessions = settings.into_layer().await?;

    visits::serve("redis", sessions).await
}
