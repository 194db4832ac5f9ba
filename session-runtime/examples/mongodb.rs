//! The quickstart routes on the MongoDB store.
//!
//! `MONGODB_URL=mongodb://127.0.0.1:27017 PORT=3000 cargo run --example mongodb --features mongodb`, then
//! `curl -c jar -b jar http://127.0.0.1:3000/` a few times: the visit count goes up.
//! `GET /reset` clears the session. `MONGODB_URL` defaults to the seed's address, `mongodb://127.0.0.1:27017`.

mod visits;

use session_runtime::{SessionType, Settings};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut settings = Settings::default();
    settings.session_type = SessionType::Mongodb;
    if let Ok(url) = std::env::var("MONGODB_URL") {
        settings.session_mongodb = url;
    }
    // Connects now: a server that is not there stops the app here, with the reason.
    let sessions = settings.into_layer().await?;

    visits::serve("mongodb", sessions).await
}
