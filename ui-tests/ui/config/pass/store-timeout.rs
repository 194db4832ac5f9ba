// `session_store_timeout` with its unit, as a literal and as a field.
use std::time::Duration;

use session_runtime::session_config;

#[session_config(session_type = "sqlalchemy", session_sqlalchemy = "sqlite://sessions.db", session_store_timeout = "750ms")]
struct Literal;

#[session_config(session_type = "sqlalchemy")]
struct Field {
    session_sqlalchemy: String,
    session_store_timeout: Duration,
}

fn main() {
    assert_eq!(Literal.settings().session_store_timeout, Duration::from_millis(750));
    let field = Field { session_sqlalchemy: "sqlite://sessions.db".into(), session_store_timeout: Duration::from_secs(5) };
    assert_eq!(field.settings().session_store_timeout, Duration::from_secs(5));
    assert_eq!(session_runtime::Settings::default().session_store_timeout, Duration::from_secs(2));
}
