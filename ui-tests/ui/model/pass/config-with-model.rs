// A custom model wired through `#[session_config]`: `into_layer` uses the model's table.
use chrono::NaiveDateTime;
use session_runtime::{session_config, session_model};

diesel::table! {
    user_sessions (id) {
        id -> Integer,
        session_id -> Varchar,
        data -> Binary,
        expiry -> Nullable<Timestamp>,
        user_id -> Nullable<Varchar>,
    }
}

#[session_model(table = user_sessions)]
#[allow(dead_code)]
pub struct UserSession {
    #[session(primary_key)]
    id: i32,
    #[session(id)]
    session_id: String,
    #[session(data)]
    data: Vec<u8>,
    #[session(expiry)]
    expiry: Option<NaiveDateTime>,
    #[session(from = "_user_id", index)]
    user_id: Option<String>,
}

#[session_config(session_type = "sqlalchemy", session_sqlalchemy_model = UserSession)]
struct Sessions {
    session_sqlalchemy: String,
}

#[allow(dead_code)]
async fn layer() -> Result<session_runtime::SessionLayer, session_runtime::Error> {
    Sessions { session_sqlalchemy: "sessions.db".into() }.into_layer().await
}

fn main() {}
