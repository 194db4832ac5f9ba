// `session_sqlalchemy_model` names a struct that lacks `#[session_model]`.
use session_runtime::session_config;

pub struct Plain {
    pub session_id: String,
}

#[session_config(session_type = "sqlalchemy", session_sqlalchemy_model = Plain)]
struct Sessions {
    session_sqlalchemy: String,
}

fn main() {}
