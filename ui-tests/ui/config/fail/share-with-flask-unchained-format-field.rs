use session_runtime::{session_config, SerializationFormat};

// A run-time format cannot be checked: with the preset it is fixed.
#[session_config(session_type = "sqlalchemy", session_sqlalchemy = "sessions.db", share_with = "flask-unchained")]
struct Sessions {
    session_serialization_format: SerializationFormat,
}

fn main() {}
