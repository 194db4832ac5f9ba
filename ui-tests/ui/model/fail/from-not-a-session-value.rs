use chrono::NaiveDateTime;
use session_runtime::session_model;

diesel::table! {
    user_sessions (id) {
        id -> Integer,
        session_id -> Varchar,
        data -> Binary,
        expiry -> Nullable<Timestamp>,
        avatar -> Nullable<Binary>,
        banner -> Nullable<Binary>,
    }
}

// A session value does not convert to bytes: `from` columns are text, integers, bools, floats.
// Reported once per field, whether the type is written out or an alias.
type Banner = Option<Vec<u8>>;

#[session_model(table = user_sessions)]
pub struct UserSession {
    #[session(id)]
    session_id: String,
    #[session(data)]
    data: Vec<u8>,
    #[session(expiry)]
    expiry: Option<NaiveDateTime>,
    #[session(from = "avatar")]
    avatar: Option<Vec<u8>>,
    #[session(from = "banner")]
    banner: Banner,
}

fn main() {}
