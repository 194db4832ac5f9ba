//! session-runtime's actix-web middleware over the Redis store: the same lifecycle as `server
//! --store redis`, on actix-web. `REDIS_URL`, `PORT`; one worker, as the tokio servers run one
//! runtime.

use actix_web::{web, App, HttpServer};
use session_runtime::actix::SessionMiddleware;
use session_bench::{incr, read};
use session_runtime::{SessionType, Settings};

async fn none() -> &'static str {
    "ok"
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    actix_web::rt::System::new().block_on(async {
        let mut settings = Settings::default();
        settings.session_type = SessionType::Redis;
        settings.session_redis = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        let layer = settings.into_layer().await?;
        let server = HttpServer::new(move || {
            App::new()
                .wrap(SessionMiddleware::new(layer.clone()))
                .route("/incr", web::get().to(incr))
                .route("/read", web::get().to(read))
                .route("/none", web::get().to(none))
        })
        .workers(1)
        .bind(("127.0.0.1", session_bench::port()))?;
        eprintln!("actix_server listening on http://127.0.0.1:{}", session_bench::port());
        server.run().await?;
        Ok(())
    })
}
