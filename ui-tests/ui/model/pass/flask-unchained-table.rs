// Flask Unchained's own table, every column with its role: the store fills created_at on insert
// and moves updated_at on every write.
use chrono::NaiveDateTime;
use session_runtime::session_model;
use session_runtime::store::sql::{ModelSchema, Role};

diesel::table! {
    flask_sessions (id) {
        id -> Integer,
        session_id -> Varchar,
        data -> Binary,
        expiry -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

#[session_model(table = flask_sessions)]
#[allow(dead_code)]
pub struct UnchainedSession {
    #[session(primary_key)]
    id: i32,
    #[session(id)]
    session_id: String,
    #[session(data)]
    data: Vec<u8>,
    #[session(expiry)]
    expiry: Option<NaiveDateTime>,
    #[session(created_at)]
    created_at: NaiveDateTime,
    #[session(updated_at)]
    updated_at: NaiveDateTime,
}

fn main() {
    use session_runtime::SessionModel;
    let schema = UnchainedSession::schema();
    let roles: Vec<Role> = schema.columns.iter().map(|c| c.role.clone()).collect();
    let default: Vec<Role> = ModelSchema::flask_default("flask_sessions").columns.into_iter().map(|c| c.role).collect();
    assert_eq!(roles, default);
}
