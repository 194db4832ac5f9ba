use session_runtime::session_config;

struct UserSession;

#[session_config(
    session_type = "sqlalchemy",
    session_sqlalchemy_table = "sessions",
    session_sqlalchemy_model = UserSession,
)]
struct Sessions {
    session_sqlalchemy: String,
}

fn main() {}
