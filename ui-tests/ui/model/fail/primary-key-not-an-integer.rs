use chrono::NaiveDateTime;
use session_runtime::session_model;

diesel::table! {
    user_sessions (id) {
        id -> Varchar,
        session_id -> Varchar,
        data -> Binary,
        expiry -> Nullable<Timestamp>,
    }
}

#[session_model(table = user_sessions)]
pub struct UserSession {
    #[session(primary_key)]
    id: String,
    #[session(id)]
    session_id: String,
    #[session(data)]
    data: Vec<u8>,
    #[session(expiry)]
    expiry: Option<NaiveDateTime>,
}

fn main() {}
