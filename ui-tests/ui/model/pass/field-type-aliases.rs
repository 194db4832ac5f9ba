// Field types are checked as types, not by their spelling: an alias of a column type works, in
// a role and in a column filled from the session.
use session_runtime::session_model;
use session_runtime::store::sql::{ColumnKind, ColumnValue, SessionFilter};

diesel::table! {
    user_sessions (id) {
        id -> Integer,
        session_id -> Varchar,
        data -> Binary,
        expiry -> Nullable<Timestamp>,
        user_id -> Nullable<BigInt>,
    }
}

type Stamp = Option<chrono::NaiveDateTime>;
type UserId = Option<i64>;

#[session_model(table = user_sessions)]
#[allow(dead_code)]
pub struct UserSession {
    #[session(id)]
    session_id: String,
    #[session(data)]
    data: Vec<u8>,
    #[session(expiry)]
    expiry: Stamp,
    #[session(from = "_user_id")]
    user_id: UserId,
}

fn main() {
    use session_runtime::SessionModel;
    let schema = UserSession::schema();
    let expiry = &schema.columns[2];
    assert_eq!((expiry.kind, expiry.nullable), (ColumnKind::Timestamp, true));
    let user_id = &schema.columns[3];
    assert_eq!((user_id.kind, user_id.nullable), (ColumnKind::BigInt, true));
    assert_eq!(UserSession::by_user_id(42i64), SessionFilter::new("user_id", ColumnValue::BigInt(Some(42))));
}
