// The preset for sharing a store with Flask Unchained 0.9: pickle, written explicitly or not.
use session_runtime::{session_config, SerializationFormat, Settings};

#[session_config(session_type = "null", share_with = "flask-unchained", session_use_signer = true)]
struct Sessions {
    secret_key: String,
}

#[session_config(session_type = "null", share_with = "flask-unchained", session_serialization_format = "pickle")]
struct Explicit;

fn main() {
    let s = Sessions { secret_key: "k".into() }.settings();
    assert_eq!(s.session_serialization_format, SerializationFormat::Pickle);
    assert_eq!(s.session_key_prefix, "session:");
    assert_eq!(Explicit.settings().session_serialization_format, SerializationFormat::Pickle);
    assert_eq!(Settings::flask_unchained().session_serialization_format, SerializationFormat::Pickle);
}
