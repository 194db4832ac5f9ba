// The generated methods that build the layer, with the filesystem store.
use session_runtime::{session_config, store::NullStore, SessionLayer};

#[session_config(session_type = "filesystem", session_file_dir = "/tmp/ui-sessions")]
pub struct Sessions {
    secret_key: String,
}

#[allow(dead_code)]
async fn layers() -> Result<SessionLayer, Box<dyn std::error::Error>> {
    let sessions = Sessions { secret_key: "k".into() };
    let _custom = sessions.layer_with_store(NullStore)?;
    Ok(sessions.into_layer().await?)
}

fn main() {}
