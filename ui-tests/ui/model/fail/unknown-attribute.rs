use chrono::NaiveDateTime;
use session_runtime::session_model;

diesel::table! {
    user_sessions (id) {
        id -> Integer,
        session_id -> Varchar,
        data -> Binary,
        expiry -> Nullable<Timestamp>,
        user_id -> Nullable<Varchar>,
        created_at -> Timestamp,
    }
}

#[session_model(table = user_sessions, schema = public)]
pub struct UserSession {
    #[session(id)]
    session_id: String,
    #[session(data, compress)]
    data: Vec<u8>,
    #[session(expiry)]
    expiry: Option<NaiveDateTime>,
}

fn main() {}
