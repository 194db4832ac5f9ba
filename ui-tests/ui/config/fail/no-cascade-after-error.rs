// After a mistake in the attribute, code using the generated methods reports nothing more.
use session_runtime::session_config;

#[session_config(session_type = "filesystem", session_cookie_samesite = "Loose")]
struct Sessions {
    secret_key: String,
}

async fn app() {
    let sessions = Sessions { secret_key: "k".into() };
    let _settings: session_runtime::Settings = sessions.settings();
    let _layer = sessions.into_layer().await;
}

fn main() {
    let _ = app;
}
