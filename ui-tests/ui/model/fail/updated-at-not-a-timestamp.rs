use session_runtime::session_model;

diesel::table! {
    flask_sessions (id) {
        id -> Integer,
        session_id -> Varchar,
        data -> Binary,
        expiry -> Nullable<Timestamp>,
        updated_at -> Varchar,
    }
}

#[session_model(table = flask_sessions)]
pub struct UnchainedSession {
    #[session(id)]
    session_id: String,
    #[session(data)]
    data: Vec<u8>,
    #[session(expiry)]
    expiry: Option<chrono::NaiveDateTime>,
    #[session(updated_at)]
    updated_at: String,
}

fn main() {}
