// `crate = path` for crates that re-export session-runtime under another name.
use chrono::NaiveDateTime;

mod reexport {
    pub use session_runtime as sessions;
}

diesel::table! {
    user_sessions (id) {
        id -> Integer,
        session_id -> Varchar,
        data -> Binary,
        expiry -> Nullable<Timestamp>,
        user_id -> Nullable<Varchar>,
    }
}

#[session_runtime::session_model(table = user_sessions, crate = reexport::sessions)]
#[allow(dead_code)]
pub struct UserSession {
    #[session(id)]
    session_id: String,
    #[session(data)]
    data: Vec<u8>,
    #[session(expiry)]
    expiry: Option<NaiveDateTime>,
    #[session(from = "_user_id")]
    user_id: Option<String>,
}

fn main() {
    use reexport::sessions::SessionModel;
    assert_eq!(UserSession::schema().table, "user_sessions");
    let _filter = UserSession::by_user_id("42");
}
