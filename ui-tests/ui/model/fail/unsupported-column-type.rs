use chrono::NaiveDateTime;
use session_runtime::session_model;

diesel::table! {
    user_sessions (id) {
        id -> Integer,
        session_id -> Varchar,
        data -> Binary,
        expiry -> Nullable<Timestamp>,
        visits -> Nullable<Integer>,
    }
}

// No column kind of the store holds a u32.
#[session_model(table = user_sessions)]
pub struct UserSession {
    #[session(id)]
    session_id: String,
    #[session(data)]
    data: Vec<u8>,
    #[session(expiry)]
    expiry: Option<NaiveDateTime>,
    #[session(default)]
    visits: Option<u32>,
}

fn main() {}
