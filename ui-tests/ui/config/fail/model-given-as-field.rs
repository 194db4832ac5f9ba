use session_runtime::session_config;

#[session_config(session_type = "sqlalchemy")]
struct Sessions {
    session_sqlalchemy: String,
    session_sqlalchemy_model: String,
}

fn main() {}
