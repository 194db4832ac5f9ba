//! The quickstart routes on the memcached store.
//!
//! `MEMCACHED_URL=memcache://127.0.0.1:11211 PORT=3000 cargo run --example memcached --features memcached`, then
//! `curl -c jar -b jar http://127.0.0.1:3000/` a few times: the visit count goes up.
//! `GET /reset` clears the session. `MEMCACHED_URL` defaults to the seed's address, `memcache://127.0.0.1:11211`.

mod visits;

use session_runtime::{SessionType, Settings};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut settings = Settings::default();
    settings.session_type = SessionType::Memcached;
    if let Ok(url) = std::env::var("MEMCACHED_URL") {
        settings.session_memcached = url;
    }
    // Connects now: a server that is not there stops the app here, with the reason.
    let sessions = settings.into_layer().await?;

    visits::serve("memcached", sessions).await
}
