use chrono::NaiveDateTime;
use session_runtime::session_model;

diesel::table! {
    user_sessions (session_id) {
        session_id -> Varchar,
        data -> Binary,
        expiry -> Timestamp,
    }
}

// The table's expiry is NOT NULL; the struct says Option.
#[session_model(table = user_sessions)]
pub struct UserSession {
    #[session(id)]
    session_id: String,
    #[session(data)]
    data: Vec<u8>,
    #[session(expiry)]
    expiry: Option<NaiveDateTime>,
}

fn main() {}
