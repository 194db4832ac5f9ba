//! Axum with no session layer: the ceiling `/none` is measured against.

use axum::routing::get;
use axum::Router;

async fn none() -> &'static str {
    "ok"
}

#[tokio::main]
async fn main() {
    session_bench::serve("bare", Router::new().route("/none", get(none))).await;
}
