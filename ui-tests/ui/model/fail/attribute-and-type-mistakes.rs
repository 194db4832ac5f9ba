use chrono::NaiveDateTime;
use session_runtime::session_model;

diesel::table! {
    user_sessions (id) {
        id -> Integer,
        session_id -> Varchar,
        data -> Binary,
        expiry -> Nullable<Timestamp>,
    }
}

// A mistake in the attributes (no table) and one in a field's type are reported together, and
// the code using the model reports nothing more.
#[session_model]
pub struct UserSession {
    #[session(id)]
    session_id: String,
    #[session(data)]
    data: String,
    #[session(expiry)]
    expiry: Option<NaiveDateTime>,
}

fn main() {
    use session_runtime::SessionModel;
    let _ = UserSession::schema();
}
