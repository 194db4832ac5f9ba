use chrono::NaiveDateTime;
use session_runtime::session_model;

diesel::table! {
    user_sessions (id) {
        id -> Integer,
        session_id -> Varchar,
        data -> Binary,
        expiry -> Nullable<Timestamp>,
        user_id -> Nullable<Varchar>,
        note -> Nullable<Varchar>,
        created_at -> Timestamp,
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
    /// Not written by the store: the database default (NULL) applies.
    #[session(default)]
    note: Option<String>,
    #[session(created_at)]
    created_at: NaiveDateTime,
}

fn main() {
    use session_runtime::SessionModel;
    let schema = UserSession::schema();
    assert_eq!(schema.table, "user_sessions");
    assert_eq!(schema.columns.len(), 7);
    let _filter = UserSession::by_user_id("42");
}
