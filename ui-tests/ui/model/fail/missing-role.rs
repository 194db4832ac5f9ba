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

// No #[session(expiry)] field.
#[session_model(table = user_sessions)]
pub struct UserSession {
    #[session(id)]
    session_id: String,
    #[session(data)]
    data: Vec<u8>,
}

fn main() {}
