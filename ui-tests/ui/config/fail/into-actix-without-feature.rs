// The ui-tests build session-runtime without its `actix` feature.
use session_runtime::session_config;

#[session_config(session_type = "filesystem")]
struct Sessions;

async fn start() {
    let _middleware = Sessions.into_actix().await;
}

fn main() {
    drop(start());
}
